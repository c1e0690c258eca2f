"""Curvature of the training loss with ReLU smoothed to softplus_beta (ReLU has no Hessian).

softplus_beta(z) = log(1 + exp(beta z)) / beta tends to relu as beta grows; beta is chosen as the
smallest candidate that changes the network's output on the training data by less than a tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import torch
from torch.func import hessian

from .network import forward


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


def loss_hessian(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                 beta: float) -> np.ndarray:
    """Full (P, P) Hessian of the smoothed training MSE at params, float64, symmetrized."""
    xt = torch.as_tensor(np.asarray(x, np.float64))
    yt = torch.as_tensor(np.asarray(y, np.float64))
    act = softplus(beta)

    def loss(p: torch.Tensor) -> torch.Tensor:
        return ((forward(p, xt, n, k, act) - yt) ** 2).mean()

    h = hessian(loss)(torch.as_tensor(np.asarray(params, np.float64))).numpy()
    return 0.5 * (h + h.T)


def spectrum(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
             beta: float) -> np.ndarray:
    """Ascending eigenvalues (P,) of the smoothed loss Hessian."""
    return np.linalg.eigvalsh(loss_hessian(params, x, y, n, k, beta))


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
