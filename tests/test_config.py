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
    ("fits.main.shard_size", 100000, "fits.main.shard_size"),
    ("seed", DELETE, "seed"),
    ("device", "tpu", "device"),
    ("dtype", "float16", "dtype"),
    ("init", "he_normal", "init"),
    ("optimizers.gd.momentum", 1.5, "optimizers.gd.momentum"),
    ("optimizers.adadelta.rho", 0, "optimizers.adadelta.rho"),
    ("examples.main.amplitude", -0.7, "examples.main.amplitude"),
    ("neb.images", 2, "neb.images"),
    ("neb.optimizer", "lbfgs", "neb.optimizer"),
    ("basin.r_max_relative", 0, "basin.r_max_relative"),
    ("basin.batch_size", 10**6, "basin.batch_size"),
    ("larger.sizes", [[10]], "larger.sizes"),
    ("global_threshold", "small", "global_threshold"),
    ("fits.trace_points", 1, "fits.trace_points"),
    ("colour", "blue", "colour"),
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
