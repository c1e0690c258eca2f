"""Snakemake entry point: draw one figure of the paper (PDF + PNG) from its row of the figure table."""

from nnlandscape.figures import save
from nnlandscape.figures.registry import make_figure
from nnlandscape.workflow import start

start(snakemake)
fig = make_figure(snakemake.params.figure, snakemake.input, snakemake.params.drawing)
save(fig, snakemake.output.pdf)
