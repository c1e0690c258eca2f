"""Benchmark of the trainers: naive per-network torch, batched reference torch, numba kernel.

Usage: ``.venv/bin/python bench/trainer.py [--json] [--quick] [--threads N] [--device cuda]
[--batches 1024,4096] [--float32-only]``

For each variant, optimizer, example (main: 341 points; complex: n1=3, ~2441 points), batch B
and dtype it reports fit-steps/s (fits x steps per second, median of repeated timed runs after a
warm-up; the final float64 loss recomputation, a fixed cost per call outside the training loop,
is stubbed out), effective GFLOP/s, the fraction of an sgemm ceiling measured in the same process
(torch.mm 2048x2048 float32 at the same thread count; median and best run, and the fraction of
the best kernel run against the best sgemm run), the ratio to the naive loop and the
process's peak RSS so far (resource.getrusage; cumulative, cases run small to large).

FLOP count per training point and fit-step, from the layer sizes of the (n,k) network: the
forward pass does one multiply-add per weight, 2 * (n + (k-1) n^2 + n) FLOP; the backward pass
twice that (delta propagation and weight gradient, one multiply-add per weight each). For (5,5)
this is 3 * 2 * 110 = 660 FLOP. Biases, ReLUs, the loss and the optimizer update are not counted.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import nnlandscape.fast as fast_module
import nnlandscape.reference as reference_module
import nnlandscape.torch_step as torch_step_module
from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.fast import train_fast
from nnlandscape.network import layer_shapes
from nnlandscape.reference import train_reference
from nnlandscape.torch_step import train_torch
from nnlandscape.train import OptimizerConfig, fit_seed, init_params

OPTIMIZERS = {"gd": OptimizerConfig("gd", lr=1e-3), "adadelta": OptimizerConfig("adadelta", lr=1.0)}
EXAMPLES = {"main": Example(), "complex": Example(n1=3, n2=2)}
ROOT = Path(__file__).resolve().parent.parent


def flop_per_point(n: int, k: int) -> int:
    """FLOP per training point and fit-step: forward 2 per weight, backward twice the forward."""
    weights = sum(o * i for o, i in layer_shapes(n, k))
    return 3 * 2 * weights


def sgemm_gflops(threads: int, size: int = 2048, repeats: int = 7, device: str = "cpu"
                 ) -> tuple[float, float]:
    """Median and best GFLOP/s of a float32 torch.mm (size x size) at ``threads`` threads.

    On CUDA the matrices are 8192 wide (a 2048 one does not fill a large GPU), TF32 off.
    """
    torch.set_num_threads(threads)
    if device == "cuda":
        size = 8192
        torch.backends.cuda.matmul.allow_tf32 = False
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    torch.mm(a, b)
    times = []
    for _ in range(repeats):
        _sync(device)
        t = time.perf_counter()
        torch.mm(a, b)
        _sync(device)
        times.append(time.perf_counter() - t)
    return 2 * size**3 / statistics.median(times) / 1e9, 2 * size**3 / min(times) / 1e9


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fit_steps_per_s(run: Callable[[int], object], batch: int, budget: float, repeats: int
                    ) -> tuple[float, float, int]:
    """Median and best fit-steps/s of ``run(steps)``, steps sized so a run takes ``budget`` s.

    The best run shows what the code does when the (shared) machine leaves it alone; the median
    is the typical speed under the load of the moment.
    """
    run(1)  # warm-up: compile / load the kernel, allocator, thread pool
    per_step = _timed(run, 2) / 2
    steps = max(1, int(budget / per_step))
    times = [_timed(run, steps) for _ in range(repeats)]
    return batch * steps / statistics.median(times), batch * steps / min(times), steps


def _timed(run: Callable[[int], object], steps: int) -> float:
    t = time.perf_counter()
    run(steps)
    return time.perf_counter() - t


def naive_fit_steps_per_s(p0: np.ndarray, x: np.ndarray, y: np.ndarray, opt: OptimizerConfig,
                          steps: int) -> float:
    """One nn.Sequential + torch.optim per network, trained one after the other (float32)."""
    xt = torch.tensor(x, dtype=torch.float32)[:, None]
    yt = torch.tensor(y, dtype=torch.float32)
    t = time.perf_counter()
    for row in p0:
        mods: list[torch.nn.Module] = []
        for out_dim, in_dim in layer_shapes(5, 5):
            mods += [torch.nn.Linear(in_dim, out_dim), torch.nn.ReLU()]
        net = torch.nn.Sequential(*mods[:-1])
        torch.nn.utils.vector_to_parameters(torch.tensor(row, dtype=torch.float32),
                                            net.parameters())
        if opt.name == "gd":
            optim = torch.optim.SGD(net.parameters(), lr=opt.lr, momentum=opt.momentum)
        else:
            optim = torch.optim.Adadelta(net.parameters(), lr=opt.lr, rho=opt.rho, eps=opt.eps)
        for _ in range(steps):
            optim.zero_grad()
            ((net(xt)[:, 0] - yt) ** 2).mean().backward()
            optim.step()
    return len(p0) * steps / (time.perf_counter() - t)


def make_run(variant: str, p0: np.ndarray, x: np.ndarray, y: np.ndarray, opt: OptimizerConfig,
             dtype: torch.dtype, threads: int, device: str = "cpu") -> Callable[[int], object]:
    """``run(steps)`` training all of ``p0`` with one variant (results come back to the host)."""
    if variant == "fast":
        return lambda s: train_fast(p0, x, y, 5, 5, opt, s, dtype=dtype, threads=threads)
    if variant == "torch":
        return lambda s: train_torch(p0, x, y, 5, 5, opt, s, dtype=dtype, device=device)
    return lambda s: train_reference(p0, x, y, 5, 5, opt, s, dtype=dtype, device=device)


def paper_projection(cases: list[dict], devices: int = 4) -> dict:
    """Hours of training at the paper's scale (presets/paper.yaml) from the measured rates.

    Uses the fastest measured float32 rate at the largest batch for each (example, optimizer);
    the paper preset's main and complex fits (not the larger networks or basin trials). Shards are
    independent, so ``devices`` workers divide the time (one device = this run's device and
    thread count).
    """
    import yaml

    paper = yaml.safe_load((ROOT / "presets" / "paper.yaml").read_text())["fits"]
    timed = [c for c in cases if c["variant"] != "naive" and c["dtype"] == "float32"]
    largest = max((c["batch"] for c in timed), default=0)
    best: dict[tuple[str, str], float] = {}
    for c in timed:
        if c["batch"] == largest:
            key = (c["example"], c["optimizer"])
            best[key] = max(best.get(key, 0.0), c["fit_steps_per_s"])
    parts = {f"{ex}/{opt}": paper[ex]["count"] * paper[ex]["steps"] / rate / 3600
             for (ex, opt), rate in best.items()}
    hours = sum(parts.values())
    return dict(hours_one_device=hours, devices=devices, hours=hours / devices, parts_hours=parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--quick", action="store_true", help="short runs (< 2 min)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for every variant")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="cuda: time the torch.compile'd step and the reference on the GPU")
    ap.add_argument("--batches", default="1024,4096",
                    help="comma-separated batch sizes B (default 1024,4096; a GPU wants more)")
    ap.add_argument("--float32-only", action="store_true",
                    help="skip the float64 runs (each dtype is one more torch.compile on CUDA)")
    args = ap.parse_args()
    device = args.device
    if device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: torch sees no CUDA device")
    threads = args.threads
    budget, repeats = (0.2, 3) if args.quick else (1.0, 5)
    log = sys.stderr if args.json else sys.stdout
    # the final float64 loss is a fixed per-call cost outside the training loop: not timed
    _stub = lambda params, *_: np.zeros(len(params))  # noqa: E731
    reference_module.final_loss = fast_module.final_loss = torch_step_module.final_loss = _stub
    ceiling = [sgemm_gflops(threads, device=device)]
    torch.set_num_threads(threads)
    flop = flop_per_point(5, 5)
    main_variant = "torch" if device == "cuda" else "fast"
    variants = [(main_variant, torch.float32), (main_variant, torch.float64),
                ("reference", torch.float32)]
    if args.float32_only:
        variants = [v for v in variants if v[1] == torch.float32]
    batches = [int(b) for b in args.batches.split(",")]
    cases = []
    for ex_name, ex in EXAMPLES.items():
        x, y, _ = training_data(perfect_fit(ex), 5, 5, ex.points_per_segment)
        for opt_name, opt in OPTIMIZERS.items():
            p_all = init_params([fit_seed(0, ex_name, opt_name, i) for i in range(max(batches))],
                                5, 5)
            torch.set_num_threads(1)  # the naive loop is a one-network-at-a-time baseline
            naive_fit_steps_per_s(p_all[:1], x, y, opt, 2)  # warm-up
            naive = naive_fit_steps_per_s(p_all[:4], x, y, opt, 10 if args.quick else 40)
            torch.set_num_threads(threads)
            cases.append(dict(variant="naive", optimizer=opt_name, example=ex_name, points=len(x),
                              batch=4, dtype="float32", fit_steps_per_s=naive,
                              fit_steps_per_s_best=naive, threads=1, maxrss_mb=maxrss_mb()))
            for batch in batches:
                for variant, dtype in variants:
                    if (args.quick and variant == "reference" and batch * len(x) > 4e6
                            and device == "cpu"):
                        continue  # several GB of autograd activations: full run only
                    run = make_run(variant, p_all[:batch], x, y, opt, dtype, threads, device)
                    rate, best, steps = fit_steps_per_s(run, batch, budget, repeats)
                    dname = str(dtype).removeprefix("torch.")
                    cases.append(dict(variant=variant, optimizer=opt_name, example=ex_name,
                                      points=len(x), batch=batch, dtype=dname,
                                      fit_steps_per_s=rate, fit_steps_per_s_best=best,
                                      steps=steps, threads=threads, device=device,
                                      maxrss_mb=maxrss_mb()))
                    print(f"  {variant:9s} {opt_name:8s} {ex_name:7s} B={batch:<5d} {dname}: "
                          f"{rate:,.0f} fit-steps/s", file=log, flush=True)
    ceiling.append(sgemm_gflops(threads, device=device))
    sgemm = statistics.median(median for median, _ in ceiling)
    sgemm_best = max(best for _, best in ceiling)
    naive_rate = {(c["optimizer"], c["example"]): c["fit_steps_per_s"] for c in cases
                  if c["variant"] == "naive"}
    for c in cases:
        c["gflops"] = c["fit_steps_per_s"] * c["points"] * flop / 1e9
        c["frac_sgemm"] = c["gflops"] / sgemm
        c["frac_sgemm_best"] = c["fit_steps_per_s_best"] * c["points"] * flop / 1e9 / sgemm_best
        c["vs_naive"] = c["fit_steps_per_s"] / naive_rate[(c["optimizer"], c["example"])]
    doc = dict(machine=dict(platform=platform.platform(), processor=platform.processor(),
                            torch=torch.__version__, threads=threads,
                            kernel_lanes=fast_module.LANES, avx512=fast_module.AVX512),
               sgemm_gflops=sgemm, sgemm_gflops_best=sgemm_best,
               sgemm_gflops_runs=[median for median, _ in ceiling], flop_per_point=flop,
               quick=args.quick, cases=cases, paper_projection=paper_projection(cases))
    if args.json:
        print(json.dumps(doc, indent=1))
        return
    print(f"sgemm ceiling (torch.mm 2048^2 float32, {threads} threads): median {sgemm:.0f}, "
          f"best {sgemm_best:.0f} GFLOP/s (runs: {', '.join(f'{m:.0f}' for m, _ in ceiling)}); "
          f"{flop} FLOP per point per fit-step; kernel lanes {fast_module.LANES}")
    print(f"{'variant':9s} {'opt':8s} {'example':7s} {'B':>5s} {'dtype':7s} {'fit-steps/s':>12s} "
          f"{'GFLOP/s':>8s} {'%sgemm':>7s} {'best %':>7s} {'x naive':>8s} {'maxrss MB':>9s}")
    for c in cases:
        print(f"{c['variant']:9s} {c['optimizer']:8s} {c['example']:7s} {c['batch']:5d} "
              f"{c['dtype']:7s} {c['fit_steps_per_s']:12,.0f} {c['gflops']:8.1f} "
              f"{100 * c['frac_sgemm']:6.1f}% {100 * c['frac_sgemm_best']:6.1f}% "
              f"{c['vs_naive']:8.1f} {c['maxrss_mb']:9.0f}")
    proj = doc["paper_projection"]
    print(f"paper scale (presets/paper.yaml, main + complex fits): "
          f"{proj['hours_one_device']:.1f} h on one {device} worker as measured, "
          f"{proj['hours']:.1f} h on {proj['devices']}; "
          + ", ".join(f"{k} {v:.1f} h" for k, v in proj["parts_hours"].items()))


if __name__ == "__main__":
    main()
