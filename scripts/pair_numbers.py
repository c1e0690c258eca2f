"""Snakemake entry point: numbers about the minimum-to-minimum paths of each optimizer."""

from nnlandscape.io import load_npz, save_json
from nnlandscape.path_stats import pair_numbers
from nnlandscape.workflow import start

start(snakemake)
numbers = {}
for optimizer, path in zip(snakemake.params.optimizers, snakemake.input.graphs, strict=True):
    numbers.update(pair_numbers(load_npz(path), f"pairs_{optimizer}"))
save_json(snakemake.output.numbers, numbers)
