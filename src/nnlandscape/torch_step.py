"""Batched torch trainer for GPUs: the step of :func:`nnlandscape.reference.train_reference` written by
hand (manual backward, functional optimizer and freeze logic, no host sync per step) and
``torch.compile``d on CUDA; it also runs on CPU, which is how it is tested. Its GPU speed is
UNMEASURED: no GPU was available.
"""

from __future__ import annotations

import numpy as np
import torch

from .network import unflatten
from .progress import Progress
from .trainspec import EarlyStop, FitResult, OptimizerConfig, final_loss, np_dtype, trace_steps


def _grad_torch(p: torch.Tensor, x: torch.Tensor, y: torch.Tensor, n: int, k: int
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched MSE (B,) and its gradient (B, P) by a hand-written backward pass (no autograd)."""
    layers = unflatten(p, n, k)
    w1, b1 = layers[0]
    hs = [torch.relu(x[None, :, None] * w1[:, None, :, 0] + b1[:, None, :])]  # (B, N, n)
    for w, b in layers[1:-1]:
        hs.append(torch.relu(torch.baddbmm(b[:, None, :], hs[-1], w.transpose(1, 2))))
    w_out, b_out = layers[-1]
    e = torch.bmm(hs[-1], w_out.transpose(1, 2))[..., 0] + b_out - y  # (B, N)
    loss = (e * e).mean(-1)
    d = (2.0 * e) / x.shape[0]
    grads = [(torch.bmm(d[:, None, :], hs[-1]), d.sum(-1, keepdim=True))]
    gh = d[:, :, None] * w_out  # (B, N, n)
    for li in range(len(layers) - 2, 0, -1):
        gz = torch.where(hs[li] <= 0, 0.0, gh)
        grads.append((torch.bmm(gz.transpose(1, 2), hs[li - 1]), gz.sum(1)))
        gh = torch.bmm(gz, layers[li][0])
    gz = torch.where(hs[0] <= 0, 0.0, gh)
    grads.append(((gz * x[None, :, None]).sum(1)[..., None], gz.sum(1)))
    parts = []
    for gw, gb in reversed(grads):
        parts += [gw.reshape(gw.shape[0], -1), gb]
    return loss, torch.cat(parts, dim=-1)


def _torch_step(p, s1, s2, diverged, active, x, y, n: int, k: int, name: str, lr: float,
                mom: float, rho: float, eps: float):
    """One full-batch step of all fits with the reference's freeze rules, as pure tensor ops."""
    loss, g = _grad_torch(p, x, y, n, k)
    if name == "gd":
        n1 = s1 * mom + g
        n2 = s2
        new = p - lr * n1
    else:
        n1 = s1 * rho + (1 - rho) * g * g
        delta = (s2 + eps).sqrt() / (n1 + eps).sqrt() * g
        n2 = s2 * rho + (1 - rho) * delta * delta
        new = p - lr * delta
    ok = torch.isfinite(loss) & torch.isfinite(new).all(-1)
    diverged = diverged | ~ok
    keep = (ok & active & ~diverged)[:, None]
    return (loss, torch.where(keep, new, p), torch.where(keep, n1, s1), torch.where(keep, n2, s2),
            diverged)


def train_torch(params0: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                opt: OptimizerConfig, steps: int, *, dtype=torch.float32,
                device: str | torch.device = "cuda", trace_points: int = 100,
                early_stop: EarlyStop | None = None, compile_step: bool | None = None,
                progress: Progress | None = None) -> FitResult:
    """Batched torch trainer for GPUs: same results as :func:`train_reference` up to round-off.

    The step is hand-differentiated and functional so ``torch.compile`` can fuse it; the host
    syncs only where the early-stop state can change (every ``window`` steps). ``compile_step``
    defaults to True on CUDA. UNMEASURED on a GPU (none was available when this was written).
    """
    dev = torch.device(device)
    tdt = torch.float64 if np_dtype(dtype) == np.float64 else torch.float32
    p = torch.as_tensor(np.asarray(params0, dtype=np.float64), device=dev).to(tdt)
    xt = torch.as_tensor(np.asarray(x, np.float64), device=dev).to(tdt)
    yt = torch.as_tensor(np.asarray(y, np.float64), device=dev).to(tdt)
    batch = p.shape[0]
    s1, s2 = torch.zeros_like(p), torch.zeros_like(p)
    diverged = torch.zeros(batch, dtype=torch.bool, device=dev)
    active = torch.ones(batch, dtype=torch.bool, device=dev)
    steps_run = torch.full((batch,), steps, dtype=torch.int64, device=dev)
    tsteps = trace_steps(steps, trace_points)
    trace = torch.full((batch, len(tsteps)), float("nan"), dtype=torch.float64, device=dev)
    best = torch.full((batch,), float("inf"), dtype=torch.float64, device=dev)
    ref = best.clone()
    step_fn = _torch_step
    if compile_step if compile_step is not None else dev.type == "cuda":
        step_fn = torch.compile(_torch_step, dynamic=False)
    hyper = (n, k, opt.name, opt.lr, opt.momentum, opt.rho, opt.eps)
    ti = 0
    for step in range(steps + 1):
        if step == steps:
            loss, _ = _grad_torch(p, xt, yt, n, k)
        else:
            loss, new_p, new_s1, new_s2, new_div = step_fn(p, s1, s2, diverged, active, xt, yt,
                                                           *hyper)
        if ti < len(tsteps) and tsteps[ti] == step:
            trace[:, ti] = loss.to(torch.float64)
            ti += 1
        if step == steps:
            break
        if progress is not None and progress.due():  # a host sync only when a line is due
            progress.update(step * batch, loss.double().cpu().numpy())
        check = False
        if early_stop is not None:  # same rule as reference.StopMonitor, on device
            best = torch.minimum(best, torch.nan_to_num(loss.double(), nan=float("inf")))
            if step > 0 and step % early_stop.window == 0:
                done = best > ref * (1.0 - early_stop.rtol)
                ref = best.clone()
                stopping = done & active & (step >= 2 * early_stop.window)
                steps_run = torch.where(stopping, step, steps_run)
                active = active & ~stopping
                # the step above used the old `active`: redo the freeze for fits stopping now
                keep = (~stopping)[:, None]
                new_p = torch.where(keep, new_p, p)
                new_s1 = torch.where(keep, new_s1, s1)
                new_s2 = torch.where(keep, new_s2, s2)
                check = True
        p, s1, s2, diverged = new_p, new_s1, new_s2, new_div
        if check and not bool(active.any()):
            trace[:, ti:] = trace[:, ti - 1:ti]
            break
    final = p.detach().to("cpu", torch.float64).numpy()
    return FitResult(params=final, loss=final_loss(final, x, y, n, k),
                     diverged=diverged.cpu().numpy(), loss_trace=trace.cpu().numpy(),
                     trace_steps=tsteps, steps_run=steps_run.cpu().numpy())
