"""Snakemake entry point: one NEB path from the global minimum to a chosen GD minimum."""

from nnlandscape.io import load_npz, save_npz
from nnlandscape.neb import neb_path
from nnlandscape.workflow import start

log = start(snakemake)
inp = snakemake.input
index = int(snakemake.wildcards.j)
arrays = neb_path(load_npz(inp.perfect_fit), load_npz(inp.minima), index, snakemake.params.neb)
log.info("path %d to fit %d: %d images, converged %s after %d iterations, max perpendicular force "
         "%.3g, %.1f s", index, int(arrays["fit_index"]), arrays["images"].shape[0],
         bool(arrays["converged"]), int(arrays["iterations"]), float(arrays["max_perp_force"]),
         float(arrays["seconds"]))
save_npz(snakemake.output.path, **arrays)
