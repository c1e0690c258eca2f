"""Mutation testing of the science modules with mutmut, one module at a time (``make mutants``).

Each module runs in its own directory ``build/mutants/<module>`` (mutmut keeps its mutants and
cache in ``./mutants``) against only the tests that guard it (``tools/mutants.toml``). The score is
killed / (all mutants - those judged equivalent); a timeout counts as killed, a mutant no selected
test reaches counts as survived. Writes ``build/mutants/summary.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "mutants"
KILLED = {1: "killed", 3: "killed", 24: "timeout", -24: "timeout", 36: "timeout", 152: "timeout",
          255: "timeout", 37: "killed"}
ALSO_COPY = ("config.yaml",)  # read by tests/test_claims.py (the claims' thresholds)


def load_table(path: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The module -> tests table and the equivalent mutants (name -> reason) from ``path``."""
    table = tomllib.loads(path.read_text())
    modules = table.get("modules", {})
    for name, tests in modules.items():
        if not (ROOT / "src" / "nnlandscape" / f"{name}.py").exists():
            raise SystemExit(f"{path}: modules.{name}: src/nnlandscape/{name}.py does not exist")
        missing = [t for t in tests if not (ROOT / t.split("::")[0]).exists()]  # a file or a test id
        if not tests or missing:
            raise SystemExit(f"{path}: modules.{name}: tests {missing or tests} missing")
    return modules, dict(table.get("equivalent", {}))


def prepare(module: str, tests: list[str]) -> Path:
    """A fresh work directory with src/, tests/ and a pyproject.toml that configures mutmut."""
    work = BUILD / module
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for extra in ALSO_COPY:  # files outside src/ and tests/ that some tests read
        shutil.copy2(ROOT / extra, work / extra)
    config = (ROOT / "pyproject.toml").read_text()
    config += "\n[tool.mutmut]\n" + "\n".join([
        'source_paths = ["src"]',
        f"also_copy = {json.dumps(list(ALSO_COPY))}",
        f'only_mutate = ["src/nnlandscape/{module}.py"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]',
        'process_isolation = "forkserver"',  # torch is not fork-safe once it has run
        "use_git_change_detection = false",
    ]) + "\n"
    (work / "pyproject.toml").write_text(config)
    return work


def outcome(code: int | None) -> str:
    """killed / survived / no tests / not checked for a mutmut exit code."""
    if code is None:
        return "not checked"
    if code in KILLED:
        return "killed"
    return "no tests" if code in (5, 33) else "survived"


def run_module(module: str, tests: list[str], children: int, equivalent: dict[str, str],
               only: list[str] | None = None, resume: bool = False) -> dict:
    """Mutate one module, run its tests against every mutant (or those matching the mutmut name
    patterns ``only``: a partial run, scored over the mutants it checked), return counts and survivors.
    ``resume``: keep the work directory of an interrupted run, whose checked mutants mutmut skips
    (the sources and tests are those of that run)."""
    work = BUILD / module
    if not (resume and (work / "mutants").is_dir()):
        work = prepare(module, tests)
    env = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    mutmut = str(Path(sys.executable).parent / "mutmut")
    t0, cpu0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(work / "mutmut.log", "w") as log:
        proc = subprocess.run([mutmut, "run", "--max-children", str(children), *(only or [])], cwd=work,
                              env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    meta = work / "mutants" / "src" / "nnlandscape" / f"{module}.py.meta"
    if proc.returncode != 0 or not meta.exists():
        tail = (work / "mutmut.log").read_text()[-3000:]
        raise SystemExit(f"mutmut failed on {module} (exit {proc.returncode}), {work}/mutmut.log:\n{tail}")
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    status = {name: outcome(code) for name, code in codes.items()}
    if only:  # a partial run: only the mutants it checked count
        status = {name: s for name, s in status.items() if s != "not checked"}
    equiv = sorted(n for n in status if n in equivalent and status[n] != "killed")
    survivors = sorted(n for n, s in status.items() if s != "killed" and n not in equivalent)
    killed = sum(s == "killed" for s in status.values())
    counted = len(status) - len(equiv)
    return {"module": module, "tests": tests, "mutants": len(status), "killed": killed,
            "equivalent": equiv, "survived": survivors,
            "not_checked": sum(s == "not checked" for s in status.values()),
            "score": killed / counted if counted else float("nan"), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), **({"only": only} if only else {})}


def report(summary: dict, equivalent: dict[str, str]) -> str:
    """Markdown table of the recorded runs, scored against the current list of equivalent mutants,
    then the list of those judged equivalent with their reasons (for the README)."""
    rows = ["| module | mutants | killed | equivalent | survived | score | run (UTC) | wall / CPU |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    listed = []
    for module, res in summary.items():
        left = sorted(set(res["survived"]) | set(res["equivalent"]))
        equiv = [n for n in left if n in equivalent]
        listed += equiv
        counted = res["mutants"] - len(equiv)
        name = f"{module} (partial: {' '.join(res['only'])})" if res.get("only") else module
        rows.append(f"| {name} | {res['mutants']} | {res['killed']} | {len(equiv)} | "
                    f"{len(left) - len(equiv)} | {100 * res['killed'] / counted:.1f} % | {res['date']} | "
                    f"{res['wall_s']:.0f} s / {res.get('cpu_s', float('nan')):.0f} s |")
    rows += ["", "Surviving mutants judged equivalent:", ""]
    rows += [f"- `{n.removeprefix('nnlandscape.')}`: {equivalent[n]}" for n in listed]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the modules named (default: all in the table), print the scores, write summary.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: every one in the table)")
    parser.add_argument("--table", type=Path, default=ROOT / "tools" / "mutants.toml")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--only", nargs="+", metavar="PATTERN",
                        help="partial run: only mutants whose mutmut name matches (fnmatch), e.g. "
                             "'nnlandscape.hessian.x_relu_spectra*'; scored over those")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run of a module where it stopped (its work "
                             "directory, sources and tests as they were) instead of starting afresh")
    parser.add_argument("--report", action="store_true",
                        help="only print the recorded scores (build/mutants/summary.json) as a table")
    args = parser.parse_args(argv)
    table, equivalent = load_table(args.table)
    if args.report:
        print(report(json.loads((BUILD / "summary.json").read_text()), equivalent))
        return 0
    unknown = [m for m in args.modules if m not in table]
    if unknown:
        raise SystemExit(f"not in {args.table}: {unknown}; known: {sorted(table)}")
    summary_path = BUILD / "summary.json"
    for module in args.modules or list(table):
        res = run_module(module, table[module], args.children, equivalent, args.only, args.resume)
        res["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        # read again before writing: another run (another module) may have written since
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
        summary[module] = res
        summary_path.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"{module:13s} {res['killed']:4d} killed / {res['mutants'] - len(res['equivalent']):4d} "
              f"({len(res['equivalent'])} equivalent left out): {100 * res['score']:5.1f} %  "
              f"[{res['wall_s']:.0f} s wall, {res['cpu_s']:.0f} CPU-s]", flush=True)
        for name in res["survived"][:20]:
            print(f"    survived: {name}", flush=True)
        if len(res["survived"]) > 20:
            print(f"    ... {len(res['survived']) - 20} more in {summary_path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
