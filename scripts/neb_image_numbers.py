"""Snakemake entry point: barrier against the number of images (the image-count study)."""

import numpy as np

from nnlandscape.io import save_json
from nnlandscape.path_stats import band_barrier, image_study_numbers, load_path
from nnlandscape.workflow import start

start(snakemake)
p = snakemake.params
paths = [load_path(path) for path in snakemake.input.paths]
barriers = np.array([band_barrier(path) for path in paths]).reshape(p.paths, len(p.counts))
numbers = image_study_numbers(barriers, p.counts, p.change_max)
save_json(snakemake.output.numbers, {f"neb_{key}": value for key, value in numbers.items()})
