"""Snakemake entry point: final-loss statistics per network size and optimizer (paper 4.10)."""

from nnlandscape.capacity import larger_numbers
from nnlandscape.io import load_npz, save_json
from nnlandscape.workflow import start

start(snakemake)
p = snakemake.params
inp = snakemake.input
# inp.larger lists the larger sizes' minima size by size, optimizers in p.optimizers order
larger = iter(inp.larger)
losses = {tuple(p.base): {opt: load_npz(inp[opt], {"loss": 1})["loss"] for opt in p.optimizers}}
for size in p.sizes:
    losses[tuple(size)] = {opt: load_npz(next(larger), {"loss": 1})["loss"] for opt in p.optimizers}
save_json(snakemake.output.numbers, larger_numbers(losses, tuple(p.base), p.global_threshold))
