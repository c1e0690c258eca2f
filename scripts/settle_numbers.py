"""Snakemake entry point: the paper's numbers about one example's settled end points."""

from nnlandscape.io import load_npz, save_json
from nnlandscape.settled import SETTLED_ARRAYS, settle_numbers
from nnlandscape.workflow import start

log = start(snakemake)
settled = {opt: load_npz(snakemake.input[opt], SETTLED_ARRAYS, rule="join_settled")
           for opt in snakemake.params.optimizers}
numbers = settle_numbers(settled, f"settle_{snakemake.wildcards.example}")
log.info("%s", numbers)
save_json(snakemake.output.numbers, numbers)
