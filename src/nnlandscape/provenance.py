"""Provenance of a run: code version, effective config, software, devices, time and memory per stage."""

from __future__ import annotations

import csv
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from .paper import latex_escape


def config_hash(config: Mapping) -> str:
    """SHA-256 of the effective config (canonical JSON), first 16 hex digits."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def git_state(repo: str | Path) -> dict[str, object]:
    """Commit of ``repo`` and whether its tracked files differ from it ("unknown" outside git)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (subprocess.CalledProcessError, FileNotFoundError):
        return {"commit": "unknown", "dirty": None}
    return {"commit": commit, "dirty": dirty}


def software_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the results."""
    import numpy
    import scipy
    import torch

    try:
        from importlib.metadata import version

        snakemake_version = version("snakemake")
    except Exception:  # noqa: BLE001 - metadata may be missing in odd installs
        snakemake_version = "unknown"
    return {"python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__,
            "snakemake": snakemake_version}


def devices(configured: str) -> dict[str, object]:
    """The configured device and what this machine offers."""
    import torch

    cuda = torch.cuda.is_available()
    return {"configured": configured, "cuda_available": cuda,
            "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            if cuda else [], "cpu": _cpu_model(),
            "torch_threads": torch.get_num_threads()}


def _cpu_model() -> str:
    """The CPU's model name (Linux), else the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def stage_costs(benchmarks: Iterable[str | Path]) -> dict[str, dict[str, float]]:
    """Per rule (the benchmark file's parent folder): jobs, summed wall seconds, peak max_rss (MB)."""
    stages: dict[str, dict[str, float]] = {}
    for path in sorted(map(Path, benchmarks)):
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if not rows:
            continue
        stage = stages.setdefault(path.parent.name, {"jobs": 0, "wall_s": 0.0, "peak_rss_mb": 0.0})
        stage["jobs"] += 1
        stage["wall_s"] += float(rows[-1]["s"])
        rss = rows[-1].get("max_rss", "NA")
        if rss not in ("NA", "-", ""):
            stage["peak_rss_mb"] = max(stage["peak_rss_mb"], float(rss))
    return stages


def collect(repo: str | Path, config: Mapping, benchmarks: Iterable[str | Path]) -> dict[str, object]:
    """Everything ``results/provenance.json`` holds."""
    return {"git": git_state(repo), "config_hash": config_hash(config),
            "software": software_versions(), "devices": devices(str(config.get("device", "cpu"))),
            "stages": stage_costs(benchmarks)}


def provenance_box(prov: Mapping) -> str:
    """A framed LaTeX box with the provenance of the run."""
    git = prov["git"]
    dirty = {True: " (uncommitted changes)", False: "", None: ""}[git["dirty"]]
    sw = ", ".join(f"{k} {v}" for k, v in prov["software"].items())
    dev = prov["devices"]
    lines = [
        f"\\textbf{{Code}}: commit \\texttt{{{latex_escape(str(git['commit'])[:12])}}}"
        f"{latex_escape(dirty)}",
        f"\\textbf{{Config hash}}: \\texttt{{{prov['config_hash']}}}",
        f"\\textbf{{Software}}: {latex_escape(sw)}",
        f"\\textbf{{Device}}: {latex_escape(str(dev['configured']))} "
        f"(CUDA available: {'yes' if dev['cuda_available'] else 'no'}; "
        f"CPU: {latex_escape(str(dev['cpu']))})",
    ]
    table = ["\\begin{tabular}{@{}lrrr@{}}", "\\toprule stage & jobs & wall time (s) & "
             "peak memory (MB) \\\\ \\midrule"]
    for stage, cost in sorted(prov["stages"].items()):
        table.append(f"{latex_escape(stage)} & {int(cost['jobs'])} & {cost['wall_s']:.1f} & "
                     f"{cost['peak_rss_mb']:.0f} \\\\")
    total = sum(c["wall_s"] for c in prov["stages"].values())
    table += [f"\\midrule total & & {total:.1f} & \\\\", "\\bottomrule", "\\end{tabular}"]
    return ("% Generated by the workflow: do not edit.\n\\begin{center}\\fbox{\\begin{minipage}"
            "{0.95\\linewidth}\\small\n" + "\\\\\n".join(lines) + "\n\n\\smallskip\\centering\n"
            + "\n".join(table) + "\n\\end{minipage}}\\end{center}\n")
