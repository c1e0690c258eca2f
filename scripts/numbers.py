"""Snakemake entry point: merge every part's numbers, write the LaTeX macros and config table."""

from pathlib import Path

from nnlandscape.io import load_json, save_json
from nnlandscape.paper import config_macros, config_table, macros
from nnlandscape.workflow import start

start(snakemake)
numbers = {}
for path in snakemake.input.parts:
    part = load_json(path)
    clash = sorted(set(part) & set(numbers))
    if clash:
        raise ValueError(f"{path}: numbers {clash} are already defined by another part")
    numbers.update(part)
config = dict(snakemake.params.config)
save_json(snakemake.output.numbers, numbers)
Path(snakemake.output.macros).write_text(macros({**numbers, **config_macros(config)}))
Path(snakemake.output.config_table).write_text(config_table(config))
