"""What every trainer shares: optimizer hyper-parameters, fit seeds and inits, the result record.

Kept apart from the trainers (reference in :mod:`.train`, numba kernel in :mod:`.fast`, compiled
torch step in :mod:`.torch_step`) so that none of them imports another; no PyTorch at import.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from .network import layer_shapes, n_params

OPTIMIZERS = ("gd", "adadelta")
INITS = ("glorot_uniform_zero_bias", "torch_default")


@dataclass(frozen=True)
class OptimizerConfig:
    """Hyper-parameters of one optimizer (PyTorch semantics)."""

    name: str
    lr: float
    momentum: float = 0.9
    rho: float = 0.95
    eps: float = 1e-7

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.name!r}; allowed: {', '.join(OPTIMIZERS)}")

    @classmethod
    def from_config(cls, name: str, cfg: dict) -> OptimizerConfig:
        """Build from the config's ``optimizers.<name>`` mapping."""
        keys = ("lr", "momentum", "rho", "eps")
        return cls(name=name, **{key: float(cfg[key]) for key in keys if key in cfg})


@dataclass
class FitResult:
    """Outcome of training a batch of B fits (numpy arrays, see RESULTS.md)."""

    params: np.ndarray  # (B, P) final params (last finite values for diverged fits)
    loss: np.ndarray  # (B,) final training MSE recomputed in float64
    diverged: np.ndarray  # (B,) bool
    loss_trace: np.ndarray  # (B, T) training loss at ``trace_steps``
    trace_steps: np.ndarray  # (T,) int64 step numbers at which the trace was taken
    steps_run: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (B,)


def fit_seed(base_seed: int, example: str, optimizer: str, index: int) -> int:
    """Init seed of one fit: a pure function of (base seed, example, optimizer, fit index)."""
    words = [int(base_seed) & 0xFFFFFFFF, zlib.crc32(example.encode()),
             zlib.crc32(optimizer.encode()), int(index)]
    return int(np.random.SeedSequence(words).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def init_params(seeds: np.ndarray, n: int, k: int,
                scheme: str = "glorot_uniform_zero_bias") -> np.ndarray:
    """Initial params (B, P) float64, one row per seed, independent of device and batch size."""
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r}; allowed: {', '.join(INITS)}")
    rows = []
    for seed in np.asarray(seeds, dtype=np.int64):
        rng = np.random.default_rng(int(seed))
        parts = []
        for out_dim, in_dim in layer_shapes(n, k):
            if scheme == "glorot_uniform_zero_bias":
                bound = np.sqrt(6.0 / (in_dim + out_dim))
                parts += [rng.uniform(-bound, bound, out_dim * in_dim), np.zeros(out_dim)]
            else:
                bound = 1.0 / np.sqrt(in_dim)
                parts += [rng.uniform(-bound, bound, out_dim * in_dim),
                          rng.uniform(-bound, bound, out_dim)]
        rows.append(np.concatenate(parts))
    return np.stack(rows) if rows else np.zeros((0, n_params(n, k)))


def trace_steps(steps: int, points: int) -> np.ndarray:
    """About ``points`` log-spaced step numbers in [0, steps] (0 and ``steps`` included)."""
    if steps <= 0:
        return np.zeros(1, dtype=np.int64)
    s = np.unique(np.round(np.geomspace(1, steps, max(points - 1, 1))).astype(np.int64))
    return np.concatenate([[0], s])


@dataclass(frozen=True)
class EarlyStop:
    """Stop a fit when its best loss has not improved by more than ``rtol`` over ``window`` steps."""

    rtol: float = 1e-4
    window: int = 1000


def np_dtype(dtype) -> np.dtype:
    """numpy dtype (float32 or float64) of a torch or numpy dtype."""
    # a torch dtype is matched by name, so this module never imports torch
    dtype = {"torch.float32": np.float32, "torch.float64": np.float64}.get(str(dtype), dtype)
    dt = np.dtype(dtype) if dtype is not None else None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def final_loss(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int) -> np.ndarray:
    """Float64 training MSE per fit (non-finite params give inf), in NumPy: the numba trainer's jobs
    need no PyTorch."""
    from .network import mse_np

    with np.errstate(all="ignore"):  # diverged fits: inf and nan params
        loss = mse_np(np.atleast_2d(params), x, y, n, k)
    return np.where(np.isfinite(loss), loss, np.inf)
