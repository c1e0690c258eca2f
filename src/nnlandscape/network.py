"""The (n,k) network: 1 input, k hidden ReLU layers of n nodes, 1 linear output.

Params are one flat vector in the canonical order (PyTorch ``(out, in)`` weights, then bias, layer
by layer), exactly what ``parameters_to_vector`` gives for ``nn.Sequential(Linear, ReLU, ...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where a tensor is computed: numpy-only jobs never load it
    import torch

Activation = Callable[["torch.Tensor"], "torch.Tensor"]


def layer_shapes(n: int, k: int) -> list[tuple[int, int]]:
    """Weight shapes ``(out, in)`` of the k+1 affine layers of an (n,k) network."""
    if n < 1 or k < 1:
        raise ValueError(f"network needs n >= 1 and k >= 1, got n={n}, k={k}")
    return [(n, 1)] + [(n, n)] * (k - 1) + [(1, n)]


def n_params(n: int, k: int) -> int:
    """Number of params of an (n,k) network: 136 for (5,5)."""
    return sum(o * i + o for o, i in layer_shapes(n, k))


def layer_slices(n: int, k: int) -> list[tuple[slice, slice]]:
    """``(weight_slice, bias_slice)`` of each layer inside the flat params vector."""
    out, pos = [], 0
    for o, i in layer_shapes(n, k):
        w = slice(pos, pos + o * i)
        b = slice(w.stop, w.stop + o)
        out.append((w, b))
        pos = b.stop
    return out


def unflatten(params, n: int, k: int) -> list[tuple[object, object]]:
    """Views ``[(W, b), ...]`` of params ``(..., P)``; ``W`` is ``(..., out, in)``, ``b`` ``(..., out)``."""
    lead = params.shape[:-1]
    if params.shape[-1] != n_params(n, k):
        raise ValueError(f"params have {params.shape[-1]} entries, an ({n},{k}) network has "
                         f"{n_params(n, k)}")
    layers = []
    for (o, i), (ws, bs) in zip(layer_shapes(n, k), layer_slices(n, k), strict=True):
        layers.append((params[..., ws].reshape(*lead, o, i), params[..., bs]))
    return layers


def flatten(layers) -> np.ndarray | torch.Tensor:
    """Inverse of :func:`unflatten` for a list of ``(W, b)`` with shared leading dims."""
    parts = []
    for w, b in layers:
        lead = w.shape[:-2]
        parts += [w.reshape(*lead, -1), b]
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts, axis=-1)
    import torch

    return torch.cat(parts, dim=-1)


def features(params: torch.Tensor, x: torch.Tensor, n: int, k: int,
             activation: Activation | None = None) -> torch.Tensor:
    """Outputs of the last hidden layer (B, N, n) at points ``x`` (N,) for params (B, P); the output
    layer's entries of params are not read. ``activation`` defaults to ReLU."""
    import torch

    activation = torch.relu if activation is None else activation
    layers = unflatten(params, n, k)
    w1, b1 = layers[0]
    h = activation(x[None, :, None] * w1[:, None, :, 0] + b1[:, None, :])  # (B, N, n)
    for w, b in layers[1:-1]:
        h = activation(torch.baddbmm(b[:, None, :], h, w.transpose(1, 2)))
    return h


def forward(params: torch.Tensor, x: torch.Tensor, n: int, k: int,
            activation: Activation | None = None) -> torch.Tensor:
    """Network output at points ``x`` (N,) for params (P,) -> (N,) or a batch (B, P) -> (B, N).

    ``activation`` defaults to ReLU (``torch.relu``).
    """
    import torch

    single = params.dim() == 1
    p = params.unsqueeze(0) if single else params
    h = features(p, x, n, k, activation)
    w_out, b_out = unflatten(p, n, k)[-1]
    y = torch.bmm(h, w_out.transpose(1, 2))[..., 0] + b_out  # (B, N)
    return y[0] if single else y


def forward_np(params: np.ndarray, x: np.ndarray, n: int, k: int) -> np.ndarray:
    """Float64 numpy forward pass; params (P,) -> (N,) or (B, P) -> (B, N)."""
    p = np.asarray(params, dtype=np.float64)
    single = p.ndim == 1
    layers = unflatten(p[None] if single else p, n, k)
    w1, b1 = layers[0]
    xs = np.asarray(x, dtype=np.float64)
    h = np.maximum(xs[None, :, None] * w1[:, None, :, 0] + b1[:, None, :], 0.0)  # (B, N, n)
    for w, b in layers[1:-1]:
        h = np.maximum(h @ w.transpose(0, 2, 1) + b[:, None, :], 0.0)
    w_out, b_out = layers[-1]
    y = (h @ w_out.transpose(0, 2, 1))[..., 0] + b_out  # (B, N)
    return y[0] if single else y


def mse(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, n: int, k: int,
        activation: Activation | None = None) -> torch.Tensor:
    """Full-batch mean squared error; scalar for params (P,), (B,) for a batch."""
    return ((forward(params, x, n, k, activation) - y) ** 2).mean(-1)


def mse_np(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int) -> np.ndarray:
    """Float64 training loss of one network (scalar) or a batch (B,)."""
    return ((forward_np(params, x, n, k) - np.asarray(y, dtype=np.float64)) ** 2).mean(-1)


def mse_and_gradient_np(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int
                        ) -> tuple[float, np.ndarray]:
    """Float64 training MSE of one ReLU network (P,) and its gradient (P,) by one backward sweep,
    with relu'(0) = 0 as autograd takes it: cheap enough to call thousands of times per network."""
    layers = unflatten(np.asarray(params, dtype=np.float64), n, k)
    h = np.asarray(x, dtype=np.float64)[:, None]
    hs, zs = [h], []
    for w, b in layers[:-1]:
        z = h @ w.T + b
        h = np.maximum(z, 0.0)
        zs.append(z)
        hs.append(h)
    w_out, b_out = layers[-1]
    r = (h @ w_out.T)[:, 0] + b_out[0] - np.asarray(y, dtype=np.float64)
    df = (2.0 / r.size) * r  # d loss / d output (N,)
    grads = [df @ h, np.array([df.sum()])]
    dh = df[:, None] * w_out  # d loss / d h_k (N, n)
    for li in range(len(layers) - 2, -1, -1):
        dz = dh * (zs[li] > 0)
        grads[:0] = [(dz.T @ hs[li]).ravel(), dz.sum(0)]
        dh = dz @ layers[li][0]
    return float(r @ r / r.size), np.concatenate(grads)


def knots(params: np.ndarray, n: int, k: int, lo: float = -1.0, hi: float = 1.0,
          rtol: float = 1e-9) -> np.ndarray:
    """Exact interior knots (slope changes) of a 1-input ReLU network on ``(lo, hi)``.

    Breakpoints propagate layer by layer: between consecutive candidates every pre-activation is
    affine, so its zero crossings are found exactly by linear interpolation. Candidates where the
    output's slope does not change (by more than ``rtol`` of the slope scale) are dropped.
    """
    layers = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
              for w, b in unflatten(np.asarray(params, dtype=np.float64), n, k)]
    xs = np.array([lo, hi], dtype=np.float64)
    for depth in range(1, len(layers)):
        pre = _preactivations(layers, xs, depth)  # (len(xs), n) at layer `depth`
        new = []
        a, b = pre[:-1], pre[1:]
        cross = (a * b) < 0
        for i, j in zip(*np.nonzero(cross), strict=True):
            t = a[i, j] / (a[i, j] - b[i, j])
            new.append(xs[i] + t * (xs[i + 1] - xs[i]))
        if new:
            xs = np.unique(np.concatenate([xs, np.asarray(new)]))
            xs = xs[np.concatenate([[True], np.diff(xs) > 1e-14 * (hi - lo)])]
    y = _preactivations(layers, xs, len(layers))[:, 0]
    slopes = np.diff(y) / np.diff(xs)
    scale = max(np.abs(slopes).max(initial=0.0), 1e-300)
    change = np.abs(np.diff(slopes)) > rtol * scale
    return xs[1:-1][change]


def _preactivations(layers, xs: np.ndarray, depth: int) -> np.ndarray:
    """Pre-activations of layer ``depth`` (1-based) at points ``xs`` (float64)."""
    h = xs[:, None]
    for li in range(depth):
        w, b = layers[li]
        z = h @ w.T + b
        if li == depth - 1:
            return z
        h = np.maximum(z, 0.0)
    raise AssertionError("unreachable")
