"""Snakemake entry point: train the step-budget sample of one optimizer to one budget."""

from nnlandscape.fits import ShardSpec, train_shard
from nnlandscape.io import load_npz, save_npz
from nnlandscape.workflow import start

log = start(snakemake)
p, wc = snakemake.params, snakemake.wildcards
data = load_npz(snakemake.input.perfect_fit, {"x_train": 1, "y_train": 1}, rule="perfect_fit")
spec = ShardSpec.from_config(p.fitset, wc.optimizer, p.hyper, 0, seed=p.seed, init=p.init,
                             dtype=p.dtype, trace_points=p.trace_points, early_stop=p.early_stop)
log.info("%s", spec)
arrays = train_shard(spec, data["x_train"], data["y_train"], device=p.device, backend=p.backend,
                     threads=snakemake.threads)
save_npz(snakemake.output.run, **arrays)
