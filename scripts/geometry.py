"""Snakemake entry point: distances and dot products between the symmetrized minima (paper 4.5)."""

from nnlandscape.geometry import settled_geometry
from nnlandscape.io import load_npz, save_json, save_npz
from nnlandscape.settled import SETTLED_ARRAYS, certified
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
pf = load_npz(inp.perfect_fit, {"params_sym": 1}, finite=("params_sym",), rule="perfect_fit")
minima = {opt: load_npz(inp[opt], {"params_sym": 2, "dead": 1, "diverged": 1}, rule="join_minima")
          for opt in p.optimizers}
settled = {opt: load_npz(inp[f"settled_{opt}"], SETTLED_ARRAYS, rule="join_settled")
           for opt in p.optimizers}
arrays, numbers = settled_geometry(pf["params_sym"], minima, settled,
                                   {opt: certified(s) for opt, s in settled.items()},
                                   p.geometry["pairs"], p.geometry["seed"])
log.info("%s", numbers)
save_npz(snakemake.output.geometry, **arrays)
save_json(snakemake.output.numbers, numbers)
