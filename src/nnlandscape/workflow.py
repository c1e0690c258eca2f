"""Glue for Snakemake scripts: logging to the rule's log and thread settings (no science here)."""

from __future__ import annotations

import logging
import sys
import time


def start(snakemake) -> logging.Logger:
    """Send stderr and logging to the rule's log file and pin torch's threads to the job's."""
    if snakemake.log:
        sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: SIM115 - lives for the job
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", force=True)
    threads = max(int(getattr(snakemake, "threads", 1) or 1), 1)
    import torch

    torch.set_num_threads(threads)
    log = logging.getLogger(f"nnlandscape.{snakemake.rule}")
    log.info("rule %s, %d thread(s), started %s", snakemake.rule, threads, time.strftime("%c"))
    return log
