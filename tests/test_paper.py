"""Generated LaTeX: macro names, number formatting, config table and log checks."""

import re
from pathlib import Path

import pytest

from nnlandscape.paper import (
    config_macros,
    config_table,
    format_number,
    latex_log_problems,
    macro_name,
    macros,
)

ROOT = Path(__file__).resolve().parents[1]


def test_macro_names_are_valid_latex_control_words():
    assert macro_name("main_gd_loss_median") == "\\NMainGdLossMedian"
    assert macro_name("config_fits_main_count") == "\\NConfigFitsMainCount"
    assert re.fullmatch(r"\\[A-Za-z]+", macro_name("neb_path_3_x2"))


def test_macro_clash_is_an_error():
    with pytest.raises(ValueError, match="same macro"):
        macros({"a_b": 1, "aB": 2})


@pytest.mark.parametrize("value,text", [(136, "136"), (160000, "160{,}000"), (0.1634, "0.163"),
                                        (1.0e-6, "\\ensuremath{1.00\\times 10^{-6}}"),
                                        (-0.5, "\\ensuremath{-0.500}"), (-2, "\\ensuremath{-2}"),
                                        (True, "yes"),
                                        (float("nan"), "n/a"), ("a_b", "a\\_b")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_config_table_lists_every_leaf():
    cfg = {"fits": {"main": {"count": 3}}, "larger": {"sizes": [[10, 5]]}}
    table = config_table(cfg)
    assert "fits.main.count" in table and "[10, 5]" in table
    assert config_macros(cfg)["config_fits_main_count"] == 3


def test_log_problems_detected():
    log = ("LaTeX Warning: Reference `fig:x' on page 2 undefined on input line 7.\n"
           "! Undefined control sequence.\n"
           "Overfull \\hbox (25.3pt too wide) in paragraph at lines 1--2\n"
           "Overfull \\hbox (1.2pt too wide) in paragraph at lines 3--4\n")
    problems = latex_log_problems(log)
    assert any("unresolved reference" in p for p in problems)
    assert any("Undefined control sequence" in p for p in problems)
    assert sum("overfull" in p for p in problems) == 1
    assert latex_log_problems("Output written on main.pdf (3 pages).") == []
