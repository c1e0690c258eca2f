"""Snakemake entry point: build the paper PDF with latexmk (pdflatex)."""

import shutil

from nnlandscape.paper import build_pdf
from nnlandscape.workflow import start

start(snakemake)
out = snakemake.output
pdf = build_pdf(snakemake.input.main, snakemake.params.search_dirs, snakemake.params.build_dir,
                snakemake.log.latexmk)
shutil.copyfile(pdf, out.pdf)
