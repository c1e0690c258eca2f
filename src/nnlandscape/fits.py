"""Shards of fits, their join into the minima file, and the statistics the paper quotes about them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import shard_range
from .io import load_npz
from .network import forward_np
from .progress import Progress
from .symmetry import symmetrize
from .trainspec import EarlyStop, OptimizerConfig, fit_seed, init_params

SHARD_ARRAYS = {"params": 2, "loss": 1, "init_seed": 1, "diverged": 1, "steps": 0, "loss_trace": 2,
                "trace_steps": 1, "steps_run": 1}


@dataclass(frozen=True)
class ShardSpec:
    """Everything that determines one shard's file: re-running it gives identical arrays on CPU."""

    example: str  # seed namespace (e.g. "main", "complex", "larger-10x5")
    optimizer: OptimizerConfig
    n: int
    k: int
    index: int
    count: int
    shard_size: int
    steps: int
    seed: int
    init: str = "glorot_uniform_zero_bias"
    dtype: str = "float32"
    trace_points: int = 100
    early_stop: EarlyStop | None = None

    @classmethod
    def from_config(cls, fitset: dict, optimizer: str, hyper: dict, index: int, *, seed: int,
                    init: str, dtype: str, trace_points: int, early_stop: dict) -> ShardSpec:
        """Build from the workflow's params (``fitset``: namespace, n, k, count, shard_size, steps)."""
        stop = EarlyStop(early_stop["rtol"], early_stop["window"]) if early_stop["enabled"] else None
        return cls(example=fitset["namespace"], optimizer=OptimizerConfig.from_config(optimizer, hyper),
                   n=fitset["n"], k=fitset["k"], index=index, count=fitset["count"],
                   shard_size=fitset["shard_size"], steps=fitset["steps"], seed=seed, init=init,
                   dtype=dtype, trace_points=trace_points, early_stop=stop)


def train_shard(spec: ShardSpec, x: np.ndarray, y: np.ndarray, device: str = "cpu",
                backend: str = "auto", threads: int | None = None,
                progress_s: float | None = None) -> dict[str, np.ndarray]:
    """Train the fits of one shard on (x, y) and return its arrays (RESULTS.md layout); with
    ``progress_s`` a progress line is logged every that many seconds."""
    from .train import train  # lazy: joins and numbers import this module without training

    fits = shard_range(spec.index, spec.count, spec.shard_size)
    seeds = np.array([fit_seed(spec.seed, spec.example, spec.optimizer.name, i) for i in fits],
                     dtype=np.int64)
    p0 = init_params(seeds, spec.n, spec.k, spec.init)
    progress = None if progress_s is None else Progress(len(fits) * spec.steps, interval_s=progress_s,
                                                        label=f"shard {spec.index}")
    res = train(p0, x, y, spec.n, spec.k, spec.optimizer, spec.steps,
                dtype=spec.dtype, device=device,
                trace_points=spec.trace_points, early_stop=spec.early_stop, backend=backend,
                threads=threads, progress=progress)
    return {"params": res.params, "loss": res.loss, "init_seed": seeds, "diverged": res.diverged,
            "steps": np.int64(spec.steps), "loss_trace": res.loss_trace,
            "trace_steps": res.trace_steps, "steps_run": res.steps_run,
            "fit_index": np.asarray(list(fits), dtype=np.int64)}


def load_shard(path: str | Path) -> dict[str, np.ndarray]:
    """Read and validate one shard file (shapes, finite params and losses)."""
    data = load_npz(path, SHARD_ARRAYS, finite=("params",), rule="train_shard")
    rows = data["params"].shape[0]
    for name in ("loss", "init_seed", "diverged", "loss_trace"):
        if data[name].shape[0] != rows:
            raise ValueError(f"{path}: array {name!r} has {data[name].shape[0]} rows, params has "
                             f"{rows}; delete it and rerun rule 'train_shard'")
    return data


def dead_fits(params: np.ndarray, x: np.ndarray, n: int, k: int, dead_std: float) -> np.ndarray:
    """(B,) bool: fits whose output is constant on the training data (std below ``dead_std``)."""
    return forward_np(params, x, n, k).std(-1) < dead_std


def join_minima(shards: Sequence[dict[str, np.ndarray]], x: np.ndarray, n: int, k: int,
                dead_std: float, sym_tol: float = 1e-10, sym_sweeps: int = 10000
                ) -> dict[str, np.ndarray]:
    """Concatenate shards in order, symmetrize every minimum and flag dead fits."""
    joined = {name: np.concatenate([s[name] for s in shards])
              for name in ("params", "loss", "init_seed", "diverged", "loss_trace", "steps_run",
                           "fit_index")}
    if not np.array_equal(joined["fit_index"], np.arange(len(joined["fit_index"]))):
        raise ValueError("shards do not cover fits 0..N-1 in order")
    sym = symmetrize(joined["params"], n, k, tol=sym_tol, max_sweeps=sym_sweeps)
    joined["params_sym"] = sym.params
    joined["dead_nodes"] = sym.dead_nodes
    joined["dead"] = dead_fits(joined["params"], x, n, k, dead_std)
    joined["trace_steps"] = shards[0]["trace_steps"]
    return joined


def smooth_fit_loss(live_params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int) -> float:
    """Training MSE of the smooth fit, the mean output of the live fits ``live_params`` (B, P)."""
    mean_fit = forward_np(live_params, x, n, k).mean(0) if len(live_params) else np.zeros_like(y)
    return float(((mean_fit - y) ** 2).mean())


def at_smooth_fit(loss: np.ndarray, smooth: float, band: float) -> np.ndarray:
    """(B,) bool: the fit's loss lies within ``band`` (relative) of the smooth fit's loss ``smooth``."""
    return np.abs(np.asarray(loss, np.float64) - smooth) < band * smooth


def fit_statistics(minima: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, n: int, k: int,
                   global_threshold: float, smooth_band: float) -> dict[str, float]:
    """Numbers about one optimizer's fits: losses, smooth-fit loss, global-minimum and dead shares.

    The smooth fit is the mean fitted function over live fits; a fit is "at the smooth fit" when its
    loss is within ``smooth_band`` (relative) of the smooth fit's loss.
    """
    loss, dead = minima["loss"], minima["dead"]
    live = ~dead & ~minima["diverged"]
    smooth = smooth_fit_loss(minima["params"][live], x, y, n, k)
    return {
        "count": int(len(loss)),
        "dead": int(dead.sum()),
        "dead_fraction": float(dead.mean()),
        "diverged": int(minima["diverged"].sum()),
        "loss_median": float(np.median(loss[live])) if live.any() else float("nan"),
        "loss_best": float(loss.min()),
        "loss_sd": float(loss[live].std()) if live.any() else float("nan"),
        "smooth_fit_loss": smooth,
        "global_fraction": float((loss < global_threshold).mean()),
        "global_count": int((loss < global_threshold).sum()),
        "smooth_fraction": float(at_smooth_fit(loss[live], smooth, smooth_band).mean())
        if live.any() else float("nan"),
    }


def example_numbers(name: str, pf: dict[str, np.ndarray], minima: dict[str, dict[str, np.ndarray]],
                    stability: dict, global_threshold: float, smooth_band: float) -> dict[str, object]:
    """Every number the paper quotes about one example's construction and fits, keyed ``{name}_...``."""
    n, k = int(pf["n"]), int(pf["k"])
    x, y = pf["x_train"], pf["y_train"]
    inner = len(pf["knots_x"]) - 2
    out: dict[str, object] = {
        "n": n, "k": k, "n1": int(pf["n1"]), "n2": int(pf["n2"]), "params": int(pf["params"].size),
        "knots": inner, "pieces": inner + 1, "train_points": int(len(x)),
        "amplitude": float(pf["amplitude"]),
        "sawtooth_variance": float(pf["amplitude"]) ** 2 / 3.0, "target_variance": float(y.var()),
        "perfect_fit_norm": float(np.linalg.norm(pf["params"])),
        "perfect_fit_sym_norm": float(np.linalg.norm(pf["params_sym"])),
        "beta": stability["beta"], "smoothing_output_change": stability["output_change"],
        "lambda_max": stability["lambda_max"], "gd_lr_bound": stability["gd_lr_bound"],
        "gd_lr_stable": stability["gd_lr_stable"],
    }
    for opt, m in minima.items():
        for key, value in fit_statistics(m, x, y, n, k, global_threshold, smooth_band).items():
            out[f"{opt}_{key}"] = value
    return {f"{name}_{key}": value for key, value in out.items()}
