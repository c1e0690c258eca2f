"""--sdm conda without conda: each rule's imports need only its env's packages; jobs that do not train
never import PyTorch; the envs' `pip: -e` entry finds the project from where Snakemake creates them."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nnlandscape.figure_table import FIGURES

ROOT = Path(__file__).resolve().parents[1]
# conda package -> the top-level import names it provides (and its own runtime dependencies')
IMPORT_NAMES = {"pytorch": ["torch"], "matplotlib-base": ["matplotlib", "mpl_toolkits"],
                "pyyaml": ["yaml"], "numba": ["numba", "llvmlite"], "python": [], "pip": ["pip"],
                "seaborn": ["seaborn", "pandas"], "texlive-core": []}
# jobs that do not train or relax anything: they must not load PyTorch (start-up cost, conda envs)
NO_TORCH = {"join_minima", "join_minima_larger", "join_basin", "fit_numbers", "neb_numbers",
            "neb_numbers_complex", "basin_numbers", "larger_numbers", "merge_numbers", "geometry",
            "figure", "claims", "provenance", "paper_pdf", "full_sawtooth", "join_settled",
            "settle_numbers", "budget_numbers", "neb_image_numbers", "pair_graph", "pair_numbers"}


def rules() -> dict[str, dict[str, str]]:
    """{rule: {"script": path, "env": env file}} from rules/*.smk (``use rule`` inherits both)."""
    common = (ROOT / "rules" / "common.smk").read_text()
    envs = dict(re.findall(r'^(\w+_ENV) = "\.\./(envs/[\w.-]+\.yaml)"', common, re.M))
    out, uses = {}, []
    for path in sorted((ROOT / "rules").glob("*.smk")):
        for block in re.split(r"^(?=rule |use rule )", path.read_text(), flags=re.M)[1:]:
            use = re.match(r"use rule (\w+) as (\w+)", block)
            if use:
                uses.append(use.groups())
                continue
            name = re.match(r"rule (\w+):", block).group(1)
            script = re.search(r'^\s+script:\s*\n\s+"\.\./(scripts/[\w.]+)"', block, re.M)
            conda = re.search(r"^\s+conda:\s*\n\s+(\S+)", block, re.M)
            if script and conda:
                out[name] = {"script": script.group(1), "env": envs[conda.group(1)]}
    for parent, child in uses:
        out[child] = dict(out[parent])
    return out


RULES = rules()


def env_imports(env: str) -> list[str]:
    spec = yaml.safe_load((ROOT / env).read_text())
    names = []
    for dep in spec["dependencies"]:
        if isinstance(dep, str):
            pkg = dep.partition("=")[0]
            names += IMPORT_NAMES.get(pkg, [pkg])
    return names


def run_imports(rule: str, block_torch: bool, figure: str | None = None):
    allowed = [n for n in env_imports(RULES[rule]["env"]) if not (block_torch and n == "torch")]
    cmd = [sys.executable, str(ROOT / "tests" / "env_imports.py"), str(ROOT / RULES[rule]["script"]),
           ",".join(allowed)] + ([figure] if figure else [])
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)


def test_every_scripted_rule_is_found():
    assert {"train_shard", "figure", "paper_pdf", "provenance", "train_shard_larger"} <= set(RULES)
    assert RULES["paper_pdf"]["env"] == "envs/latex.yaml"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_imports_only_what_its_env_provides(rule):
    proc = run_imports(rule, block_torch=False)
    assert proc.returncode == 0, f"rule {rule} ({RULES[rule]['env']}): {proc.stderr[-1500:]}"


@pytest.mark.parametrize("rule", sorted(NO_TORCH))
def test_jobs_that_do_not_train_do_not_import_torch(rule):
    proc = run_imports(rule, block_torch=True)
    assert proc.returncode == 0, f"rule {rule}: {proc.stderr[-1500:]}"
    assert "torch" not in proc.stdout.split()


@pytest.mark.parametrize("figure", [f.id for f in FIGURES])
def test_figure_jobs_do_not_import_torch(figure):
    proc = run_imports("figure", block_torch=True, figure=figure)
    assert proc.returncode == 0, f"{figure}: {proc.stderr[-1500:]}"


def test_the_blocker_catches_a_missing_package():
    """The check can fail: the training script under the LaTeX env (no numpy, no torch) is refused."""
    allowed = ",".join(env_imports("envs/latex.yaml"))
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "env_imports.py"),
                           str(ROOT / "scripts" / "train_shard.py"), allowed],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode != 0 and "EnvImportError" in proc.stderr


def test_pip_editable_entry_resolves_to_the_project_where_snakemake_creates_the_env(tmp_path):
    """Snakemake copies an env file to .snakemake/conda/<hash>.yaml and conda runs pip there (cwd = the
    copy's folder): the entry must name this project from there, as pip expands it."""
    from pip._internal.req.req_file import expand_env_variables

    prefix = tmp_path / "work" / ".snakemake" / "conda"  # --conda-prefix default under -d work
    prefix.mkdir(parents=True)
    env_vars = {"NNLANDSCAPE_ROOT": str(ROOT)}  # what the Snakefile sets before creating envs
    for env in sorted((ROOT / "envs").glob("*.yaml")):
        pips = [d["pip"] for d in yaml.safe_load(env.read_text())["dependencies"] if isinstance(d, dict)]
        (entry,) = [line for line in pips[0] if line.startswith("-e")]
        old = dict(os.environ)
        os.environ.update(env_vars)
        try:
            (_, line), = expand_env_variables([(1, entry)])
        finally:
            os.environ.clear()
            os.environ.update(old)
        target = (prefix / line.removeprefix("-e").strip()).resolve()
        assert (target / "pyproject.toml").exists(), f"{env.name}: {entry} -> {target}"
        assert 'name = "nnlandscape"' in (target / "pyproject.toml").read_text()


def test_snakefile_sets_the_root_the_envs_name(monkeypatch):
    from nnlandscape.config import ROOT_ENV, export_project_root

    assert "export_project_root(workflow.basedir)" in (ROOT / "Snakefile").read_text()
    monkeypatch.delenv(ROOT_ENV, raising=False)
    export_project_root(ROOT / "rules" / "..")
    assert os.environ[ROOT_ENV] == str(ROOT)
    for env in (ROOT / "envs").glob("*.yaml"):
        assert f"-e ${{{ROOT_ENV}}}" in env.read_text()
