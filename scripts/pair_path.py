"""Snakemake entry point: one NEB path between a pair of fitted minima."""

from nnlandscape.io import load_npz, save_npz
from nnlandscape.pairs import pair_path
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
index = int(snakemake.wildcards.j)
arrays = pair_path(load_npz(inp.perfect_fit), load_npz(inp.minima), index, p.neb, p.pairs, p.smoothing)
log.info("pair %d (minima %s): converged %s after %d iterations, max perpendicular force %.3g, "
         "%.1f s", index, arrays["pair"].tolist(), bool(arrays["converged"]),
         int(arrays["iterations"]), float(arrays["max_perp_force"]), float(arrays["seconds"]))
save_npz(snakemake.output.path, **arrays)
