"""Snakemake entry point: Hessian spectra at the global minimum and sampled minima (paper 4.7)."""

from nnlandscape.hessian import hessian_spectra
from nnlandscape.io import load_npz, save_json, save_npz
from nnlandscape.trainspec import OPTIMIZERS
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
pf = load_npz(inp.perfect_fit, {"params_sym": 1, "x_train": 1, "y_train": 1}, rule="perfect_fit")
minima = {opt: load_npz(inp[opt], {"params_sym": 2, "loss": 1, "dead": 1, "diverged": 1},
                        rule="join_minima") for opt in OPTIMIZERS}
n, k = int(pf["n"]), int(pf["k"])
arrays, numbers = hessian_spectra(pf["params_sym"], pf["x_train"], pf["y_train"], n, k, minima,
                                  p.smoothing["betas"], p.smoothing["output_tol"], p.hessian["count"],
                                  p.hessian["seed"], p.hessian["small"], p.hessian["polish_count"],
                                  p.hessian["polish_iterations"])
log.info("%s", numbers)
save_npz(snakemake.output.hessian, **arrays)
save_json(snakemake.output.numbers, numbers)
