"""Snakemake entry point: the hand-made perfect fit of one example and its GD stability bound."""

from nnlandscape.construction import Example, perfect_fit_arrays
from nnlandscape.hessian import stability_report
from nnlandscape.io import save_json, save_npz
from nnlandscape.workflow import start

log = start(snakemake)
p = snakemake.params
arrays = perfect_fit_arrays(Example.from_config(p.example), p.symmetrize["tol"],
                            p.symmetrize["max_sweeps"])
n, k = int(arrays["n"]), int(arrays["k"])
report = stability_report(arrays["params_sym"], arrays["x_train"], arrays["y_train"], n, k,
                          p.smoothing["betas"], p.smoothing["output_tol"], p.gd["momentum"],
                          p.gd["lr"])
log.info("perfect fit: %d params, %d training points, %d knots", len(arrays["params"]),
         len(arrays["x_train"]), len(arrays["knots_x"]) - 2)
log.info("stability: %s", report)
if not report["gd_lr_stable"]:
    log.warning("configured GD lr %.3g exceeds the stability bound %.3g at the global minimum: "
                "GD cannot stay there", report["gd_lr"], report["gd_lr_bound"])
save_npz(snakemake.output.perfect_fit, **arrays)
save_json(snakemake.output.stability, report)
