"""Snakemake entry point: the paper's numbers about one example's settled end points."""

from nnlandscape.io import load_npz, save_json
from nnlandscape.settle import SETTLED_ARRAYS, settle_numbers
from nnlandscape.workflow import start

log = start(snakemake)  # noqa: F821
settled = {opt: load_npz(snakemake.input[opt], SETTLED_ARRAYS, rule="join_settled")  # noqa: F821
           for opt in snakemake.params.optimizers}  # noqa: F821
numbers = settle_numbers(settled, f"settle_{snakemake.wildcards.example}")  # noqa: F821
log.info("%s", numbers)
save_json(snakemake.output.numbers, numbers)  # noqa: F821
