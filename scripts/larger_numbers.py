"""Snakemake entry point: final-loss statistics per network size and optimizer (paper 4.10)."""

from nnlandscape.capacity import larger_numbers
from nnlandscape.io import load_npz, save_json
from nnlandscape.workflow import start

start(snakemake)
p = snakemake.params
inp = snakemake.input
# inp.larger lists the larger sizes' minima size by size, optimizers in p.optimizers order
larger = iter(inp.larger)

def losses_of(paths) -> dict:
    return {opt: load_npz(path, {"loss": 1}, rule="join_minima")["loss"]
            for opt, path in zip(p.optimizers, paths, strict=True)}


losses = {tuple(p.base): losses_of(inp[opt] for opt in p.optimizers)}
for size in p.sizes:
    losses[tuple(size)] = losses_of(next(larger) for _ in p.optimizers)
save_json(snakemake.output.numbers, larger_numbers(losses, tuple(p.base), p.global_threshold))
