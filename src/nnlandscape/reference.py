"""The reference trainer: B fits trained at once by plain PyTorch autograd, GD with momentum and
Adadelta with torch.optim's semantics.

It is the oracle for the fast trainers (:mod:`.fast`, :mod:`.torch_step`) and the fallback wherever
they are unavailable; :func:`nnlandscape.train.train` picks among them.
"""

from __future__ import annotations

import numpy as np
import torch

from .network import forward
from .progress import Progress
from .trainspec import EarlyStop, FitResult, OptimizerConfig, final_loss, trace_steps


class BatchedOptimizer:
    """GD with heavy-ball momentum or Adadelta over a (B, P) tensor, torch.optim semantics."""

    def __init__(self, opt: OptimizerConfig, params: torch.Tensor) -> None:
        self.opt = opt
        self.state = [torch.zeros_like(params)]
        if opt.name == "adadelta":
            self.state.append(torch.zeros_like(params))

    def step(self, params: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        """Return the updated params (the input is not modified)."""
        o = self.opt
        if o.name == "gd":
            (buf,) = self.state
            buf.mul_(o.momentum).add_(grad)
            return params - o.lr * buf
        square_avg, acc_delta = self.state
        square_avg.mul_(o.rho).addcmul_(grad, grad, value=1 - o.rho)
        delta = (acc_delta + o.eps).sqrt_().div_((square_avg + o.eps).sqrt_()).mul_(grad)
        acc_delta.mul_(o.rho).addcmul_(delta, delta, value=1 - o.rho)
        return params - o.lr * delta

    def select(self, keep: torch.Tensor, old: list[torch.Tensor]) -> None:
        """Restore the rows where ``keep`` is False from ``old`` state (frozen diverged fits)."""
        for s, prev in zip(self.state, old, strict=True):
            s.copy_(torch.where(keep[:, None], s, prev))


def train_reference(params0: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                    opt: OptimizerConfig, steps: int, *, dtype: torch.dtype | str = torch.float32,
                    device: str | torch.device = "cpu", trace_points: int = 100,
                    early_stop: EarlyStop | None = None, progress: Progress | None = None) -> FitResult:
    """Train B networks at once from ``params0`` (B, P) on (x, y), full batch, ``steps`` steps.

    A fit whose loss or params become non-finite is flagged ``diverged`` and frozen at its last
    finite params; the others continue. With ``early_stop`` a fit stops once converged.
    """
    dev = torch.device(device)
    dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    p = torch.as_tensor(params0, dtype=dtype, device=dev).clone()
    xt = torch.as_tensor(x, dtype=dtype, device=dev)
    yt = torch.as_tensor(y, dtype=dtype, device=dev)
    batch = p.shape[0]
    optim = BatchedOptimizer(opt, p)
    diverged = torch.zeros(batch, dtype=torch.bool, device=dev)
    active = torch.ones(batch, dtype=torch.bool, device=dev)
    steps_run = torch.full((batch,), steps, dtype=torch.int64, device=dev)
    tsteps = trace_steps(steps, trace_points)
    trace = torch.full((batch, len(tsteps)), float("nan"), dtype=torch.float64, device=dev)
    monitor = StopMonitor(early_stop, batch, dev) if early_stop else None
    ti = 0
    for step in range(steps + 1):
        p.requires_grad_(True)
        loss = ((forward(p, xt, n, k) - yt) ** 2).mean(-1)
        if ti < len(tsteps) and tsteps[ti] == step:
            trace[:, ti] = loss.detach().to(torch.float64)
            ti += 1
        if step == steps:
            break
        if progress is not None and progress.due():  # a host sync only when a line is due
            progress.update(step * batch, loss.detach().double().cpu().numpy())
        (grad,) = torch.autograd.grad(loss.sum(), p)
        p = p.detach()
        if monitor is not None:
            stopping = monitor.update(step, loss.detach()) & active
            steps_run[stopping] = step
            active &= ~stopping
        old = [s.clone() for s in optim.state]
        new = optim.step(p, grad)
        ok = torch.isfinite(loss.detach()) & torch.isfinite(new).all(-1)
        newly = ~ok & ~diverged
        diverged |= newly
        keep = ok & active & ~diverged
        p = torch.where(keep[:, None], new, p)
        optim.select(keep, old)
        if monitor is not None and not bool(active.any()):
            trace[:, ti:] = trace[:, ti - 1:ti]
            break
    final = p.detach().to("cpu", torch.float64).numpy()
    loss64 = final_loss(final, x, y, n, k)
    return FitResult(params=final, loss=loss64, diverged=diverged.cpu().numpy(),
                     loss_trace=trace.cpu().numpy(), trace_steps=tsteps,
                     steps_run=steps_run.cpu().numpy())


class StopMonitor:
    """Per-batch convergence monitor of :class:`EarlyStop` on torch tensors."""

    def __init__(self, rule: EarlyStop, batch: int, device: torch.device) -> None:
        self.rule = rule
        self.best = torch.full((batch,), float("inf"), dtype=torch.float64, device=device)
        self.ref = torch.full((batch,), float("inf"), dtype=torch.float64, device=device)

    def update(self, step: int, loss: torch.Tensor) -> torch.Tensor:
        """Feed this step's losses (B,); return a mask of fits that have converged now."""
        self.best = torch.minimum(self.best, torch.nan_to_num(loss.double(), nan=float("inf")))
        if step == 0 or step % self.rule.window:
            return torch.zeros_like(self.best, dtype=torch.bool)
        done = self.best > self.ref * (1.0 - self.rule.rtol)
        self.ref = self.best.clone()
        return done & (step >= 2 * self.rule.window)
