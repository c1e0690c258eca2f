"""The batched reference trainer against torch.optim run one network at a time."""

import numpy as np
import pytest
import torch

from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.network import layer_shapes
from nnlandscape.reference import train_reference
from nnlandscape.train import (
    EarlyStop,
    OptimizerConfig,
    fit_seed,
    init_params,
    trace_steps,
)

OPTS = {"gd": {"lr": 1e-3, "momentum": 0.9}, "adadelta": {"lr": 1.0, "rho": 0.95, "eps": 1e-7}}


@pytest.fixture(scope="module")
def data():
    p = perfect_fit(Example())
    x, y, _ = training_data(p, 5, 5, 10)
    return x, y


def torch_oracle(p0, x, y, name, steps, dtype):
    mods = []
    for out_dim, in_dim in layer_shapes(5, 5):
        mods += [torch.nn.Linear(in_dim, out_dim), torch.nn.ReLU()]
    net = torch.nn.Sequential(*mods[:-1]).to(dtype)
    torch.nn.utils.vector_to_parameters(torch.tensor(p0, dtype=dtype), net.parameters())
    if name == "gd":
        opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    else:
        opt = torch.optim.Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    xt, yt = torch.tensor(x, dtype=dtype)[:, None], torch.tensor(y, dtype=dtype)
    for _ in range(steps):
        opt.zero_grad()
        ((net(xt)[:, 0] - yt) ** 2).mean().backward()
        opt.step()
    return torch.nn.utils.parameters_to_vector(net.parameters()).detach().double().numpy()


@pytest.mark.parametrize("name", ["gd", "adadelta"])
@pytest.mark.parametrize("dtype,tol,min_share", [(torch.float32, 1e-5, 0.8), (torch.float64, 1e-12, 1.0)])
def test_batched_matches_torch_optim(data, name, dtype, tol, min_share):
    """Same init, data and 200 steps give the same params as torch.optim on one network.

    In float32 a fit can split from its twin when round-off decides on which side of a ReLU kink a
    training point falls (seen for about 1 fit in 10 with Adadelta); float64 must match every fit.
    """
    x, y = data
    fits = 8
    p0 = init_params([fit_seed(3, "main", name, i) for i in range(fits)], 5, 5)
    res = train_reference(p0, x, y, 5, 5, OptimizerConfig.from_config(name, OPTS[name]), 200,
                          dtype=dtype)
    close = []
    for b in range(fits):
        ref = torch_oracle(p0[b], x, y, name, 200, dtype)
        close.append(np.max(np.abs(res.params[b] - ref)) <= tol * np.max(np.abs(ref)))
    assert np.mean(close) >= min_share, close


def test_fit_seed_is_pure_and_distinct():
    assert fit_seed(1, "main", "gd", 7) == fit_seed(1, "main", "gd", 7)
    seeds = {fit_seed(1, ex, opt, i) for ex in ("main", "complex") for opt in ("gd", "adadelta")
             for i in range(50)}
    assert len(seeds) == 200


def test_init_rows_do_not_depend_on_batch():
    seeds = [fit_seed(1, "main", "gd", i) for i in range(6)]
    assert np.array_equal(init_params(seeds, 5, 5)[4], init_params(seeds[4:5], 5, 5)[0])
    p = init_params(seeds, 5, 5, "torch_default")
    assert np.all(p[:, 5:10] != 0)  # torch_default has non-zero biases


def test_divergence_is_flagged_and_frozen(data):
    x, y = data
    p0 = init_params([fit_seed(0, "main", "gd", i) for i in range(4)], 5, 5)
    p0[1] *= 30.0  # this one blows up at a large learning rate
    res = train_reference(p0, x, y, 5, 5, OptimizerConfig("gd", lr=0.5), 200)
    assert res.diverged[1]
    assert np.all(np.isfinite(res.params))
    assert res.loss_trace.shape == (4, len(res.trace_steps))


def test_trace_steps_are_log_spaced_and_bounded():
    s = trace_steps(10000, 100)
    assert s[0] == 0 and s[-1] == 10000 and np.all(np.diff(s) > 0) and len(s) <= 100


def test_early_stop_saves_steps_on_converged_fits(data):
    x, y = data
    p0 = init_params([fit_seed(0, "main", "adadelta", i) for i in range(4)], 5, 5)
    res = train_reference(p0, x, y, 5, 5, OptimizerConfig("adadelta", lr=1.0), 600,
                          early_stop=EarlyStop(rtol=0.5, window=100))
    assert np.all(res.steps_run < 600)


def run_and_report_torch(code: str) -> str:
    import subprocess
    import sys

    prelude = ("import sys, numpy as np; import nnlandscape.train as t; "
               "t.cuda_present = lambda: False; "
               "from nnlandscape.construction import Example, perfect_fit, training_data; "
               "x, y, _ = training_data(perfect_fit(Example()), 5, 5, 10); "
               "p0 = t.init_params([1, 2], 5, 5); opt = t.OptimizerConfig('gd', lr=1e-3); ")
    out = subprocess.run([sys.executable, "-c", prelude + code + "; print('torch' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()[-1]


def test_training_on_the_numba_kernel_without_an_nvidia_driver_never_imports_torch():
    # device auto, no driver: the CPU and the numba kernel, no PyTorch
    assert run_and_report_torch("r = t.train(p0, x, y, 5, 5, opt, 5, device='auto', backend='auto')") \
        == "False"
    # the reference trainer is PyTorch: the same call with it does import it
    assert run_and_report_torch("r = t.train(p0, x, y, 5, 5, opt, 5, device='auto', backend='reference')") \
        == "True"


def test_device_type_names_a_bad_device_and_asks_torch_only_when_cuda_may_be_there(monkeypatch):
    import nnlandscape.train as t

    assert t.device_type("cpu") == "cpu"
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        t.device_type("gpu")
    monkeypatch.setattr(t, "cuda_present", lambda: False)
    assert t.device_type("auto") == "cpu"
    assert t.device_type(torch.device("cpu")) == "cpu"
    # torch already imported (it is, here): it is asked, and it finds no CUDA on this machine
    monkeypatch.setattr(t, "cuda_present", lambda: True)
    assert t.device_type("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


def test_train_gives_the_reference_results_with_a_dtype_given_by_name(data):
    from nnlandscape.train import train

    x, y = data
    p0 = init_params([fit_seed(4, "main", "gd", i) for i in range(3)], 5, 5)
    opt = OptimizerConfig("gd", lr=1e-3, momentum=0.9)
    by_name = train(p0, x, y, 5, 5, opt, 40, dtype="float64", backend="reference")
    by_torch = train_reference(p0, x, y, 5, 5, opt, 40, dtype=torch.float64)
    np.testing.assert_array_equal(by_name.params, by_torch.params)
