"""GPU slots on CPU with fake devices: concurrent jobs never share a slot; a killed job frees its slot."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nnlandscape import gpu

HOLD = 0.4  # seconds each fake job keeps its slot

JOB = textwrap.dedent("""
    import json, os, sys, time
    from nnlandscape.gpu import gpu_slot
    with gpu_slot(1, sys.argv[1], timeout=60) as slot:
        start = time.time()
        visible = os.environ["CUDA_VISIBLE_DEVICES"]
        time.sleep(float(sys.argv[2]))
        end = time.time()
    print(json.dumps({"slot": slot.ids, "visible": visible, "start": start, "end": end,
                      "after": os.environ.get("CUDA_VISIBLE_DEVICES")}))
""")

HOLDER = textwrap.dedent("""
    import sys, time
    from nnlandscape.gpu import acquire
    slot = acquire(int(sys.argv[2]), sys.argv[1], timeout=10)
    print(",".join(slot.ids), flush=True)
    time.sleep(600)
""")


def fake_env(slots: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID")}
    env[gpu.SLOTS_ENV] = slots
    return env


@pytest.fixture
def fake_gpus(monkeypatch):
    monkeypatch.setenv(gpu.SLOTS_ENV, "4")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)


def test_eight_concurrent_jobs_over_four_slots_never_share_one(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", JOB, str(tmp_path), str(HOLD)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=fake_env("4")) for _ in range(8)]
    records = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        records.append(json.loads(out))
    assert len(records) == 8
    by_slot: dict[str, list[tuple[float, float]]] = {}
    for r in records:
        assert len(r["slot"]) == 1 and r["visible"] == r["slot"][0]
        assert r["after"] is None  # released slots restore the environment
        by_slot.setdefault(r["visible"], []).append((r["start"], r["end"]))
    assert set(by_slot) <= {"0", "1", "2", "3"}
    for slot, spans in by_slot.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end, f"slot {slot} held by two jobs at once: {spans}"
    # At most 4 jobs at once: at any moment the number of open spans is <= 4.
    events = sorted([(r["start"], 1) for r in records] + [(r["end"], -1) for r in records])
    live = peak = 0
    for _, step in events:
        live += step
        peak = max(peak, live)
    assert peak <= 4


def test_killed_holder_releases_its_slot(tmp_path, fake_gpus):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), "4"],
                              stdout=subprocess.PIPE, text=True, env=fake_env("4"))
    try:
        assert holder.stdout.readline().strip() == "0,1,2,3"
        with pytest.raises(TimeoutError):
            gpu.acquire(1, tmp_path, timeout=0.3)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        t0 = time.monotonic()
        slot = gpu.acquire(4, tmp_path, timeout=5)
        assert time.monotonic() - t0 < 2
        assert slot.ids == ["0", "1", "2", "3"]
        slot.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_slot_sets_and_restores_cuda_visible_devices(tmp_path, fake_gpus, monkeypatch):
    with gpu.gpu_slot(2, tmp_path) as slot:
        assert len(slot.ids) == 2
        assert os.environ["CUDA_VISIBLE_DEVICES"] == ",".join(slot.ids)
        with gpu.gpu_slot(2, tmp_path) as other:
            assert not set(other.ids) & set(slot.ids)
        with pytest.raises(TimeoutError):
            gpu.acquire(3, tmp_path, timeout=0.1)
    assert "CUDA_VISIBLE_DEVICES" not in os.environ


def test_device_ids_from_override_or_visible_devices(monkeypatch):
    monkeypatch.setenv(gpu.SLOTS_ENV, "3")
    assert gpu.device_ids() == ["0", "1", "2"]
    monkeypatch.setenv(gpu.SLOTS_ENV, "2,5")
    assert gpu.device_ids() == ["2", "5"]
    monkeypatch.delenv(gpu.SLOTS_ENV)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,3")
    assert gpu.device_ids() == ["1", "3"]


def test_more_gpus_than_devices_is_refused(tmp_path, fake_gpus):
    with pytest.raises(RuntimeError, match="needs 5 GPU"):
        gpu.acquire(5, tmp_path)


def test_slurm_assigned_gpu_is_used_without_locks(tmp_path, monkeypatch):
    monkeypatch.delenv(gpu.SLOTS_ENV, raising=False)
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    slot = gpu.acquire(1, tmp_path / "locks")
    assert slot.ids == ["3"] and not (tmp_path / "locks").exists()
    slot.release()
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"


START = textwrap.dedent("""
    import os, sys
    from types import SimpleNamespace
    from nnlandscape.workflow import start
    smk = SimpleNamespace(log=[sys.argv[1]], rule="train_shard", threads=1,
                          resources=SimpleNamespace(gpu=int(sys.argv[2])))
    start(smk)
    print(os.environ.get("CUDA_VISIBLE_DEVICES"), flush=True)
    sys.stdin.readline()
""")


def test_workflow_start_holds_a_slot_for_the_life_of_the_job(tmp_path):
    env = fake_env("1")
    env[gpu.LOCK_DIR_ENV] = str(tmp_path / "locks")
    first = subprocess.Popen([sys.executable, "-c", START, str(tmp_path / "a.log"), "1"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert first.stdout.readline().strip() == "0"
        assert "CUDA_VISIBLE_DEVICES=0" in Path(tmp_path / "a.log").read_text()
        # The only slot is taken: a second GPU job waits until the first one exits.
        second = subprocess.Popen([sys.executable, "-c", START, str(tmp_path / "b.log"), "1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        time.sleep(1.0)
        waiting = tmp_path / "b.log"
        assert second.poll() is None
        assert not waiting.exists() or "CUDA_VISIBLE_DEVICES" not in waiting.read_text()
        first.communicate("\n", timeout=10)
        assert second.stdout.readline().strip() == "0"
        second.communicate("\n", timeout=10)
        # A CPU job (gpu=0) takes no slot and leaves CUDA_VISIBLE_DEVICES alone.
        cpu = subprocess.run([sys.executable, "-c", START, str(tmp_path / "c.log"), "0"], input="\n",
                             capture_output=True, text=True, env=env, timeout=30)
        assert cpu.stdout.strip() == "None"
    finally:
        for p in (first, locals().get("second")):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()


def test_device_auto_without_cuda_asks_for_no_gpu(tmp_path):
    """device: auto on a machine without CUDA: training jobs declare gpu=0 and so run on the CPU."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([str(Path(sys.executable).parent / "snakemake"), "-n",
                           "results/main/fits/gd/minima.npz", "--snakefile", str(root / "Snakefile"),
                           "-d", str(tmp_path), "--configfile", str(root / "presets" / "tiny.yaml"),
                           "--config", "device=auto"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shard_jobs = re.findall(r"rule train_shard:.*?resources: ([^\n]*)", proc.stdout, re.S)
    assert shard_jobs and all("gpu=0" in r for r in shard_jobs), shard_jobs


def test_slurm_job_sharing_its_gpus_locks_in_its_own_folder(tmp_path, monkeypatch):
    """An allocation with 4 GPUs running several local jobs: locks, but apart from other SLURM jobs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(gpu.SLOTS_ENV, raising=False)
    monkeypatch.delenv(gpu.LOCK_DIR_ENV, raising=False)
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    with gpu.gpu_slot(1) as slot:
        assert slot.lock_dir == Path(".snakemake/gpu-slots/slurm-42")
        assert os.environ["CUDA_VISIBLE_DEVICES"] in {"0", "1", "2", "3"}
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "0,1,2,3"
