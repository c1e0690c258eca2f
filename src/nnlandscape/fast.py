"""The fused CPU trainer: a generated numba kernel with the semantics of ``reference.train_reference``.

:func:`train_fast` (CPU, numba): the whole run of a fit is one compiled call, no Python per
  step. Each step fuses forward, hand-derived backward, optimizer update, divergence check,
  early-stop monitor and trace. The kernel is generated as straight-line code for the given
  (n, k) (all params are scalars), compiled once and cached on disk. Points are the contiguous,
  vectorized axis; each gradient entry keeps ``LANES`` partial sums reduced by a fixed tree, so
  LLVM vectorizes without ``fastmath`` and results are bitwise reproducible on a machine for
  any thread count (fits are independent). Multiply-adds are fused multiply-adds (one
  instruction, one rounding). ``LANES`` is 16 (512-bit vectors) on AVX-512 hosts and 8 (256-bit)
  elsewhere, so the two kinds of host differ in round-off. Threads: a Python pool over slices of
  fits (the kernel releases the GIL); numba's ``prange`` would double the compile time.
(The GPU trainer is :func:`nnlandscape.torch_step.train_torch`.)

Round-off differs from the reference (other summation orders, fused multiply-adds), so results
agree to round-off, not bitwise; in float32 a fit can split from its twin when round-off puts a
training point on the other side of a ReLU kink, and chaotic fits (Adadelta) amplify that.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from .network import layer_shapes, layer_slices, n_params
from .progress import Progress
from .trainspec import EarlyStop, FitResult, OptimizerConfig, final_loss, np_dtype, trace_steps


def _host_has_avx512() -> bool:
    """True on x86 hosts with AVX-512F (where 512-bit vectors double the arithmetic width)."""
    try:
        from llvmlite import binding as ll

        return bool(ll.get_host_cpu_features().get("avx512f"))
    except Exception:  # no llvmlite (numba absent) or a host LLVM cannot describe
        return False


AVX512 = _host_has_avx512() and os.environ.get("NNLANDSCAPE_VECTOR_BITS") != "256"
LANES = 16 if AVX512 else 8  # partial sums per gradient entry: one float32 vector register
UNROLL = 4  # points per lane per block: block = UNROLL * LANES points
CHUNK_BLOCKS = 1 if AVX512 else 4  # blocks per chunk (the scratch stays in L1)
KERNEL_VERSION = 2
PROGRESS_CHUNK = 16  # fits per kernel call when progress is logged
_KERNELS: dict[tuple[int, ...], object] = {}


# --------------------------------------------------------------------------- code generation

def _kernel_source(n: int, k: int, lanes: int = LANES, unroll: int = UNROLL,
                   chunk_blocks: int = CHUNK_BLOCKS) -> str:
    """Python/numba source of the fused loss+gradient and training kernels of an (n,k) network.

    Points are processed in chunks of ``chunk_blocks`` blocks of ``unroll * lanes`` points; a
    chunk's activations live in a small L1-resident scratch. Per chunk, one loop per layer does
    the forward pass (the last one also the output, the loss and the output layer's backward),
    then one loop per layer, top down, accumulates its gradient and propagates the delta. In each
    loop the lane index l is the vectorized axis; each lane handles ``unroll`` points per block
    (l, l + lanes, ...) and adds their summed contributions to its gradient partial sums at once,
    which divides the read-modify-write traffic on the accumulators by ``unroll``.
    """
    shapes, slices = layer_shapes(n, k), layer_slices(n, k)
    cpts = chunk_blocks * unroll * lanes
    npar = n_params(n, k)
    ind = " " * 16  # indentation of the loss/gradient code inside the step loop

    def wi(layer: int, o: int, i: int) -> int:
        return slices[layer][0].start + o * shapes[layer][1] + i

    def bi(layer: int, o: int) -> int:
        return slices[layer][1].start + o

    # Loop bodies are templates: {u} tags one point's variables, {o} is its offset in the block,
    # {v} is the loop number. For numba's compile time (~10 s instead of minutes) every name is
    # assigned once (its SSA pass is slow otherwise), and relu, keep and the multiply-add chains
    # are LLVM intrinsics (no branches, one cheap typing call instead of many float32 binops).
    def at(row: int) -> str:
        return f"S[{row * cpts} + sb{{v}} + l{{v}} + {{o}}]"

    def hrow(layer: int, j: int) -> str:  # scratch slot of the hidden output h[layer][j]
        return at(layer * n + j)

    def grow(layer: int, j: int) -> str:  # scratch slot of the delta at hidden layer `layer`
        return at((k - 1 + layer) * n + j)

    def dot(pairs: list[tuple[str, str]], bias: str | None = None) -> str:
        """sum of products (+ bias) as one intrinsic call: cheap to type for numba."""
        args = [t for pair in pairs for t in pair] + ([bias] if bias else [])
        name = f"dot{'b' if bias else ''}{len(pairs)}"
        arities.add((len(pairs), bias is not None))
        return f"{name}({', '.join(args)})"

    arities: set[tuple[int, bool]] = set()
    # loops: (lines, accumulations (gradient slot, (a, b) for a*b or (a, None) for a))
    loops: list[tuple[list[str], list[tuple[int, tuple[str, str | None]]]]] = []
    for layer in range(k):  # forward, one loop per layer: few live weights, short chains
        last = layer == k - 1
        if layer == 0:
            lines = ["x{v}_{u} = X[sb{v} + l{v} + {o}]"]
            pre = [dot([(f"w{wi(0, j, 0)}", "x{v}_{u}")], f"w{bi(0, j)}") for j in range(n)]
        else:
            lines = [f"h{i}_{{v}}_{{u}} = {hrow(layer - 1, i)}" for i in range(n)]
            pre = [dot([(f"w{wi(layer, j, i)}", f"h{i}_{{v}}_{{u}}") for i in range(n)],
                       f"w{bi(layer, j)}") for j in range(n)]
        for j in range(n):
            out = f"o{j}_{{v}}_{{u}}" if last else hrow(layer, j)
            lines.append(f"{out} = relu({pre[j]}, zero)")
        if not last:
            loops.append((lines, []))
    # the last hidden layer's loop also does the output, the loss and the output layer's backward
    out = dot([(f"w{wi(k, 0, i)}", f"o{i}_{{v}}_{{u}}") for i in range(n)], f"w{bi(k, 0)}")
    lines += [f"r{{v}}_{{u}} = {out} - Y[sb{{v}} + l{{v}} + {{o}}]",
              "e{v}_{u} = keep(V[sb{v} + l{v} + {o}], r{v}_{u}, zero)",
              "d{v}_{u} = inv_n * (e{v}_{u} + e{v}_{u})"]
    lines += [f"{grow(k - 1, i)} = keep(o{i}_{{v}}_{{u}}, d{{v}}_{{u}} * w{wi(k, 0, i)}, zero)"
              for i in range(n)]
    accs = [(npar, ("e{v}_{u}", "e{v}_{u}")), (bi(k, 0), ("d{v}_{u}", None))]
    accs += [(wi(k, 0, i), ("d{v}_{u}", f"o{i}_{{v}}_{{u}}")) for i in range(n)]
    loops.append((lines, accs))
    # hidden layers top down: gradient of W[layer], b[layer]; delta at layer - 1
    for layer in range(k - 1, 0, -1):
        lines = [f"g{j}_{{v}}_{{u}} = {grow(layer, j)}" for j in range(n)]
        lines += [f"h{i}_{{v}}_{{u}} = {hrow(layer - 1, i)}" for i in range(n)]
        for i in range(n):
            prop = dot([(f"w{wi(layer, j, i)}", f"g{j}_{{v}}_{{u}}") for j in range(n)])
            lines.append(f"{grow(layer - 1, i)} = keep(h{i}_{{v}}_{{u}}, {prop}, zero)")
        accs = []
        for j in range(n):
            accs.append((bi(layer, j), (f"g{j}_{{v}}_{{u}}", None)))
            accs += [(wi(layer, j, i), (f"g{j}_{{v}}_{{u}}", f"h{i}_{{v}}_{{u}}")) for i in range(n)]
        loops.append((lines, accs))
    # input layer
    lines = ["x{v}_{u} = X[sb{v} + l{v} + {o}]"]
    lines += [f"g{j}_{{v}}_{{u}} = {grow(0, j)}" for j in range(n)]
    accs = []
    for j in range(n):
        accs += [(bi(0, j), (f"g{j}_{{v}}_{{u}}", None)),
                 (wi(0, j, 0), (f"g{j}_{{v}}_{{u}}", "x{v}_{u}"))]
    loops.append((lines, accs))

    chunk_src = []
    for v, (lines, accs) in enumerate(loops):
        body = [line.format(u=u, o=u * lanes, v=v) for u in range(unroll) for line in lines]
        for q, (fa, fb) in accs:  # the block's `unroll` points add up first, then one RMW
            a_s = [fa.format(u=u, v=v) for u in range(unroll)]
            if fb is None:
                total = " + ".join(a_s)
            else:
                total = dot([(a_u, fb.format(u=u, v=v)) for u, a_u in enumerate(a_s)])
            body.append(f"G[{q * lanes} + l{v}] += {total}")
        chunk_src.append(f"{ind}    for blk{v} in range(cnb):\n"
                         f"{ind}        sb{v} = blk{v} * {unroll * lanes}\n"
                         f"{ind}        for l{v} in range(LL):\n"
                         + "\n".join(f"{ind}            {line}" for line in body))
    intrinsics = []
    for m, has_bias in sorted(arities):
        params = [f"{c}{i}" for i in range(m) for c in "ab"] + (["c"] if has_bias else [])
        name = f"dot{'b' if has_bias else ''}{m}"
        intrinsics.append(
            f"@intrinsic\ndef {name}(typingctx, {', '.join(params)}):\n"
            f"    def codegen(context, builder, sig, args):\n"
            f"        return chain(builder, args, {m}, {has_bias})\n"
            f"    return a0({', '.join(params)}), codegen\n")
    intrinsic_src = "\n\n".join(intrinsics)
    inner = "\n".join(chunk_src)
    loads = "\n".join(f"{ind}w{q} = p[{q}]" for q in range(npar))
    tree = []
    half = lanes // 2
    while half >= 1:
        tree.append(f"{ind}    for l in range({half}):\n{ind}        G[o + l] += G[o + l + {half}]")
        half //= 2
    tree_src = "\n".join(tree)
    return f'''"""Generated by nnlandscape.fast (kernel v{KERNEL_VERSION}) for an ({n},{k}) network."""
import math

import numpy as np
from numba import njit
from numba.extending import intrinsic

L = {lanes}
CB = {chunk_blocks}
BLOCK = {unroll * lanes}
NPAR = {npar}
SCRATCH = {(2 * k - 1) * n * cpts}
DBL_MAX = np.finfo(np.float64).max


def chain(builder, args, nprod, bias):
    """LLVM IR of fma(..., fma(a1, b1, fma(a0, b0, c))): fused multiply-adds, in that order."""
    acc = args[2 * nprod] if bias else builder.fmul(args[0], args[1])
    for i in range(0 if bias else 1, nprod):
        acc = builder.fma(args[2 * i], args[2 * i + 1], acc)
    return acc


{intrinsic_src}

@intrinsic
def relu(typingctx, a, zero):
    """torch.relu: 0 where a < 0, else a (NaN stays NaN; compiles to one max instruction)."""
    def codegen(context, builder, sig, args):
        return builder.select(builder.fcmp_ordered("<", args[0], args[1]), args[1], args[0])
    return a(a, zero), codegen


@intrinsic
def keep(typingctx, h, v, zero):
    """torch's ReLU backward (threshold_backward): 0 where h <= 0, else v."""
    def codegen(context, builder, sig, args):
        return builder.select(builder.fcmp_ordered("<=", args[0], args[2]), args[2], args[1])
    return v(h, v, zero), codegen


@njit(fastmath=False, cache=True, error_model="numpy", nogil=True)
def train_range(P0, D, hp, adadelta, steps, tsteps, window, rtol, out, trace, diverged, stopped,
                steps_run, b0, b1, LL):
    """Train rows b0..b1-1 of P0 for `steps` full-batch steps (see nnlandscape.fast.train_fast).

    LL == L at run time: a loop bound LLVM cannot unroll fully, so it vectorizes it instead.
    One function holds everything (no callee): numba re-optimizes linked callees, which would
    double the compile time.
    """
    nb = D.shape[0] // (3 * BLOCK)
    npt = nb * BLOCK
    T = tsteps.shape[0]
    lr = hp[0]
    mom = hp[1]
    rho = hp[2]
    omr = hp[3]
    eps = hp[4]
    inv_n = hp[5]
    nf = hp[6]
    zero = hp[7]
    s1 = np.empty(NPAR, dtype=P0.dtype)
    s2 = np.empty(NPAR, dtype=P0.dtype)
    n0 = np.empty(NPAR, dtype=P0.dtype)
    n1 = np.empty(NPAR, dtype=P0.dtype)
    n2 = np.empty(NPAR, dtype=P0.dtype)
    G = np.empty((NPAR + 1) * L, dtype=P0.dtype)
    S = np.empty(SCRATCH, dtype=P0.dtype)
    for b in range(b0, b1):
        p = P0[b].copy()
        for q in range(NPAR):
            s1[q] = zero
            s2[q] = zero
            n2[q] = zero
        best = np.inf
        ref = np.inf
        active = True
        div = False
        frozen = False
        srun = steps
        loss = zero
        ti = 0
        for step in range(steps + 1):
            if not frozen:
{loads}
                for i in range(G.shape[0]):
                    G[i] = zero
                for c0 in range(0, nb, CB):
                    cnb = min(CB, nb - c0)
                    X = D[c0 * BLOCK:npt]  # views: indices provably >= 0, no wraparound/gathers
                    Y = D[npt + c0 * BLOCK:2 * npt]
                    V = D[2 * npt + c0 * BLOCK:]
{inner}
                for q in range(NPAR + 1):
                    o = q * L
{tree_src}
                loss = G[NPAR * L] / nf
            if ti < T and tsteps[ti] == step:
                trace[b, ti] = np.float64(loss)
                ti += 1
            if step == steps:
                break
            if window > 0:
                lv = np.float64(loss)
                if lv != lv:
                    lv = np.inf
                elif lv == np.inf:
                    lv = DBL_MAX
                elif lv == -np.inf:
                    lv = -DBL_MAX
                if lv < best:
                    best = lv
                if step > 0 and step % window == 0:
                    done = best > ref * (1.0 - rtol)
                    ref = best
                    if done and step >= 2 * window and active:
                        active = False
                        srun = step
            if frozen:
                if window == 0 or not active:
                    while ti < T:
                        trace[b, ti] = np.float64(loss)
                        ti += 1
                    break
                continue
            ok = math.isfinite(loss)
            if adadelta:
                for q in range(NPAR):
                    g = G[q * L]
                    sq = s1[q] * rho + (omr * g) * g
                    delta = math.sqrt(s2[q] + eps) / math.sqrt(sq + eps) * g
                    n1[q] = sq
                    n2[q] = s2[q] * rho + (omr * delta) * delta
                    n0[q] = p[q] - lr * delta
            else:
                for q in range(NPAR):
                    buf = s1[q] * mom + G[q * L]
                    n1[q] = buf
                    n0[q] = p[q] - lr * buf
            for q in range(NPAR):
                if not math.isfinite(n0[q]):
                    ok = False
            if not ok:
                div = True
            if ok and active:
                for q in range(NPAR):
                    p[q] = n0[q]
                    s1[q] = n1[q]
                    s2[q] = n2[q]
            else:
                frozen = True
        for q in range(NPAR):
            out[b, q] = p[q]
        diverged[b] = div
        stopped[b] = not active
        steps_run[b] = srun
'''


def _cache_dir() -> Path:
    """Folder for generated kernel modules (numba caches compiled code next to them)."""
    env = os.environ.get("NNLANDSCAPE_KERNEL_DIR")
    base = Path(env) if env else Path.home() / ".cache" / "nnlandscape" / "kernels"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / f".probe{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        return base
    except OSError:
        fallback = Path(tempfile.gettempdir()) / "nnlandscape-kernels"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


_WIDE = ",-prefer-256-bit"  # marks a NUMBA_CPU_FEATURES value set by this module


def _use_512_bit_vectors() -> None:
    """Let numba's LLVM vectorize 512 bits wide on AVX-512 hosts (by default it prefers 256).

    numba takes the target's features from ``NUMBA_CPU_FEATURES``; adding ``-prefer-256-bit`` to
    the host's features lifts LLVM's 256-bit preference (measured 1.2-1.5x faster kernels on an
    Emerald Rapids core). A user's own ``NUMBA_CPU_FEATURES`` is left alone. A value this module
    set for another host (inherited through the environment, e.g. by a batch job on another node)
    is replaced, or dropped on a host without AVX-512, so a job never compiles for a foreign CPU.
    numba keys its disk cache on the features, so kernels compiled either way never mix.
    """
    current = os.environ.get("NUMBA_CPU_FEATURES")
    if current is not None and not current.endswith(_WIDE):
        return  # the user's choice
    if AVX512:
        from llvmlite import binding as ll

        wanted = ll.get_host_cpu_features().flatten() + _WIDE
    else:
        wanted = None
    if current == wanted:
        return
    if wanted is None:
        del os.environ["NUMBA_CPU_FEATURES"]
    else:
        os.environ["NUMBA_CPU_FEATURES"] = wanted
    if "numba" in sys.modules:  # already imported: re-read the environment before compiling
        from numba.core import config

        config.reload_config()


def _kernel(n: int, k: int):
    """The generated kernel module of an (n,k) network, written once and imported (cached)."""
    key = (n, k, LANES, UNROLL, CHUNK_BLOCKS)
    if key not in _KERNELS:
        _use_512_bit_vectors()
        src = _kernel_source(n, k, LANES, UNROLL, CHUNK_BLOCKS)
        digest = hashlib.sha256(src.encode()).hexdigest()[:12]
        name = f"nnl_kernel_n{n}_k{k}_{digest}"
        path = _cache_dir() / f"{name}.py"
        if not path.exists() or path.read_text() != src:
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(src)
            os.replace(tmp, path)  # atomic: concurrent jobs never see a partial file
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _KERNELS[key] = module
    return _KERNELS[key]


# --------------------------------------------------------------------------- CPU trainer

def _pack_data(x: np.ndarray, y: np.ndarray, dt: np.dtype, block: int) -> np.ndarray:
    """(x | y | valid) padded to whole blocks; pad points copy point 0 with valid = 0."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    npts = len(x)
    padded = -(-max(npts, 1) // block) * block
    d = np.zeros((3, padded), dtype=dt)
    d[0, :] = x[0] if npts else 0.0
    d[1, :] = y[0] if npts else 0.0
    d[0, :npts], d[1, :npts], d[2, :npts] = x, y, 1.0
    return d.ravel()


def _hyper(opt: OptimizerConfig, npts: int, dt: np.dtype) -> np.ndarray:
    """Optimizer constants in the training dtype, rounded as torch rounds Python scalars."""
    one = dt.type(1.0)
    return np.array([opt.lr, opt.momentum, opt.rho, 1.0 - opt.rho, opt.eps,
                     one / dt.type(npts), npts, 0.0], dtype=dt)


def _fill_after_batch_stop(trace: np.ndarray, tsteps: np.ndarray, stopped: np.ndarray,
                           steps_run: np.ndarray) -> None:
    """The reference ends the loop once every fit stopped and repeats the last trace column."""
    if len(stopped) and stopped.all():
        ti = int(np.searchsorted(tsteps, steps_run.max(), side="right"))
        trace[:, ti:] = trace[:, ti - 1:ti]


def _n_threads(threads: int | None) -> int:
    """Worker threads: ``threads`` if given, else the CPUs this process may use."""
    if threads is not None:
        return max(1, int(threads))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def train_fast(params0: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
               opt: OptimizerConfig, steps: int, *, dtype="float32", trace_points: int = 100,
               early_stop: EarlyStop | None = None, threads: int | None = None,
               progress: Progress | None = None) -> FitResult:
    """Numba version of :func:`train_reference` (CPU): same inputs, same :class:`FitResult`.

    ``dtype``: float32/float64 (numpy, torch or a name). ``threads``: worker threads
    (default: the CPUs this process may use); results do not depend on it. The kernel of an
    (n, k) network is compiled on first use (about 10-20 s per dtype) and cached on disk
    (``NNLANDSCAPE_KERNEL_DIR``, default ~/.cache/nnlandscape/kernels). With ``progress`` the fits
    run in chunks of about ``PROGRESS_CHUNK`` fits (whole fits, so results do not change) and a line
    is logged when one is due.
    """
    dt = np_dtype(dtype)
    mod = _kernel(n, k)
    p0 = np.ascontiguousarray(np.asarray(params0, dtype=np.float64).astype(dt))
    if p0.ndim != 2 or p0.shape[1] != n_params(n, k):
        raise ValueError(f"params0 must be (B, {n_params(n, k)}), got {p0.shape}")
    batch = p0.shape[0]
    tsteps = trace_steps(steps, trace_points)
    out = np.empty_like(p0)
    trace = np.full((batch, len(tsteps)), np.nan)
    diverged = np.zeros(batch, dtype=np.bool_)
    stopped = np.zeros(batch, dtype=np.bool_)
    steps_run = np.full(batch, steps, dtype=np.int64)
    window = int(early_stop.window) if early_stop else 0
    rtol = float(early_stop.rtol) if early_stop else 0.0
    args = (p0, _pack_data(x, y, dt, mod.BLOCK), _hyper(opt, len(x), dt), opt.name == "adadelta", int(steps),
            tsteps.astype(np.int64), window, rtol, out, trace, diverged, stopped, steps_run)
    workers = min(_n_threads(threads), max(batch, 1))
    # fits are independent: any split gives the same bits; more pieces than workers balance load,
    # and with progress the pieces are small enough for a steady stream of progress lines
    pieces = 4 * workers if progress is None else max(4 * workers, -(-batch // PROGRESS_CHUNK))
    edges = np.linspace(0, batch, min(batch, pieces) + 1).astype(int) if batch else [0, 0]
    ranges = list(zip(edges[:-1], edges[1:], strict=True))
    done = np.zeros(batch, dtype=bool)

    def run(r: tuple[int, int]) -> tuple[int, int]:
        mod.train_range(*args, r[0], r[1], mod.L)
        return r

    def report(r: tuple[int, int]) -> None:
        done[r[0]:r[1]] = True
        if progress is not None and progress.due():
            progress.update(int(done.sum()) * int(steps), trace[done, -1])

    if workers == 1:
        for r in ranges:
            report(run(r))
    else:  # the kernel releases the GIL (nogil), so Python threads run it in parallel
        with ThreadPoolExecutor(workers) as pool:
            for future in as_completed([pool.submit(run, r) for r in ranges]):
                report(future.result())
    if early_stop:
        _fill_after_batch_stop(trace, tsteps, stopped, steps_run)
    final = out.astype(np.float64)
    return FitResult(params=final, loss=final_loss(final, x, y, n, k), diverged=diverged,
                     loss_trace=trace, trace_steps=tsteps, steps_run=steps_run)
