"""Numbers about NEB paths: barriers, where the energy drops, turning angles, convergence, saddles,
the image-count study and the graph of minimum-to-minimum paths; readers of path and pair files.

Plain arrays in, plain numbers out: nothing here relaxes a band, knows the network or imports
PyTorch (numbers and figure jobs import this module).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .disconnectivity import graph_layout, spanning_tree, superbasin_joins
from .io import load_npz
from .settled import certified

#: Arrays of a path file and their dimensions (see RESULTS.md).
PATH_ARRAYS = {"images": 2, "energy": 1, "midpoint_energy": 1, "segment_max": 1,
               "segment_max_half": 1, "arc": 1, "fit_index": 0,
               "converged": 0, "iterations": 0, "max_perp_force": 0, "straight_energy": 1,
               "saddle_verified": 0, "route_top": 0, "eps_stationarity": 1}
#: Arrays of a pair file (a path between two minima).
PAIR_ARRAYS = {"images": 2, "energy": 1, "segment_max": 1, "straight_energy": 1, "pair": 1,
               "converged": 0, "route_top": 0}
#: what the claims read from a pair graph (``pair_graph``)
PAIR_GRAPH_ARRAYS = {"minima": 1, "energy": 1, "pairs": 2, "barrier": 1, "image_barrier": 1,
                     "route_barrier": 1, "converged": 1}


def load_path(path) -> dict[str, np.ndarray]:
    """Read and validate one path file."""
    return load_npz(path, PATH_ARRAYS, finite=("images", "energy", "arc"), rule="neb_path")


def difference_angles(images: np.ndarray) -> np.ndarray:
    """Angle in degrees (I-2,) between R_{i+1} - R_i and R_i - R_{i-1} at each interior image."""
    d = np.diff(np.asarray(images, dtype=np.float64), axis=0)
    u = d / np.linalg.norm(d, axis=1, keepdims=True)
    a, b = u[1:], u[:-1]
    # 2 atan2(|a - b|, |a + b|): accurate at small and large angles, unlike arccos of the cosine
    return np.degrees(2 * np.arctan2(np.linalg.norm(a - b, axis=1), np.linalg.norm(a + b, axis=1)))


def barrier(energy: np.ndarray) -> float:
    """Highest energy along the path minus the higher of the two end points' energies (>= 0)."""
    return float(max(energy.max() - max(energy[0], energy[-1]), 0.0))


def path_top(path: Mapping[str, np.ndarray], inside: str = "segment_max") -> float:
    """Highest ReLU loss known along a band's polyline: at its images and at the points sampled
    inside its segments (``inside``: ``segment_max``, or ``segment_max_half`` for every other
    sample). The images alone can miss a ridge the band cuts across."""
    return float(max(np.max(path["energy"]), np.max(path[inside])))


def lifted_end_excess(path: Mapping[str, np.ndarray]) -> float:
    """How far the band's end images lie above the end points (largest of the two, >= 0): in
    readout space the ends' output layers are the ridge solutions, not the minima's own."""
    rise = np.asarray(path["lifted_end_energy"]) - np.asarray(path["energy"])[[0, -1]]
    return float(max(rise.max(), 0.0))


def band_barrier(path: Mapping[str, np.ndarray]) -> float:
    """Barrier of the band as a continuous path: its :func:`path_top` minus the higher end (>= 0)."""
    e = np.asarray(path["energy"], np.float64)
    return float(max(path_top(path) - max(e[0], e[-1]), 0.0))


def sampling_change(path: Mapping[str, np.ndarray]) -> float:
    """How much of the band's barrier the second half of the samples inside the segments found:
    (top from all samples - top from every other one) / barrier, 0 where the barrier is 0."""
    b = band_barrier(path)
    return (path_top(path) - path_top(path, "segment_max_half")) / b if b > 0 else 0.0


def drop_arc(energy: np.ndarray, arc: np.ndarray, fraction: float) -> float:
    """The largest arc position at which the energy is below ``fraction`` of the far end's (arc 1)
    energy: beyond it, up to the far end, the energy never falls below that level (0 if nowhere)."""
    below = np.flatnonzero(energy < fraction * energy[-1])
    return float(arc[below.max()]) if below.size else 0.0


def path_statistics(path: Mapping[str, np.ndarray], drop_fraction: float,
                    plateau_fraction: float) -> dict[str, float]:
    """Numbers about one path file: barrier, where the energy drops and where the plateau begins,
    bumps, midpoint energies against the images', turning angles on the descent and the plateau."""
    e, mid, arc = path["energy"], path["midpoint_energy"], path["arc"]
    ends = np.maximum(e[1:], e[:-1])
    interior = e[1:-1]
    plateau = drop_arc(e, arc, plateau_fraction)
    angles = difference_angles(path["images"])
    descent = arc[1:-1] <= plateau
    band = band_barrier(path)
    return {
        "barrier": band,
        "barrier_rel": band / max(e[0], e[-1]),
        "image_barrier": barrier(e),
        "drop_arc": drop_arc(e, arc, drop_fraction),
        "plateau_arc": plateau,
        "bumps": int(((interior > e[:-2]) & (interior > e[2:])).sum()),
        "midpoint_ratio": float(np.median(mid / ends)),
        "midpoint_ratio_max": float(np.max(mid / ends)),
        "end_energy": float(e[-1]),
        "start_energy": float(e[0]),
        "angle_median": float(np.median(angles)),
        "angle_descent_median": float(np.median(angles[descent])) if descent.any() else float("nan"),
        "angle_plateau_median": float(np.median(angles[~descent])) if (~descent).any() else float("nan"),
    }


def straight_profile(path: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Energy and normalized arc of the straight initial band (evenly spaced images)."""
    e = np.asarray(path["straight_energy"], np.float64)
    return e, np.linspace(0.0, 1.0, e.size)


def path_arrays(paths: Sequence[Mapping[str, np.ndarray]], drop_fraction: float) -> dict[str, np.ndarray]:
    """Per-path arrays (one entry per path) for claims and tables: convergence, saddle test, barrier
    and drop position on the relaxed band and on the straight initial band."""
    def col(key: str, dtype) -> np.ndarray:
        return np.array([p[key] for p in paths], dtype=dtype)

    straight = [straight_profile(p) for p in paths]
    return {
        "converged": col("converged", bool), "max_perp_force": col("max_perp_force", np.float64),
        "iterations": col("iterations", np.int64), "seconds": col("seconds", np.float64),
        "saddle_verified": col("saddle_verified", bool),
        "barrier": np.array([band_barrier(p) for p in paths]),
        "image_barrier": np.array([barrier(p["energy"]) for p in paths]),
        "straight_barrier": np.array([barrier(e) for e, _ in straight]),
        "end_energy": np.array([max(float(p["energy"][0]), float(p["energy"][-1])) for p in paths]),
        "drop_arc": np.array([drop_arc(p["energy"], p["arc"], drop_fraction) for p in paths]),
        "straight_drop_arc": np.array([drop_arc(e, arc, drop_fraction) for e, arc in straight]),
    }


def route_numbers(paths: Sequence[Mapping[str, np.ndarray]]) -> dict[str, object]:
    """Bands against the constant-output route (:func:`nnlandscape.neb.constant_output_route`):
    its median barrier, how many band tops (:func:`path_top`) lie above its top (those bands are
    not minimum-energy paths), and the median of the lower of the two barriers (the best upper
    bound known)."""
    energy = [np.asarray(p["energy"], np.float64) for p in paths]
    high = np.array([max(e[0], e[-1]) for e in energy])
    top = np.array([path_top(p) for p in paths])
    route = np.array([float(p["route_top"]) for p in paths])
    return {"route_barrier_median": float(np.median(route - high)),
            "above_route": int(np.sum(top > route)),
            "best_barrier_median": float(np.median(np.minimum(top, route) - high))}


def sampled_worst(path: Mapping[str, np.ndarray]) -> float:
    """A band's worst image under the sampled test on the ReLU loss (the largest
    ``eps_stationarity``; NaN for files without it or with the test off)."""
    return float(np.max(path.get("eps_stationarity", np.nan)))


def saddle_numbers(paths: Sequence[Mapping[str, np.ndarray]], drop_fraction: float) -> dict[str, object]:
    """Convergence and saddle-test numbers of a set of paths (unprefixed keys); unverified
    converged paths are named by their index."""
    cols = path_arrays(paths, drop_fraction)
    conv, verified = cols["converged"], cols["saddle_verified"] & cols["converged"]
    unverified = np.flatnonzero(conv & ~verified)
    kink = np.array([bool(p.get("kink_saddle", False)) for p in paths]) & conv
    return {
        "beta": float(paths[0]["beta"]) if "beta" in paths[0] else float("nan"),
        "ends_certified": int(certified({"kind": np.array([int(p.get("end_kind", -1))
                                                           for p in paths])}).sum()),
        "saddle_verified": int(verified.sum()),
        "saddle_verified_fraction": float(verified.sum() / conv.sum()) if conv.any() else float("nan"),
        "saddle_unverified": ", ".join(str(int(i)) for i in unverified) if unverified.size else "none",
        "kink_saddle": int(kink.sum()),
        "relu_max_perp_force_median": float(np.median([float(p.get("relu_max_perp_force", np.nan))
                                                       for p in paths])),
        "eps_stationarity_median": float(np.median([sampled_worst(p) for p in paths])),
        "saddle_barrier_median": float(np.median(cols["barrier"][verified])) if verified.any()
        else float("nan"),
        "straight_barrier_median": float(np.median(cols["straight_barrier"])),
        "straight_drop_arc_median": float(np.median(cols["straight_drop_arc"])),
        "straight_barrier_ratio_median": float(np.median(cols["barrier"] / cols["straight_barrier"]))
        if (cols["straight_barrier"] > 0).all() else float("nan"),
        "seconds_median": float(np.median(cols["seconds"])),
        "seconds_max": float(cols["seconds"].max()),
        "iterations_max": int(cols["iterations"].max()),
    }


def dead_top(path: Mapping[str, np.ndarray], dead_std: float) -> bool:
    """Whether the band's top (:func:`path_top`: its highest image, or the highest point sampled
    inside a segment when that lies above every image) is a dead network (output std on the training
    data below ``dead_std``): there the loss is var(y) and stays so in every direction that keeps
    the output constant, a flat top rather than an isolated saddle. Files without
    ``segment_top_std`` are judged at the images."""
    image = int(np.argmax(path["energy"]))
    std = path["output_std"][image]
    if "segment_top_std" in path:
        seg = int(np.argmax(path["segment_max"]))
        if path["segment_max"][seg] > path["energy"][image]:
            std = path["segment_top_std"][seg]
    return bool(std < dead_std)


def neb_numbers(paths: Sequence[Mapping[str, np.ndarray]], drop_fraction: float,
                plateau_fraction: float, prefix: str = "neb",
                dead_std: float | None = None) -> dict[str, object]:
    """Every number the paper quotes about a set of NEB path files, keyed ``{prefix}_...``
    (``dead_std``: also count the bands whose top is a dead network, :func:`dead_top`)."""
    stats = [path_statistics(p, drop_fraction, plateau_fraction) for p in paths]
    col = {key: np.array([s[key] for s in stats], dtype=np.float64) for key in stats[0]}
    converged = np.array([bool(p["converged"]) for p in paths])
    seconds = np.array([float(p["seconds"]) for p in paths if "seconds" in p])
    cpu = np.array([float(p["cpu_seconds"]) for p in paths if "cpu_seconds" in p])
    out: dict[str, object] = {
        "paths": len(paths),
        "images_final": int(np.median([p["images"].shape[0] for p in paths])),
        "converged": int(converged.sum()),
        "converged_fraction": float(converged.mean()),
        "iterations_median": _whole(np.median([int(p["iterations"]) for p in paths])),
        "max_perp_force_median": float(np.median([float(p["max_perp_force"]) for p in paths])),
        "initial_force_median": float(np.median([float(p["force_history"][0]) for p in paths]))
        if all("force_history" in p for p in paths) else float("nan"),
        "barrier_median": float(np.median(col["barrier"])),
        "barrier_max": float(col["barrier"].max()),
        "barrier_min": float(col["barrier"].min()),
        "barrier_rel_median": float(np.median(col["barrier_rel"])),
        "image_barrier_median": float(np.median(col["image_barrier"])),
        "drop_arc_median": float(np.median(col["drop_arc"])),
        "drop_arc_max": float(col["drop_arc"].max()),
        "plateau_arc_median": float(np.median(col["plateau_arc"])),
        "plateau_arc_max": float(col["plateau_arc"].max()),
        "angle_median": float(np.median(col["angle_median"])),
        "angle_descent_median": float(np.nanmedian(col["angle_descent_median"]))
        if np.isfinite(col["angle_descent_median"]).any() else float("nan"),
        "angle_plateau_median": float(np.nanmedian(col["angle_plateau_median"]))
        if np.isfinite(col["angle_plateau_median"]).any() else float("nan"),
        "bumps_median": _whole(np.median(col["bumps"])),
        "midpoint_ratio_median": float(np.median(col["midpoint_ratio"])),
        "midpoint_ratio_max": float(col["midpoint_ratio_max"].max()),
        "end_energy_median": float(np.median(col["end_energy"])),
        "start_energy_max": float(col["start_energy"].max()),
        "seconds_mean": float(seconds.mean()) if seconds.size else float("nan"),
        "cpu_seconds_mean": float(cpu.mean()) if cpu.size else float("nan"),
    }
    if all("straight_energy" in p and "saddle_verified" in p for p in paths):
        out.update(saddle_numbers(paths, drop_fraction))
    if all("route_top" in p for p in paths):
        out.update(route_numbers(paths))
    if all("segment_max_half" in p for p in paths):
        out["sampling_change_max"] = max(sampling_change(p) for p in paths)
    if all("lifted_end_energy" in p for p in paths):
        out["lifted_end_excess_max"] = max(lifted_end_excess(p) for p in paths)
    if dead_std is not None and all("output_std" in p for p in paths):
        out["dead_top"] = sum(dead_top(p, dead_std) for p in paths)
    return {f"{prefix}_{key}": value for key, value in out.items()}


def _whole(value: float) -> int | float:
    """A median of counts: an int when it is whole (so the paper prints no decimals)."""
    return int(value) if float(value).is_integer() else float(value)


def image_study_numbers(barriers: np.ndarray, counts: Sequence[int], change_max: float
                        ) -> dict[str, object]:
    """The image-count study: ``barriers`` (paths, counts) against image ``counts`` (doublings,
    increasing). The chosen count is the smallest one at which every path's barrier moved by less
    than ``change_max`` (relative) from the previous count; 0 when none did."""
    b = np.asarray(barriers, np.float64)
    if b.shape[1] != len(counts) or list(counts) != sorted(counts):
        raise ValueError(f"barriers {b.shape} do not match increasing image counts {list(counts)}")
    change = np.abs(np.diff(b, axis=1)) / np.maximum(np.abs(b[:, :-1]), np.finfo(float).tiny)
    ok = np.flatnonzero((change < change_max).all(axis=0))
    chosen = int(counts[ok[0] + 1]) if ok.size else 0
    rows = "; ".join(f"path {j}: " + ", ".join(f"{v:.3g}" for v in row) for j, row in enumerate(b))
    return {
        "images_counts": ", ".join(str(int(c)) for c in counts),
        "images_barriers": rows,
        "images_chosen": chosen,
        "images_change_last": float(change[:, -1].max()) if change.size else float("nan"),
    }


def load_pair(path) -> dict[str, np.ndarray]:
    """Read and validate one pair file."""
    return load_npz(path, PAIR_ARRAYS, finite=("images", "energy"), rule="pair_path")


def pair_graph(pair_files: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Graph arrays from pair files: the minima involved, their ReLU losses (the band's end
    energies), the saddle matrix (the lower of the band's :func:`path_top` and the constant-output
    route's; inf where no path), barriers (the band's, its images' alone, the route's, the straight
    segment's), convergence and the sampled test's worst image per band, spanning tree, joins and a
    layout for the disconnectivity graph."""
    rows = sorted({int(v) for f in pair_files for v in f["pair"]})
    where = {r: i for i, r in enumerate(rows)}
    energy = np.full(len(rows), np.nan)
    saddle = np.full((len(rows), len(rows)), np.inf)
    straight = np.full(len(pair_files), np.nan)
    band = np.full(len(pair_files), np.nan)
    image = np.full(len(pair_files), np.nan)
    route = np.full(len(pair_files), np.nan)
    for p, f in enumerate(pair_files):
        i, j = (where[int(v)] for v in f["pair"])
        e = np.asarray(f["energy"], np.float64)
        energy[i], energy[j] = e[0], e[-1]
        saddle[i, j] = saddle[j, i] = min(saddle[i, j], path_top(f), float(f["route_top"]))
        band[p], image[p] = band_barrier(f), barrier(e)
        route[p] = float(f["route_top"]) - max(e[0], e[-1])
        straight[p] = barrier(np.asarray(f["straight_energy"], np.float64))
    joins = superbasin_joins(energy, saddle)
    leaf_x, node_x = graph_layout(energy, joins)
    return {"minima": np.asarray(rows, np.int64), "energy": energy, "saddle": saddle,
            "pairs": np.array([f["pair"] for f in pair_files], np.int64).reshape(-1, 2),
            "barrier": band, "image_barrier": image, "route_barrier": route, "straight_barrier": straight,
            "converged": np.array([bool(f["converged"]) for f in pair_files], bool),
            "eps_stationarity": np.array([sampled_worst(f) for f in pair_files], np.float64),
            "tree": spanning_tree(saddle),
            "join_left": joins.left, "join_right": joins.right, "join_level": joins.level,
            "leaf_x": leaf_x, "node_x": node_x}


def pair_best_barrier(graph: Mapping[str, np.ndarray]) -> np.ndarray:
    """(p,) float64 per pair: the lower of its band's barrier and its constant-output route's, the
    best upper bound known on the lowest barrier between the two minima."""
    return np.minimum(np.asarray(graph["barrier"], np.float64),
                      np.asarray(graph["route_barrier"], np.float64))


def pair_numbers(graph: Mapping[str, np.ndarray], prefix: str) -> dict[str, object]:
    """Numbers about the minimum-to-minimum paths: median barrier, barrier over mean end-point
    loss, and NEB barrier over the straight segment's (median ratio)."""
    b, s = graph["barrier"], graph["straight_barrier"]
    ratio = b[s > 0] / s[s > 0]
    best = pair_best_barrier(graph)
    out = {
        "pairs": int(b.size),
        "converged": int(np.sum(graph["converged"])),
        "eps_stationarity_median": float(np.median(graph["eps_stationarity"]))
        if "eps_stationarity" in graph else float("nan"),
        "minima": int(graph["energy"].size),
        "barrier_median": float(np.median(b)),
        "image_barrier_median": float(np.median(graph["image_barrier"])),
        "straight_barrier_median": float(np.median(s)),
        "barrier_over_loss": float(np.median(b) / np.mean(graph["energy"])),
        "straight_ratio_median": float(np.median(ratio)) if ratio.size else float("nan"),
        "route_barrier_median": float(np.median(graph["route_barrier"])),
        "above_route": int(np.sum(b > graph["route_barrier"])),
        "best_barrier_median": float(np.median(best)),
        "best_barrier_over_loss": float(np.median(best) / np.mean(graph["energy"])),
        "joins": int(graph["join_level"].size),
    }
    return {f"{prefix}_{key}": value for key, value in out.items()}
