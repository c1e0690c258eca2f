"""Snakemake entry point: settle and certify every end point of one step-budget run."""

import numpy as np

from nnlandscape.fits import load_shard
from nnlandscape.io import load_npz, save_npz
from nnlandscape.settle import SettleConfig, settle
from nnlandscape.workflow import start

log = start(snakemake)
inp = snakemake.input
pf = load_npz(inp.perfect_fit, {"x_train": 1, "y_train": 1}, rule="perfect_fit")
run = load_shard(inp.run)
arrays = settle(run["params"], pf["x_train"], pf["y_train"], int(pf["n"]), int(pf["k"]),
                SettleConfig.from_config(snakemake.params.settle, "main"))
arrays["fit_index"] = np.asarray(run["fit_index"], np.int64)
log.info("kinds %s", np.bincount(arrays["kind"], minlength=4).tolist())
save_npz(snakemake.output.settled, **arrays)
