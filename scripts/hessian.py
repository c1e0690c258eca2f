"""Snakemake entry point: Hessian spectra at the global minimum, sampled end points and settled
minima (paper 4.7)."""

from nnlandscape.hessian import hessian_spectra, relu_spectra
from nnlandscape.io import load_npz, save_json, save_npz
from nnlandscape.settled import SETTLED_ARRAYS
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
pf = load_npz(inp.perfect_fit, {"params_sym": 1, "x_train": 1, "y_train": 1}, rule="perfect_fit")
minima = {opt: load_npz(inp[opt], {"params_sym": 2, "loss": 1, "dead": 1, "diverged": 1},
                        rule="join_minima") for opt in p.optimizers}
settled = {opt: load_npz(inp[f"settled_{opt}"], SETTLED_ARRAYS, rule="join_settled")
           for opt in p.optimizers}
n, k = int(pf["n"]), int(pf["k"])
arrays, numbers = hessian_spectra(pf["params_sym"], pf["x_train"], pf["y_train"], n, k, minima,
                                  p.smoothing["betas"], p.smoothing["output_tol"], p.hessian["count"],
                                  p.hessian["seed"], p.hessian["small"], p.hessian["polish_count"],
                                  p.hessian["polish_iterations"])
relu_arrays, relu_numbers = relu_spectra(settled, pf["x_train"], pf["y_train"], n, k,
                                         p.hessian["count"], p.hessian["small"])
arrays |= relu_arrays
numbers |= relu_numbers
log.info("%s", numbers)
save_npz(snakemake.output.hessian, **arrays)
save_json(snakemake.output.numbers, numbers)
