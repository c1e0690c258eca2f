"""Snakemake entry point: the data-amount ablation (fits on m points per segment, dense-grid MSE)."""

from nnlandscape.ablation import data_amount
from nnlandscape.construction import Example
from nnlandscape.io import save_npz
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
a = p.ablation
arrays = data_amount(Example.from_config(p.example), a["points_per_segment"], p.optimizers,
                     a["count"], a["steps"], a["seed"], a["grid"], init=p.init, dtype=p.dtype,
                     backend=p.backend, threads=snakemake.threads)
for opt in p.optimizers:
    log.info("%s: median dense-grid MSE per points per segment %s: %s", opt, a["points_per_segment"],
             [float(v) for v in arrays[f"{opt}_grid_mse"].mean(axis=1)])
save_npz(snakemake.output.arrays, **arrays)
