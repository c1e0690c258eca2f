"""Snakemake entry point: train one shard of fits and write its arrays."""

from nnlandscape.fits import ShardSpec, train_shard
from nnlandscape.io import load_npz, save_npz
from nnlandscape.progress import INTERVAL_S
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
wc = snakemake.wildcards
data = load_npz(snakemake.input.perfect_fit, {"x_train": 1, "y_train": 1})
spec = ShardSpec.from_config(p.fitset, wc.optimizer, p.hyper, int(wc.shard), seed=p.seed,
                             init=p.init, dtype=p.dtype, trace_points=p.trace_points,
                             early_stop=p.early_stop)
log.info("%s", spec)
arrays = train_shard(spec, data["x_train"], data["y_train"], device=p.device, backend=p.backend,
                     threads=snakemake.threads, progress_s=INTERVAL_S)
log.info("%d fits, %d diverged", len(arrays["loss"]), int(arrays["diverged"].sum()))
save_npz(snakemake.output.shard, **arrays)
