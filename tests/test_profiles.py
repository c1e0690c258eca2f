"""Set-ups CI cannot run in full: SLURM profiles name real rules; conda envs pin what pip pins."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nnlandscape import figure_table

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
PROFILES = ["slurm", "slurm-test"]
# conda-forge package name -> pip name, where they differ
CONDA_TO_PIP = {"pytorch": "torch", "matplotlib-base": "matplotlib"}


@pytest.fixture(scope="module")
def rules() -> set[str]:
    proc = subprocess.run([SNAKEMAKE, "--list-rules", "--snakefile", str(ROOT / "Snakefile")],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(proc.stdout.split())


def profile(name: str) -> dict:
    return yaml.safe_load((ROOT / "profiles" / name / "profile.yaml").read_text())


@pytest.mark.parametrize("name", PROFILES)
def test_profile_names_only_existing_rules(name, rules):
    cfg = profile(name)
    named = set(cfg["groups"]) | set(cfg.get("set-resources", {}))
    assert named <= rules, f"profiles/{name}: unknown rules {sorted(named - rules)}"
    assert set(cfg["groups"].values()) <= set(cfg["group-components"])


@pytest.mark.parametrize("name", PROFILES)
def test_every_figure_and_training_rule_is_grouped(name, rules):
    """Snakemake ignores rules a profile does not name: every figure rule must be in the groups, and
    the figures group must hold every row of the figure table in one submission."""
    cfg = profile(name)
    groups = cfg["groups"]
    figures = {r for r in rules if r.startswith("figure")}
    assert figure_table.RULE in figures, "the figure table's rule is missing from the workflow"
    assert figures <= set(groups), f"profiles/{name}: add {sorted(figures - set(groups))} to groups"
    assert cfg["group-components"][groups[figure_table.RULE]] >= len(figure_table.FIGURES)
    assert groups["train_shard"] == "fits"


@pytest.mark.parametrize("name", PROFILES)
def test_profile_submits_to_slurm_with_gpu_for_training(name):
    cfg = profile(name)
    assert cfg["executor"] == "slurm"
    assert cfg["set-resources"]["train_shard"]["gpu"] == 1
    assert cfg["set-resource-scopes"]["gpu"] == "local" and cfg["resources"]["gpu"] == 1
    assert cfg["retries"] >= 1
    assert {"runtime", "mem_mb"} <= set(cfg["default-resources"])


def test_test_profile_polls_with_squeue():
    """Without slurmdbd sacct fails and the plugin would wait forever."""
    cfg = profile("slurm-test")
    assert cfg["slurm-status-command"] == "squeue"
    conf = (ROOT / "tests" / "slurm" / "start-local-slurm.sh").read_text()
    assert int(re.search(r"^MinJobAge=(\d+)", conf, re.M).group(1)) >= 120


def test_config_yaml_is_the_same_profile_for_older_snakemake():
    slurm = ROOT / "profiles" / "slurm"
    assert (slurm / "config.yaml").read_text() == (slurm / "profile.yaml").read_text()


def test_profile_dry_run_builds_the_dag(tmp_path):
    proc = subprocess.run([SNAKEMAKE, "-n", "--quiet", "rules", "--snakefile", str(ROOT / "Snakefile"),
                           "-d", str(tmp_path), "--profile", str(ROOT / "profiles" / "slurm"),
                           "--configfile", str(ROOT / "presets" / "tiny.yaml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"^train_shard\s+\d+$", proc.stdout + proc.stderr, re.M)


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


@pytest.mark.parametrize("env", sorted(p.name for p in (ROOT / "envs").glob("*.yaml")))
def test_conda_env_pins_agree_with_requirements(env):
    spec = yaml.safe_load((ROOT / "envs" / env).read_text())
    assert spec["channels"] == ["conda-forge", "nodefaults"]
    pins = pip_pins()
    for dep in spec["dependencies"]:
        if not isinstance(dep, str):
            continue
        name, _, version = dep.partition("=")
        if name == "pip":
            continue
        assert version, f"envs/{env}: {dep} is not pinned"
        pip_name = CONDA_TO_PIP.get(name, name)
        if pip_name in pins:
            assert version == pins[pip_name], \
                f"envs/{env}: {name}={version}, requirements.txt: {pins[pip_name]}"


def test_science_env_has_every_runtime_requirement():
    spec = yaml.safe_load((ROOT / "envs" / "science.yaml").read_text())
    names = {CONDA_TO_PIP.get(d.partition("=")[0], d.partition("=")[0])
             for d in spec["dependencies"] if isinstance(d, str)}
    runtime = {"torch", "numpy", "scipy", "matplotlib", "seaborn", "numba", "pyyaml"}
    assert runtime <= names, sorted(runtime - names)


def test_every_rule_has_a_conda_env_that_exists():
    text = {p: p.read_text() for p in (ROOT / "rules").glob("*.smk")}
    envs = dict(re.findall(r'^(\w+_ENV) = "\.\./(envs/[\w.-]+\.yaml)"', text[ROOT / "rules" / "common.smk"],
                           re.M))
    for path, src in text.items():
        for block in re.split(r"^rule ", src, flags=re.M)[1:]:
            name = block.split(":")[0]
            if not re.search(r"^\s+(script|shell|run):", block, re.M):
                continue
            m = re.search(r"^\s+conda:\s*\n\s+(\S+)", block, re.M)
            assert m, f"{path.name}: rule {name} has no conda env"
            env = envs.get(m.group(1), m.group(1).strip('"').removeprefix("../"))
            assert (ROOT / env).exists(), f"{path.name}: rule {name}: {env} missing"
