"""Faults: a SIGKILL mid-shard leaves nothing a rerun would trust, and the rerun gives the same minima;
corrupt shard files are caught on read, naming the file and the rule; nothing is ever unpickled."""

import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nnlandscape.fits import load_shard
from nnlandscape.io import ResultFileError, load_npz, save_npz

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGET = "results/main/fits/gd/minima.npz"
SHARD_DIR = "results/main/fits/gd"
# 2 shards of 16 fits that train long enough (seconds) for the kill to land mid-training.
SLOW = "fits:\n  main:\n    count: 32\n    steps: 300\n    shard_size: 16\n"

pytestmark = pytest.mark.slow


def command(workdir: Path, *args: str) -> list[str]:
    return [SNAKEMAKE, TARGET, "--snakefile", str(ROOT / "Snakefile"), "-d", str(workdir),
            "--cores", "2", "--configfile", str(ROOT / "presets" / "tiny.yaml"),
            str(workdir / "slow.yaml"), *args]


def workdir_with_config(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "slow.yaml").write_text(SLOW)
    return path


def run(workdir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command(workdir, *args), capture_output=True, text=True, check=False,
                          env=env, timeout=600)


def arrays(path: Path) -> dict[str, np.ndarray]:
    return load_npz(path)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run; its shards take GPU slots (2 fake devices) as a GPU run's would."""
    workdir = workdir_with_config(tmp_path_factory.mktemp("reference"))
    env = {**os.environ, "NNLANDSCAPE_GPU_SLOTS": "2"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    proc = run(workdir, "--resources", "gpu=2", "--set-resources", "train_shard:gpu=1", env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir


def test_reference_shards_ran_pinned_to_a_gpu_slot(reference):
    for log in sorted((reference / "logs" / "train_shard").glob("main-gd-*.log")):
        assert re.search(r"GPU slot: CUDA_VISIBLE_DEVICES=[01] ", log.read_text()), log


def group_alive(pgid: int) -> list[int]:
    """Pids of the process group that still run (zombies excluded)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(stat.parent.name))
    return alive


def test_sigkill_mid_shard_then_rerun_gives_identical_minima(reference, tmp_path):
    workdir = workdir_with_config(tmp_path / "killed")
    out = open(workdir / "snakemake.out", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(command(workdir), stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    killed = None
    deadline = time.monotonic() + 300
    try:
        while killed is None and time.monotonic() < deadline and proc.poll() is None:
            for log in (workdir / "logs" / "train_shard").glob("main-gd-*.log"):
                shard = workdir / SHARD_DIR / f"shard-{log.stem.rsplit('-', 1)[1]}.npz"
                if "ShardSpec(" in log.read_text() and not shard.exists():
                    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its running job
                    killed = shard
                    break
            time.sleep(0.02)
    finally:
        if proc.poll() is None and killed is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        out.close()
    assert killed is not None, "no shard job was seen training"
    for _ in range(200):
        if not group_alive(proc.pid):
            break
        time.sleep(0.05)
    assert not group_alive(proc.pid), "the killed job still runs"

    # Nothing partial: the killed shard has no file; any shard file there is complete and valid.
    assert not killed.exists()
    for path in (workdir / SHARD_DIR).iterdir():
        assert re.fullmatch(r"shard-\d{4}\.npz", path.name), f"stray file {path.name}"
        load_shard(path)
    assert not (workdir / TARGET).exists()

    # Snakemake's lock outlives a SIGKILL: unlock, then the rerun remakes what is missing.
    assert run(workdir, "--unlock").returncode == 0
    dry = run(workdir, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert killed.name in dry.stdout + dry.stderr
    proc = run(workdir, "--rerun-incomplete")
    assert proc.returncode == 0, proc.stderr[-4000:]
    ref, got = arrays(reference / TARGET), arrays(workdir / TARGET)
    assert sorted(ref) == sorted(got)
    for name in ref:
        assert np.array_equal(ref[name], got[name]), name


def test_corrupt_shard_is_named_in_the_join_log_and_a_rerun_repairs_it(reference, tmp_path):
    workdir = tmp_path / "corrupt"
    shutil.copytree(reference, workdir, symlinks=True)
    shard = workdir / SHARD_DIR / "shard-0000.npz"
    data = bytearray(shard.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(64)  # zeroed bytes inside the archive: its CRC check fails
    shard.write_bytes(bytes(data))
    proc = run(workdir, "--forcerun", "join_minima")
    assert proc.returncode != 0
    log = (workdir / "logs" / "join_minima" / "main-gd.log").read_text()
    assert "shard-0000.npz" in log and "rerun rule 'train_shard'" in log
    # The message's advice works: delete the file, rerun, and the minima are the reference's again.
    shard.unlink()
    proc = run(workdir)
    assert proc.returncode == 0, proc.stderr[-4000:]
    ref, got = arrays(reference / TARGET), arrays(workdir / TARGET)
    for name in ref:
        assert np.array_equal(ref[name], got[name]), name


def shard_arrays(rows: int = 4) -> dict[str, np.ndarray]:
    return {"params": np.ones((rows, 136)), "loss": np.ones(rows), "init_seed": np.arange(rows),
            "diverged": np.zeros(rows, bool), "steps": np.int64(10), "loss_trace": np.ones((rows, 3)),
            "trace_steps": np.arange(3), "steps_run": np.full(rows, 10), "fit_index": np.arange(rows)}


@pytest.mark.parametrize("damage", ["truncated", "zeroed", "nan", "rows", "missing"])
def test_damaged_shard_is_refused_naming_file_and_rule(tmp_path, damage):
    path = tmp_path / "shard-0003.npz"
    a = shard_arrays()
    if damage == "nan":
        a["params"][1, 7] = np.nan
    elif damage == "rows":
        a["loss"] = np.ones(3)
    elif damage == "missing":
        del a["loss_trace"]
    save_npz(path, **a)
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) * 2 // 3])
    elif damage == "zeroed":
        path.write_bytes(raw[:200] + bytes(256) + raw[456:])
    with pytest.raises((ResultFileError, ValueError), match=r"shard-0003\.npz.*rule 'train_shard'"):
        load_shard(path)


def test_intact_shard_loads(tmp_path):
    save_npz(tmp_path / "shard-0000.npz", **shard_arrays())
    assert load_shard(tmp_path / "shard-0000.npz")["params"].shape == (4, 136)


# --- never pickle -----------------------------------------------------------------------------

SOURCES = [p for d in ("src", "scripts", "tests", "bench", "tools") for p in (ROOT / d).rglob("*.py")]


def loader_calls(tree: ast.AST):
    """(module alias, function, call) for every x.load / x.loads style call in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            yield node.func.value.id, node.func.attr, node


def keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant):
            return kw.value.value
    return None


def test_no_file_is_ever_loaded_with_pickle():
    problems = []
    for path in SOURCES:
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] in ("pickle", "cPickle", "dill", "joblib", "cloudpickle")
                   for n in names):
                problems.append(f"{path}:{node.lineno}: imports a pickle module")
        for mod, func, call in loader_calls(tree):
            where = f"{path}:{call.lineno}"
            if mod in ("np", "numpy") and func == "load" and keyword(call, "allow_pickle") is not False:
                problems.append(f"{where}: np.load without allow_pickle=False")
            if mod == "torch" and func == "load" and keyword(call, "weights_only") is not True:
                problems.append(f"{where}: torch.load without weights_only=True")
            if mod in ("np", "numpy") and func in ("save", "savez", "savez_compressed") \
                    and keyword(call, "allow_pickle") is True:
                problems.append(f"{where}: saves with allow_pickle=True")
    for smk in [ROOT / "Snakefile", *(ROOT / "rules").glob("*.smk")]:
        if re.search(r"\bpickle\b|np\.load\(", smk.read_text()):
            problems.append(f"{smk}: pickle or np.load in the workflow")
    assert not problems, "\n".join(problems)


def test_the_pickle_check_finds_offenders():
    bad = ast.parse("import numpy as np\nimport torch\nnp.load('x')\ntorch.load('y')\n"
                    "np.load('z', allow_pickle=True)\n")
    calls = [(m, f, keyword(c, "allow_pickle"), keyword(c, "weights_only"))
             for m, f, c in loader_calls(bad)]
    assert calls == [("np", "load", None, None), ("torch", "load", None, None),
                     ("np", "load", True, None)]
