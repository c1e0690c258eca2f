"""Paths between fitted minima (beyond the paper): which pairs, one NEB path per pair, the graph.

Pairs are the nearest neighbours among the usable minima (symmetrized parameters, Euclidean) plus
seeded random pairs; each pair gets a NEB path (:func:`nnlandscape.neb.network_path`) and the
barrier of the straight segment as the naive baseline. The path tops form a saddle matrix whose
minimum spanning tree and superbasin joins (:mod:`nnlandscape.disconnectivity`) give the
disconnectivity graph (:func:`nnlandscape.path_stats.pair_graph`, free of PyTorch like every
numbers job).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .band import NebConfig
from .neb import band_ridge, fallback_minima, network_path, path_beta, usable_minima


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
                          int(pairs["seed"]) + index, band_ridge(neb))
    kinds = [int(minima["kind"][v]) if "kind" in minima else -1 for v in (a, b)]
    return {**arrays, "pair": np.array([a, b], np.int64), "end_kind": np.array(kinds, np.int64)}
