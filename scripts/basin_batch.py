"""Snakemake entry point: jitter the global minimum, retrain one batch of trials, write its arrays."""

import numpy as np

from nnlandscape.basin import BasinSpec, run_batch
from nnlandscape.io import load_npz, save_npz
from nnlandscape.workflow import start

log = start(snakemake)  # noqa: F821
p = snakemake.params  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
pf = load_npz(snakemake.input.perfect_fit, {"params_sym": 1, "x_train": 1, "y_train": 1})  # noqa: F821
spec = BasinSpec.from_config(p.basin, wc.optimizer, p.hyper, int(wc.batch),
                             global_norm=float(np.linalg.norm(pf["params_sym"])), dtype=p.dtype,
                             trace_points=p.trace_points)
log.info("%s", spec)
arrays = run_batch(spec, pf["params_sym"], pf["x_train"], pf["y_train"], int(pf["n"]), int(pf["k"]),
                   device=p.device, backend=p.backend, threads=snakemake.threads,  # noqa: F821
                   sym_tol=p.symmetrize["tol"], sym_sweeps=p.symmetrize["max_sweeps"])
log.info("%d trials, %d diverged, final losses %.3g..%.3g", len(arrays["loss"]),
         int(arrays["diverged"].sum()), arrays["loss"].min(), arrays["loss"].max())
save_npz(snakemake.output.batch, **arrays)  # noqa: F821
