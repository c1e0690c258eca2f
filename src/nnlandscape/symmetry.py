"""Symmetrize: the minimal-energy representative of a network's rescaling orbit, nodes sorted.

Scaling hidden node (l, j) by c > 0 (its incoming row and bias times c, its outgoing column divided
by c) leaves the output unchanged. The energy (squared norm of all params) is convex in log c and is
minimal exactly when every hidden node is balanced: in = ||W_l[j,:]||^2 + b_l[j]^2 equals
out = ||W_{l+1}[:,j]||^2. Exact coordinate minimization (c = (out/in)^(1/4), a whole layer at once,
since nodes of one layer do not interact) converges to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import flatten, unflatten


@dataclass
class Symmetrized:
    """Result of :func:`symmetrize` for a batch."""

    params: np.ndarray  # (B, P) float64 symmetrized params
    dead_nodes: np.ndarray  # (B,) int64 hidden nodes with in = 0 or out = 0 (left unscaled)
    sweeps: int  # sweeps until every network's max |log(in/out)| < tol
    converged: bool = True  # False when max_sweeps ran out before the balance reached tol


def _node_norms(layers: list, li: int) -> tuple[np.ndarray, np.ndarray]:
    """in/out squared norms (B, n) of the hidden nodes of hidden layer ``li`` (0-based)."""
    w, b = layers[li]
    w_next, _ = layers[li + 1]
    return (w**2).sum(-1) + b**2, (w_next**2).sum(-2)


def symmetrize(params: np.ndarray, n: int, k: int, tol: float = 1e-10,
               max_sweeps: int = 10000) -> Symmetrized:
    """Minimal-energy, node-sorted representative of params (P,) or (B, P), in float64.

    Dead nodes (in = 0 or out = 0) have no minimizer: their scale stays 1 and they are counted.
    """
    single = np.ndim(params) == 1
    p = np.array(params, dtype=np.float64, ndmin=2, copy=True)
    layers = [(w.copy(), b.copy()) for w, b in unflatten(p, n, k)]
    # Each network stops on its own once its balance is within tol (later sweeps use c = 1 for it,
    # an exact no-op), so a network's result does not depend on the batch it is symmetrized in.
    active = np.ones(p.shape[0], dtype=bool)
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):  # noqa: B007 - the count is returned
        worst = np.zeros(p.shape[0])
        for li in range(k):
            node_in, node_out = _node_norms(layers, li)
            live = (node_in > 0) & (node_out > 0) & active[:, None]
            ratio = np.where(live, node_out / np.where(live, node_in, 1.0), 1.0)
            worst = np.maximum(worst, np.abs(np.log(ratio)).max(-1))
            c = ratio**0.25
            w, b = layers[li]
            w *= c[..., None]
            b *= c
            layers[li + 1][0][...] /= c[..., None, :]
        active &= worst >= tol
        if not active.any():
            break
    dead = np.zeros(p.shape[0], dtype=np.int64)
    for li in range(k):
        node_in, node_out = _node_norms(layers, li)
        dead += ((node_in == 0) | (node_out == 0)).sum(-1)
        bias = layers[li][1]
        order = np.lexsort((bias, node_in), axis=-1)  # by in, ties by bias
        w, b = layers[li]
        layers[li] = (np.take_along_axis(w, order[..., None], axis=-2),
                      np.take_along_axis(b, order, axis=-1))
        w_next, b_next = layers[li + 1]
        layers[li + 1] = (np.take_along_axis(w_next, order[..., None, :], axis=-1), b_next)
    out = flatten(layers)
    return Symmetrized(params=out[0] if single else out, dead_nodes=dead[0] if single else dead,
                       sweeps=sweeps, converged=not active.any())


def energy(params: np.ndarray) -> np.ndarray:
    """Squared Euclidean norm of params: the quantity symmetrization minimizes."""
    return (np.asarray(params, dtype=np.float64) ** 2).sum(-1)


def rescale_nodes(params: np.ndarray, n: int, k: int, scales: np.ndarray) -> np.ndarray:
    """Apply node scalings ``scales`` (k, n) or (B, k, n), all > 0: the output does not change.

    Hidden node (l, j) gets its incoming row and bias times ``scales[l, j]`` and its outgoing
    column divided by it (the positive-scaling part of the symmetry group).
    """
    p = np.array(params, dtype=np.float64, copy=True)
    c = np.asarray(scales, dtype=np.float64)
    if np.any(c <= 0):
        raise ValueError("node scales must be positive")
    layers = unflatten(p, n, k)
    for li in range(k):
        w, b = layers[li]
        w *= c[..., li, :, None]
        b *= c[..., li, :]
        layers[li + 1][0][...] /= c[..., li, None, :]
    return flatten(layers)


def permute_nodes(params: np.ndarray, n: int, k: int, perms: np.ndarray) -> np.ndarray:
    """Reorder each hidden layer's nodes: new node j of layer l is old node ``perms[l, j]``.

    ``perms`` is (k, n) or (B, k, n); the output does not change (the permutation part of the group).
    """
    p = np.asarray(params, dtype=np.float64)
    order = np.asarray(perms)
    layers = [(w.copy(), b.copy()) for w, b in unflatten(p, n, k)]
    for li in range(k):
        o = order[..., li, :]
        w, b = layers[li]
        layers[li] = (np.take_along_axis(w, o[..., :, None], axis=-2),
                      np.take_along_axis(b, o, axis=-1))
        w_next, b_next = layers[li + 1]
        layers[li + 1] = (np.take_along_axis(w_next, o[..., None, :], axis=-1), b_next)
    return flatten(layers)
