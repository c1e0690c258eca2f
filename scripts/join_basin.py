"""Snakemake entry point: join the basin batches of one (example, optimizer) into one trials file."""

from nnlandscape.basin import join_batches, load_batch
from nnlandscape.io import save_npz
from nnlandscape.workflow import start

log = start(snakemake)
trials = join_batches([load_batch(path) for path in snakemake.input.batches])
log.info("%d trials", len(trials["loss"]))
save_npz(snakemake.output.trials, **trials)
