"""Snakemake entry point: numbers about one example's NEB paths."""

from nnlandscape.io import save_json
from nnlandscape.path_stats import load_path, neb_numbers
from nnlandscape.workflow import start

start(snakemake)
p = snakemake.params
paths = [load_path(path) for path in snakemake.input.paths]
numbers = neb_numbers(paths, p.drop_fraction, p.plateau_fraction, p.prefix, p.dead_std)
save_json(snakemake.output.numbers, numbers)
