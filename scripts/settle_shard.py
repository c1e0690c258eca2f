"""Snakemake entry point: settle and certify one shard of an optimizer's training end points."""

import time

import numpy as np

from nnlandscape.io import load_npz, save_npz
from nnlandscape.nonsmooth import KINDS
from nnlandscape.settle import SettleConfig, settle_shard
from nnlandscape.workflow import start

log = start(snakemake)
inp, p, wc = snakemake.input, snakemake.params, snakemake.wildcards
pf = load_npz(inp.perfect_fit, {"x_train": 1, "y_train": 1}, rule="perfect_fit")
minima = load_npz(inp.minima, {"params": 2, "dead": 1, "diverged": 1}, finite=("params",),
                  rule="join_minima")
cfg = SettleConfig.from_config(p.settle, wc.example)
log.info("%s", cfg)
t0 = time.monotonic()
arrays = settle_shard(minima, pf["x_train"], pf["y_train"], int(pf["n"]), int(pf["k"]), cfg,
                      p.settle_count, p.shard_size, int(wc.shard))
seconds = time.monotonic() - t0
counts = np.bincount(arrays["kind"], minlength=len(KINDS))
log.info("%d end points in %.1f s (%.3f per second): %s", len(arrays["kind"]), seconds,
         len(arrays["kind"]) / max(seconds, 1e-9),
         ", ".join(f"{KINDS[c]} {int(counts[c])}" for c in KINDS))
save_npz(snakemake.output.shard, **arrays)
