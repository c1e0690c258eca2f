"""Snakemake entry point: jitter the global minimum, retrain one batch of trials, write its arrays."""

import numpy as np

from nnlandscape.basin import BasinSpec, run_batch
from nnlandscape.io import load_npz, save_npz
from nnlandscape.progress import INTERVAL_S
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
wc = snakemake.wildcards
pf = load_npz(snakemake.input.perfect_fit, {"params_sym": 1, "x_train": 1, "y_train": 1})
spec = BasinSpec.from_config(p.basin, wc.optimizer, p.hyper, int(wc.batch),
                             global_norm=float(np.linalg.norm(pf["params_sym"])), dtype=p.dtype,
                             trace_points=p.trace_points)
log.info("%s", spec)
arrays = run_batch(spec, pf["params_sym"], pf["x_train"], pf["y_train"], int(pf["n"]), int(pf["k"]),
                   device=p.device, backend=p.backend, threads=snakemake.threads,
                   sym_tol=p.symmetrize["tol"], sym_sweeps=p.symmetrize["max_sweeps"],
                   progress_s=INTERVAL_S)
log.info("%d trials, %d diverged, final losses %.3g..%.3g", len(arrays["loss"]),
         int(arrays["diverged"].sum()), arrays["loss"].min(), arrays["loss"].max())
save_npz(snakemake.output.batch, **arrays)
