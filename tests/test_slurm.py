"""The tiny preset through a real SLURM (tests/slurm/start-local-slurm.sh) to the PDF, every job via sbatch.

Runs only when NNLANDSCAPE_SLURM=1 (set by .ci/run after it started the one-node cluster). Writes the
run's wall time and sbatch count to $NNLANDSCAPE_SLURM_STATE/tiny-run.json.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import skip_unless_ci

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
STATE = Path(os.environ.get("NNLANDSCAPE_SLURM_STATE", "/tmp/nnlandscape-slurm"))

SLURM_READY = os.environ.get("NNLANDSCAPE_SLURM") == "1" and shutil.which("sbatch") is not None
NO_SLURM = "no local SLURM: run tests/slurm/start-local-slurm.sh, NNLANDSCAPE_SLURM=1"

pytestmark = pytest.mark.slurm


def snakemake(workdir: Path, *args: str, timeout: int = 2400) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "-d", str(workdir),
           "--profile", str(ROOT / "profiles" / "slurm-test"),
           "--configfile", str(ROOT / "presets" / "tiny.yaml"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout,
                          cwd=workdir)


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    if not SLURM_READY:
        skip_unless_ci(NO_SLURM)  # in CI (CI=true) a missing cluster fails every test here
    workdir = tmp_path_factory.mktemp("slurm")
    dry = snakemake(workdir, "-n", "--quiet", "rules")
    assert dry.returncode == 0, dry.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", dry.stdout + dry.stderr, re.M))
    t0 = time.monotonic()
    proc = snakemake(workdir)
    wall = time.monotonic() - t0
    out = proc.stdout + proc.stderr
    (workdir / "snakemake.out").write_text(out)
    assert proc.returncode == 0, out[-6000:]
    jobids = re.findall(r"submitted with SLURM jobid (\d+)", out)
    report = {"wall_s": round(wall, 1), "sbatch_submissions": len(jobids),
              "dag_jobs": int(counts.get("total", 0)), "jobs_per_rule": counts}
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "tiny-run.json").write_text(json.dumps(report, indent=2) + "\n")
    return workdir, jobids, counts, out


def test_pdf_was_built_through_slurm(slurm_run):
    workdir, jobids, _, _ = slurm_run
    pdf = workdir / "results" / "paper.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    assert len(jobids) >= 5 and len(set(jobids)) == len(jobids)


def test_every_submission_ran_as_a_slurm_job(slurm_run):
    _, jobids, _, _ = slurm_run
    jobcomp = STATE / "jobcomp.log"
    if jobcomp.exists():  # the controller's own record of finished jobs
        done = dict(re.findall(r"JobId=(\d+) .*?JobState=(\w+)", jobcomp.read_text()))
    else:
        listing = subprocess.run(["squeue", "--states=all", "-h", "-o", "%i %T"],
                                 capture_output=True, text=True, check=True).stdout
        done = dict(line.split() for line in listing.splitlines())
    for jobid in jobids:
        assert done.get(jobid) == "COMPLETED", (jobid, done.get(jobid))


def test_small_jobs_share_submissions(slurm_run):
    """Grouping: all training shards go into fewer sbatch jobs than there are shards."""
    workdir, jobids, counts, out = slurm_run
    assert int(counts["train_shard"]) >= 2
    fits_groups = re.findall(r"slurm_logs/group_fits_\w+/(\d+)\.log", out)
    assert 1 <= len(set(fits_groups)) < int(counts["train_shard"])
    assert len(jobids) < int(counts["total"]) - 1  # `all` is not submitted


def test_training_jobs_got_a_gpu_from_slurm(slurm_run):
    """The profile asks --gpus=1 for training; SLURM (fake GPUs) sets CUDA_VISIBLE_DEVICES itself."""
    workdir, _, _, _ = slurm_run
    logs = sorted((workdir / "logs" / "train_shard").glob("*.log"))
    assert logs
    for log in logs:
        assert re.search(r"GPU slot: CUDA_VISIBLE_DEVICES=\d", log.read_text()), log
    assert not (workdir / ".snakemake" / "gpu-slots").exists()  # SLURM chose; no local locks
