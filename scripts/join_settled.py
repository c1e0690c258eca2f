"""Snakemake entry point: join the settled shards of one (example, optimizer)."""

from nnlandscape.io import load_npz, save_npz
from nnlandscape.settled import SETTLED_ARRAYS, join_settled
from nnlandscape.workflow import start

log = start(snakemake)
shards = [load_npz(path, SETTLED_ARRAYS, finite=("params", "loss"), rule="settle_shard")
          for path in snakemake.input.shards]
settled = join_settled(shards)
log.info("%d settled end points", len(settled["kind"]))
save_npz(snakemake.output.settled, **settled)
