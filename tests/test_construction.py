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


def sawtooth_definition(x: np.ndarray, teeth: int, amplitude: float) -> np.ndarray:
    """The target's sawtooth from its definition: a triangle wave of ``teeth`` linear pieces on
    [-1, 1], -amplitude at x = -1 and alternating between -amplitude and +amplitude at each break."""
    u = (np.asarray(x) + 1.0) / 2.0 * teeth  # piece index + fraction
    frac = np.mod(u, 2.0)
    return amplitude * (2.0 * np.minimum(frac, 2.0 - frac) - 1.0)


def spline_definition(x: np.ndarray, n2: int, std: float, seed: int) -> np.ndarray:
    """The target's spline from its definition: linear through (t_i, h_i), t_i = -1 + 2i/n2 evenly
    spaced, h_i = z_i - z_0 for n2 normal draws z (seeded), h_{n2} = 0."""
    t = np.linspace(-1.0, 1.0, n2 + 1)
    z = np.random.default_rng(seed).normal(0.0, std, size=n2)
    return np.interp(x, t, np.concatenate([z - z[0], [0.0]]))


def target_definition(ex: Example, x: np.ndarray) -> np.ndarray:
    """The target f(x) = sawtooth of n1^k pieces + spline of n2 pieces, written out independently."""
    return sawtooth_definition(x, ex.n1**ex.k, ex.amplitude) + spline_definition(
        x, ex.n2, ex.spline_std, ex.spline_seed)


@pytest.mark.parametrize("ex", [Example(), Example(n1=3, n2=2, amplitude=0.4, spline_seed=7),
                                Example(n=4, k=3, n1=2, n2=2, spline_std=2.0)])
def test_perfect_fit_is_the_target_and_has_zero_loss(ex):
    """The hand-made params reproduce the target written from its definition (not from the params):
    on the training points (zero loss) and on a dense grid."""
    p = perfect_fit(ex)
    x, _, _ = training_data(p, ex.n, ex.k, ex.points_per_segment)
    assert mse_np(p, x, target_definition(ex, x), ex.n, ex.k) < 1e-24
    grid = np.linspace(-1.0, 1.0, 30001)
    np.testing.assert_allclose(forward_np(p, grid, ex.n, ex.k), target_definition(ex, grid),
                               rtol=0, atol=1e-11)


def test_knots_are_the_sawtooth_breaks_and_the_spline_knots():
    """The 33 interior knots: the 31 breaks -1 + j/16 of the 32-piece sawtooth and the spline's
    inner knots -1/3 and 1/3; the training data are the target's values there and in between."""
    ex = Example()
    p = perfect_fit(ex)
    kn = knots(p, 5, 5)
    expected = np.sort(np.concatenate([-1.0 + np.arange(1, 32) / 16.0, [-1.0 / 3.0, 1.0 / 3.0]]))
    np.testing.assert_allclose(kn, expected, rtol=0, atol=1e-12)
    x, y, inner = training_data(p, 5, 5, 10)
    np.testing.assert_array_equal(inner, kn)
    np.testing.assert_allclose(y, target_definition(ex, x), rtol=0, atol=1e-12)
    # ten points per segment, evenly spaced, starting at each knot
    edges = np.concatenate([[-1.0], expected, [1.0]])
    np.testing.assert_allclose(x[::10], edges, rtol=0, atol=1e-12)
    np.testing.assert_allclose(x[:10], -1.0 + (edges[1] + 1.0) * np.arange(10) / 10, atol=1e-15)


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


def test_perfect_fit_arrays_hold_the_target_its_data_and_its_symmetrized_params():
    from nnlandscape.construction import perfect_fit_arrays
    from nnlandscape.symmetry import symmetrize

    ex = Example(n1=3, n2=2, amplitude=0.5)
    arr = perfect_fit_arrays(ex, sym_tol=1e-12)
    assert (int(arr["n"]), int(arr["k"]), int(arr["n1"]), int(arr["n2"])) == (5, 5, 3, 2)
    assert arr["amplitude"] == 0.5
    np.testing.assert_array_equal(arr["params"], perfect_fit(ex))
    np.testing.assert_allclose(arr["params_sym"], symmetrize(perfect_fit(ex), 5, 5, tol=1e-12).params,
                               rtol=0, atol=1e-14)
    # the knots include the ends -1 and 1; their values and the training data are the target's
    assert arr["knots_x"][0] == -1.0 and arr["knots_x"][-1] == 1.0
    assert len(arr["knots_x"]) == 3**5 - 1 + 1 + 2  # sawtooth breaks, the spline's inner knot, ends
    np.testing.assert_allclose(arr["knots_y"], target_definition(ex, arr["knots_x"]), atol=1e-12)
    np.testing.assert_allclose(arr["y_train"], target_definition(ex, arr["x_train"]), atol=1e-12)
    assert len(arr["x_train"]) == 10 * (len(arr["knots_x"]) - 1) + 1
    assert np.all(np.isin(arr["knots_x"], arr["x_grid"])) and len(arr["x_grid"]) >= 4001
    # symmetrization keeps the function: the symmetrized params also fit the target
    assert mse_np(arr["params_sym"], arr["x_train"], arr["y_train"], 5, 5) < 1e-20
    # the default balance tolerance is tight: every node balanced to 1e-9
    default = perfect_fit_arrays(ex)["params_sym"]
    np.testing.assert_allclose(default, arr["params_sym"], rtol=0, atol=1e-8)


def test_example_from_config_and_checks():
    ex = Example.from_config({"n": 4, "k": 3, "n1": 2, "n2": 2, "amplitude": 0.3, "extra": 1})
    assert (ex.n, ex.k, ex.n1, ex.n2, ex.amplitude, ex.spline_seed) == (4, 3, 2, 2, 0.3, 1)
    with pytest.raises(ValueError, match="n1 >= 1 and n2 >= 0, got n1=0, n2=5"):
        Example(n=5, n1=0, n2=5)
    with pytest.raises(ValueError, match="points_per_segment must be >= 1, got 0"):
        Example(points_per_segment=0)
    Example(n=1, n1=1, n2=0, points_per_segment=1)  # the smallest valid split


def test_plot_grid_is_a_sorted_linspace_plus_the_knots():
    kn = np.array([-0.12345, 0.5, 0.77777])
    g = plot_grid(kn, 11)
    expected = np.unique(np.concatenate([np.linspace(-1, 1, 11), kn]))
    np.testing.assert_array_equal(g, expected)
    assert len(plot_grid(kn)) == 4001 + 2  # 0.5 lies on the default grid already


def test_spline_part_without_a_spline_block_is_zero():
    from nnlandscape.construction import spline_part

    x = np.linspace(-1, 1, 7)
    none = spline_part(Example(n=2, n1=2, n2=0), np.arange(-3, 4))  # integer input too
    assert none.shape == (7,) and none.dtype == np.float64 and not none.any()
    ex = Example(n=6, n1=2, n2=4, spline_seed=3)
    np.testing.assert_allclose(spline_part(ex, x), spline_definition(x, 4, 1.0, 3), atol=1e-15)


def test_spline_heights_by_definition():
    from nnlandscape.construction import spline_heights

    t, h = spline_heights(3, 2.0, 5)
    np.testing.assert_allclose(t, [-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0], atol=1e-15)
    z = np.random.default_rng(5).normal(0.0, 2.0, size=3)
    np.testing.assert_allclose(h, [0.0, z[1] - z[0], z[2] - z[0], 0.0], atol=1e-15)
    t0, h0 = spline_heights(0, 1.0, 1)  # no spline block: one height, 0
    assert h0.tolist() == [0.0] and len(t0) == 1
