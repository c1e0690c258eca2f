"""Snakemake entry point: build the paper PDF with latexmk (pdflatex)."""

import shutil

from nnlandscape.paper import build_pdf
from nnlandscape.workflow import start

start(snakemake)  # noqa: F821
out = snakemake.output  # noqa: F821
pdf = build_pdf(snakemake.input.main, snakemake.params.search_dirs, snakemake.params.build_dir,  # noqa: F821
                snakemake.log.latexmk)  # noqa: F821
shutil.copyfile(pdf, out.pdf)
