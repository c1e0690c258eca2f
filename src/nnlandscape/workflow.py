"""Glue for Snakemake scripts: logging to the rule's log, thread settings, GPU slots (no science here)."""

from __future__ import annotations

import atexit
import logging
import os
import sys
import time

from .gpu import GpuSlot, acquire

# The GPU slot of this job's process: held (file lock open) until the process exits.
_GPU_SLOT: GpuSlot | None = None


def start(snakemake) -> logging.Logger:
    """Send stderr and logging to the rule's log file, pin torch's threads to the job's and, for a job
    with ``resources: gpu >= 1``, take a free GPU slot (CUDA_VISIBLE_DEVICES) before CUDA starts.

    Imports no PyTorch (jobs that do not train never load it)."""
    if snakemake.log:
        sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: SIM115 - lives for the job
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", force=True)
    threads = max(int(getattr(snakemake, "threads", 1) or 1), 1)
    log = logging.getLogger(f"nnlandscape.{snakemake.rule}")
    gpus = int(getattr(getattr(snakemake, "resources", None), "gpu", 0) or 0)
    if gpus >= 1:
        global _GPU_SLOT
        t0 = time.monotonic()
        _GPU_SLOT = acquire(gpus, owner=f"rule {snakemake.rule}")
        log.info("GPU slot: CUDA_VISIBLE_DEVICES=%s (waited %.1f s)", ",".join(_GPU_SLOT.ids),
                 time.monotonic() - t0)
    if "torch" in sys.modules:  # pin torch's intra-op threads to the job's
        sys.modules["torch"].set_num_threads(threads)
    else:  # jobs that train import torch later (it reads these once); the others never import it
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    log.info("rule %s, %d thread(s), started %s", snakemake.rule, threads, time.strftime("%c"))
    atexit.register(_record_torch, log)
    return log


def _record_torch(log: logging.Logger) -> None:
    """Last log line of every job: whether it loaded PyTorch (the tests hold the jobs that do not
    train to "no", which a lazy import deep in the science would otherwise hide)."""
    log.info("PyTorch loaded: %s", "yes" if "torch" in sys.modules else "no")
