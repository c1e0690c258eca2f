"""Bad configs are refused before any job runs, with a message naming the key."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nnlandscape.config import ConfigError, check_config, n_shards, shard_range

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"


@pytest.fixture(scope="module")
def base():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def _set(cfg, path, value):
    *head, last = path.split(".")
    node = cfg
    for key in head:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


DELETE = object()

BAD = [
    ("optimizers.sgd", {"lr": 0.1}, "optimizers"),
    ("fits.main.steps", -5, "fits.main.steps"),
    ("fits.main.steps", "many", "fits.main.steps"),
    ("examples.main.n1", 3, "examples.main"),
    ("fits.main.shard_size", 0, "fits.main.shard_size"),
    ("settle.main.bfgs_iterations", -1, "settle.main.bfgs_iterations"),
    ("settle.complex.bfgs_iterations", DELETE, "settle.complex"),
    ("fits.main.shard_size", 100000, "fits.main.shard_size"),
    ("seed", DELETE, "seed"),
    ("device", "tpu", "device"),
    ("training_threads", 0, "training_threads"),
    ("training_threads", 1.5, "training_threads"),
    ("dtype", "float16", "dtype"),
    ("init", "he_normal", "init"),
    ("optimizers.gd.momentum", 1.5, "optimizers.gd.momentum"),
    ("optimizers.adadelta.rho", 0, "optimizers.adadelta.rho"),
    ("examples.main.amplitude", -0.7, "examples.main.amplitude"),
    ("neb.images", 2, "neb.images"),
    ("neb.optimizer", "newton", "neb.optimizer"),
    ("neb.space", "reduced", "neb.space"),
    ("neb.readout_ridge", 0, "neb.readout_ridge"),
    ("neb.readout_ridge", float("nan"), "neb.readout_ridge"),
    ("basin.r_max_relative", 0, "basin.r_max_relative"),
    ("basin.batch_size", 10**6, "basin.batch_size"),
    ("larger.sizes", [[10]], "larger.sizes"),
    ("global_threshold", "small", "global_threshold"),
    ("fits.trace_points", 1, "fits.trace_points"),
    ("colour", "blue", "colour"),
    # non-finite numbers (YAML .nan / .inf): the schema's ranges let NaN through
    ("optimizers.gd.lr", float("nan"), "optimizers.gd.lr"),
    ("optimizers.adadelta.lr", float("inf"), "optimizers.adadelta.lr"),
    ("optimizers.adadelta.eps", float("-inf"), "optimizers.adadelta.eps"),
    ("global_threshold", float("nan"), "global_threshold"),
    ("basin.r_max", float("inf"), "basin.r_max"),
    ("smoothing.betas", [10.0, float("nan")], "smoothing.betas"),
    ("neb.tol", float("nan"), "neb.tol"),
    # counts drawn from what the run has
    ("neb.paths", 100000, "neb.paths"),
    ("hessian.count", 10**6, "hessian.count"),
    ("hessian.polish_count", 17, "hessian.polish_count"),
    ("geometry.pairs", 10**9, "geometry.pairs"),
    ("basin.bins", 513, "basin.bins"),
    ("larger.shard_size", 17, "larger.shard_size"),
    # orders between keys
    ("neb.climb_after", 2000, "neb.climb_after"),
    ("neb.dt", 0.1, "neb.dt"),
    ("smoothing.betas", [100, 10], "smoothing.betas"),
    ("smoothing.betas", [], "smoothing.betas"),
    # YAML 1.1 reads 1.0e9 (no exponent sign) as a string
    ("fits.main.count", "1.0e9", "fits.main.count"),
    ("global_threshold", "1e-6", "global_threshold"),
    ("examples.main.n", 5.5, "examples.main.n"),
    ("larger.sizes", [[10, 0]], "larger.sizes"),
    ("neb.climb", "yes", "neb.climb"),
    ("fits.early_stop", {"enabled": True, "rtol": 1e-4}, "fits.early_stop"),
]


@pytest.mark.parametrize("path,value,key", BAD, ids=[f"{p}={v!r}"[:40] for p, v, _ in BAD])
def test_bad_config_is_refused_naming_the_key(base, path, value, key):
    cfg = copy.deepcopy(base)
    if path == "colour":
        cfg["colour"] = value
    else:
        _set(cfg, path, value)
    with pytest.raises(ConfigError) as err:
        check_config(cfg, SCHEMA)
    assert key.split(".")[0] in str(err.value)
    assert key.split(".")[-1] in str(err.value)


YAML_BAD = [
    # (YAML text merged over config.yaml, key the message must name, text it must contain)
    ("optimizers: {gd: {lr: .nan, momentum: 0.9}}", "optimizers.gd.lr", "not a finite number"),
    ("optimizers: {adadelta: {lr: .inf, rho: 0.95, eps: 1.0e-7}}", "optimizers.adadelta.lr", "finite"),
    ("fits: {main: {count: 1.0e9, steps: 10, shard_size: 1}}", "fits.main.count", "1.0e+9"),
    ("hessian: {count: 16, seed: 7, small: 1.0e-6, polish_count: 8, polish_iterations: 300}\n"
     "fits: {main: {count: 8, steps: 10, shard_size: 8}}", "hessian.count", "fits.main.count"),
    ("neb: {paths: 100000}", "neb.paths", "fits.main.count"),
    ("fits: {early_stop: {enabled: true, rtol: 1.0e-4, window: 6000}}", "fits.early_stop.window", "5000"),
]


@pytest.mark.parametrize("text,key,says", YAML_BAD, ids=[k for _, k, _ in YAML_BAD])
def test_bad_yaml_is_refused_with_how_to_write_it(base, text, key, says):
    """As a user writes them: PyYAML reads .nan, .inf and 1.0e9 (a string in YAML 1.1)."""
    cfg = copy.deepcopy(base)
    _merge(cfg, yaml.safe_load(text))
    with pytest.raises(ConfigError) as err:
        check_config(cfg, SCHEMA)
    assert f"config key {key}" in str(err.value) and says in str(err.value)


def test_enough_bad_configs_are_tried():
    assert len(BAD) + len(YAML_BAD) >= 25


def test_default_and_presets_are_valid(base):
    check_config(base, SCHEMA)
    for preset in sorted((ROOT / "presets").glob("*.yaml")):
        cfg = copy.deepcopy(base)
        _merge(cfg, yaml.safe_load(preset.read_text()))
        check_config(cfg, SCHEMA)


def test_enum_message_lists_allowed_values(base):
    cfg = copy.deepcopy(base)
    cfg["optimizers"]["gd"]["lr"] = 0.1
    cfg["device"] = "gpu"
    with pytest.raises(ConfigError, match="allowed: auto, cpu, cuda"):
        check_config(cfg, SCHEMA)


def test_cuda_refused_without_a_gpu(base):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    cfg = copy.deepcopy(base)
    cfg["device"] = "cuda"
    with pytest.raises(ConfigError, match="device"):
        check_config(cfg, SCHEMA)


def test_shards_cover_all_fits():
    assert n_shards(10, 4) == 3
    assert [list(shard_range(i, 10, 4)) for i in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    with pytest.raises(ValueError, match="out of range"):
        shard_range(3, 10, 4)


def test_snakemake_refuses_bad_config_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("fits:\n  main:\n    steps: -1\n")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "-n", "--cores", "1", "-d", str(tmp_path),
         "--snakefile", str(ROOT / "Snakefile"), "--configfile", str(bad)],
        capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "fits.main.steps" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


def _merge(dst, src):
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value
