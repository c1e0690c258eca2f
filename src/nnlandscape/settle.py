"""Settle training end points onto critical points of the ReLU training loss and certify them.

The training loss of a ReLU network is piecewise smooth: inside a region of fixed activation
pattern it is a polynomial in the params, and it has kinks where a training point sits on a live
unit's breakpoint (pre-activation 0). Settling first runs BFGS with a weak Wolfe line search on each
network (Lewis & Overton 2013), which keeps descending across kinks and stops at a line-search
failure near a nonsmooth minimizer. Smooth methods stall on kinks that lie in their way, so
settling then alternates two steps, batched over networks: Levenberg-Marquardt on the exact ReLU
residuals (second order inside a region) and one gradient-sampling step (Burke, Lewis & Overton
2005), whose min-norm direction passes kinks, with its radius shrinking by ten whenever it makes no
progress. Every step is kept only where the ReLU loss drops, so settling never raises the loss.
The certificate (:func:`certify`) is the gradient-sampling stationarity measure at radius eps and a
no-descent test: the exact ReLU Hessian without the rescaling directions inside a smooth region;
adjoining pieces' negative-curvature directions and random directions at several radii on kinks.
Generic algorithms live in :mod:`nnlandscape.nonsmooth`; this module is the network glue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import torch
from torch.func import hessian

from .network import forward, layer_slices, mse_and_gradient_np, n_params, unflatten
from .nonsmooth import (
    NOT_CERTIFIED,
    Tolerances,
    bfgs,
    classify,
    gradient_sampling_step,
    levenberg_marquardt,
    sampled_stationarity,
)
from .settled import SETTLED_ARRAYS, selection
from .symmetry import symmetrize


@dataclass(frozen=True)
class SettleConfig:
    """The settle stage's settings (config ``settle``; every value is stated in the methods)."""

    bfgs_iterations: int = 0  # BFGS (weak Wolfe) iterations per network before the rounds (0: none)
    rounds: int = 20  # LM + gradient-sampling rounds per descent
    restarts: int = 2  # descend -> certify; where descent is found, step there and descend again
    lm_iterations: int = 10  # LM iterations per round
    eps_start: float = 1e-3  # first gradient-sampling radius (shrinks by 10 without progress)
    eps: float = 1e-6  # smallest radius: the certificate's
    samples: int = 137  # gradients sampled in the eps-ball (at least P + 1)
    stationarity_tol: float = 1e-6  # certified stationary when rho_eps is below this
    kink_tol: float = 1e-6  # a training point is on a kink when |pre-activation| is below this
    negative_tol: float = 1e-6  # clearly negative: below -negative_tol * largest eigenvalue
    flat_tol: float = 1e-9  # extra flat: |eigenvalue| below flat_tol * largest
    probe_radii: tuple[float, ...] = (1e-6, 1e-5, 1e-4, 1e-3)
    probe_directions: int = 64  # random directions of the kink probe
    descent_tol: float = 1e-12  # relative loss decrease that counts as descent
    pieces: int = 8  # at most this many adjoining pieces' Hessians per kink point
    seed: int = 17

    @classmethod
    def from_config(cls, cfg: Mapping, example: str | None = None) -> SettleConfig:
        """Build from config ``settle``, with the settings of block ``settle.<example>`` (such as
        ``bfgs_iterations``) over the shared ones; keys such as ``count`` that are the workflow's
        are skipped."""
        names = {f.name for f in fields(cls)}
        merged = {**cfg, **(cfg[example] if example is not None else {})}
        kw = {k: (tuple(float(b) for b in v) if isinstance(v, list) else v)
              for k, v in merged.items() if k in names}
        return cls(**kw)


def residual_jacobian(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, n: int, k: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Residuals f(x_i) - y_i (B, N) and their Jacobian (B, N, P) by one batched backward sweep,
    with relu'(z) = 1[z > 0]: the exact Jacobian inside an activation region."""
    layers = unflatten(params, n, k)
    zs, hs = [], [x[None, :, None].expand(params.shape[0], -1, 1)]
    for w, b in layers[:-1]:
        z = hs[-1] @ w.transpose(1, 2) + b[:, None, :]
        zs.append(z)
        hs.append(torch.relu(z))
    w_out, b_out = layers[-1]
    r = (hs[-1] @ w_out.transpose(1, 2))[..., 0] + b_out - y
    parts: list[torch.Tensor] = [torch.ones_like(r)[..., None]]  # d f / d b_out
    parts.insert(0, hs[-1])  # d f / d W_out (1, n) flattened
    delta = w_out[:, None, 0, :].expand(-1, r.shape[1], -1)  # d f / d h_k  (B, N, n)
    for li in range(k - 1, -1, -1):
        dz = delta * (zs[li] > 0).to(delta.dtype)
        h_in = hs[li]
        gw = dz[..., :, None] * h_in[..., None, :]  # (B, N, out, in)
        parts[:0] = [gw.reshape(*gw.shape[:2], -1), dz]
        if li:
            delta = dz @ layers[li][0]
    return r, torch.cat(parts, dim=-1)


def relu_loss(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int) -> np.ndarray:
    """Float64 ReLU training MSE of a batch (B,) (the loss being settled)."""
    p = torch.as_tensor(np.array(params, dtype=np.float64, ndmin=2))
    r = _residuals(p, torch.as_tensor(np.asarray(x, np.float64)), torch.as_tensor(np.asarray(y, np.float64)),
                   n, k)
    return (r**2).mean(-1).numpy()


def _residuals(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, n: int, k: int
               ) -> torch.Tensor:
    """Residuals f(x_i) - y_i (B, N) only (no Jacobian)."""
    return forward(params, x, n, k) - y


def relu_gradient(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int) -> np.ndarray:
    """Gradients (M, P) of the ReLU training MSE (relu'(0) = 0, as autograd takes it), by one
    backward pass of the summed losses (the networks are independent)."""
    p = torch.as_tensor(np.array(params, dtype=np.float64, ndmin=2)).requires_grad_(True)
    r = _residuals(p, torch.as_tensor(np.asarray(x, np.float64)),
                   torch.as_tensor(np.asarray(y, np.float64)), n, k)
    (grad,) = torch.autograd.grad((r**2).mean(-1).sum(), p)
    return grad.numpy()


def preactivations(params: np.ndarray, x: np.ndarray, n: int, k: int) -> np.ndarray:
    """Pre-activations (B, k, N, n) of every hidden unit at the training points (ReLU net)."""
    p = torch.as_tensor(np.array(params, dtype=np.float64, ndmin=2))
    h = torch.as_tensor(np.asarray(x, np.float64))[None, :, None].expand(p.shape[0], -1, 1)
    out = []
    for w, b in unflatten(p, n, k)[:-1]:
        z = h @ w.transpose(1, 2) + b[:, None, :]
        out.append(z)
        h = torch.relu(z)
    return torch.stack(out, 1).numpy()


def live_units(params: np.ndarray, z: np.ndarray, n: int, k: int) -> np.ndarray:
    """(B, k, n) bool: hidden units whose output reaches the network output (nonzero outgoing
    weights) and that are on at some training point (``z``: :func:`preactivations`), i.e. units
    whose kinks can matter."""
    layers = unflatten(np.array(params, dtype=np.float64, ndmin=2), n, k)
    out_w = np.stack([np.abs(layers[li + 1][0]).sum(-2) for li in range(k)], 1)
    return (z > 0).any(2) & (out_w > 0)


def kink_mask(params: np.ndarray, x: np.ndarray, n: int, k: int, tol: float,
              z: np.ndarray | None = None) -> np.ndarray:
    """(B, k, N, n) bool: training point on a live unit's breakpoint, |pre-activation| < tol
    (``z``: the pre-activations at params when the caller has them)."""
    z = preactivations(params, x, n, k) if z is None else z
    return (np.abs(z) < tol) & live_units(params, z, n, k)[:, :, None, :]


def rescaling_directions(params: np.ndarray, n: int, k: int) -> np.ndarray:
    """(n k, P) tangents of the per-node rescaling symmetry at params: for hidden node (l, j),
    (incoming row, bias) of the node and minus its outgoing column, zero elsewhere."""
    p = np.asarray(params, dtype=np.float64)
    sl = layer_slices(n, k)
    out = []
    for li in range(k):
        for j in range(n):
            d = np.zeros_like(p)
            (ws, bs), (wn, _) = sl[li], sl[li + 1]
            fan_in = 1 if li == 0 else n
            d[ws.start + j * fan_in: ws.start + (j + 1) * fan_in] = p[ws.start + j * fan_in:
                                                                       ws.start + (j + 1) * fan_in]
            d[bs.start + j] = p[bs.start + j]
            rows = 1 if li == k - 1 else n
            col = np.arange(rows) * n + j
            d[wn.start + col] = -p[wn.start + col]
            out.append(d)
    return np.stack(out)


def piece_hessian(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                  pattern: np.ndarray | None = None) -> np.ndarray:
    """Exact Hessian (P, P) of the training MSE on one smooth piece: the ReLU net with the
    activation pattern held fixed (``pattern`` (k, N, n) bool; None: the pattern at params)."""
    xt, yt = torch.as_tensor(np.asarray(x, np.float64)), torch.as_tensor(np.asarray(y, np.float64))
    if pattern is None:
        pattern = preactivations(params, x, n, k)[0] > 0
    masks = torch.as_tensor(np.asarray(pattern, np.float64))

    def loss(p: torch.Tensor) -> torch.Tensor:
        layers = unflatten(p[None], n, k)
        h = xt[None, :, None]
        for li, (w, b) in enumerate(layers[:-1]):
            h = (h @ w.transpose(1, 2) + b[:, None, :]) * masks[li]
        w_out, b_out = layers[-1]
        return ((((h @ w_out.transpose(1, 2))[..., 0] + b_out) - yt) ** 2).mean()

    h = hessian(loss)(torch.as_tensor(np.asarray(params, np.float64))).numpy()
    return 0.5 * (h + h.T)


@dataclass
class Certificate:
    """The certificate of one settled point (see :func:`certify`)."""

    kind: int
    stationarity: float
    kinks: int
    extra_flat: int
    eig_min_relative: float  # most negative projected eigenvalue / largest (NaN on kinks)
    lower: np.ndarray | None  # a point of lower loss when descent was found


def certify(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, cfg: SettleConfig,
            rng: np.random.Generator, stationarity: float) -> Certificate:
    """Classify one point with :func:`nnlandscape.nonsmooth.classify`.

    ``stationarity`` is its rho_eps; a point that is not stationary is not certified and gets no
    Hessian (its curvature is reported by :func:`nnlandscape.hessian.relu_spectra`). Off kinks the
    exact ReLU Hessian of its region is used; on
    kinks, the pieces that adjoin there: the pattern at params and, for up to ``cfg.pieces - 1``
    kinks, that pattern with the kink's unit switched on at its point. The n k rescaling
    directions are set aside as known flat directions.
    """
    p = np.asarray(params, np.float64)
    z = preactivations(p, x, n, k)
    mask = kink_mask(p, x, n, k, cfg.kink_tol, z)[0]
    kinks = int(mask.any(-1).any(0).sum())  # training points on at least one live breakpoint
    if not stationarity < cfg.stationarity_tol:  # not stationary: no minimum, no Hessian needed
        return Certificate(NOT_CERTIFIED, stationarity, kinks, -1, float("nan"), None)
    z_on = z[0] > 0
    patterns = [z_on]
    for li, i, j in np.argwhere(mask)[: max(cfg.pieces - 1, 0)]:
        piece = z_on.copy()
        piece[li, i, j] = True
        patterns.append(piece)
    tol = Tolerances(cfg.stationarity_tol, cfg.negative_tol, cfg.flat_tol, cfg.descent_tol,
                     tuple(cfg.probe_radii), cfg.probe_directions)
    c = classify(p, lambda q: relu_loss(q, x, y, n, k),
                 [piece_hessian(p, x, y, n, k, pat) for pat in patterns],
                 rescaling_directions(p, n, k), kinks > 0, stationarity, tol, rng)
    return Certificate(c.kind, stationarity, kinks, c.extra_flat, c.eig_min_relative, c.lower)


def descend(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, cfg: SettleConfig,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alternate LM rounds and gradient-sampling steps (see the module docstring) on a batch (B, P).

    Returns (points, accepted LM steps (B,), final sampling radius (B,)). A network stops once its
    radius is down to ``cfg.eps`` and its min-norm element is below ``cfg.stationarity_tol``.
    """
    xt, yt = torch.as_tensor(np.asarray(x, np.float64)), torch.as_tensor(np.asarray(y, np.float64))
    p = np.array(params, dtype=np.float64, ndmin=2)
    its = np.zeros(len(p), dtype=np.int64)
    eps = np.full(len(p), float(cfg.eps_start))
    active = np.ones(len(p), dtype=bool)

    def loss(q: np.ndarray) -> np.ndarray:
        return relu_loss(q, x, y, n, k)

    for _ in range(int(cfg.rounds)):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        res = levenberg_marquardt(lambda q: residual_jacobian(q, xt, yt, n, k),
                                  lambda q: (_residuals(q, xt, yt, n, k) ** 2).mean(-1),
                                  p[idx], cfg.lm_iterations)
        its[idx] += res.iterations
        q, norm, moved = gradient_sampling_step(lambda g: relu_gradient(g, x, y, n, k), loss,
                                                res.params, eps[idx], cfg.samples, rng)
        p[idx] = q
        stuck = ~moved | (norm < cfg.stationarity_tol)
        eps[idx] = np.where(stuck, np.maximum(eps[idx] / 10.0, cfg.eps), eps[idx])
        active[idx] = ~(stuck & (eps[idx] <= cfg.eps) & (norm < cfg.stationarity_tol))
    return p, its, eps


def quasi_newton(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, iterations: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Each network of a batch (B, P) after at most ``iterations`` BFGS steps on its ReLU training
    MSE (:func:`nnlandscape.nonsmooth.bfgs`); returns (points, BFGS iterations (B,) int64)."""
    p = np.array(params, dtype=np.float64, ndmin=2)
    its = np.zeros(len(p), dtype=np.int64)
    if int(iterations) > 0:
        for i in range(len(p)):
            res = bfgs(lambda q: mse_and_gradient_np(q, x, y, n, k), p[i], int(iterations))
            p[i], its[i] = res.params, res.iterations
    return p, its


def settle(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, cfg: SettleConfig,
           sym_tol: float = 1e-10, sym_sweeps: int = 10000) -> dict[str, np.ndarray]:
    """Settle a batch of end points (B, P) and certify each; returns the settled arrays
    (``params``, ``params_sym``, ``loss_start``, ``loss``, ``stationarity``, ``eps``, ``kinks``,
    ``moved``, ``iterations``, ``kind``, ``extra_flat``, ``eig_min_relative``)."""
    start = np.array(params, dtype=np.float64, ndmin=2).reshape(-1, n_params(n, k))
    if not len(start):  # a shard past the last live end point (dead fits are not settled)
        return {name: np.zeros((0, start.shape[1]) if name in ("params", "params_sym") else 0,
                               dtype=np.int64 if name in ("kinks", "iterations", "kind", "extra_flat")
                               else np.float64)
                for name in SETTLED_ARRAYS if name != "fit_index"}
    rng = np.random.default_rng(cfg.seed)
    p, its = quasi_newton(start, x, y, n, k, cfg.bfgs_iterations)
    rho = np.full(len(p), np.nan)
    certs: list[Certificate | None] = [None] * len(p)
    todo = np.ones(len(p), dtype=bool)
    descents = max(int(cfg.restarts), 1)
    for restart in range(descents):
        idx = np.flatnonzero(todo)
        if not len(idx):
            break
        last = restart == descents - 1
        q, it, _ = descend(p[idx], x, y, n, k, cfg, rng)
        p[idx], its[idx] = q, its[idx] + it
        rho[idx] = sampled_stationarity(lambda g: relu_gradient(g, x, y, n, k), q, cfg.eps,
                                        cfg.samples, rng)
        for i in idx:
            certs[i] = certify(p[i], x, y, n, k, cfg, rng, float(rho[i]))
            todo[i] = certs[i].lower is not None and not last
            if todo[i]:
                p[i] = certs[i].lower  # strictly lower: descend again from there
    # the arrays describe the certified points: a "descent found" point is the one the probe left
    sym0 = symmetrize(start, n, k, sym_tol, sym_sweeps).params
    sym = symmetrize(p, n, k, sym_tol, sym_sweeps).params
    return {"params": p, "params_sym": sym, "loss_start": relu_loss(start, x, y, n, k),
            "loss": relu_loss(p, x, y, n, k), "stationarity": rho,
            "eps": np.full(len(p), float(cfg.eps)),
            "kinks": np.array([c.kinks for c in certs], dtype=np.int64),
            "moved": np.linalg.norm(sym - sym0, axis=-1), "iterations": its,
            "kind": np.array([c.kind for c in certs], dtype=np.int64),
            "extra_flat": np.array([c.extra_flat for c in certs], dtype=np.int64),
            "eig_min_relative": np.array([c.eig_min_relative for c in certs])}


def settle_shard(minima: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, n: int, k: int,
                 cfg: SettleConfig, count: int, shard_size: int, index: int) -> dict[str, np.ndarray]:
    """Settle shard ``index`` of the selection (:func:`selection`) of one optimizer's end points.

    The shard's seed is ``cfg.seed`` + index, so a shard's result does not depend on the others.
    """
    chosen = selection(minima, count)[index * shard_size:(index + 1) * shard_size]
    out = settle(np.asarray(minima["params"], np.float64)[chosen], x, y, n, k,
                 replace(cfg, seed=cfg.seed + index))
    return {"fit_index": chosen.astype(np.int64), **out}
