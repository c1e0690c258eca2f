"""Saddle tests: a smooth saddle (Müller–Brown), kinked saddles and ridges, a band over a minimum."""

import numpy as np
import pytest
import torch
from test_band import muller_brown  # the Müller–Brown surface of the band tests

from nnlandscape.band import NebConfig, nudged_elastic_band
from nnlandscape.saddle import hessian_index, probe_kink

F64 = torch.float64


def hess(fn, point: np.ndarray) -> np.ndarray:
    return torch.autograd.functional.hessian(lambda p: fn(p[None])[0], torch.tensor(point)).numpy()


def numpy_energy(fn):
    def energy(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return fn(torch.as_tensor(points, dtype=F64)).numpy()
    return energy


def test_muller_brown_climbing_image_is_a_first_order_saddle():
    # minima of the shallow and the second basin (literature values, refined by the band's ends)
    shallow, second = torch.tensor([-0.0500, 0.4667], dtype=F64), torch.tensor([0.6235, 0.0280], dtype=F64)
    cfg = NebConfig(images=12, spring=10.0, optimizer="fire", max_iter=3000, tol=1e-4, climb=True,
                    climb_after=50, refine_rounds=0, dt=1e-3, dt_max=1e-2, max_move=0.05)
    res = nudged_elastic_band(muller_brown, shallow, second, cfg)
    assert res.converged
    top = res.climbing_index
    assert res.energy[top] == pytest.approx(-72.25, rel=5e-3)
    tangent = res.images[top + 1] - res.images[top - 1]
    index = hessian_index(hess(muller_brown, res.images[top]), tangent=tangent)
    assert index.saddle and index.negative == 1
    assert index.tangent_overlap > 0.9  # the unstable direction runs along the path
    assert probe_kink(numpy_energy(muller_brown), res.images[top], tangent, 1e-3, 16, 0).saddle
    # the images next to it are not stationary points, but the deep minimum is no saddle
    deep = np.array([-0.5582, 1.4417])
    assert hessian_index(hess(muller_brown, deep)).negative == 0


def kinked_saddle(p: torch.Tensor) -> torch.Tensor:
    """Minima at (0, +-1); at the origin a maximum along y and a |x| kink across: a kinked saddle."""
    return p[:, 0].abs() + (p[:, 1] ** 2 - 1) ** 2


def kinked_ridge(p: torch.Tensor) -> torch.Tensor:
    """The same along y, but -|x| across: the origin is a kinked maximum, not a saddle."""
    return -p[:, 0].abs() + p[:, 0] ** 4 + (p[:, 1] ** 2 - 1) ** 2


def test_kink_probe_tells_a_kinked_saddle_from_a_kinked_maximum():
    origin, along = np.zeros(2), np.array([0.0, 1.0])
    assert probe_kink(numpy_energy(kinked_saddle), origin, along, 1e-2, 8, 0).saddle
    ridge = probe_kink(numpy_energy(kinked_ridge), origin, along, 1e-2, 8, 0)
    assert not ridge.saddle and (ridge.across < 0).all()
    # the Hessian cannot tell them apart: autograd gives |x| zero curvature at the kink
    assert hessian_index(hess(kinked_ridge, origin)).negative == 1


def test_band_through_the_kinked_saddle_converges_and_is_verified():
    # on the line x = 0 (autograd: zero gradient of |x| there) the band relaxes along y only
    start, end = torch.tensor([0.0, -1.0], dtype=F64), torch.tensor([0.0, 1.0], dtype=F64)
    cfg = NebConfig(images=9, spring=1.0, optimizer="fire", max_iter=4000, tol=1e-3, climb=True,
                    climb_after=50, refine_rounds=0, dt=1e-3, dt_max=1e-2, max_move=0.01)
    res = nudged_elastic_band(kinked_saddle, start, end, cfg)
    top = res.climbing_index
    assert res.converged and top > 0 and res.energy[top] == pytest.approx(1.0, abs=1e-6)
    tangent = res.images[top + 1] - res.images[top - 1]
    assert probe_kink(numpy_energy(kinked_saddle), res.images[top], tangent, 1e-2, 16, 1).saddle


def test_band_laid_over_a_minimum_is_not_a_saddle():
    bowl = lambda p: (p[:, 0] ** 2 + 2 * p[:, 1] ** 2)  # noqa: E731
    band = np.column_stack([np.linspace(-1, 1, 9), np.zeros(9)])
    middle, tangent = band[4], band[5] - band[3]
    index = hessian_index(hess(bowl, middle), tangent=tangent)
    assert not index.saddle and index.negative == 0
    probe = probe_kink(numpy_energy(bowl), middle, tangent, 1e-2, 8, 0)
    assert not probe.saddle and (probe.along > 0).all()


def test_flat_directions_are_set_aside():
    # a saddle with an exactly flat symmetry direction z and a tiny negative curvature along it
    h = np.diag([-2.0, 5.0, -1e-2])
    assert hessian_index(h).negative == 2
    index = hessian_index(h, np.array([[0.0, 0.0, 1.0]]))
    assert index.negative == 1 and index.eigenvalues.size == 2




def test_hessian_index_counts_against_the_largest_magnitude_and_reports_the_tangent_overlap():
    # a maximum: every eigenvalue negative, the largest magnitude 2 sets the scale
    index = hessian_index(np.diag([-1.0, -2.0]))
    assert index.negative == 2 and not index.saddle and index.lowest == -2.0
    np.testing.assert_array_equal(index.eigenvalues, [-2.0, -1.0])
    assert np.isnan(index.tangent_overlap)  # no tangent given
    # -1e-4 against 1: below the default 1e-3 threshold, above a 1e-5 one
    h = np.diag([-1e-4, 1.0])
    assert hessian_index(h).negative == 0
    assert hessian_index(h, rel_tol=1e-5).negative == 1
    assert hessian_index(np.diag([-1e-3 + 1e-12, 1.0])).negative == 0
    assert hessian_index(np.diag([-1e-3 - 1e-12, 1.0])).negative == 1
    # the lowest eigenvector e_1 against a tangent (3, 4) of any length: overlap 3 / 5
    index = hessian_index(np.diag([-1.0, 2.0]), tangent=np.array([-30.0, 40.0]))
    assert index.saddle and index.tangent_overlap == pytest.approx(0.6)
    # a zero Hessian has no negative eigenvalue; a fully flat one has no spectrum at all
    assert hessian_index(np.zeros((2, 2))).negative == 0
    empty = hessian_index(np.diag([-1.0, 1.0]), np.eye(2), tangent=np.ones(2))
    assert empty.eigenvalues.size == 0 and empty.negative == 0 and np.isnan(empty.lowest)
    assert np.isnan(empty.tangent_overlap)


def test_kink_probe_steps_are_h_long_and_avoid_the_flat_directions():
    def energy(p):  # x^2 - y^2 - z^2: the path runs along y, z is a (falling) flat direction
        return p[:, 0] ** 2 - p[:, 1] ** 2 - p[:, 2] ** 2

    origin = np.zeros(3)
    probe = probe_kink(energy, origin, np.array([0.0, 7.0, 0.0]), 0.1, 4, 0, flat=np.array([[0.0, 0.0, 2.0]]))
    assert probe.h == 0.1
    np.testing.assert_allclose(probe.along, [-0.01, -0.01])  # tangent normalized, h = 0.1 each way
    np.testing.assert_allclose(probe.across, np.full(8, 0.01))  # only +-x is left to probe
    assert probe.saddle
    # without the flat direction the probe sees the energy fall along z too
    probe = probe_kink(energy, origin, np.array([0.0, 1.0, 0.0]), 0.1, 16, 0)
    assert probe.across.size == 32 and not probe.saddle and (probe.across < 0).any()
    assert np.all(probe.across <= 0.01 + 1e-15)  # unit directions: at most h^2 along x
    # an energy that does not change across the path is still a saddle (no descent across it)
    flat_across = probe_kink(lambda p: -p[:, 1] ** 2, np.zeros(2), np.array([0.0, 1.0]), 0.1, 3, 0)
    assert flat_across.saddle and np.all(flat_across.across == 0)
    # ... but one that rises only on one side along the path is not
    one_sided = probe_kink(lambda p: p[:, 0] ** 2 - p[:, 1] ** 3, np.zeros(2), np.array([0.0, 1.0]),
                           0.1, 3, 0)
    assert not one_sided.saddle and one_sided.along[0] < 0 < one_sided.along[1]


def test_hessian_index_threshold_is_relative_and_strict():
    # largest magnitude 10: the threshold is -1e-2; -5e-3 is not clearly negative, -2e-2 is
    assert hessian_index(np.diag([-5e-3, 10.0])).negative == 0
    assert hessian_index(np.diag([-2e-2, 10.0])).negative == 1
    assert hessian_index(np.diag([-1e-3, 1.0])).negative == 0  # "below" the threshold: a tie is not


def test_a_float32_hessian_is_analysed_in_float64():
    # a float32 network's Hessian: eigenvalues 1 +- e of its (float32-rounded) entries to float64 accuracy
    h32 = np.array([[1.0, 1e-4], [1e-4, 1.0]], dtype=np.float32)
    e = float(h32[0, 1])
    index = hessian_index(h32)
    assert index.eigenvalues.dtype == np.float64
    np.testing.assert_allclose(index.eigenvalues, [1.0 - e, 1.0 + e], rtol=1e-14)


def test_kink_probe_probes_each_direction_both_ways_and_is_seeded():
    def energy(p):  # falls both ways along y, rises or falls linearly across along x and z
        return p[:, 0] + 0.5 * p[:, 2] - p[:, 1] ** 2

    probe = probe_kink(energy, np.zeros(3), np.array([0.0, 1.0, 0.0]), 0.1, 5, 3)
    np.testing.assert_allclose(probe.across[:5], -probe.across[5:], atol=1e-15)  # +u and -u
    assert np.abs(probe.across).max() > 0.01 and not probe.saddle
    again = probe_kink(energy, np.zeros(3), np.array([0.0, 1.0, 0.0]), 0.1, 5, 3)
    np.testing.assert_array_equal(probe.across, again.across)  # the seed fixes the directions
    other = probe_kink(energy, np.zeros(3), np.array([0.0, 1.0, 0.0]), 0.1, 5, 4)
    assert not np.array_equal(probe.across, other.across)


def test_kink_probe_differences_are_taken_in_float64():
    # a float32 energy of 1e8 at the point and 1 beside it: in float64 the change is -99999999
    def energy(p):
        return np.where(np.abs(p).sum(-1) == 0, 1e8, 1.0).astype(np.float32)

    probe = probe_kink(energy, np.zeros(2), np.array([1.0, 0.0]), 0.1, 1, 0)
    np.testing.assert_array_equal(probe.along, [-99999999.0, -99999999.0])


def test_a_float32_tangent_is_normalized_in_float64():
    probe = probe_kink(lambda p: p[:, 0], np.zeros(2), np.array([3.0, 4.0], np.float32), 0.1, 1, 0)
    np.testing.assert_allclose(probe.along, [0.06, -0.06], rtol=1e-14)  # h * 3/5 each way
