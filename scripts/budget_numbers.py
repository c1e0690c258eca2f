"""Snakemake entry point: the step-budget study's arrays (figure 16) and numbers."""

from nnlandscape.budget import budget_summary
from nnlandscape.fits import load_shard
from nnlandscape.io import load_npz, save_json, save_npz
from nnlandscape.settled import SETTLED_ARRAYS
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
files = iter(snakemake.input.runs)
runs = {opt: {b: load_shard(next(files)) for b in p.budgets} for opt in p.optimizers}
files = iter(snakemake.input.settled)
settled = {opt: {b: load_npz(next(files), SETTLED_ARRAYS, rule="settle_budget") for b in p.budgets}
           for opt in p.optimizers}
arrays, numbers = budget_summary(runs, settled, p.budgets)
log.info("%s", numbers)
save_npz(snakemake.output.budget, **arrays)
save_json(snakemake.output.numbers, numbers)
