"""End to end: the tiny preset runs from nothing to the PDF in a temporary directory."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import skip_unless_ci

from nnlandscape.paper import config_macros, macro_name

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", "2",
           "--configfile", str(ROOT / "presets" / "tiny.yaml"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    proc = snakemake(workdir)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return workdir


def test_pdf_and_every_figure_exist(tiny_run):
    pdf = tiny_run / "results" / "paper.pdf"
    assert pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")
    figures = sorted((tiny_run / "results" / "figures").glob("fig*.pdf"))
    assert figures, "no figures"
    for fig in figures:
        assert fig.stat().st_size > 1000, fig
        assert fig.with_suffix(".png").stat().st_size > 1000, fig


def test_numbers_describe_the_main_example(tiny_run):
    numbers = json.loads((tiny_run / "results" / "numbers.json").read_text())
    assert numbers["main_params"] == 136
    assert numbers["main_knots"] == 33
    assert numbers["main_train_points"] == 341
    assert numbers["main_gd_count"] == numbers["main_adadelta_count"] == 16


def test_numbers_in_pdf_match_numbers_json(tiny_run):
    if shutil.which("pdftotext") is None:
        skip_unless_ci("pdftotext missing")
    text = subprocess.run(["pdftotext", str(tiny_run / "results" / "paper.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    numbers = json.loads((tiny_run / "results" / "numbers.json").read_text())
    assert f"with {numbers['main_params']} parameters" in text
    assert f"{numbers['main_knots']} interior knots" in text


def test_every_macro_the_paper_uses_is_generated(tiny_run):
    import yaml

    used = set()
    for tex in [ROOT / "paper" / "main.tex", *sorted((ROOT / "paper" / "sections").glob("*.tex"))]:
        used |= set(re.findall(r"\\(N[A-Z][A-Za-z]*)", tex.read_text()))
    numbers = json.loads((tiny_run / "results" / "numbers.json").read_text())
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    defined = {macro_name(k)[1:] for k in [*numbers, *config_macros(cfg)]}
    assert used <= defined, sorted(used - defined)


def test_jobs_that_do_not_train_never_load_torch(tiny_run):
    """Every job logs whether it loaded PyTorch at exit; lazy imports count (the import test in
    test_envs sees only module-level ones)."""
    from test_envs import NO_TORCH

    seen = {}
    for path in (tiny_run / "logs").rglob("*.log"):
        text = path.read_text()
        rule = re.search(r"INFO rule (\w+), \d+ thread", text)
        loaded = re.search(r"PyTorch loaded: (yes|no)", text)
        if rule:
            assert loaded, f"{path}: no 'PyTorch loaded' line (job did not exit through start's hook)"
            seen.setdefault(rule.group(1), set()).add(loaded.group(1))
    assert {"claims", "figure", "paper_pdf", "train_shard"} <= set(seen)
    assert seen["settle_shard"] == {"yes"}  # the check can see a job that does load it
    from nnlandscape.gpu import cuda_present

    if not cuda_present():  # training on the numba kernel needs no PyTorch
        assert seen["train_shard"] == {"no"}
    offenders = sorted(r for r in NO_TORCH & set(seen) if "yes" in seen[r])
    assert not offenders, f"jobs that do not train loaded PyTorch: {offenders}"


def test_rerun_has_nothing_to_do(tiny_run):
    proc = snakemake(tiny_run, "-n")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_lint_is_clean():
    proc = subprocess.run([SNAKEMAKE, "--lint", "--snakefile", str(ROOT / "Snakefile")],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_claims_table_has_every_claim(tiny_run):
    import csv

    from nnlandscape.claim_rows import row_keys

    with open(tiny_run / "results" / "claims.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["key"] for r in rows] == row_keys() and len(rows) >= 20
    assert {r["verdict"] for r in rows} <= {"holds", "fails", "inconclusive"}
    assert all(r["value"] != "" and r["why"] and int(r["n"]) >= 0 for r in rows)
    table = (tiny_run / "results" / "paper" / "claims.tex").read_text()
    assert all(r["claim"].replace("'", "") in table.replace("'", "") for r in rows)


def test_pdf_contains_every_figure_caption(tiny_run):
    """pdftotext of the tiny PDF has a caption for each of the 15 figures and the claims table."""
    if shutil.which("pdftotext") is None:
        skip_unless_ci("pdftotext missing")
    text = subprocess.run(["pdftotext", str(tiny_run / "results" / "paper.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for i in range(1, 16):
        assert re.search(rf"Figure {i}:", text), f"caption of figure {i} missing"
    assert "Table 1: The claims of the original paper tested on this run." in text


def test_provenance_and_report(tiny_run):
    prov = json.loads((tiny_run / "results" / "provenance.json").read_text())
    assert prov["software"]["torch"] and prov["stages"]["train_shard"]["jobs"] >= 1
    proc = snakemake(tiny_run, "--report", str(tiny_run / "results" / "report.html"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tiny_run / "results" / "report.html").stat().st_size > 100_000


def test_every_caption_names_rule_function_and_commit(tiny_run):
    """Under each figure of the PDF: the rule, the drawing function and the run's commit."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext missing")
    from nnlandscape.figure_table import FIGURES

    text = subprocess.run(["pdftotext", str(tiny_run / "results" / "paper.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    commit = json.loads((tiny_run / "results" / "provenance.json").read_text())["git"]["commit"][:12]
    for fig in FIGURES:
        assert f"Drawn by rule figure ({fig.id}) with {fig.function}, commit {commit}" in flat, fig.id


def test_numbers_json_is_strict_json(tiny_run):
    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    for path in [tiny_run / "results" / "numbers.json", *(tiny_run / "results" / "numbers").glob("*.json")]:
        json.loads(path.read_text(), parse_constant=refuse)
