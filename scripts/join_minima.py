"""Snakemake entry point: join the shards of one (example, optimizer) and symmetrize the minima."""

from nnlandscape.fits import join_minima, load_shard
from nnlandscape.io import load_npz, save_npz
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
data = load_npz(snakemake.input.perfect_fit, {"x_train": 1})
shards = [load_shard(path) for path in snakemake.input.shards]
minima = join_minima(shards, data["x_train"], p.example["n"], p.example["k"], p.dead_std, p.symmetrize["tol"],
                     p.symmetrize["max_sweeps"])
log.info("%d minima, %d dead", len(minima["loss"]), int(minima["dead"].sum()))
save_npz(snakemake.output.minima, **minima)
