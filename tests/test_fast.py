"""The fast trainers (numba kernel, hand-written torch step) against the reference trainer.

Float64 must match the reference to round-off for every fit. In float32 round-off decides on
which side of a ReLU kink a training point falls, so a fit can split from its twin, and chaotic
fits (Adadelta at lr 1) amplify any round-off: the reference itself drifts from torch.optim by
1e-2 after 1,000 float32 Adadelta steps. Float32 checks therefore ask for a share of fits, or
for the fast path to be as accurate as the reference (both against a float64 run).
"""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.fast import train_fast
from nnlandscape.reference import train_reference
from nnlandscape.torch_step import train_torch
from nnlandscape.train import (
    EarlyStop,
    OptimizerConfig,
    fit_seed,
    init_params,
    train,
)

OPTS = {"gd": OptimizerConfig("gd", lr=1e-3), "adadelta": OptimizerConfig("adadelta", lr=1.0)}
FITS = 8


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data():
    x, y, _ = training_data(perfect_fit(Example()), 5, 5, 10)
    return x, y


def inits(name: str, fits: int = FITS) -> np.ndarray:
    return init_params([fit_seed(3, "main", name, i) for i in range(fits)], 5, 5)


def rel_err(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-fit max abs difference relative to the fit's largest param."""
    return np.abs(a - b).max(-1) / np.abs(b).max(-1)


def assert_same_bookkeeping(res, ref) -> None:
    assert np.array_equal(res.trace_steps, ref.trace_steps)
    assert res.loss_trace.shape == ref.loss_trace.shape
    assert np.array_equal(res.diverged, ref.diverged)
    assert np.array_equal(res.steps_run, ref.steps_run)
    assert np.array_equal(np.isfinite(res.loss_trace), np.isfinite(ref.loss_trace))


@pytest.mark.parametrize("name", ["gd", "adadelta"])
def test_float64_matches_reference_after_1000_steps(data, name):
    x, y = data
    p0 = inits(name)
    ref = train_reference(p0, x, y, 5, 5, OPTS[name], 1000, dtype=torch.float64)
    res = train_fast(p0, x, y, 5, 5, OPTS[name], 1000, dtype=torch.float64)
    assert_same_bookkeeping(res, ref)
    assert np.all(rel_err(res.params, ref.params) <= 1e-10)
    assert np.allclose(res.loss_trace, ref.loss_trace, rtol=1e-10, atol=0)
    assert np.allclose(res.loss, ref.loss, rtol=1e-10, atol=0)


@pytest.mark.parametrize("name", ["gd", "adadelta"])
def test_float32_matches_reference(data, name):
    """200 steps: params to 1e-5 for most fits (the test_train criterion against torch.optim).

    1,000 steps: GD keeps its final loss to 1e-5 for most fits; for both optimizers the fast
    path's error against a float64 run is no larger (median over fits, within 3x) than the
    reference's own float32 error.
    """
    x, y = data
    p0 = inits(name)
    ref = train_reference(p0, x, y, 5, 5, OPTS[name], 200)
    res = train_fast(p0, x, y, 5, 5, OPTS[name], 200, dtype=np.float32)
    assert_same_bookkeeping(res, ref)
    assert np.mean(rel_err(res.params, ref.params) <= 1e-5) >= 0.75
    ref = train_reference(p0, x, y, 5, 5, OPTS[name], 1000)
    res = train_fast(p0, x, y, 5, 5, OPTS[name], 1000)
    assert_same_bookkeeping(res, ref)
    if name == "gd":
        assert np.mean(np.abs(res.loss - ref.loss) <= 1e-5 * ref.loss) >= 0.75
        assert np.mean(rel_err(res.params, ref.params) <= 1e-4) >= 0.75
    exact = train_fast(p0, x, y, 5, 5, OPTS[name], 1000, dtype=torch.float64).params
    assert np.median(rel_err(res.params, exact)) <= 3 * np.median(rel_err(ref.params, exact))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("early_stop", [None, EarlyStop(rtol=1e-3, window=20)])
def test_divergence_flagged_and_frozen_like_reference(data, dtype, early_stop):
    x, y = data
    p0 = init_params([fit_seed(0, "main", "gd", i) for i in range(4)], 5, 5)
    p0[1] *= 30.0 if dtype == torch.float32 else 1e12  # overflows at this lr: frozen
    opt = OptimizerConfig("gd", lr=0.5)
    ref = train_reference(p0, x, y, 5, 5, opt, 200, dtype=dtype, early_stop=early_stop)
    res = train_fast(p0, x, y, 5, 5, opt, 200, dtype=dtype, early_stop=early_stop)
    assert ref.diverged[1]
    assert_same_bookkeeping(res, ref)
    assert np.all(np.isfinite(res.params))
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    assert rel_err(res.params[1], ref.params[1]) <= tol  # frozen at the same last finite params
    finite = np.isfinite(ref.loss_trace[1])
    assert np.allclose(res.loss_trace[1][finite], ref.loss_trace[1][finite], rtol=tol, atol=0)


@pytest.mark.parametrize("rtol,mixed", [(0.03, False), (0.005, True)])
def test_early_stop_gives_the_reference_steps_and_trace(data, rtol, mixed):
    """All fits stop (the reference ends its loop and repeats the last trace column), or some."""
    x, y = data
    p0 = init_params([fit_seed(0, "main", "adadelta", i) for i in range(FITS)], 5, 5)
    rule = EarlyStop(rtol=rtol, window=50)
    ref = train_reference(p0, x, y, 5, 5, OPTS["adadelta"], 300, dtype=torch.float64,
                          early_stop=rule)
    res = train_fast(p0, x, y, 5, 5, OPTS["adadelta"], 300, dtype=torch.float64, early_stop=rule)
    assert np.any(ref.steps_run < 300)
    assert np.any(ref.steps_run == 300) == mixed
    assert_same_bookkeeping(res, ref)
    assert np.allclose(res.loss_trace, ref.loss_trace, rtol=1e-10, atol=0)
    assert np.all(rel_err(res.params, ref.params) <= 1e-10)


@pytest.mark.parametrize("name", ["gd", "adadelta"])
def test_reruns_are_bitwise_identical_for_any_thread_count(data, name):
    x, y = data
    p0 = inits(name, 5)
    runs = [train_fast(p0, x, y, 5, 5, OPTS[name], 150, threads=t) for t in (1, 2, 2)]
    for other in runs[1:]:
        for field in ("params", "loss", "loss_trace", "diverged", "steps_run"):
            assert np.array_equal(getattr(runs[0], field), getattr(other, field), equal_nan=True)


@pytest.mark.parametrize("n,k", [(3, 2), (2, 1), (1, 3)])
def test_other_network_shapes(n, k):
    x = np.linspace(-1.0, 1.0, 45)
    y = np.sin(3.0 * x)
    p0 = init_params([fit_seed(1, "shape", "gd", i) for i in range(3)], n, k, "torch_default")
    ref = train_reference(p0, x, y, n, k, OPTS["adadelta"], 100, dtype=torch.float64)
    res = train_fast(p0, x, y, n, k, OPTS["adadelta"], 100, dtype=torch.float64)
    assert np.all(rel_err(res.params, ref.params) <= 1e-10)


@pytest.mark.parametrize("name", ["gd", "adadelta"])
def test_torch_step_matches_reference(data, name):
    """The CUDA path's hand-written step, run eagerly on CPU (its speed on a GPU is unmeasured)."""
    x, y = data
    p0 = inits(name, 4)
    ref = train_reference(p0, x, y, 5, 5, OPTS[name], 100, dtype=torch.float64)
    res = train_torch(p0, x, y, 5, 5, OPTS[name], 100, dtype=torch.float64, device="cpu")
    assert_same_bookkeeping(res, ref)
    assert np.all(rel_err(res.params, ref.params) <= 1e-10)
    rule = EarlyStop(rtol=0.03, window=20)
    ref = train_reference(p0, x, y, 5, 5, OPTS[name], 100, dtype=torch.float64, early_stop=rule)
    res = train_torch(p0, x, y, 5, 5, OPTS[name], 100, dtype=torch.float64, device="cpu",
                      early_stop=rule)
    assert_same_bookkeeping(res, ref)
    assert np.allclose(res.loss_trace, ref.loss_trace, rtol=1e-10, atol=0)


def test_dispatcher_backends(data):
    x, y = data
    p0 = inits("gd", 2)
    results = {b: train(p0, x, y, 5, 5, OPTS["gd"], 50, dtype=torch.float64, backend=b)
               for b in ("auto", "reference", "numba", "torch")}
    for res in results.values():
        assert np.all(rel_err(res.params, results["reference"].params) <= 1e-12)
    assert np.array_equal(results["auto"].params, results["numba"].params)
    with pytest.raises(ValueError, match="backend"):
        train(p0, x, y, 5, 5, OPTS["gd"], 5, backend="fortran")


_OTHER_WIDTH = """
import numpy as np, torch
from nnlandscape import fast
from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.reference import train_reference
from nnlandscape.train import OptimizerConfig, fit_seed, init_params
x, y, _ = training_data(perfect_fit(Example()), 5, 5, 10)
p0 = init_params([fit_seed(3, "main", "adadelta", i) for i in range(3)], 5, 5)
opt = OptimizerConfig("adadelta", lr=1.0)
ref = train_reference(p0, x, y, 5, 5, opt, 300, dtype=torch.float64)
res = fast.train_fast(p0, x, y, 5, 5, opt, 300, dtype=torch.float64)
err = (np.abs(res.params - ref.params).max(-1) / np.abs(ref.params).max(-1)).max()
print(fast.LANES, err)
"""


def test_256_bit_kernel_matches_reference(tmp_path):
    """The other kernel layout (8 lanes, 256-bit vectors; the default on hosts without AVX-512)."""
    env = dict(os.environ, NNLANDSCAPE_VECTOR_BITS="256")
    out = subprocess.run([sys.executable, "-c", _OTHER_WIDTH], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out[0] == "8"
    assert float(out[1]) <= 1e-10


def test_wide_vector_features_respect_the_user_and_replace_a_foreign_host(monkeypatch):
    from nnlandscape import fast

    monkeypatch.setenv("NUMBA_CPU_FEATURES", "+avx2,+fma")  # the user's own: left alone
    fast._use_512_bit_vectors()
    assert os.environ["NUMBA_CPU_FEATURES"] == "+avx2,+fma"
    monkeypatch.setenv("NUMBA_CPU_FEATURES", "+avx512f,+avx512fp16,-prefer-256-bit")  # another host's
    fast._use_512_bit_vectors()
    if fast.AVX512:
        from llvmlite import binding as ll

        assert os.environ["NUMBA_CPU_FEATURES"] == ll.get_host_cpu_features().flatten() + fast._WIDE
    else:
        assert "NUMBA_CPU_FEATURES" not in os.environ
