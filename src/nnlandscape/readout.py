"""The output layer at its least-squares optimum: the training loss as a function of the hidden layers.

The network's output is affine in its output layer, so the training MSE is a convex quadratic in that
layer's n + 1 entries (variable projection, Golub & Pereyra 1973). Given any continuous path between
two networks, putting the output layer at every point of it at its optimum for that point's hidden
layers gives a path that is nowhere higher; a minimum-energy path can therefore be sought over the
hidden layers alone, with the output layer never lagging behind them. A ridge term makes the
optimum unique and a continuous function of the hidden layers even where a unit dies (its feature
column vanishes and the plain least-squares weight would blow up), so the lifted path is continuous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .network import features, layer_slices

if TYPE_CHECKING:
    import torch

    from .band import EnergyFn
    from .network import Activation


def hidden_size(n: int, k: int) -> int:
    """Number of hidden-layer params of an (n,k) network: all but the output layer's n + 1."""
    return layer_slices(n, k)[-1][0].start


def _padded(hidden: torch.Tensor, n: int) -> torch.Tensor:
    """Full params (B, P) with the hidden part ``hidden`` (B, Ph) and a zero output layer."""
    import torch

    return torch.cat([hidden, hidden.new_zeros(hidden.shape[0], n + 1)], dim=1)


def ridge_readout(h: torch.Tensor, y: torch.Tensor, ridge: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Output weights (B, n) and bias (B,) minimizing MSE + ``ridge`` |w|^2 for features ``h``
    (B, N, n) and targets ``y`` (N,): the bias fits the means, the weights solve
    (Cov(h) + ridge I) w = Cov(h, y) (population covariances)."""
    import torch

    mean_h = h.mean(1, keepdim=True)
    hc = h - mean_h  # centred features: hc^T y is then already the covariance with y
    cov = hc.transpose(1, 2) @ hc / h.shape[1]
    cov = cov + ridge * torch.eye(h.shape[2], dtype=h.dtype, device=h.device)
    w = torch.linalg.solve(cov, hc.transpose(1, 2) @ y[:, None] / h.shape[1])[..., 0]
    return w, y.mean() - (mean_h[:, 0] * w).sum(1)


def _solved(hidden: torch.Tensor, x: torch.Tensor, y: torch.Tensor, n: int, k: int, ridge: float,
            act: Activation) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Features (B, N, n) of the networks with hidden layers ``hidden`` (B, Ph) on ``x``, and the
    :func:`ridge_readout` (w, b) for them: the one place where a hidden layer gets its output layer."""
    h = features(_padded(hidden, n), x, n, k, act)
    return (h, *ridge_readout(h, y, ridge))


def readout_energy(x: np.ndarray, y: np.ndarray, n: int, k: int, ridge: float,
                   beta: float | None = None) -> EnergyFn:
    """Energy of a batch of hidden layers (I, Ph) -> (I,): the float64 training MSE of the network
    whose output layer is :func:`ridge_readout` of those hidden layers' features (ReLU, or softplus_beta
    when ``beta`` is given)."""
    import torch

    from .hessian import softplus

    xt = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.float64)
    act = torch.relu if beta is None else softplus(beta)

    def energy(hidden: torch.Tensor) -> torch.Tensor:
        h, w, b = _solved(hidden, xt, yt, n, k, ridge, act)
        return (((h @ w[..., None])[..., 0] + b[:, None] - yt) ** 2).mean(-1)

    return energy


def lift(hidden: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, ridge: float) -> np.ndarray:
    """Full params (I, P) of the ReLU networks with hidden layers ``hidden`` (I, Ph) and the output
    layer of :func:`ridge_readout`: the points in parameter space that :func:`readout_energy` (ReLU)
    evaluates."""
    import torch

    hid = torch.as_tensor(np.array(hidden, dtype=np.float64, ndmin=2))
    with torch.no_grad():
        _, w, b = _solved(hid, torch.as_tensor(np.asarray(x, np.float64)),
                          torch.as_tensor(np.asarray(y, np.float64)), n, k, ridge, torch.relu)
    return torch.cat([hid, w, b[:, None]], dim=1).numpy()
