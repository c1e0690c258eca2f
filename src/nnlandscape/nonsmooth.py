"""Generic tools for critical points of piecewise-smooth functions, batched over independent problems.

Nothing here knows about networks: a problem is a batch of parameter vectors (B, P) and callables
that return residuals, Jacobians, losses or gradients for such a batch (see :mod:`nnlandscape.settle`
for the network glue). Four pieces:

- :func:`bfgs`: BFGS with a weak Wolfe line search, which keeps making progress on nonsmooth
  functions and typically ends with a line-search failure at a nonsmooth minimizer (Lewis &
  Overton, Math. Program. 141 (2013) 135-163, sections 2 and 4.2); one problem at a time.
- :func:`levenberg_marquardt`: damped Gauss-Newton steps for a batch of least-squares problems,
  each with its own damping (Levenberg 1944; Marquardt 1963; Nocedal & Wright, *Numerical
  Optimization*, 2nd ed., section 10.3).
- :func:`min_norm_element` and :func:`sampled_stationarity`: the stationarity measure of gradient
  sampling, the norm of the smallest element of the convex hull of gradients sampled within a ball
  of radius eps (Burke, Lewis & Overton, SIAM J. Optim. 15 (2005) 751-779, eq. (1.2) and step 2 of
  their algorithm); zero in the limit exactly at Clarke-stationary points.
- :func:`projected_spectrum` and :func:`descent_probe`: the no-descent tests. Inside a smooth piece,
  the Hessian's eigenvalues on the complement of known flat (symmetry) directions; across kinks,
  the function itself along given directions at several radii.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where LM runs: readers of settled files do not need it
    import torch

#: residuals (B, N) and Jacobian (B, N, P) of a batch of points (B, P)
ResidualFn = Callable[["torch.Tensor"], tuple["torch.Tensor", "torch.Tensor"]]
#: loss (B,) of a batch of points (B, P)
LossFn = Callable[["torch.Tensor"], "torch.Tensor"]
#: loss and gradient (P,) of one point (P,)
LossGradFn = Callable[[np.ndarray], tuple[float, np.ndarray]]
#: gradients (M, P) of a batch of points (M, P)
GradFn = Callable[[np.ndarray], np.ndarray]


#: why :func:`bfgs` stopped
BFGS_ITERATIONS, BFGS_LINE_SEARCH, BFGS_ZERO_GRADIENT = "iterations", "line search", "zero gradient"


@dataclass
class BfgsResult:
    """Outcome of :func:`bfgs` for one problem."""

    params: np.ndarray  # (P,) the last accepted point (the loss never rises)
    loss: float
    iterations: int  # accepted steps
    stop: str  # BFGS_ITERATIONS, BFGS_LINE_SEARCH or BFGS_ZERO_GRADIENT


def weak_wolfe_step(loss_grad: LossGradFn, point: np.ndarray, loss: float, slope: float,
                    direction: np.ndarray, armijo: float, wolfe: float, bisections: int
                    ) -> tuple[float, float, np.ndarray] | None:
    """A step t along ``direction`` (``slope`` = gradient . direction < 0) meeting the Armijo
    condition f(x + t d) <= f(x) + armijo t slope and the weak Wolfe condition
    g(x + t d) . d >= wolfe slope, by doubling and bisection from t = 1 (Lewis & Overton 2013,
    section 4.2); returns (t, loss, gradient) there, or None after ``bisections`` trials."""
    lo, hi, t = 0.0, np.inf, 1.0
    for _ in range(int(bisections)):
        f, g = loss_grad(point + t * direction)
        if not f <= loss + armijo * t * slope:  # too long (NaN counts as too long)
            hi = t
        elif g @ direction < wolfe * slope:  # too short: the function still falls steeply
            lo = t
        else:
            return t, f, g
        t = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * lo
    return None


def bfgs(loss_grad: LossGradFn, start: np.ndarray, iterations: int, armijo: float = 1e-4,
         wolfe: float = 0.9, bisections: int = 60) -> BfgsResult:
    """Minimize a (possibly nonsmooth) function from ``start`` by BFGS with a weak Wolfe line search.

    The inverse-Hessian approximation H starts as the identity, is scaled by s.y / y.y before the
    first update (Nocedal & Wright, eq. 6.20) and updated by eq. 6.17; the weak Wolfe condition
    keeps s.y > 0. On a nonsmooth function the iterates approach a kink and the line search
    eventually fails: Lewis & Overton observe that this signals a nonsmooth stationary point to
    working precision, which the caller then certifies by other means.
    """
    x = np.array(start, dtype=np.float64)
    f, g = loss_grad(x)
    h = np.eye(x.size)
    for it in range(int(iterations)):
        if not np.any(g):
            return BfgsResult(x, f, it, BFGS_ZERO_GRADIENT)
        d = -h @ g
        slope = float(g @ d)
        if not slope < 0.0:  # H lost positive definiteness to round-off: steepest descent
            h, d = np.eye(x.size), -g
            slope = float(g @ d)
        step = weak_wolfe_step(loss_grad, x, f, slope, d, armijo, wolfe, bisections)
        if step is None:
            return BfgsResult(x, f, it, BFGS_LINE_SEARCH)
        t, f_new, g_new = step
        s, y = t * d, g_new - g
        sy = float(s @ y)
        if it == 0:
            h = (sy / float(y @ y)) * h
        rho, hy = 1.0 / sy, h @ y
        h = h - rho * (np.outer(s, hy) + np.outer(hy, s)) + (rho * rho * float(y @ hy) + rho) * np.outer(s, s)
        x, f, g = x + s, f_new, g_new
    return BfgsResult(x, f, int(iterations), BFGS_ITERATIONS)


@dataclass
class LevenbergMarquardtResult:
    """Outcome of :func:`levenberg_marquardt` for a batch (numpy, float64)."""

    params: np.ndarray  # (B, P) the point with the lowest ``accept_loss`` seen
    loss: np.ndarray  # (B,) ``accept_loss`` there
    iterations: np.ndarray  # (B,) int64 accepted steps
    damping: np.ndarray  # (B,) final damping


def levenberg_marquardt(residual_fn: ResidualFn, loss_fn: LossFn, params: np.ndarray,
                        iterations: int, damping: float = 1e-3, damping_min: float = 1e-12,
                        damping_max: float = 1e8, keep_fn: LossFn | None = None
                        ) -> LevenbergMarquardtResult:
    """Damped Gauss-Newton on a batch of least-squares problems ``0.5 * mean(r**2)``.

    Each step solves ``(J^T J + mu (diag(J^T J) + mu_floor) I) d = -J^T r`` per problem (Marquardt's
    scaling) and is kept only where it lowers ``loss_fn`` (the function the residuals belong to);
    mu shrinks by 3 after a kept step and grows by 4 after a refused one. ``keep_fn`` (default
    ``loss_fn``) is the function whose lowest value decides which visited point is returned, so a
    caller minimizing a smoothed loss can return the best point of the original one.
    """
    import torch

    p = torch.as_tensor(np.array(params, dtype=np.float64, ndmin=2))
    keep_fn = keep_fn or loss_fn  # the same function: its value is reused, not recomputed
    mu = torch.full((p.shape[0],), float(damping), dtype=p.dtype)
    loss = loss_fn(p)
    best, best_loss = p.clone(), keep_fn(p)
    steps = torch.zeros(p.shape[0], dtype=torch.int64)
    eye = torch.eye(p.shape[1], dtype=p.dtype)
    for _ in range(int(iterations)):
        r, jac = residual_fn(p)
        jtj = jac.transpose(1, 2) @ jac
        g = (jac.transpose(1, 2) @ r[..., None])[..., 0]
        diag = torch.diagonal(jtj, dim1=1, dim2=2)
        scale = diag + 1e-8 * diag.mean(-1, keepdim=True) + 1e-30
        a = jtj + mu[:, None, None] * torch.diag_embed(scale)
        chol, info = torch.linalg.cholesky_ex(a + 1e-14 * eye)
        ok = info == 0
        step = torch.zeros_like(p)
        if ok.any():
            step[ok] = -torch.cholesky_solve(g[ok][..., None], chol[ok])[..., 0]
        trial = p + step
        trial_loss = loss_fn(trial)
        better = ok & torch.isfinite(trial_loss) & (trial_loss < loss)
        p = torch.where(better[:, None], trial, p)
        loss = torch.where(better, trial_loss, loss)
        steps += better.to(torch.int64)
        mu = torch.where(better, mu / 3.0, mu * 4.0).clamp(damping_min, damping_max)
        kept = loss if keep_fn is loss_fn else keep_fn(p)
        lower = kept < best_loss
        best = torch.where(lower[:, None], p, best)
        best_loss = torch.where(lower, kept, best_loss)
    return LevenbergMarquardtResult(best.numpy(), best_loss.numpy(), steps.numpy(), mu.numpy())


def min_norm_element(grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest-norm point of the convex hull of the rows of ``grads`` (S, P), and its weights (S,).

    Solved exactly as the non-negative least squares problem ``min ||G^T w||^2 + (1^T w - 1)^2``,
    ``w >= 0``, whose solution is a positive multiple of the simplex weights of the min-norm point
    (for a fixed direction the multiple only rescales the objective monotonically).
    """
    g = np.asarray(grads, dtype=np.float64)
    scale = float(np.abs(g).max(initial=0.0))
    if scale == 0.0:
        w = np.zeros(len(g))
        w[0] = 1.0
        return np.zeros(g.shape[1]), w
    a = np.vstack([g.T / scale, np.ones((1, len(g)))])
    b = np.zeros(a.shape[0])
    b[-1] = 1.0
    import scipy.optimize  # here, not at the top: the join and number jobs import this module

    w, _ = scipy.optimize.nnls(a, b, maxiter=50 * a.shape[1])
    w = w / w.sum()
    return w @ g, w


def ball_offsets(rng: np.random.Generator, count: int, dim: int, radius: float) -> np.ndarray:
    """``count`` points uniform in the ``dim``-ball of ``radius`` about 0: (count, dim)."""
    d = rng.standard_normal((count, dim))
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    return d * radius * rng.uniform(size=(count, 1)) ** (1.0 / dim)


def sampled_gradients(grad_fn: GradFn, points: np.ndarray, eps: np.ndarray | float, samples: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Gradients (B, samples + 1, P): at each point (B, P) and at ``samples`` uniform points of the
    ball of radius ``eps`` (scalar or (B,)) around it."""
    pts = np.array(points, dtype=np.float64, ndmin=2)
    b, dim = pts.shape
    radii = np.broadcast_to(np.asarray(eps, dtype=np.float64), (b,))
    offsets = np.stack([ball_offsets(rng, samples, dim, float(e)) for e in radii])
    near = np.concatenate([pts[:, None, :], pts[:, None, :] + offsets], axis=1)
    return grad_fn(near.reshape(-1, dim)).reshape(b, samples + 1, dim)


def sampled_stationarity(grad_fn: GradFn, points: np.ndarray, eps: float, samples: int,
                         rng: np.random.Generator) -> np.ndarray:
    """rho_eps for each point (B, P): the min-norm element's norm of the hull of its own gradient and
    ``samples`` gradients at uniform points of the eps-ball around it (Burke, Lewis & Overton 2005).

    Gradient sampling asks for at least P + 1 samples so that the hull can contain 0 generically.
    """
    grads = sampled_gradients(grad_fn, points, eps, samples, rng)
    return np.array([np.linalg.norm(min_norm_element(g)[0]) for g in grads])


def gradient_sampling_step(grad_fn: GradFn, loss_fn: Callable[[np.ndarray], np.ndarray],
                           points: np.ndarray, eps: np.ndarray, samples: int,
                           rng: np.random.Generator, armijo: float = 1e-4, backtracks: int = 30
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One gradient-sampling iteration for each point (B, P) at its own radius ``eps`` (B,).

    The search direction is minus the min-norm element d of the hull of the point's gradient and
    ``samples`` gradients in its eps-ball; an Armijo backtracking search along -d from step 1 keeps
    a move only where ``loss_fn`` drops by at least ``armijo * t * |d|^2`` (Burke, Lewis & Overton
    2005, steps 2-3). Returns (new points, |d| (B,), moved (B,) bool); the loss never rises.
    """
    pts = np.array(points, dtype=np.float64, ndmin=2)
    b = len(pts)
    grads = sampled_gradients(grad_fn, pts, eps, samples, rng)
    d = np.stack([min_norm_element(g)[0] for g in grads])
    norm = np.linalg.norm(d, axis=-1)
    base = loss_fn(pts)
    step, moved = np.ones(b), np.zeros(b, dtype=bool)
    for _ in range(backtracks):
        trial = pts - step[:, None] * d
        ok = ~moved & (norm > 0) & (loss_fn(trial) < base - armijo * step * norm**2)
        pts[ok] = trial[ok]
        moved |= ok
        if moved.all():
            break
        step = np.where(moved, step, 0.5 * step)
    return pts, norm, moved


def orthonormal_complement(directions: np.ndarray, dim: int, rtol: float = 1e-10) -> np.ndarray:
    """(dim, dim - r) orthonormal basis of the complement of the span of ``directions`` (m, dim)."""
    d = np.asarray(directions, dtype=np.float64).reshape(-1, dim)
    if len(d) == 0:
        return np.eye(dim)
    u, s, _ = np.linalg.svd(d.T, full_matrices=True)
    rank = int((s > rtol * max(s.max(initial=0.0), 1e-300)).sum())
    return u[:, rank:]


def projected_spectrum(hessian: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending eigenvalues and eigenvectors (as columns, in the full space) of a symmetric Hessian
    (P, P) restricted to the orthogonal complement of the known flat directions ``flat`` (m, P)."""
    h = 0.5 * (hessian + hessian.T)
    q = orthonormal_complement(flat, h.shape[0])
    eig, vec = np.linalg.eigh(q.T @ h @ q)
    return eig, q @ vec


def descent_probe(loss_fn: Callable[[np.ndarray], np.ndarray], point: np.ndarray,
                  directions: np.ndarray, radii: Sequence[float], tol: float
                  ) -> tuple[bool, np.ndarray, float]:
    """Whether ``loss_fn`` decreases by more than ``tol`` at ``point +- r d`` for any unit direction
    d (rows of ``directions``) and radius r; returns (found, the lowest point, its loss)."""
    p = np.asarray(point, dtype=np.float64)
    d = np.asarray(directions, dtype=np.float64).reshape(-1, p.size)
    d = d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-300)
    trial = np.concatenate([p + s * r * d for r in radii for s in (1.0, -1.0)])
    values = loss_fn(trial)
    base = float(loss_fn(p[None])[0])
    i = int(np.argmin(values))
    found = bool(values[i] < base - tol)
    return found, (trial[i] if found else p), float(values[i] if found else base)


#: classification codes of a point (see :func:`classify`)
SMOOTH_MINIMUM, KINK_MINIMUM, DESCENT_FOUND, NOT_CERTIFIED = 0, 1, 2, 3
KINDS = {SMOOTH_MINIMUM: "smooth minimum", KINK_MINIMUM: "kink minimum",
         DESCENT_FOUND: "saddle or descent found", NOT_CERTIFIED: "not certified"}


@dataclass(frozen=True)
class Tolerances:
    """Thresholds of :func:`classify` (fixed before the run; see config ``settle``)."""

    stationarity: float = 1e-6  # certified stationary when rho_eps is below this
    negative: float = 1e-6  # clearly negative: eigenvalue below -negative * largest
    flat: float = 1e-9  # flat: |eigenvalue| below flat * largest
    descent: float = 1e-12  # a loss decrease larger than descent * |loss| is descent
    radii: tuple[float, ...] = (1e-6, 1e-5, 1e-4, 1e-3)  # probe radii
    directions: int = 64  # random probe directions on a kink


@dataclass
class Classification:
    """Outcome of :func:`classify` for one point."""

    kind: int
    extra_flat: int  # eigenvalues below the flat tolerance beyond the known flat directions (-1: kink)
    eig_min_relative: float  # most negative projected eigenvalue / largest (NaN on a kink)
    lower: np.ndarray | None  # a point of lower loss where descent was found


def classify(point: np.ndarray, loss_fn: Callable[[np.ndarray], np.ndarray],
             piece_hessians: Sequence[np.ndarray], flat: np.ndarray, on_kink: bool, rho: float,
             tol: Tolerances, rng: np.random.Generator) -> Classification:
    """Smooth minimum, kink minimum, descent found or not certified, for one point.

    ``piece_hessians``: the Hessian of the smooth piece the point lies in (off a kink: one) or of
    the pieces that adjoin at the kink; ``flat`` (m, P): known flat (symmetry) directions, set
    aside. A point whose ``rho`` is not below ``tol.stationarity`` is not certified. A stationary
    point is a saddle (descent found) when the loss drops along a probed direction: off a kink the
    eigenvectors of clearly negative eigenvalues; on a kink every piece's negative-curvature
    directions and ``tol.directions`` random ones, at ``tol.radii``; otherwise it is a minimum. A
    lower point found by the probe is returned in either of the first two cases.
    """
    p = np.asarray(point, np.float64)
    base = float(loss_fn(p[None])[0])
    dirs, extra, rel = [], -1, float("nan")
    for h in piece_hessians:
        eig, vec = projected_spectrum(h, flat)
        top = max(float(eig[-1]), 1e-300)
        dirs.append(vec[:, eig < -tol.negative * top].T)
        if not on_kink:
            rel = float(eig[0]) / top
            extra = int((np.abs(eig) < tol.flat * top).sum())
    if on_kink:
        dirs.append(rng.standard_normal((tol.directions, p.size)))
    candidates = np.concatenate(dirs) if dirs else np.zeros((0, p.size))
    found, lower = False, None
    if len(candidates):
        found, point_found, _ = descent_probe(loss_fn, p, candidates, tol.radii,
                                              tol.descent * max(abs(base), 1e-300))
        lower = point_found if found else None
    if rho >= tol.stationarity:  # not stationary: descent is expected; any lower point is returned
        return Classification(NOT_CERTIFIED, extra, rel, lower)
    if found:
        return Classification(DESCENT_FOUND, extra, rel, lower)
    return Classification(KINK_MINIMUM if on_kink else SMOOTH_MINIMUM, extra, rel, None)
