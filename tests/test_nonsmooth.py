"""Generic nonsmooth tools on functions whose critical points are known by construction."""

import numpy as np
import pytest
import torch

from nnlandscape.nonsmooth import (
    DESCENT_FOUND,
    KINK_MINIMUM,
    NOT_CERTIFIED,
    SMOOTH_MINIMUM,
    Tolerances,
    classify,
    descent_probe,
    gradient_sampling_step,
    levenberg_marquardt,
    min_norm_element,
    projected_spectrum,
    sampled_stationarity,
)


def test_min_norm_element_of_known_hulls():
    point, w = min_norm_element(np.array([[1.0, 1.0], [-1.0, 1.0]]))
    np.testing.assert_allclose(point, [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(w, [0.5, 0.5], atol=1e-12)
    # the hull holds the origin
    point, _ = min_norm_element(np.array([[1.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]]))
    assert np.linalg.norm(point) < 1e-12
    # the nearest point is a vertex, not the centroid
    point, _ = min_norm_element(np.array([[0.5, 2.0], [3.0, 2.0], [4.0, 5.0]]))
    np.testing.assert_allclose(point, [0.5, 2.0], atol=1e-10)
    # an edge: projection of 0 onto the segment from (2, -1) to (2, 3) is (2, 0)
    point, _ = min_norm_element(np.array([[2.0, -1.0], [2.0, 3.0]]))
    np.testing.assert_allclose(point, [2.0, 0.0], atol=1e-10)


def l1_grad(p):
    """Gradient of |x| + 2|y| (sign(0) = 0, as autograd takes relu'(0))."""
    return np.sign(p) * np.array([1.0, 2.0])


def l1_loss(p):
    return np.abs(p[..., 0]) + 2 * np.abs(p[..., 1])


def test_sampled_stationarity_is_zero_at_a_kink_minimum_and_not_beside_it():
    rng = np.random.default_rng(0)
    rho = sampled_stationarity(l1_grad, np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), 1e-3, 3, rng)
    assert rho[0] < 1e-10  # gradients of all four pieces: the hull holds 0
    assert rho[1] == pytest.approx(1.0, abs=1e-9)  # on the y-kink only: hull of (1, +-2) -> (1, 0)
    assert rho[2] == pytest.approx(np.sqrt(5.0), abs=1e-9)  # smooth point: its gradient


def test_gradient_sampling_step_lowers_a_kinked_function_and_never_raises_it():
    rng = np.random.default_rng(1)
    pts = np.array([[1.0, 0.0], [0.3, -0.2], [0.0, 0.0]])
    new, norm, moved = gradient_sampling_step(l1_grad, l1_loss, pts, np.full(3, 1e-2), 4, rng)
    assert np.all(l1_loss(new) <= l1_loss(pts))
    assert moved[0] and moved[1] and not moved[2]
    assert l1_loss(new[0]) < 0.5  # along the kink valley y = 0, where plain gradients zigzag


def test_levenberg_marquardt_finds_the_rosenbrock_minimum():
    def residuals(p):
        x, y = p[:, 0], p[:, 1]
        r = torch.stack([10 * (y - x**2), 1 - x], -1)
        jac = torch.stack([torch.stack([-20 * x, 10 * torch.ones_like(x)], -1),
                           torch.stack([-torch.ones_like(x), torch.zeros_like(x)], -1)], 1)
        return r, jac

    def loss(p):
        return (residuals(p)[0] ** 2).mean(-1)

    res = levenberg_marquardt(residuals, loss, np.array([[-1.2, 1.0], [2.0, -1.0]]), 200)
    np.testing.assert_allclose(res.params, [[1.0, 1.0], [1.0, 1.0]], atol=1e-8)
    assert np.all(res.loss < 1e-16)


def test_projected_spectrum_sets_known_flat_directions_aside():
    h = np.diag([3.0, 0.0, -1.0])
    eig, vec = projected_spectrum(h, np.array([[0.0, 1.0, 0.0]]))
    np.testing.assert_allclose(eig, [-1.0, 3.0])
    np.testing.assert_allclose(np.abs(vec[:, 0]), [0.0, 0.0, 1.0], atol=1e-12)


def test_descent_probe_finds_the_saddle_direction_only():
    def saddle(p):
        return p[..., 0] ** 2 - p[..., 1] ** 2

    found, lower, value = descent_probe(saddle, np.zeros(2), np.eye(2), (1e-3,), 1e-12)
    assert found and value < 0 and abs(lower[1]) > 0
    found, lower, _ = descent_probe(lambda p: (p**2).sum(-1), np.zeros(2), np.eye(2), (1e-3,), 0.0)
    assert not found and np.all(lower == 0)


TOL = Tolerances(stationarity=1e-6, radii=(1e-4, 1e-3), directions=32)


@pytest.mark.parametrize(
    ("loss", "hessians", "on_kink", "rho", "kind"),
    [
        # smooth bowl x^2 + 2 y^2 at 0
        (lambda p: p[..., 0] ** 2 + 2 * p[..., 1] ** 2, [np.diag([2.0, 4.0])], False, 0.0,
         SMOOTH_MINIMUM),
        # smooth saddle x^2 - y^2 at 0
        (lambda p: p[..., 0] ** 2 - p[..., 1] ** 2, [np.diag([2.0, -2.0])], False, 0.0,
         DESCENT_FOUND),
        # |x| + y^2 at 0: a kink minimum (pieces x > 0 and x < 0 share the Hessian diag(0, 2))
        (lambda p: np.abs(p[..., 0]) + p[..., 1] ** 2, [np.diag([0.0, 2.0])] * 2, True, 0.0,
         KINK_MINIMUM),
        # |x| - y^2 at 0: Clarke-stationary on the kink, but not a minimum
        (lambda p: np.abs(p[..., 0]) - p[..., 1] ** 2, [np.diag([0.0, -2.0])] * 2, True, 0.0,
         DESCENT_FOUND),
        # |x| - y at 0 (no curvature anywhere): not stationary (rho = 1); the random directions
        # still find the lower point along +y
        (lambda p: np.abs(p[..., 0]) - p[..., 1], [np.zeros((2, 2))] * 2, True, 1.0, NOT_CERTIFIED),
        # the bowl, but the stationarity measure above tolerance: not certified
        (lambda p: p[..., 0] ** 2 + 2 * p[..., 1] ** 2, [np.diag([2.0, 4.0])], False, 1e-3,
         NOT_CERTIFIED),
    ],
)
def test_classify_constructed_points(loss, hessians, on_kink, rho, kind):
    c = classify(np.zeros(2), loss, hessians, np.zeros((0, 2)), on_kink, rho, TOL,
                 np.random.default_rng(3))
    assert c.kind == kind
    if kind == DESCENT_FOUND or rho == 1.0:
        assert loss(c.lower[None])[0] < loss(np.zeros((1, 2)))[0]
    else:
        assert c.lower is None


def test_classify_counts_extra_flat_directions_beyond_the_known_ones():
    h = np.diag([5.0, 0.0, 0.0, 1.0])
    c = classify(np.zeros(4), lambda p: (p**2 * np.diag(h)).sum(-1), [h],
                 np.array([[0.0, 1.0, 0.0, 0.0]]), False, 0.0, TOL, np.random.default_rng(0))
    assert c.kind == SMOOTH_MINIMUM and c.extra_flat == 1 and c.eig_min_relative == 0.0
