"""Snakemake entry point: the pure sawtooth of the examples' (n,k) network (drawn, not fitted)."""

from nnlandscape.capacity import full_sawtooth_arrays, sawtooth_numbers
from nnlandscape.construction import Example
from nnlandscape.io import save_json, save_npz
from nnlandscape.workflow import start

start(snakemake)
ex = snakemake.params.example
arrays = full_sawtooth_arrays(Example(n=ex["n"], k=ex["k"], n1=ex["n"], n2=0,
                                      amplitude=ex["amplitude"]))
save_npz(snakemake.output.sawtooth, **arrays)
save_json(snakemake.output.numbers, sawtooth_numbers(arrays))
