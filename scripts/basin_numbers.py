"""Snakemake entry point: numbers about the basin of the global minimum (return radius per optimizer)."""

from nnlandscape.basin import basin_numbers
from nnlandscape.io import load_json, load_npz, save_json
from nnlandscape.trainspec import OPTIMIZERS
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
inp = snakemake.input
trials = {opt: load_npz(inp[opt]) for opt in OPTIMIZERS}
stability = load_json(inp.stability)
numbers = basin_numbers(trials, load_npz(inp.perfect_fit)["params_sym"], float(trials["gd"]["r_max"]),
                        p.basin["bins"], p.global_threshold, p.basin["near_threshold"], stability)
if not numbers["basin_gd_lr_stable"]:
    log.warning("GD lr %.3g is above the stability bound %.3g at the global minimum: no GD trial "
                "can return", stability["gd_lr"], stability["gd_lr_bound"])
log.info("%s", numbers)
save_json(snakemake.output.numbers, numbers)
