"""GPU slots for local jobs: one file lock per device, so concurrent GPU jobs never share a GPU.

Snakemake's ``--resources gpu=N`` limits how many GPU jobs run at once but gives them no device ids.
A job takes a free slot (``fcntl.flock`` on ``<lock dir>/gpu-<id>.lock``) and sets
``CUDA_VISIBLE_DEVICES`` to it before CUDA is initialised. The kernel drops the lock when the
process exits, however it exits (SIGKILL included), so a crashed job never keeps a GPU.
"""

from __future__ import annotations

import ctypes
import fcntl
import glob
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SLOTS_ENV = "NNLANDSCAPE_GPU_SLOTS"  # device ids ("0,1,2,3") or a count ("4"): overrides detection
LOCK_DIR_ENV = "NNLANDSCAPE_GPU_LOCK_DIR"  # where the lock files live (default .snakemake/gpu-slots)
DEFAULT_LOCK_DIR = ".snakemake/gpu-slots"


def _nvml_count() -> int:
    """Number of NVIDIA GPUs via NVML (does not initialise CUDA, unlike torch.cuda.device_count())."""
    try:
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return 0
    if nvml.nvmlInit_v2() != 0:
        return 0
    count = ctypes.c_uint(0)
    ok = nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) == 0
    nvml.nvmlShutdown()
    return int(count.value) if ok else 0


def device_names() -> list[str]:
    """Names of the NVIDIA GPUs NVML reports (all of the machine's), [] without a driver."""
    try:
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return []
    if nvml.nvmlInit_v2() != 0:
        return []
    names = []
    try:
        count = ctypes.c_uint(0)
        if nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) == 0:
            for i in range(count.value):
                handle = ctypes.c_void_p()
                name = ctypes.create_string_buffer(96)
                if (nvml.nvmlDeviceGetHandleByIndex_v2(i, ctypes.byref(handle)) == 0
                        and nvml.nvmlDeviceGetName(handle, name, 96) == 0):
                    names.append(name.value.decode(errors="replace"))
    finally:
        nvml.nvmlShutdown()
    return names


def device_ids() -> list[str]:
    """The GPU ids a job may be given: NNLANDSCAPE_GPU_SLOTS, else CUDA_VISIBLE_DEVICES, else all.

    Detection never initialises CUDA in this process (CUDA reads CUDA_VISIBLE_DEVICES only once).
    """
    override = os.environ.get(SLOTS_ENV, "").strip()
    if override:
        return [str(i) for i in range(int(override))] if override.isdigit() else _split(override)
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return _split(visible)
    count = _nvml_count() or len(glob.glob("/dev/nvidia[0-9]*"))
    return [str(i) for i in range(count)]


def cuda_present() -> bool:
    """True when this process may use at least one NVIDIA GPU (NVML or /dev/nvidiaN, no CUDA start).

    What ``device: auto`` means for the DAG; the job itself decides with ``torch.cuda.is_available``.
    """
    return bool(device_ids())


def _split(ids: str) -> list[str]:
    return [i.strip() for i in ids.split(",") if i.strip() and i.strip() != "-1"]


@dataclass
class GpuSlot:
    """Device ids held by this process; the open, locked files keep them until ``release``."""

    ids: list[str]
    lock_dir: Path | None
    _files: list = field(default_factory=list, repr=False)
    _previous_env: str | None = field(default=None, repr=False)

    def release(self) -> None:
        """Unlock the slots and restore the previous CUDA_VISIBLE_DEVICES."""
        for fh in self._files:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
        self._files.clear()
        if self._previous_env is None:
            os.environ.pop("CUDA_VISIBLE_DEVICES", None)
        else:
            os.environ["CUDA_VISIBLE_DEVICES"] = self._previous_env


def _default_lock_dir() -> Path:
    """.snakemake/gpu-slots, one folder per SLURM job inside one (its device ids are its own)."""
    job = os.environ.get("SLURM_JOB_ID")
    return Path(DEFAULT_LOCK_DIR) / f"slurm-{job}" if job else Path(DEFAULT_LOCK_DIR)


def _lock_path(lock_dir: Path, device: str) -> Path:
    return lock_dir / f"gpu-{re.sub(r'[^A-Za-z0-9_.-]', '_', device)}.lock"


def acquire(n: int = 1, lock_dir: str | Path | None = None, timeout: float | None = None,
            poll: float = 0.05, owner: str = "") -> GpuSlot:
    """Lock ``n`` free GPU slots and set CUDA_VISIBLE_DEVICES to them (waits while all are taken).

    With fewer than ``n`` devices: raise. In a SLURM job that sees exactly ``n`` GPUs (SLURM chose
    them) they are used as they are, without locks.
    Raises TimeoutError when ``timeout`` seconds pass without ``n`` free slots.
    """
    ids = device_ids()
    if len(ids) < n:
        raise RuntimeError(f"the job needs {n} GPU(s) but {len(ids)} are visible "
                           f"(set {SLOTS_ENV} or CUDA_VISIBLE_DEVICES, or lower resources gpu)")
    previous = os.environ.get("CUDA_VISIBLE_DEVICES")
    if "SLURM_JOB_ID" in os.environ and SLOTS_ENV not in os.environ and len(ids) == n:
        # SLURM gave this job exactly its GPUs; locks in a shared run directory would make jobs on
        # different nodes wait for each other's (different) device 0.
        return GpuSlot(ids, None, _previous_env=previous)
    lock_dir = Path(lock_dir or os.environ.get(LOCK_DIR_ENV) or _default_lock_dir())
    lock_dir.mkdir(parents=True, exist_ok=True)
    deadline = None if timeout is None else time.monotonic() + timeout
    start = os.getpid() % len(ids)  # spread first tries so waiting jobs do not all poll slot 0
    order = ids[start:] + ids[:start]
    while True:
        held: list[tuple[str, object]] = []
        for device in order:
            fh = open(_lock_path(lock_dir, device), "a+")  # noqa: SIM115 - kept open while held
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} {owner}\n")
            fh.flush()
            held.append((device, fh))
            if len(held) == n:
                break
        if len(held) == n:
            chosen = sorted((d for d, _ in held), key=ids.index)
            os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(chosen)
            return GpuSlot(chosen, lock_dir, [fh for _, fh in held], previous)
        for _, fh in held:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"no {n} free GPU slot(s) among {ids} in {lock_dir} after {timeout} s")
        time.sleep(poll)


@contextmanager
def gpu_slot(n: int = 1, lock_dir: str | Path | None = None, timeout: float | None = None,
             owner: str = "") -> Iterator[GpuSlot]:
    """Context manager around :func:`acquire`: the slots are released on exit (and on crash)."""
    slot = acquire(n, lock_dir, timeout=timeout, owner=owner)
    try:
        yield slot
    finally:
        slot.release()
