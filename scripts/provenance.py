"""Snakemake entry point: provenance of the run (JSON + a LaTeX box for the paper)."""

from pathlib import Path

from nnlandscape.io import save_json
from nnlandscape.provenance import collect, provenance_box
from nnlandscape.workflow import start

start(snakemake)  # noqa: F821
benchmarks = sorted(Path(snakemake.params.benchmarks).glob("*/*.tsv"))  # noqa: F821
prov = collect(snakemake.params.repo, dict(snakemake.config), benchmarks)  # noqa: F821
save_json(snakemake.output.provenance, prov)  # noqa: F821
Path(snakemake.output.box).write_text(provenance_box(prov))  # noqa: F821
