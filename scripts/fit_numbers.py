"""Snakemake entry point: numbers about one example's perfect fit and fits."""

from nnlandscape.fits import example_numbers
from nnlandscape.io import load_json, load_npz, save_json
from nnlandscape.workflow import start

start(snakemake)  # noqa: F821
p = snakemake.params  # noqa: F821
inp = snakemake.input  # noqa: F821
minima = {opt: load_npz(inp[opt]) for opt in ("gd", "adadelta")}
numbers = example_numbers(snakemake.wildcards.example, load_npz(inp.perfect_fit), minima,  # noqa: F821
                          load_json(inp.stability), p.global_threshold, p.smooth_band)
save_json(snakemake.output.numbers, numbers)  # noqa: F821
