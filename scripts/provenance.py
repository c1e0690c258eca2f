"""Snakemake entry point: provenance of the run (JSON + a LaTeX box for the paper)."""

from pathlib import Path

from nnlandscape.figure_table import FIGURES
from nnlandscape.io import save_json
from nnlandscape.provenance import collect, figure_sources, provenance_box
from nnlandscape.workflow import start

start(snakemake)
benchmarks = sorted(Path(snakemake.params.benchmarks).glob("*/*.tsv"))
prov = collect(snakemake.params.repo, dict(snakemake.config), benchmarks)
save_json(snakemake.output.provenance, prov)
Path(snakemake.output.box).write_text(provenance_box(prov))
Path(snakemake.output.sources).write_text(figure_sources(prov, FIGURES))
