"""Snakemake entry point: one NEB path from the global minimum to a chosen minimum."""

from nnlandscape.io import load_npz, save_npz
from nnlandscape.neb import neb_path
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
index = int(snakemake.wildcards.j)
images = snakemake.wildcards.get("images")  # the image-count study
arrays = neb_path(load_npz(inp.perfect_fit), load_npz(inp.minima), index, p.neb, p.smoothing,
                  None if images is None else int(images))
log.info("path %d to fit %d: %d images, converged %s after %d iterations, max perpendicular force "
         "%.3g, %.1f s; climbing image a saddle: %s", index, int(arrays["fit_index"]),
         arrays["images"].shape[0], bool(arrays["converged"]), int(arrays["iterations"]),
         float(arrays["max_perp_force"]), float(arrays["seconds"]), bool(arrays["saddle_verified"]))
save_npz(snakemake.output.path, **arrays)
