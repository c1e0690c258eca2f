"""Snakemake entry point: test every claim of the paper on this run's results."""

import csv
from pathlib import Path

from nnlandscape.claims import claims_table_tex, evaluate
from nnlandscape.construction import Example, spline_part
from nnlandscape.io import load_json, load_npz
from nnlandscape.trainspec import OPTIMIZERS
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
pf = load_npz(inp.perfect_fit)
numbers = load_json(inp.numbers, null_as_nan=True)
claims = evaluate(numbers, pf, {opt: load_npz(inp[opt]) for opt in OPTIMIZERS},
                  load_npz(inp.basin_gd), spline_part(Example.from_config(p.example), pf["x_train"]),
                  p.thresholds, p.global_threshold, p.basin_bins)
rows = [c.row() for c in claims]
with open(snakemake.output.csv, "w", newline="") as fh:
    writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
Path(snakemake.output.table).write_text(claims_table_tex(claims))
for c in claims:
    log.info("%s: %s = %.4g (%s %.4g) -> %s", c.key, c.statistic, c.value, c.holds_if, c.threshold,
             "holds" if c.holds else "FAILS")
