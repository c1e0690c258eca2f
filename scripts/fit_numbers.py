"""Snakemake entry point: numbers about one example's perfect fit and fits."""

from nnlandscape.fits import example_numbers
from nnlandscape.io import load_json, load_npz, save_json
from nnlandscape.trainspec import OPTIMIZERS
from nnlandscape.workflow import start

start(snakemake)
p = snakemake.params
inp = snakemake.input
minima = {opt: load_npz(inp[opt]) for opt in OPTIMIZERS}
numbers = example_numbers(snakemake.wildcards.example, load_npz(inp.perfect_fit), minima,
                          load_json(inp.stability), p.global_threshold, p.smooth_band)
save_json(snakemake.output.numbers, numbers)
