"""Curvature of the training loss with ReLU smoothed to softplus_beta (ReLU has no Hessian).

softplus_beta(z) = log(1 + exp(beta z)) / beta tends to relu as beta grows; beta is chosen as the
smallest candidate that changes the network's output on the training data by less than a tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
import torch
from torch.func import hessian

from .geometry import summary_stat
from .network import forward, mse_np, n_params
from .nonsmooth import projected_spectrum
from .settle import piece_hessian, rescaling_directions
from .settled import certified
from .spectra import spectrum_summary


def softplus(beta: float):
    """The smoothed activation softplus_beta as a torch function."""
    return partial(torch.nn.functional.softplus, beta=float(beta), threshold=20.0)


def output_change(params: np.ndarray, x: np.ndarray, n: int, k: int, beta: float) -> float:
    """Largest |smoothed - relu| output difference on ``x`` (float64)."""
    p = torch.as_tensor(np.asarray(params, np.float64))
    xt = torch.as_tensor(np.asarray(x, np.float64))
    with torch.no_grad():
        diff = forward(p, xt, n, k, softplus(beta)) - forward(p, xt, n, k)
    return float(diff.abs().max())


def choose_beta(params: np.ndarray, x: np.ndarray, n: int, k: int, betas: Sequence[float],
                output_tol: float) -> tuple[float, float]:
    """First beta (in increasing order) whose output change is below ``output_tol``.

    Returns ``(beta, achieved_change)``; raises ValueError if none qualifies, naming the best one.
    """
    best = (np.inf, np.nan)
    for beta in sorted(betas):
        change = output_change(params, x, n, k, beta)
        if change < output_tol:
            return float(beta), change
        best = min(best, (change, beta))
    raise ValueError(f"no smoothing beta in {list(betas)} changes the output by less than "
                     f"{output_tol}; the best, beta={best[1]}, changes it by {best[0]:.3g}")


def _smoothed_loss(x: np.ndarray, y: np.ndarray, n: int, k: int, beta: float):
    """The training MSE with softplus_beta in place of relu, as a function of params (torch)."""
    xt = torch.as_tensor(np.asarray(x, np.float64))
    yt = torch.as_tensor(np.asarray(y, np.float64))
    act = softplus(beta)

    def loss(p: torch.Tensor) -> torch.Tensor:
        return ((forward(p, xt, n, k, act) - yt) ** 2).mean()

    return loss


def loss_hessian(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                 beta: float, symmetric: bool = True) -> np.ndarray:
    """Full (P, P) Hessian of the smoothed training MSE at params, float64.

    Autodiff gives it symmetric up to round-off; ``symmetric`` averages it with its transpose so
    that ``eigvalsh`` sees an exactly symmetric matrix.
    """
    p = torch.as_tensor(np.asarray(params, np.float64))
    h = hessian(_smoothed_loss(x, y, n, k, beta))(p).numpy()
    return 0.5 * (h + h.T) if symmetric else h


def loss_gradient(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                  beta: float) -> np.ndarray:
    """Gradient (P,) of the smoothed training MSE at params, float64."""
    p = torch.as_tensor(np.asarray(params, np.float64))
    return torch.func.grad(_smoothed_loss(x, y, n, k, beta))(p).numpy()


def spectrum(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
             beta: float) -> np.ndarray:
    """Ascending eigenvalues (P,) of the smoothed loss Hessian."""
    return np.linalg.eigvalsh(loss_hessian(params, x, y, n, k, beta))


def polish(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, beta: float,
           iterations: int) -> np.ndarray:
    """``params`` after at most ``iterations`` L-BFGS steps on the smoothed loss (float64).

    A check on whether a training end point is a minimum: a quasi-Newton method run from it finds
    out whether the loss still goes down nearby, which plain GD at a small step can miss for long.
    """
    start = np.asarray(params, np.float64)
    if iterations <= 0:  # scipy's L-BFGS-B takes a step even at maxiter=0
        return start
    grad_and_value = torch.func.grad_and_value(_smoothed_loss(x, y, n, k, beta))

    def value_and_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
        grad, value = grad_and_value(torch.as_tensor(p))
        return value.item(), grad.numpy()

    import scipy.optimize  # here, not at the top: the NEB and settle jobs import this module

    res = scipy.optimize.minimize(value_and_grad, start, jac=True, method="L-BFGS-B",
                                  options={"maxiter": int(iterations), "gtol": 0.0, "ftol": 0.0})
    return res.x if np.all(np.isfinite(res.x)) else start


def polish_report(points: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, beta: float,
                  iterations: int) -> dict[str, np.ndarray]:
    """Polish each point (m, P): training loss before and after (float64, ReLU) and distance moved."""
    pts = np.atleast_2d(np.asarray(points, np.float64))
    done = np.array([polish(p, x, y, n, k, beta, iterations) for p in pts]).reshape(pts.shape)
    return {"start_loss": mse_np(pts, x, y, n, k), "polished_loss": mse_np(done, x, y, n, k),
            "move": np.linalg.norm(done - pts, axis=-1), "polished": done}


def gd_stability_bound(lambda_max: float, momentum: float) -> float:
    """Largest learning rate at which heavy-ball GD can stay at a minimum: 2 (1 + m) / lambda_max."""
    return 2.0 * (1.0 + momentum) / lambda_max


def stability_report(params_sym: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                     betas: Sequence[float], output_tol: float, momentum: float, lr: float
                     ) -> dict[str, float | bool]:
    """The GD stability bound at the (symmetrized) global minimum, and whether ``lr`` is under it."""
    beta, change = choose_beta(params_sym, x, n, k, betas, output_tol)
    eig = spectrum(params_sym, x, y, n, k, beta)
    bound = gd_stability_bound(float(eig[-1]), momentum)
    return {"beta": beta, "output_change": change, "lambda_max": float(eig[-1]),
            "lambda_min": float(eig[0]), "gd_lr_bound": bound, "gd_lr": lr,
            "gd_lr_stable": bool(lr < bound)}


def hessian_spectra(global_min: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                    minima: Mapping[str, Mapping[str, np.ndarray]], betas: Sequence[float],
                    output_tol: float, count: int, seed: int, small: float = 1e-6,
                    polish_count: int = 0, polish_iterations: int = 0
                    ) -> tuple[dict[str, np.ndarray], dict[str, float | int]]:
    """Hessian spectra at the symmetrized global minimum and at a seeded sample of live minima.

    beta is chosen on ``global_min`` (see :func:`choose_beta`) and used everywhere; every point is a
    symmetrized params vector. ``minima`` maps optimizer -> arrays with ``params_sym``, ``loss``,
    ``dead`` and ``diverged``; ``count`` live minima are drawn per optimizer (all if fewer).
    The first ``polish_count`` sampled minima per optimizer are also polished (:func:`polish`,
    ``polish_iterations`` L-BFGS steps): how much lower the loss goes and how far they move.
    Returns ``(arrays, numbers)``: ``eig_global`` (P,), ``eig_<opt>`` (m, P), the sampled indices,
    output changes, gradient norms and polish results, and numbers keyed ``hessian_...``.
    """
    beta, change = choose_beta(global_min, x, n, k, betas, output_tol)
    rng = np.random.default_rng(seed)
    eig_global = spectrum(global_min, x, y, n, k, beta)
    arrays: dict[str, np.ndarray] = {"eig_global": eig_global, "beta": np.float64(beta),
                                     "output_change": np.float64(change), "small": np.float64(small),
                                     "grad_norm_global": np.float64(np.linalg.norm(
                                         loss_gradient(global_min, x, y, n, k, beta)))}
    numbers: dict[str, float | int] = {"hessian_beta": float(beta), "hessian_output_change": change,
                                       "hessian_small": float(small),
                                       "hessian_global_grad_norm": float(arrays["grad_norm_global"])}
    numbers |= {f"hessian_global_{key}": v for key, v in spectrum_summary(eig_global, small).items()}
    changes = []
    for opt, m in minima.items():
        live = np.flatnonzero(~np.asarray(m["dead"], bool) & ~np.asarray(m["diverged"], bool))
        idx = np.sort(rng.choice(live, size=min(count, len(live)), replace=False))
        pts = np.asarray(m["params_sym"], np.float64)[idx]
        eig = np.stack([spectrum(p, x, y, n, k, beta) for p in pts]) if len(idx) else \
            np.zeros((0, global_min.size))
        change_opt = np.array([output_change(p, x, n, k, beta) for p in pts])
        grad = np.array([np.linalg.norm(loss_gradient(p, x, y, n, k, beta)) for p in pts])
        changes.append(change_opt)
        arrays |= {f"eig_{opt}": eig, f"index_{opt}": idx, f"output_change_{opt}": change_opt,
                   f"grad_norm_{opt}": grad, f"loss_{opt}": np.asarray(m["loss"])[idx]}
        numbers[f"hessian_{opt}_count"] = int(len(idx))
        numbers[f"hessian_{opt}_grad_norm_median"] = summary_stat(np.median, grad)
        numbers |= {f"hessian_{opt}_{key}": v for key, v in spectrum_summary(eig, small).items()}
        pol = polish_report(pts[:polish_count], x, y, n, k, beta, polish_iterations)
        arrays |= {f"polish_{key}_{opt}": v for key, v in pol.items()}
        drop = 1.0 - pol["polished_loss"] / pol["start_loss"]
        numbers[f"hessian_{opt}_polish_count"] = int(len(drop))
        numbers[f"hessian_{opt}_polish_loss_drop_median"] = summary_stat(np.median, drop)
        numbers[f"hessian_{opt}_polish_loss_drop_max"] = summary_stat(np.max, drop)
        numbers[f"hessian_{opt}_polish_move_median"] = summary_stat(np.median, pol["move"])
    numbers["hessian_polish_iterations"] = int(polish_iterations)
    every = np.concatenate(changes)
    numbers["hessian_minima_output_change_max"] = summary_stat(np.max, every)
    return arrays, numbers



def relu_spectra(settled: Mapping[str, Mapping[str, np.ndarray]], x: np.ndarray, y: np.ndarray,
                 n: int, k: int, count: int, small: float
                 ) -> tuple[dict[str, np.ndarray], dict[str, float | int]]:
    """Exact ReLU-loss Hessian spectra (no smoothing) at settled points that lie off every kink.

    Inside an activation region the ReLU loss is smooth and its Hessian exact; the n k rescaling
    directions are set aside. Up to ``count`` such points per optimizer, certified minima first
    (fit order within each group). Points on kinks have no Hessian: their certificate is the
    directional probe of the settle stage, and they are only counted here.
    """
    arrays: dict[str, np.ndarray] = {}
    numbers: dict[str, float | int] = {}
    for opt, s in settled.items():
        ok, smooth = certified(s), np.asarray(s["kinks"]) == 0
        order = np.concatenate([np.flatnonzero(smooth & ok), np.flatnonzero(smooth & ~ok)])[:count]
        pts = np.asarray(s["params"], np.float64)[order]
        eig = np.stack([projected_spectrum(piece_hessian(p, x, y, n, k), rescaling_directions(p, n, k))[0]
                        for p in pts]) if len(pts) else np.zeros((0, n_params(n, k) - n * k))
        arrays |= {f"relu_eig_{opt}": eig, f"relu_index_{opt}": order,
                   f"relu_certified_{opt}": ok[order]}
        key = f"hessian_relu_{opt}"
        numbers[f"{key}_on_kinks"] = int((~smooth).sum())
        numbers[f"{key}_count"] = int(len(order))
        numbers[f"{key}_certified"] = int(ok[order].sum())
        numbers |= {f"{key}_{name}": v for name, v in spectrum_summary(eig, small).items()}
        cert = spectrum_summary(eig[ok[order]], small)
        numbers |= {f"{key}_certified_{name}": v for name, v in cert.items()}
    return arrays, numbers
