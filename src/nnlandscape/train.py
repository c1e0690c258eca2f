"""Which trainer trains a batch of fits, and where: the device (auto, cpu, cuda) and the backend
(the numba kernel, the hand-written torch step, or the autograd reference of :mod:`.reference`).

No PyTorch at import, and none at all where the process can use no NVIDIA GPU and the numba kernel
trains: such a CPU training job skips ``import torch`` (1.5 s a job). Each fit's init is a pure function of
``(base seed, example, optimizer, fit index)`` (:mod:`.trainspec`).
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from typing import TYPE_CHECKING

import numpy as np

from .gpu import cuda_present
from .progress import Progress
from .trainspec import (  # noqa: F401 - re-exported: the trainers' shared names
    INITS,
    OPTIMIZERS,
    EarlyStop,
    FitResult,
    OptimizerConfig,
    final_loss,
    fit_seed,
    init_params,
    trace_steps,
)

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")


def device_type(device: str | torch.device) -> str:
    """``"cpu"`` or ``"cuda"`` for a config ``device`` (auto|cpu|cuda) or a torch device; imports
    PyTorch only where this process may use an NVIDIA GPU (:func:`nnlandscape.gpu.cuda_present`:
    NVML or the device files, the DAG's own test). Errors name the bad value."""
    if not isinstance(device, str):
        return device.type
    if device == "cpu" or (device == "auto" and "torch" not in sys.modules and not cuda_present()):
        return "cpu"
    return resolve_device(device).type


def resolve_device(device: str) -> torch.device:
    """Map config ``device`` (auto|cpu|cuda) to a torch device; error if cuda is absent or the
    name unknown (checked before PyTorch is imported)."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; allowed: {', '.join(DEVICES)}")
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config asks for device 'cuda' but torch.cuda.is_available() is False")
    return torch.device(device)


BACKENDS = ("auto", "reference", "numba", "torch")
#: Widest hidden layer for which ``backend="auto"`` picks the numba kernel on CPU.
NUMBA_MAX_WIDTH = 10


def train(params0: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
          opt: OptimizerConfig, steps: int, *, dtype: str | torch.dtype = "float32",
          device: str | torch.device = "cpu", trace_points: int = 100,
          early_stop: EarlyStop | None = None, backend: str = "auto",
          threads: int | None = None, progress: Progress | None = None) -> FitResult:
    """Train B fits with the fastest available trainer; all give the results of
    :func:`nnlandscape.reference.train_reference`. ``dtype``: a name (float32, float64) or torch dtype.

    ``backend``: ``auto`` (CPU: the numba kernel if numba imports and n <= NUMBA_MAX_WIDTH, else the
    reference; CUDA: the
    hand-written torch step, compiled), ``reference``, ``numba`` (CPU only) or ``torch``.
    ``threads`` sets the CPU worker threads (numba pool, or torch's intra-op threads). ``progress``
    logs fit-steps done, median loss so far, rate and time left at its interval, and a final line.
    """
    res = _train(params0, x, y, n, k, opt, steps, dtype=dtype, device=device, trace_points=trace_points,
                 early_stop=early_stop, backend=backend, threads=threads, progress=progress)
    if progress is not None:
        progress.finish(res.loss)
    return res


def _train(params0, x, y, n, k, opt, steps, *, dtype, device, trace_points, early_stop, backend, threads,
           progress) -> FitResult:
    """The dispatch of :func:`train`: resolve the device and backend (logged), then train."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    kind = device_type(device)
    common = dict(trace_points=trace_points, early_stop=early_stop, progress=progress)
    if kind == "cuda" and backend == "numba":
        raise ValueError("backend 'numba' runs on CPU only; use device 'cpu' or backend 'auto'")
    if backend == "auto":
        if kind == "cuda":
            backend = "torch"
        else:
            # the generated kernel is straight-line code per weight: above NUMBA_MAX_WIDTH nodes per
            # layer it compiles slowly and runs slower than batched torch (measured for (20,5))
            fast_ok = n <= NUMBA_MAX_WIDTH and importlib.util.find_spec("numba") is not None
            backend = "numba" if fast_ok else "reference"
    logging.getLogger("nnlandscape.train").info("training %d fits on device %s with backend %s",
                                                 len(params0), kind, backend)
    if backend == "numba":
        from .fast import train_fast  # lazy: numba compiles on first use

        return train_fast(params0, x, y, n, k, opt, steps, dtype=dtype, threads=threads, **common)
    import torch

    dev = resolve_device(device) if isinstance(device, str) else torch.device(device)
    tdtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    prev = torch.get_num_threads()
    if threads is not None and dev.type == "cpu":
        torch.set_num_threads(max(1, int(threads)))
    try:
        if backend == "torch":
            from .torch_step import train_torch

            return train_torch(params0, x, y, n, k, opt, steps, dtype=tdtype, device=dev, **common)
        from .reference import train_reference

        return train_reference(params0, x, y, n, k, opt, steps, dtype=tdtype, device=dev, **common)
    finally:
        torch.set_num_threads(prev)
