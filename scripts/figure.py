"""Snakemake entry point: draw one figure of the paper (PDF + PNG)."""

from nnlandscape.figures import save
from nnlandscape.figures.registry import make_figure
from nnlandscape.workflow import start

start(snakemake)  # noqa: F821
fig = make_figure(snakemake.params.figure, snakemake.input, snakemake.params)  # noqa: F821
save(fig, snakemake.output.pdf)  # noqa: F821
