"""Snakemake entry point: judge every claim of the paper on this run's unit-level arrays."""

import csv
from pathlib import Path

from nnlandscape.claim_rows import Results, budget_minima, budget_table_tex, evaluate, verdicts_by_budget
from nnlandscape.claims import claims_table_tex
from nnlandscape.construction import Example, spline_part
from nnlandscape.io import load_npz
from nnlandscape.paper import claim_macros
from nnlandscape.path_stats import PAIR_GRAPH_ARRAYS, load_path
from nnlandscape.settled import SETTLED_ARRAYS
from nnlandscape.trainspec import OPTIMIZERS
from nnlandscape.workflow import start

log = start(snakemake)
inp, p = snakemake.input, snakemake.params
opts = OPTIMIZERS
pf, cpf = load_npz(inp.perfect_fit), load_npz(inp.complex_perfect_fit)
results = Results(
    pf=pf, spline=spline_part(Example.from_config(p.examples["main"]), pf["x_train"]),
    minima={o: load_npz(inp[o]) for o in opts}, geometry=load_npz(inp.geometry),
    hessian=load_npz(inp.hessian), paths=[load_path(f) for f in inp.paths],
    basin={o: load_npz(inp[f"basin_{o}"]) for o in opts}, complex_pf=cpf,
    complex_spline=spline_part(Example.from_config(p.examples["complex"]), cpf["x_train"]),
    complex_minima={o: load_npz(inp[f"complex_{o}"]) for o in opts},
    larger={(n, k): {o: load_npz(inp[f"larger_{n}x{k}_{o}"]) for o in opts} for n, k in p.larger_sizes},
    ablation=load_npz(inp.ablation),
    settled={o: load_npz(inp[f"settled_{o}"], SETTLED_ARRAYS, rule="join_settled") for o in opts},
    pairs={o: load_npz(inp[f"pairs_{o}"], PAIR_GRAPH_ARRAYS, rule="pair_graph") for o in opts},
    settings={"global_threshold": p.global_threshold, "smooth_band": p.smooth_band,
              "drop_fraction": p.drop_fraction, "plateau_fraction": p.plateau_fraction,
              "basin_bins": p.basin_bins})
claims = evaluate(results, p.claims)
rows = [c.row() for c in claims]
with open(snakemake.output.csv, "w", newline="") as fh:
    writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
Path(snakemake.output.table).write_text(claims_table_tex(claims))
Path(snakemake.output.macros).write_text(claim_macros(claims))
# the rows the step-budget sample can compute, at each budget (same fits, longer training)
keys = [(o, s) for o in opts for s in p.budgets]  # the order of claims_inputs' expand
runs = dict(zip(keys, inp.budget_runs, strict=True))
settled_runs = dict(zip(keys, inp.budget_settled, strict=True))
n, k = int(pf["n"]), int(pf["k"])
budgets = {s: {o: budget_minima(load_npz(runs[o, s]), pf["x_train"], n, k, p.dead_std) for o in opts}
           for s in p.budgets}
settled_budgets = {s: {o: load_npz(settled_runs[o, s], SETTLED_ARRAYS, rule="settle_budget")
                       for o in opts} for s in p.budgets}
by_budget = verdicts_by_budget(results, budgets, p.claims, settled=settled_budgets)
Path(snakemake.output.budget).write_text(budget_table_tex(by_budget))
for s, row in by_budget.items():
    log.info("budget %d: %s", s, {c.key: c.verdict for c in row})
for c in claims:
    log.info("%s: %s = %.4g [%.4g, %.4g] (n=%d; %s %.4g) -> %s", c.key, c.statistic, c.value,
             c.ci_low, c.ci_high, c.n, c.holds_if, c.threshold, c.verdict)
