"""How much training data the fits need: the main example trained on m points per segment.

The original paper reports that beyond 2-3 points per linear piece more data changes nothing. Each
fit here starts from the same initialization for every m (a paired comparison) and is judged on a
dense grid of the target, not on its own training set, so fits on fewer points are not flattered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from .construction import Example, perfect_fit, training_data
from .network import forward_np, mse_np
from .train import OptimizerConfig, fit_seed, init_params, train


def dense_grid(size: int) -> np.ndarray:
    """``size`` evenly spaced points on [-1, 1] where the fits are judged."""
    if size < 2:
        raise ValueError(f"ablation.grid must be at least 2, got {size}")
    return np.linspace(-1.0, 1.0, int(size))


def data_amount(ex: Example, points: Sequence[int], optimizers: Mapping[str, Mapping], count: int,
                steps: int, seed: int, grid: int, *, init: str = "glorot_uniform_zero_bias",
                dtype: str = "float32", backend: str = "auto", threads: int | None = None
                ) -> dict[str, np.ndarray]:
    """Train ``count`` fits per optimizer on ``m`` points per segment for each m in ``points``.

    Returns ``points`` (M,), ``train_points`` (M,) and per optimizer ``<opt>_grid_mse`` (M, count),
    the MSE against the target on the dense grid, and ``<opt>_train_loss`` (M, count).
    """
    if not points or min(points) < 1:
        raise ValueError(f"ablation.points_per_segment must be positive integers, got {list(points)}")
    params = perfect_fit(ex)
    xg = dense_grid(grid)
    yg = forward_np(params, xg, ex.n, ex.k)
    out: dict[str, np.ndarray] = {"points": np.asarray(points, np.int64), "grid": np.int64(grid),
                                  "steps": np.int64(steps)}
    sizes = []
    for name, hyper in optimizers.items():
        opt = OptimizerConfig.from_config(name, dict(hyper))
        seeds = np.array([fit_seed(seed, "ablation", name, i) for i in range(count)], np.int64)
        p0 = init_params(seeds, ex.n, ex.k, init)
        grid_mse, train_loss = [], []
        for m in points:
            x, y, _ = training_data(params, ex.n, ex.k, int(m))
            res = train(p0, x, y, ex.n, ex.k, opt, steps, dtype=getattr(torch, dtype),
                        backend=backend, threads=threads, trace_points=2)
            grid_mse.append(mse_np(res.params, xg, yg, ex.n, ex.k))
            train_loss.append(res.loss)
            if len(sizes) < len(points):
                sizes.append(len(x))
        out[f"{name}_grid_mse"] = np.stack(grid_mse)
        out[f"{name}_train_loss"] = np.stack(train_loss)
    out["train_points"] = np.asarray(sizes, np.int64)
    return out
