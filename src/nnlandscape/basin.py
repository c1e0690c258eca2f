"""Basin of the global minimum (paper 4.8): jitter the symmetrized perfect fit, retrain, see who returns.

Trial t starts at g + r_t u_t, where g is the symmetrized perfect fit, u_t is a uniformly random unit
vector (a normalized Gaussian) and r_t is uniform in [0, r_max]. The noise of trial t is a pure
function of (basin seed, t): it does not depend on the batch layout or on the optimizer, so GD and
Adadelta retrain exactly the same jittered networks (a paired comparison).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .config import shard_range
from .io import load_npz
from .progress import Progress
from .symmetry import symmetrize
from .trainspec import OptimizerConfig

BATCH_ARRAYS = {"noise_norm": 1, "loss": 1, "params": 2, "dist_to_global": 1, "trial_index": 1,
                "diverged": 1, "start_loss": 1}


@dataclass(frozen=True)
class BasinSpec:
    """Everything that determines one batch file of jitter trials (re-running gives the same arrays)."""

    optimizer: OptimizerConfig
    index: int  # batch index
    trials: int  # trials per optimizer, all batches together
    batch_size: int
    steps: int
    r_max: float
    seed: int
    dtype: str = "float32"
    trace_points: int = 100

    @classmethod
    def from_config(cls, basin: Mapping, optimizer: str, hyper: Mapping, index: int, *,
                    global_norm: float, dtype: str = "float32", trace_points: int = 100) -> BasinSpec:
        """Build from the config's ``basin`` and ``optimizers.<optimizer>`` mappings; the noise range is
        ``basin.r_max_relative`` times ``global_norm`` (the symmetrized perfect fit's norm)."""
        if not np.isfinite(global_norm) or global_norm <= 0:
            raise ValueError(f"global_norm must be positive and finite, got {global_norm!r}")
        return cls(optimizer=OptimizerConfig.from_config(optimizer, dict(hyper)), index=index,
                   trials=int(basin["trials"]), batch_size=int(basin["batch_size"]),
                   steps=int(basin["steps"]), r_max=float(basin["r_max_relative"]) * float(global_norm),
                   seed=int(basin["seed"]),
                   dtype=dtype, trace_points=trace_points)

    @property
    def trial_indices(self) -> range:
        """Global indices of this batch's trials."""
        return shard_range(self.index, self.trials, self.batch_size)


def trial_noise(seed: int, trial: int, dim: int, r_max: float) -> tuple[float, np.ndarray]:
    """Noise of one trial: ``(r, r u)`` with u uniform on the unit sphere in ``dim`` dims, r ~ U[0, r_max]."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(trial)]))
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    radius = float(rng.uniform(0.0, r_max))
    return radius, radius * direction


def jitter(center: np.ndarray, trials: Sequence[int], r_max: float, seed: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Jittered copies of ``center`` (P,): returns ``(noise_norm (B,), params (B, P))`` in float64."""
    center = np.asarray(center, dtype=np.float64)
    noise = [trial_noise(seed, t, center.size, r_max) for t in trials]
    norms = np.array([r for r, _ in noise], dtype=np.float64)
    vectors = np.stack([v for _, v in noise]) if noise else np.zeros((0, center.size))
    return norms, center[None, :] + vectors


def distance_to_global(params: np.ndarray, global_sym: np.ndarray, n: int, k: int,
                       sym_tol: float = 1e-10, sym_sweeps: int = 10000) -> np.ndarray:
    """(B,) Euclidean distance from each symmetrized ``params`` (B, P) to the symmetrized global minimum."""
    sym = symmetrize(np.atleast_2d(params), n, k, tol=sym_tol, max_sweeps=sym_sweeps).params
    return np.linalg.norm(sym - np.asarray(global_sym, dtype=np.float64)[None, :], axis=-1)


def _train(params0: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, spec: BasinSpec,
           device: str, backend: str, threads: int | None, progress_s: float | None = None):
    """Retrain with the project's batched trainer (the dispatcher picks the backend)."""
    from .train import train  # lazy: the join and numbers jobs import this module without training

    return train(params0, x, y, n, k, spec.optimizer, spec.steps, dtype=spec.dtype,
                 device=device, trace_points=spec.trace_points, backend=backend, threads=threads,
                 progress=None if progress_s is None else Progress(len(params0) * spec.steps,
                                                                   interval_s=progress_s,
                                                                   label=f"basin batch {spec.index}"))


def run_batch(spec: BasinSpec, global_sym: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
              *, device: str = "cpu", backend: str = "auto", threads: int | None = None,
              sym_tol: float = 1e-10, sym_sweeps: int = 10000,
              progress_s: float | None = None) -> dict[str, np.ndarray]:
    """Jitter, retrain and measure one batch of trials (RESULTS.md basin layout).

    Arrays: ``noise_norm``, ``start_loss`` (loss of the jittered network), ``loss`` (final, float64),
    ``params`` (final), ``dist_to_global`` (after symmetrization), ``trial_index``, ``diverged``,
    ``loss_trace`` and ``trace_steps``.
    """
    from .network import mse_np

    trials = spec.trial_indices
    norms, p0 = jitter(global_sym, trials, spec.r_max, spec.seed)
    res = _train(p0, x, y, n, k, spec, device, backend, threads, progress_s)
    return {"noise_norm": norms, "start_loss": np.atleast_1d(mse_np(p0, x, y, n, k)),
            "loss": res.loss, "params": res.params,
            "dist_to_global": distance_to_global(res.params, global_sym, n, k, sym_tol, sym_sweeps),
            "trial_index": np.asarray(list(trials), dtype=np.int64), "diverged": res.diverged,
            "loss_trace": res.loss_trace, "trace_steps": res.trace_steps,
            "steps": np.int64(spec.steps), "r_max": np.float64(spec.r_max)}


def load_batch(path: str) -> dict[str, np.ndarray]:
    """Read and validate one basin batch file."""
    return load_npz(path, BATCH_ARRAYS, finite=("noise_norm", "params"), rule="basin_batch")


def join_batches(batches: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate batch files in order; they must cover trials 0..N-1 exactly once."""
    names = ("noise_norm", "start_loss", "loss", "params", "dist_to_global", "trial_index",
             "diverged", "loss_trace")
    joined = {name: np.concatenate([b[name] for b in batches]) for name in names}
    if not np.array_equal(joined["trial_index"], np.arange(len(joined["trial_index"]))):
        raise ValueError("basin batches do not cover trials 0..N-1 in order")
    joined["trace_steps"] = np.asarray(batches[0]["trace_steps"])
    joined["steps"] = np.asarray(batches[0]["steps"])
    joined["r_max"] = np.asarray(batches[0]["r_max"])
    return joined


def returned(loss: np.ndarray, threshold: float) -> np.ndarray:
    """(B,) bool: the retrained network is back at the global minimum (final loss below threshold)."""
    loss = np.asarray(loss, dtype=np.float64)
    return np.isfinite(loss) & (loss < threshold)


def return_share_by_bin(noise_norm: np.ndarray, back: np.ndarray, r_max: float, bins: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal-width bins of the noise norm on [0, r_max]: ``(edges (bins+1,), trials (bins,), share (bins,))``.

    ``share`` is the fraction of a bin's trials that returned (NaN for an empty bin).
    """
    edges = np.linspace(0.0, r_max, bins + 1)
    which = np.clip(np.searchsorted(edges, noise_norm, side="right") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    hits = np.bincount(which, weights=np.asarray(back, dtype=np.float64), minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(count > 0, hits / np.maximum(count, 1), np.nan)
    return edges, count, share


def return_radius(noise_norm: np.ndarray, back: np.ndarray, r_max: float, bins: int,
                  majority: float = 0.5) -> float:
    """Largest noise norm from which training returns in at least ``majority`` of its bin's trials.

    The upper edge of the last bin whose return share is >= ``majority``; 0 if no bin qualifies.
    """
    edges, _, share = return_share_by_bin(noise_norm, back, r_max, bins)
    ok = np.nonzero(np.nan_to_num(share, nan=0.0) >= majority)[0]
    return float(edges[ok[-1] + 1]) if len(ok) else 0.0


def basin_numbers(trials: Mapping[str, Mapping[str, np.ndarray]], global_sym: np.ndarray,
                  r_max: float, bins: int, threshold: float, near_threshold: float,
                  stability: Mapping) -> dict[str, object]:
    """Every number the paper quotes about the basin experiment, keyed ``basin_...``.

    Per optimizer: trials, share returned (loss below ``threshold``), return radius (absolute and
    relative to the symmetrized perfect fit's norm), the same for the looser ``near_threshold``
    (back in the basin, still converging along flat directions), the smallest noise norm that failed
    and the largest that returned. Also whether the configured GD lr is under the stability bound
    (else no GD trial can return).
    """
    g_norm = float(np.linalg.norm(global_sym))
    out: dict[str, object] = {
        "global_norm": g_norm, "r_max": float(r_max), "r_max_relative": float(r_max) / g_norm,
        "bins": int(bins), "threshold": float(threshold), "near_threshold": float(near_threshold),
        "gd_lr": float(stability["gd_lr"]), "gd_lr_bound": float(stability["gd_lr_bound"]),
        "gd_lr_stable": bool(stability["gd_lr"] < stability["gd_lr_bound"]),
        "gd_lr_over_bound": float(stability["gd_lr"]) / float(stability["gd_lr_bound"]),
    }
    for opt, t in trials.items():
        norm, loss = np.asarray(t["noise_norm"]), np.asarray(t["loss"])
        back = returned(loss, threshold)
        radius = return_radius(norm, back, r_max, bins)
        out |= {
            f"{opt}_trials": int(len(loss)),
            f"{opt}_returned": int(back.sum()),
            f"{opt}_returned_fraction": float(back.mean()) if len(loss) else float("nan"),
            f"{opt}_return_radius": radius,
            f"{opt}_return_radius_relative": radius / g_norm,
            f"{opt}_largest_returned_norm": float(norm[back].max()) if back.any() else 0.0,
            f"{opt}_smallest_failed_norm": float(norm[~back].min()) if (~back).any() else float("nan"),
            f"{opt}_loss_best": float(loss.min()) if len(loss) else float("nan"),
            f"{opt}_loss_median": float(np.median(loss)) if len(loss) else float("nan"),
            f"{opt}_dist_returned_median": float(np.median(t["dist_to_global"][back]))
            if back.any() else float("nan"),
        }
        near = returned(loss, near_threshold)
        near_radius = return_radius(norm, near, r_max, bins)
        out |= {
            f"{opt}_near_fraction": float(near.mean()) if len(loss) else float("nan"),
            f"{opt}_near_radius": near_radius,
            f"{opt}_near_radius_relative": near_radius / g_norm,
        }
    return {f"basin_{key}": value for key, value in out.items()}
