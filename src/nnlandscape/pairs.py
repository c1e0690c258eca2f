"""Paths between fitted minima (beyond the paper): which pairs, one NEB path per pair, the graph.

Pairs are the nearest neighbours among the usable minima (symmetrized parameters, Euclidean) plus
seeded random pairs; each pair gets a NEB path (:func:`nnlandscape.neb.network_path`) and the
barrier of the straight segment as the naive baseline. The path tops form a saddle matrix whose
minimum spanning tree and superbasin joins (:mod:`nnlandscape.disconnectivity`) give the
disconnectivity graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .band import NebConfig
from .disconnectivity import graph_layout, spanning_tree, superbasin_joins
from .io import load_npz
from .neb import fallback_minima, network_path, path_beta, usable_minima

#: Arrays of a pair file beyond a path file's.
PAIR_ARRAYS = {"images": 2, "energy": 1, "straight_energy": 1, "pair": 1, "converged": 0}


def choose_pairs(params: np.ndarray, usable: np.ndarray, neighbours: int, random: int,
                 seed: int) -> np.ndarray:
    """Pairs (p, 2) of row indices: the ``neighbours`` closest nearest-neighbour pairs among the
    ``usable`` rows, then ``random`` further distinct pairs drawn with ``seed``. Same seed, same
    pairs."""
    idx = np.asarray(usable, np.int64)
    if idx.size < 2:
        raise ValueError(f"pairs need at least 2 usable minima, got {idx.size}")
    x = np.asarray(params, np.float64)[idx]
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    nearest = {tuple(sorted((int(a), int(np.argmin(d[a]))))) for a in range(idx.size)}
    close = sorted(nearest, key=lambda ab: (d[ab], ab))[:neighbours]
    chosen = list(close)
    total = idx.size * (idx.size - 1) // 2
    if len(chosen) + random > total:
        raise ValueError(f"{len(chosen) + random} pairs requested but {idx.size} usable minima give "
                         f"only {total}; lower pairs.random")
    rng = np.random.default_rng(seed)
    taken = set(chosen)
    while len(chosen) < len(close) + random:
        a, b = sorted(int(v) for v in rng.choice(idx.size, 2, replace=False))
        if (a, b) not in taken:
            taken.add((a, b))
            chosen.append((a, b))
    return idx[np.asarray(chosen, np.int64).reshape(-1, 2)]


def pair_pool(minima: Mapping[str, np.ndarray], count: int) -> np.ndarray:
    """Rows pairs are drawn from: the usable (certified) minima, and the fallback ones too when the
    usable ones give fewer than ``count`` distinct pairs."""
    usable = usable_minima(minima)
    if usable.size * (usable.size - 1) // 2 >= count:
        return usable
    return np.concatenate([usable, fallback_minima(minima)])


def pair_path(perfect_fit: Mapping[str, np.ndarray], minima: Mapping[str, np.ndarray], index: int,
              neb: Mapping, pairs: Mapping, smoothing: Mapping) -> dict[str, np.ndarray]:
    """Arrays of pair file ``index``: the NEB path between the two minima of pair ``index`` of
    :func:`choose_pairs` (symmetrized parameters), with the straight segment's energies."""
    count = int(pairs["neighbours"]) + int(pairs["random"])
    chosen = choose_pairs(minima["params_sym"], pair_pool(minima, count), int(pairs["neighbours"]),
                          int(pairs["random"]), int(pairs["seed"]))
    if not 0 <= index < len(chosen):
        raise ValueError(f"pair {index} requested, config pairs gives {len(chosen)} pairs")
    a, b = (int(v) for v in chosen[index])
    n, k = int(perfect_fit["n"]), int(perfect_fit["k"])
    arrays = network_path(minima["params_sym"][a], minima["params_sym"][b], perfect_fit["x_train"],
                          perfect_fit["y_train"], n, k, NebConfig.from_config(neb),
                          path_beta(perfect_fit, smoothing), float(neb["saddle_tol"]),
                          float(neb["probe_step"]), int(neb["probe_directions"]),
                          int(pairs["seed"]) + index)
    kinds = [int(minima["kind"][v]) if "kind" in minima else -1 for v in (a, b)]
    return {**arrays, "pair": np.array([a, b], np.int64), "end_kind": np.array(kinds, np.int64)}


def load_pair(path) -> dict[str, np.ndarray]:
    """Read and validate one pair file."""
    return load_npz(path, PAIR_ARRAYS, finite=("images", "energy"), rule="pair_path")


def pair_graph(pair_files: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Graph arrays from pair files: the minima involved, their ReLU losses (the band's end
    energies), the saddle matrix (path tops; inf where no path), barriers, spanning tree, joins and
    a layout for the disconnectivity graph."""
    rows = sorted({int(v) for f in pair_files for v in f["pair"]})
    where = {r: i for i, r in enumerate(rows)}
    energy = np.full(len(rows), np.nan)
    saddle = np.full((len(rows), len(rows)), np.inf)
    straight = np.full(len(pair_files), np.nan)
    barrier = np.full(len(pair_files), np.nan)
    for p, f in enumerate(pair_files):
        i, j = (where[int(v)] for v in f["pair"])
        e = np.asarray(f["energy"], np.float64)
        energy[i], energy[j] = e[0], e[-1]
        top = float(e.max())
        saddle[i, j] = saddle[j, i] = min(saddle[i, j], top)
        barrier[p] = top - max(e[0], e[-1])
        s = np.asarray(f["straight_energy"], np.float64)
        straight[p] = s.max() - max(s[0], s[-1])
    joins = superbasin_joins(energy, saddle)
    leaf_x, node_x = graph_layout(energy, joins)
    return {"minima": np.asarray(rows, np.int64), "energy": energy, "saddle": saddle,
            "pairs": np.array([f["pair"] for f in pair_files], np.int64).reshape(-1, 2),
            "barrier": barrier, "straight_barrier": straight, "tree": spanning_tree(saddle),
            "join_left": joins.left, "join_right": joins.right, "join_level": joins.level,
            "leaf_x": leaf_x, "node_x": node_x}


def pair_numbers(graph: Mapping[str, np.ndarray], prefix: str) -> dict[str, object]:
    """Numbers about the minimum-to-minimum paths: median barrier, barrier over mean end-point
    loss, and NEB barrier over the straight segment's (median ratio)."""
    b, s = graph["barrier"], graph["straight_barrier"]
    ratio = b[s > 0] / s[s > 0]
    out = {
        "pairs": int(b.size),
        "minima": int(graph["energy"].size),
        "barrier_median": float(np.median(b)),
        "straight_barrier_median": float(np.median(s)),
        "barrier_over_loss": float(np.median(b) / np.mean(graph["energy"])),
        "straight_ratio_median": float(np.median(ratio)) if ratio.size else float("nan"),
        "joins": int(graph["join_level"].size),
    }
    return {f"{prefix}_{key}": value for key, value in out.items()}
