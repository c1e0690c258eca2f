"""Tests of the hand-made perfect fit and its training data."""

import numpy as np
import pytest

from nnlandscape.construction import Example, perfect_fit, plot_grid, training_data
from nnlandscape.network import forward_np, knots, mse_np, n_params


def test_main_example_sizes():
    ex = Example()
    p = perfect_fit(ex)
    assert p.shape == (n_params(5, 5),) == (136,)
    x, y, kn = training_data(p, 5, 5, 10)
    assert len(kn) == 33
    assert len(x) == 341
    assert x[0] == -1.0 and x[-1] == 1.0 and np.all(np.diff(x) > 0)


def test_perfect_fit_has_zero_loss():
    ex = Example()
    p = perfect_fit(ex)
    x, y, _ = training_data(p, 5, 5, 10)
    assert mse_np(p, x, y, 5, 5) < 1e-24


def test_output_is_interpolation_of_knots():
    p = perfect_fit(Example())
    kn = knots(p, 5, 5)
    nodes = np.concatenate([[-1.0], kn, [1.0]])
    grid = np.linspace(-1, 1, 20001)
    expected = np.interp(grid, nodes, forward_np(p, nodes, 5, 5))
    assert np.max(np.abs(forward_np(p, grid, 5, 5) - expected)) < 1e-12


@pytest.mark.parametrize("n1,expected", [(2, 31), (3, 242), (4, 1023), (5, 3124)])
def test_sawtooth_knot_count(n1, expected):
    ex = Example(n=n1, n1=n1, n2=0)
    assert len(knots(perfect_fit(ex), n1, 5)) == expected == n1**5 - 1


@pytest.mark.parametrize("n1,k", [(2, 3), (3, 3), (2, 4)])
def test_sawtooth_knots_other_depths(n1, k):
    ex = Example(n=n1 + 1, k=k, n1=n1, n2=1)
    assert len(knots(perfect_fit(ex), n1 + 1, k)) == n1**k - 1


def test_sawtooth_amplitude_and_spline_ends():
    ex = Example(n1=2, n2=0, n=2)
    p = perfect_fit(ex)
    y = forward_np(p, np.linspace(-1, 1, 4097), 2, 5)
    assert np.isclose(y.max(), 0.7) and np.isclose(y.min(), -0.7)


def test_bad_split_is_refused():
    with pytest.raises(ValueError, match="n1 \\+ n2"):
        Example(n=5, n1=2, n2=2)


def test_plot_grid_contains_knots():
    p = perfect_fit(Example())
    kn = knots(p, 5, 5)
    g = plot_grid(kn, 101)
    assert np.all(np.isin(kn, g))


def test_spline_part_is_target_minus_sawtooth():
    from nnlandscape.construction import spline_part

    ex = Example()
    x = np.linspace(-1, 1, 2001)
    saw = forward_np(perfect_fit(Example(n=2, n1=2, n2=0)), x, 2, 5)
    assert np.allclose(forward_np(perfect_fit(ex), x, 5, 5) - saw, spline_part(ex, x), atol=1e-12)
