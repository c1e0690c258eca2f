"""The figure table is the one place a figure is declared: rules, registry, paper and report agree."""

import inspect
import re
from pathlib import Path

import pytest
import yaml

from nnlandscape import figure_table
from nnlandscape.figures import registry
from nnlandscape.provenance import figure_sources

ROOT = Path(__file__).resolve().parents[1]
IDS = [f.id for f in figure_table.FIGURES]


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


@pytest.mark.parametrize("fig", IDS)
def test_row_names_a_drawing_function_and_results_inputs(fig, config):
    row = figure_table.figure(fig)
    draw = registry.drawing_function(fig)
    assert f"{draw.__module__}.{draw.__name__}" == row.function
    inputs = row.inputs(config)
    files = [p for v in inputs.values() for p in ([v] if isinstance(v, str) else v)]
    assert files and all(p.startswith("results/") for p in files)
    assert row.category and row.caption.endswith(".")
    if fig not in registry.LOADERS:  # the default loader passes the inputs in order
        params = list(inspect.signature(draw).parameters)
        assert len(params) >= len(inputs), f"{fig}: {row.draw} takes fewer arguments than inputs"


def test_loaders_belong_to_rows_and_ids_are_unique():
    assert set(registry.LOADERS) <= set(IDS)
    assert len(set(IDS)) == len(IDS) and all(re.fullmatch(r"fig\d\d", i) for i in IDS)
    with pytest.raises(KeyError, match="known"):
        figure_table.figure("fig99")


def test_paper_shows_every_figure_once_with_its_source_line():
    tex = "".join(p.read_text() for p in sorted((ROOT / "paper" / "sections").glob("*.tex")))
    shown = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{(fig\d\d)\}", tex)
    sourced = re.findall(r"\\FigureSource\{(fig\d\d)\}", tex)
    assert sorted(shown) == sorted(IDS) == sorted(sourced)
    assert "\\input{figure-sources.tex}" in (ROOT / "paper" / "main.tex").read_text()


def test_figure_sources_name_rule_function_and_commit():
    prov = {"git": {"commit": "0123456789abcdef", "dirty": False}}
    tex = figure_sources(prov, figure_table.FIGURES)
    for row in figure_table.FIGURES:
        line = next(x for x in tex.splitlines() if f"FigureSource@{row.id}" in x)
        assert "rule \\texttt{figure}" in line and "0123456789ab" in line
        assert row.function.replace("_", "\\_") in line


def test_report_caption_template_shows_the_rows_caption():
    text = (ROOT / "report" / "figure.rst").read_text()
    assert "snakemake.params.caption" in text
    assert not list((ROOT / "report").glob("fig??.rst")), "captions live in the figure table"
