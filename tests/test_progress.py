"""Long jobs log progress (done, median loss so far, rate, time left) without changing results."""

import logging

import numpy as np
import pytest

from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.progress import Progress
from nnlandscape.train import OptimizerConfig, fit_seed, init_params, train


@pytest.fixture(scope="module")
def data():
    x, y, _ = training_data(perfect_fit(Example()), 5, 5, 10)
    seeds = [fit_seed(1, "main", "gd", i) for i in range(40)]
    return x, y, init_params(np.array(seeds), 5, 5)


def test_line_says_done_median_rate_and_eta(caplog):
    prog = Progress(1000, interval_s=3600, label="shard 3")
    with caplog.at_level(logging.INFO):
        assert prog.update(100, [1.0, 2.0, np.nan, 3.0]) is None  # not due yet
        line = prog.update(250, [1.0, 2.0, np.nan, 3.0], force=True)
    assert line.startswith("shard 3: 250/1,000 fit-steps (25%), median loss so far 2,")
    assert "fit-steps/s" in line and "ETA" in line
    assert caplog.records[-1].getMessage() == line
    assert "done in" in prog.finish([0.5])


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_progress_lines_do_not_change_results(data, backend, caplog):
    x, y, p0 = data
    opt = OptimizerConfig("gd", lr=1e-3)
    quiet = train(p0, x, y, 5, 5, opt, 60, backend=backend, threads=2)
    with caplog.at_level(logging.INFO, logger="nnlandscape.progress"):
        loud = train(p0, x, y, 5, 5, opt, 60, backend=backend, threads=2,
                     progress=Progress(40 * 60, interval_s=0.0, label="test"))
    np.testing.assert_array_equal(quiet.params, loud.params)
    np.testing.assert_array_equal(quiet.loss_trace, loud.loss_trace)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("test:")]
    assert len(lines) >= 3, lines  # several chunks or steps, then the final line
    assert lines[-1].startswith("test: 2,400/2,400 fit-steps (100%)") and "done in" in lines[-1]
    assert "median loss so far" in lines[0] and "n/a" not in lines[-1]
