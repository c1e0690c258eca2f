"""Where the minima lie: distances between symmetrized minima, to the global minimum, and the
directions in which they are seen from it (paper section 4.5).

All points are symmetrized params (minimal-energy, node-sorted representatives), so a distance
compares networks and not arbitrary members of their rescaling/permutation orbits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

#: Rows per block when a statistic runs over all pairs (keeps memory at block x N).
BLOCK = 1024


def live_minima(minima: Mapping[str, np.ndarray]) -> np.ndarray:
    """(B,) bool: fits that are neither dead (constant output) nor diverged."""
    return ~np.asarray(minima["dead"], bool) & ~np.asarray(minima["diverged"], bool)


def sample_pairs(count: int, pairs: int, rng: np.random.Generator) -> np.ndarray:
    """(m, 2) distinct index pairs i < j among ``count`` points, in random order.

    Without replacement: all ``count (count - 1) / 2`` pairs if ``pairs`` is at least that many,
    otherwise a uniform random subset of ``pairs`` of them.
    """
    total = count * (count - 1) // 2
    if total == 0:
        return np.zeros((0, 2), dtype=np.int64)
    flat = rng.permutation(total) if pairs >= total else rng.choice(total, size=pairs, replace=False)
    return pair_from_index(np.asarray(flat, dtype=np.int64), count)


def pair_from_index(flat: np.ndarray, count: int) -> np.ndarray:
    """Row-major index t of the strict upper triangle of a count x count matrix -> (i, j), i < j."""
    t = np.asarray(flat, dtype=np.int64)
    # rows start at s(i) = i (2 count - i - 1) / 2; solve s(i) <= t for the largest i, then fix rounding
    disc = (2 * count - 1) ** 2 - 8 * t
    i = np.floor(((2 * count - 1) - np.sqrt(disc.astype(np.float64))) / 2).astype(np.int64)
    i = np.clip(i, 0, count - 2)
    start = i * (2 * count - i - 1) // 2
    i = np.where(start > t, i - 1, i)
    start = i * (2 * count - i - 1) // 2
    nxt = (i + 1) * (2 * count - i - 2) // 2
    i = np.where(t >= nxt, i + 1, i)
    start = i * (2 * count - i - 1) // 2
    j = t - start + i + 1
    return np.stack([i, j], axis=-1)


def pair_distances(points: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Euclidean distances ||points[i] - points[j]|| for each row (i, j) of ``pairs``."""
    return np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=-1)


def _min_over_pairs(points: np.ndarray, value: Callable[[np.ndarray, np.ndarray], np.ndarray]
                    ) -> tuple[float, tuple[int, int]]:
    """Smallest ``value(block, points)[a, b]`` over all pairs i < j, and the pair, in row blocks."""
    count = len(points)
    best, where = np.inf, (-1, -1)
    for lo in range(0, count - 1, BLOCK):
        block = value(points[lo:lo + BLOCK], points)  # (rows, count)
        rows = np.arange(lo, lo + len(block))
        block = np.where(np.arange(count)[None, :] > rows[:, None], block, np.inf)
        a = int(np.argmin(block))
        r, c = divmod(a, count)
        if block[r, c] < best:
            best, where = float(block[r, c]), (lo + r, c)
    return best, where


def min_pair_distance(points: np.ndarray) -> float:
    """The smallest distance between any two of ``points`` (all pairs, exact for the closest one)."""
    if len(points) < 2:
        return float("nan")
    sq = (points**2).sum(-1)

    def squared(block, pts):
        return (block**2).sum(-1)[:, None] + sq[None, :] - 2.0 * block @ pts.T

    _, (i, j) = _min_over_pairs(points, squared)
    return float(np.linalg.norm(points[i] - points[j]))  # recomputed without cancellation


def directions(points: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Unit vectors (points - origin) / ||points - origin||; a point at the origin is an error."""
    diff = np.asarray(points, np.float64) - np.asarray(origin, np.float64)
    norm = np.linalg.norm(diff, axis=-1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError("a point coincides with the origin: its direction is undefined")
    return diff / norm


def min_pair_dot(units: np.ndarray) -> float:
    """The smallest dot product d_i . d_j over all pairs i < j of unit vectors."""
    if len(units) < 2:
        return float("nan")
    best, _ = _min_over_pairs(units, lambda block, pts: block @ pts.T)
    return best


def pair_dots(units: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Dot products d_i . d_j for each row (i, j) of ``pairs``."""
    return np.einsum("ij,ij->i", units[pairs[:, 0]], units[pairs[:, 1]])


def gaussian_baseline(count: int, dim: int, pairs: int, rng: np.random.Generator
                      ) -> dict[str, np.ndarray | float]:
    """The dot-product statistic for ``count`` standard Gaussian points in ``dim`` dimensions.

    Seen from one more Gaussian point (the stand-in for the global minimum, itself a sample of the
    cloud, at squared norm r ~ dim), the others lie in a narrow cone: d_i . d_j concentrates near
    r / (dim + r) ~ 1/2. Seen from the cloud's centre the dot products centre on 0 and the minimum is
    negative; both are returned, with r.
    """
    pts = rng.standard_normal((count + 1, dim))
    units = directions(pts[1:], pts[0])
    idx = sample_pairs(count, pairs, rng)
    centre = directions(pts[1:], np.zeros(dim))
    return {"dots": pair_dots(units, idx), "dot_min": min_pair_dot(units),
            "centre_dots": pair_dots(centre, idx), "centre_dot_min": min_pair_dot(centre),
            "reference_sq_norm": float(pts[0] @ pts[0])}


def geometry(global_min: np.ndarray, minima: Mapping[str, Mapping[str, np.ndarray]], pairs: int,
             seed: int) -> tuple[dict[str, np.ndarray], dict[str, float | int]]:
    """Distances and dot products of every optimizer's live symmetrized minima.

    ``global_min`` is the symmetrized perfect fit; ``minima`` maps optimizer -> minima arrays
    (``params_sym``, ``dead``, ``diverged``). Returns ``(arrays, numbers)``: the arrays for
    ``geometry.npz`` and the numbers keyed ``geometry_...`` for the paper.
    """
    rng = np.random.default_rng(seed)
    g = np.asarray(global_min, np.float64)
    arrays: dict[str, np.ndarray] = {"global_min": g}
    numbers: dict[str, float | int] = {"geometry_pairs": int(pairs)}
    pooled = []
    for opt, m in minima.items():
        live = live_minima(m)
        pts = np.asarray(m["params_sym"], np.float64)[live]
        idx = sample_pairs(len(pts), pairs, rng)
        dist = pair_distances(pts, idx)
        to_global = np.linalg.norm(pts - g, axis=-1)
        units = directions(pts, g)
        pooled.append(units)
        arrays |= {f"{opt}_live_index": np.flatnonzero(live), f"{opt}_pairs": idx,
                   f"{opt}_pair_distance": dist, f"{opt}_global_distance": to_global}
        numbers |= {
            f"geometry_{opt}_live": int(live.sum()),
            f"geometry_{opt}_dead": int(np.asarray(m["dead"], bool).sum()),
            f"geometry_{opt}_diverged": int((np.asarray(m["diverged"], bool)
                                             & ~np.asarray(m["dead"], bool)).sum()),
            f"geometry_{opt}_pairs_used": int(len(idx)),
            f"geometry_{opt}_pair_min": summary_stat(np.min, dist),
            f"geometry_{opt}_pair_median": summary_stat(np.median, dist),
            f"geometry_{opt}_pair_max": summary_stat(np.max, dist),
            f"geometry_{opt}_pair_min_all": min_pair_distance(pts),
            f"geometry_{opt}_global_min": summary_stat(np.min, to_global),
            f"geometry_{opt}_global_median": summary_stat(np.median, to_global),
            f"geometry_{opt}_global_max": summary_stat(np.max, to_global),
            f"geometry_{opt}_dot_min": min_pair_dot(units),
        }
    units = np.concatenate(pooled)
    idx = sample_pairs(len(units), pairs, rng)
    dots = pair_dots(units, idx)
    gauss = gaussian_baseline(len(units), g.size, pairs, rng)
    arrays |= {"dot_pairs": idx, "dots": dots, "gaussian_dots": gauss["dots"],
               "gaussian_centre_dots": gauss["centre_dots"]}
    numbers |= {
        "geometry_excluded": sum(int((~live_minima(m)).sum()) for m in minima.values()),
        "geometry_dim": int(g.size),
        "geometry_points": int(len(units)),
        "geometry_dot_min": min_pair_dot(units),
        "geometry_dot_median": summary_stat(np.median, dots),
        "geometry_gaussian_dot_min": float(gauss["dot_min"]),
        "geometry_gaussian_dot_median": summary_stat(np.median, gauss["dots"]),
        "geometry_gaussian_centre_dot_min": float(gauss["centre_dot_min"]),
    }
    return arrays, numbers


def summary_stat(fn: Callable[[np.ndarray], object], values: np.ndarray) -> float:
    """``fn(values)`` as a float, NaN for an empty array (no live minima)."""
    return float(fn(values)) if len(values) else float("nan")


def settled_geometry(global_min: np.ndarray, minima: Mapping[str, Mapping[str, np.ndarray]],
                     settled: Mapping[str, Mapping[str, np.ndarray]], certified: Mapping[str, np.ndarray],
                     pairs: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, float | int]]:
    """:func:`geometry` of the training end points (keys as before), of the settled points (arrays
    ``settled_...``, numbers ``geometry_settled_...``) and of the certified ones among them
    (``certified_...``, ``geometry_certified_...``); ``certified`` maps optimizer -> (m,) bool."""
    arrays, numbers = geometry(global_min, minima, pairs, seed)
    for name, keep in (("settled", None), ("certified", certified)):
        points = {opt: {"params_sym": np.asarray(s["params_sym"])[keep[opt] if keep else slice(None)]}
                  for opt, s in settled.items()}
        points = {opt: m | {"dead": np.zeros(len(m["params_sym"]), bool),
                            "diverged": np.zeros(len(m["params_sym"]), bool)}
                  for opt, m in points.items()}
        a, nums = geometry(global_min, points, pairs, seed)
        arrays |= {f"{name}_{key}": v for key, v in a.items() if key != "global_min"}
        numbers |= {key.replace("geometry_", f"geometry_{name}_", 1): v for key, v in nums.items()
                    if not key.endswith(("_dead", "_diverged", "_excluded"))}
    return arrays, numbers
