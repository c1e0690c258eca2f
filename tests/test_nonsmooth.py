"""Generic nonsmooth tools on functions whose critical points are known by construction."""

import numpy as np
import pytest
import torch

from nnlandscape.nonsmooth import (
    BFGS_ITERATIONS,
    BFGS_LINE_SEARCH,
    BFGS_ZERO_GRADIENT,
    DESCENT_FOUND,
    KINK_MINIMUM,
    NOT_CERTIFIED,
    SMOOTH_MINIMUM,
    Tolerances,
    bfgs,
    classify,
    descent_probe,
    gradient_sampling_step,
    levenberg_marquardt,
    min_norm_element,
    projected_spectrum,
    sampled_stationarity,
    weak_wolfe_step,
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


# --- Levenberg-Marquardt: damping schedule, per-problem batches, the kept point -------------------

def linear_residuals(a: np.ndarray, b: np.ndarray):
    """r(p) = A p - b for every problem of the batch (a linear least-squares problem)."""
    at, bt = torch.as_tensor(a), torch.as_tensor(b)

    def residuals(p):
        return p @ at.T - bt, at.expand(len(p), *at.shape)

    def loss(p):
        return 0.5 * ((p @ at.T - bt) ** 2).mean(-1)

    return residuals, loss


def test_levenberg_marquardt_damping_shrinks_by_3_after_a_kept_step_and_grows_by_4_after_a_refused_one():
    a, b = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, -1.0, 2.0])
    residuals, loss = linear_residuals(a, b)
    exact = np.linalg.lstsq(a, b, rcond=None)[0]
    # problem 0 starts away from the solution, problem 1 at it (no step can lower its loss)
    start = np.vstack([np.zeros(2), exact])
    res = levenberg_marquardt(residuals, loss, start, 0, damping=0.7)
    np.testing.assert_array_equal(res.params, start)
    np.testing.assert_array_equal(res.iterations, [0, 0])
    np.testing.assert_allclose(res.damping, [0.7, 0.7])
    np.testing.assert_allclose(res.loss, loss(torch.as_tensor(start)).numpy())
    res = levenberg_marquardt(residuals, loss, start, 1, damping=0.7)
    assert res.iterations.tolist() == [1, 0]  # a damped Gauss-Newton step lowers a convex quadratic
    np.testing.assert_allclose(res.damping, [0.7 / 3, 0.7 * 4], rtol=1e-15)  # in float64
    assert res.iterations.dtype == np.int64 and res.damping.dtype == np.float64
    assert res.loss[0] < loss(torch.zeros(1, 2, dtype=torch.float64)).item()
    # refused 40 times from the default 1e-3: 1e-3 * 4^40 is capped at the default damping_max 1e8
    assert levenberg_marquardt(residuals, loss, start, 40).damping[1] == 1e8
    # the damping stays within [damping_min, damping_max]
    res = levenberg_marquardt(residuals, loss, start, 3, damping=1.0, damping_min=0.5, damping_max=10.0)
    np.testing.assert_allclose(res.damping, [0.5, 10.0])
    # many steps: the least-squares solution, every problem on its own
    res = levenberg_marquardt(residuals, loss, start, 60)
    np.testing.assert_allclose(res.params, [exact, exact], atol=1e-10)
    assert res.iterations[0] > 1 and res.iterations[1] == 0
    # three problems of two params; a single problem given as a 1-d integer vector
    res = levenberg_marquardt(residuals, loss, np.vstack([np.zeros(2), exact, np.ones(2)]), 60)
    np.testing.assert_allclose(res.params, [exact] * 3, atol=1e-10)
    assert res.iterations.shape == (3,) and res.iterations[1] == 0
    res = levenberg_marquardt(residuals, loss, [3, -2], 60)
    assert res.params.shape == (1, 2) and res.iterations.shape == (1,)
    np.testing.assert_allclose(res.params, [exact], atol=1e-10)


def test_levenberg_marquardt_damped_step_solves_the_marquardt_system():
    # one step from 0 on r = A p - b: (A^T A + mu (diag(A^T A) + 1e-8 mean diag) ) d = A^T b, up to
    # the 1e-30 / 1e-14 regularizers; with A^T A diagonal the step is known in closed form
    a, b = np.diag([1.0, 3.0]), np.array([2.0, 3.0])
    residuals, loss = linear_residuals(a, b)
    diag = np.array([1.0, 9.0])
    for mu, kw in [(0.5, {"damping": 0.5}), (1e-3, {})]:  # 1e-3: the default damping
        res = levenberg_marquardt(residuals, loss, np.zeros((1, 2)), 1, **kw)
        expected = (a.T @ b) / (diag + mu * (diag + 1e-8 * diag.mean()))
        np.testing.assert_allclose(res.params[0], expected, rtol=1e-12)


def test_levenberg_marquardt_returns_the_lowest_point_of_keep_fn_not_the_last():
    # minimize (p - 1)^2 from 0; the kept function (p - 0.4)^2 is lowest at a visited point in between
    residuals, loss = linear_residuals(np.eye(1), np.ones(1))

    def keep(p):
        return ((p[:, 0] - 0.4) ** 2)

    res = levenberg_marquardt(residuals, loss, np.zeros((1, 1)), 50, damping=2.0, keep_fn=keep)
    assert 0.0 < res.params[0, 0] < 0.9  # not the start (keep 0.16), not the end at 1 (keep 0.36)
    assert res.loss[0] == pytest.approx(keep(torch.as_tensor(res.params)).item(), abs=0)
    assert res.loss[0] < 0.16
    plain = levenberg_marquardt(residuals, loss, np.zeros((1, 1)), 50, damping=2.0)
    np.testing.assert_allclose(plain.params, [[1.0]], atol=1e-12)


def test_levenberg_marquardt_refuses_steps_to_non_finite_losses():
    residuals, loss = linear_residuals(np.eye(1), np.ones(1))

    def guarded(p):  # the least-squares loss, but -inf (a failed evaluation) beyond p = 0.5
        return torch.where(p[:, 0] > 0.5, torch.tensor(-np.inf, dtype=p.dtype), loss(p))

    res = levenberg_marquardt(residuals, guarded, np.zeros((1, 1)), 20, damping=1e-6)
    assert np.isfinite(res.loss).all() and res.params[0, 0] <= 0.5


# --- min-norm element, ball sampling ---------------------------------------------------------------

def test_min_norm_element_weights_form_the_point_and_scale_with_the_gradients():
    g = np.array([[2.0, -1.0], [2.0, 3.0], [5.0, 5.0]])
    for scale in (1e-9, 1.0, 1e9):  # the hull of (2,-1), (2,3), (5,5): nearest point (2, 0)
        point, w = min_norm_element(scale * g)
        np.testing.assert_allclose(point, [2.0 * scale, 0.0], atol=1e-10 * scale)
        np.testing.assert_allclose(w, [0.75, 0.25, 0.0], atol=1e-10)
        np.testing.assert_allclose(w @ (scale * g), point, atol=1e-12 * scale)
    g32 = np.array([[0.1, -0.3], [0.7, 0.9], [0.2, 0.5]], np.float32)  # float32 gradients: float64 work
    np.testing.assert_allclose(min_norm_element(g32)[0], min_norm_element(g32.astype(np.float64))[0],
                               rtol=1e-13, atol=1e-15)
    point, w = min_norm_element(np.zeros((3, 2)))  # all gradients zero: 0, weight on the first
    np.testing.assert_array_equal(point, [0.0, 0.0])
    np.testing.assert_array_equal(w, [1.0, 0.0, 0.0])


def test_min_norm_element_in_many_dimensions_is_the_projection_onto_a_face():
    # e_1 + e_2 + ... : hull of the unit vectors in 6 dimensions, nearest point (1/6, ..., 1/6)
    point, w = min_norm_element(np.eye(6))
    np.testing.assert_allclose(point, np.full(6, 1 / 6), atol=1e-12)
    np.testing.assert_allclose(w, np.full(6, 1 / 6), atol=1e-12)


def test_sampled_gradients_lie_in_each_points_own_ball():
    from nnlandscape.nonsmooth import ball_offsets, sampled_gradients

    rng = np.random.default_rng(5)
    d = ball_offsets(rng, 20000, 3, 2.0)
    r = np.linalg.norm(d, axis=-1)
    assert r.max() <= 2.0
    # uniform in the ball: P(|d| < 2 s) = s^3, and the directions are centred
    for s in (0.5, 0.8):
        assert (r < 2 * s).mean() == pytest.approx(s**3, abs=0.015)
    np.testing.assert_allclose(d.mean(0), 0.0, atol=0.03)
    pts = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    got = sampled_gradients(lambda p: p.copy(), pts, np.array([0.1, 1.0]), 50, rng)  # identity "gradient"
    assert got.shape == (2, 51, 3)
    np.testing.assert_array_equal(got[:, 0], pts)  # the point's own gradient first
    dist = np.linalg.norm(got - pts[:, None], axis=-1)
    assert dist[0].max() <= 0.1 and dist[1].max() <= 1.0 and dist[1].max() > 0.5


# --- gradient sampling step: a step worked by hand --------------------------------------------------

def test_gradient_sampling_step_backtracks_to_the_first_armijo_step():
    rng = np.random.default_rng(1)
    pts = np.array([[1.0, 0.0], [0.3, -0.2], [0.0, 0.0]])
    new, norm, moved = gradient_sampling_step(l1_grad, l1_loss, pts, np.full(3, 1e-2), 4, rng)
    # (1, 0): own gradient (1, 0) (sign(0) = 0) is the min-norm element; step 1 lands on 0
    # (0.3, -0.2): smooth, d = (1, -2); steps 1 and 1/2 overshoot (loss 4.3, 1.8), 1/4 gives (0.05, 0.3)
    np.testing.assert_allclose(norm, [1.0, np.sqrt(5.0), 0.0], atol=1e-12)
    np.testing.assert_allclose(new, [[0.0, 0.0], [0.05, 0.3], [0.0, 0.0]], atol=1e-12)
    assert moved.tolist() == [True, True, False]
    np.testing.assert_array_equal(pts[0], [1.0, 0.0])  # the caller's array is not changed
    # |x| + 3|y| from the integer point (1, 1): d = (1, 3), step 1 overshoots (loss 6 > 4), 1/2 gives
    # (0.5, -0.5): not truncated to integers; a single point may be a 1-d vector
    def l13(p):
        return np.abs(p[..., 0]) + 3 * np.abs(p[..., 1])

    def l13_grad(p):
        return np.sign(p) * np.array([1.0, 3.0])

    for start in (np.array([[1, 1]]), np.array([1.0, 1.0])):
        new, norm, moved = gradient_sampling_step(l13_grad, l13, start, np.full(1, 1e-3), 3, rng)
        np.testing.assert_allclose(new, [[0.5, -0.5]], atol=1e-15)
        assert norm.shape == (1,) and norm[0] == pytest.approx(np.sqrt(10.0)) and moved.tolist() == [True]


def test_gradient_sampling_step_armijo_condition_and_its_backtracking_limit():
    # f = c x^2 at x = 1: the step t along -f' passes the Armijo test iff t < (1 - armijo) / c
    def quadratic(c):
        return (lambda p: 2 * c * p), (lambda p: c * p[:, 0] ** 2)

    grad, loss = quadratic(1.5 * 2.0**29)  # only t <= 2^-30 passes: 31 tries needed, 30 by default
    rng = np.random.default_rng(0)
    _, _, moved = gradient_sampling_step(grad, loss, np.ones((1, 1)), np.zeros(1), 2, rng)
    assert not moved[0]
    new, _, moved = gradient_sampling_step(grad, loss, np.ones((1, 1)), np.zeros(1), 2, rng, backtracks=31)
    assert moved[0] and new[0, 0] == pytest.approx(1 - 2 * 1.5 * 2.0**29 * 2.0**-30)
    grad, loss = quadratic(0.5)  # t = 1 passes iff 1 < (1 - armijo) / 0.5, i.e. armijo < 0.5, from any x
    two = np.full((1, 1), 3.0)  # from x = 3 (|d| = 3: neither 1 nor 2, where |d|^2 = 2 |d|)
    _, _, moved = gradient_sampling_step(grad, loss, two, np.zeros(1), 2, rng, armijo=0.49, backtracks=1)
    assert moved[0]
    _, _, moved = gradient_sampling_step(grad, loss, two, np.zeros(1), 2, rng, armijo=0.51, backtracks=1)
    assert not moved[0]


# --- spectrum, probe, classify ------------------------------------------------------------------------

def test_projected_spectrum_with_oblique_and_redundant_flat_directions():
    # x^2 + y^2 + 3 z^2 - 2 x y: flat along (1, 1, 0) (eigenvalue 0), eigenvalues 4 along (1, -1, 0)
    # and 6 along z; the flat direction given twice (rank 1) is set aside once
    h = np.array([[2.0, -2.0, 0.0], [-2.0, 2.0, 0.0], [0.0, 0.0, 6.0]])
    eig, vec = projected_spectrum(h, np.array([[1.0, 1.0, 0.0], [-3.0, -3.0, 0.0]]))
    np.testing.assert_allclose(eig, [4.0, 6.0], atol=1e-12)
    np.testing.assert_allclose(np.abs(vec[:, 0]), [2**-0.5, 2**-0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(vec.T @ vec, np.eye(2), atol=1e-12)
    eig, _ = projected_spectrum(h, np.array([[1.0, 1.0, 0.0]], np.float32))  # float32 flat: float64 basis
    np.testing.assert_allclose(eig, [4.0, 6.0], atol=1e-12)
    eig, _ = projected_spectrum(h, np.zeros((0, 3)))  # nothing set aside: the full spectrum
    np.testing.assert_allclose(eig, [0.0, 4.0, 6.0], atol=1e-12)
    # an asymmetric input is symmetrized first
    eig, _ = projected_spectrum(np.array([[1.0, 4.0], [0.0, 1.0]]), np.zeros((0, 2)))
    np.testing.assert_allclose(eig, [-1.0, 3.0], atol=1e-12)


def test_descent_probe_uses_unit_directions_and_the_tolerance():
    def saddle(p):
        return p[..., 0] ** 2 - p[..., 1] ** 2

    # directions of any length are normalized: the lowest point is at distance r = 0.1
    found, lower, value = descent_probe(saddle, np.zeros(2), np.array([[0.0, 50.0], [3.0, 0.0]]), (0.1,), 0.0)
    assert found and np.linalg.norm(lower) == pytest.approx(0.1) and value == pytest.approx(-0.01)
    # a drop of 0.01 is not descent with tol 0.0101 (more is needed), with 0.0099 it is
    assert not descent_probe(saddle, np.zeros(2), np.array([[0.0, 1.0]]), (0.1,), 0.0101)[0]
    assert descent_probe(saddle, np.zeros(2), np.array([[0.0, 1.0]]), (0.1,), 0.0099)[0]
    # both signs and every radius are probed: x - y^2 from 0 falls along -x at the larger radius most
    found, lower, value = descent_probe(lambda p: p[..., 0] - 10 * p[..., 1] ** 2, np.zeros(2),
                                        np.array([[1.0, 0.0]]), (0.1, 0.2), 0.0)
    np.testing.assert_allclose(lower, [-0.2, 0.0])
    assert value == pytest.approx(-0.2)
    # no descent: the point itself and its loss come back
    found, lower, value = descent_probe(lambda p: 1.0 + ((p - 1) ** 2).sum(-1), np.ones(2), np.eye(2),
                                        (0.1,), 0.0)
    assert not found and value == 1.0
    np.testing.assert_array_equal(lower, np.ones(2))


def test_classify_reports_the_relative_lowest_eigenvalue_and_ignores_tiny_negative_ones():
    # x^2 - y^2: lowest / largest = -1
    c = classify(np.zeros(2), lambda p: p[..., 0] ** 2 - p[..., 1] ** 2, [np.diag([2.0, -2.0])],
                 np.zeros((0, 2)), False, 0.0, TOL, np.random.default_rng(0))
    assert c.kind == DESCENT_FOUND and c.eig_min_relative == pytest.approx(-1.0) and c.extra_flat == 0
    # x^2 + y^4 (a minimum) with a Hessian carrying round-off -1e-8 along y: not clearly negative
    # (above -1e-6 * largest), not flat (|.| above 1e-9 * largest), no descent: a smooth minimum
    def quartic(p):
        return p[..., 0] ** 2 + p[..., 1] ** 4

    c = classify(np.zeros(2), quartic, [np.diag([2.0, -2e-8])], np.zeros((0, 2)), False, 0.0, TOL,
                 np.random.default_rng(0))
    assert c.kind == SMOOTH_MINIMUM and c.extra_flat == 0 and c.eig_min_relative == pytest.approx(-1e-8)
    # the same Hessian with tolerance negative = 1e-9: the y direction is probed, no descent is found
    strict = Tolerances(negative=1e-9, radii=(1e-3,), directions=4)
    c = classify(np.zeros(2), quartic, [np.diag([2.0, -2e-8])], np.zeros((0, 2)), False, 0.0, strict,
                 np.random.default_rng(0))
    assert c.kind == SMOOTH_MINIMUM and c.lower is None


def test_classify_on_a_kink_probes_each_pieces_negative_directions_and_random_ones():
    # |x| + |z|^2 - 1e5 y^4 in 8 dimensions: one piece carries the descent direction y
    dim = 8
    e_y = np.zeros(dim)
    e_y[1] = 1.0

    def loss(p):  # a kink in x, a minimum in every direction but y, where it falls (quartically)
        return np.abs(p[..., 0]) + (p[..., 2:] ** 2).sum(-1) - 1e5 * p[..., 1] ** 4

    flat_piece = np.diag([0.0, 0.0] + [2.0] * (dim - 2))
    neg_piece = flat_piece - 1.0 * np.outer(e_y, e_y)  # one piece's Hessian says: y curves down
    no_random = Tolerances(radii=(1e-2,), directions=0)
    c = classify(np.zeros(dim), loss, [flat_piece, neg_piece], np.zeros((0, dim)), True, 0.0, no_random,
                 np.random.default_rng(0))
    assert c.kind == DESCENT_FOUND and abs(c.lower[1]) == pytest.approx(1e-2)
    assert c.extra_flat == -1 and np.isnan(c.eig_min_relative)  # on a kink the spectrum is not reported
    c = classify(np.zeros(dim), loss, [flat_piece], np.zeros((0, dim)), True, 0.0, no_random,
                 np.random.default_rng(0))
    assert c.kind == KINK_MINIMUM  # nothing probed finds the y descent: no random directions
    # random directions (64 by default) find it
    c = classify(np.zeros(dim), loss, [flat_piece], np.zeros((0, dim)), True, 0.0,
                 Tolerances(radii=(1e-1,)), np.random.default_rng(0))
    assert c.kind == DESCENT_FOUND and loss(c.lower[None])[0] < 0


def test_orthonormal_complement_rank_is_relative_to_the_largest_direction():
    from nnlandscape.nonsmooth import orthonormal_complement

    # two directions 1e-12 apart (relative): one, at a large scale; at a small scale (1e-3) two
    # directions 1e-9 apart (relative) are still two
    near = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1e-12]])
    assert orthonormal_complement(1e3 * near, 3).shape == (3, 2)
    apart = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1e-9]])
    q = orthonormal_complement(1e-3 * apart, 3)
    assert q.shape == (3, 1)
    np.testing.assert_allclose(np.abs(q[:, 0]), [2**-0.5, 2**-0.5, 0.0], atol=1e-6)
    np.testing.assert_array_equal(orthonormal_complement(np.zeros((0, 3)), 3), np.eye(3))


def test_sampled_stationarity_of_a_single_1d_point():
    rho = sampled_stationarity(l1_grad, np.array([1.0, 1.0]), 1e-3, 3, np.random.default_rng(0))
    assert rho.shape == (1,) and rho[0] == pytest.approx(np.sqrt(5.0))


def test_descent_probe_normalizes_short_directions_row_by_row():
    def saddle(p):
        return p[..., 0] ** 2 - p[..., 1] ** 2

    # a short direction (length 0.02) still probes at distance r
    found, lower, value = descent_probe(saddle, np.zeros(2), np.array([[0.0, 0.02]]), (0.1,), 0.0)
    assert found and np.linalg.norm(lower) == pytest.approx(0.1) and value == pytest.approx(-0.01)
    # one oblique row (3, 4) / 5: the lowest point is 0.1 * (0.6, 0.8) (or its negative)
    found, lower, value = descent_probe(saddle, np.zeros(2), np.array([[3.0, 4.0]]), (0.1,), 0.0)
    np.testing.assert_allclose(np.abs(lower), [0.06, 0.08], atol=1e-15)
    assert value == pytest.approx(0.0036 - 0.0064)


def test_classify_measures_curvature_and_descent_relative_to_scale():
    # x^2/2 ... in 3-d: diag(-1, 2, 4): lowest / largest = -1/4 (the largest is the last eigenvalue)
    h = np.diag([-1.0, 2.0, 4.0])

    def quad(p):
        return 0.5 * (p**2 * np.diag(h)).sum(-1)

    c = classify(np.zeros(3), quad, [h], np.zeros((0, 3)), False, 0.0, TOL, np.random.default_rng(0))
    assert c.kind == DESCENT_FOUND and c.eig_min_relative == pytest.approx(-0.25)
    # the same saddle 1e-3 times smaller: the same verdict and ratio
    c = classify(np.zeros(3), lambda p: 1e-3 * quad(p), [1e-3 * h], np.zeros((0, 3)), False, 0.0, TOL,
                 np.random.default_rng(0))
    assert c.kind == DESCENT_FOUND and c.eig_min_relative == pytest.approx(-0.25)
    # flat relative to the largest (1e4): an eigenvalue 1e-6 is flat (below 1e-9 * 1e4)
    hf = np.diag([1e4, 1e-6, 1.0])
    c = classify(np.zeros(3), lambda p: 0.5 * (p**2 * np.diag(hf)).sum(-1), [hf], np.zeros((0, 3)), False,
                 0.0, TOL, np.random.default_rng(0))
    assert c.kind == SMOOTH_MINIMUM and c.extra_flat == 1
    # a saddle of a loss near 0 (a near-perfect fit): descent is relative to the loss, 1e-18 of 1e-20
    def tiny(p):
        return 1e-20 + 1e-10 * (p[..., 0] ** 2 - p[..., 1] ** 2)

    c = classify(np.zeros(2), tiny, [np.diag([2e-10, -2e-10])], np.zeros((0, 2)), False, 0.0, TOL,
                 np.random.default_rng(0))
    assert c.kind == DESCENT_FOUND and tiny(c.lower[None])[0] < 1e-20


def test_classify_not_certified_keeps_its_spectrum_and_no_lower_point_without_descent():
    # the bowl x^2 + 2 y^2 with rho above tolerance, and rho exactly at it ("not below": not certified)
    for rho in (1e-3, TOL.stationarity):
        c = classify(np.zeros(2), lambda p: p[..., 0] ** 2 + 2 * p[..., 1] ** 2, [np.diag([2.0, 4.0])],
                     np.zeros((0, 2)), False, rho, TOL, np.random.default_rng(0))
        assert (c.kind, c.extra_flat, c.lower) == (NOT_CERTIFIED, 0, None)
        assert c.eig_min_relative == pytest.approx(0.5)
    # |x| + y^2 on its kink, rho above tolerance: probed (random directions), nothing lower found
    c = classify(np.zeros(2), lambda p: np.abs(p[..., 0]) + p[..., 1] ** 2, [np.diag([0.0, 2.0])] * 2,
                 np.zeros((0, 2)), True, 1.0, TOL, np.random.default_rng(0))
    assert (c.kind, c.extra_flat, c.lower) == (NOT_CERTIFIED, -1, None)


# --- BFGS with a weak Wolfe line search (Lewis & Overton 2013) --------------------------------------


def _quadratic(a: np.ndarray, b: np.ndarray):
    """f(x) = x.Ax/2 - b.x and its gradient: minimizer A^-1 b."""
    return lambda x: (float(0.5 * x @ a @ x - b @ x), a @ x - b)


def test_weak_wolfe_step_meets_both_conditions_and_brackets_by_doubling_and_bisection():
    # f(x) = x^2 - 6x from 0 along d = 1: slope -6; at t = 1, f = -5 (Armijo holds) and the slope
    # -4 >= 0.9 * -6 (weak Wolfe holds): t = 1 is taken
    fg = _quadratic(np.array([[2.0]]), np.array([6.0]))
    f0, g0 = fg(np.zeros(1))
    t, f, g = weak_wolfe_step(fg, np.zeros(1), f0, float(g0 @ [1.0]), np.ones(1), 1e-4, 0.9, 60)
    assert t == 1.0 and f == pytest.approx(fg(np.ones(1))[0]) and g == pytest.approx([-4.0])
    d = np.array([0.01])
    t, f, g = weak_wolfe_step(fg, np.zeros(1), f0, float(g0 @ d), d, 1e-4, 0.9, 60)
    # along d = 0.01 the slope 0.01 (0.02 t - 6) reaches 0.9 * -0.06 at t = 30: doubling gives 32
    assert t == 32.0
    assert f <= f0 + 1e-4 * t * float(g0 @ d) and g @ d >= 0.9 * float(g0 @ d)
    # along d = 10, t = 1 overshoots (f(10) = 40 > 0): bisection to t = 1/2 (f(5) = -5)
    d = np.array([10.0])
    t, f, g = weak_wolfe_step(fg, np.zeros(1), f0, float(g0 @ d), d, 1e-4, 0.9, 60)
    assert t == 0.5
    # no step when the function only rises (a slope that lies), after exactly `bisections` trials
    calls = []

    def rising(x):
        calls.append(1)
        return float(x[0] ** 2 + 1.0), 2 * x

    assert weak_wolfe_step(rising, np.zeros(1), 0.0, -1.0, np.ones(1), 1e-4, 0.9, 7) is None
    assert len(calls) == 7
    # along d = 6, t = 1 reaches x = 6 where f = 0 = f0: no sufficient decrease (Armijo asks for
    # f <= f0 - 1e-4 * 36), so t = 1/2 (x = 3, the minimizer)
    d = np.array([6.0])
    t, f, g = weak_wolfe_step(fg, np.zeros(1), f0, float(g0 @ d), d, 1e-4, 0.9, 60)
    assert t == 0.5 and f == -9.0
    # bfgs's own line search tries 60 steps by default before it gives up
    def lying(x):  # its gradient points uphill: no step along -g lowers f
        calls.append(1)
        return float(x[0] ** 2), -2 * x

    calls.clear()
    res = bfgs(lying, np.array([1.0]), 5)
    assert res.stop == BFGS_LINE_SEARCH and len(calls) == 1 + 60 and res.params.tolist() == [1.0]


def test_bfgs_solves_a_quadratic_and_its_one_dimensional_secant_is_exact():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((6, 6))
    a = m @ m.T + 0.5 * np.eye(6)
    b = rng.standard_normal(6)
    res = bfgs(_quadratic(a, b), np.zeros(6), 200)
    np.testing.assert_allclose(res.params, np.linalg.solve(a, b), atol=1e-8)
    assert res.loss == pytest.approx(-0.5 * b @ np.linalg.solve(a, b), abs=1e-12)
    assert res.stop in (BFGS_LINE_SEARCH, BFGS_ZERO_GRADIENT) and res.iterations < 200
    # in one dimension the first update (scaled by s.y / y.y, then eq. 6.17) gives H = 1/a exactly:
    # the second step lands on the minimizer
    # (f = 3x^2/2 - x from x = 2: t = 1 overshoots, t = 1/2 reaches -1/2; then H = 1/3)
    res = bfgs(_quadratic(np.array([[3.0]]), np.array([1.0])), np.array([2.0]), 2)
    assert res.iterations == 2 and res.stop == BFGS_ITERATIONS
    assert res.params == pytest.approx([1.0 / 3.0], abs=1e-14)
    one = bfgs(_quadratic(np.array([[3.0]]), np.array([1.0])), np.array([2.0]), 1)
    assert one.params == pytest.approx([-0.5], abs=1e-15)


def test_bfgs_reaches_a_kink_minimum_and_stops_at_the_line_search():
    # f = |x0 - 1| + 2 |x1| + (x2 - 3)^2: a nonsmooth minimizer (1, 0, 3) with f = 0
    def fg(x):
        f = abs(x[0] - 1.0) + 2.0 * abs(x[1]) + (x[2] - 3.0) ** 2
        return float(f), np.array([np.sign(x[0] - 1.0), 2.0 * np.sign(x[1]), 2.0 * (x[2] - 3.0)])

    start = np.array([-2.3, 1.7, 0.4])
    res = bfgs(fg, start, 1000)
    assert res.stop == BFGS_LINE_SEARCH and res.iterations < 1000
    np.testing.assert_allclose(res.params, [1.0, 0.0, 3.0], atol=1e-6)
    assert res.loss == fg(res.params)[0] < 1e-6
    # a cap of 3 iterations stops there, never above the start
    short = bfgs(fg, start, 3)
    assert short.iterations == 3 and short.stop == BFGS_ITERATIONS and short.loss < fg(start)[0]


def test_bfgs_stops_at_once_on_a_zero_gradient_and_never_rises():
    res = bfgs(_quadratic(np.eye(2), np.zeros(2)), np.zeros(2, np.int64), 10)
    assert res.stop == BFGS_ZERO_GRADIENT and res.iterations == 0
    assert res.params.dtype == np.float64 and res.params.tolist() == [0.0, 0.0] and res.loss == 0.0
    # |x|_1 + 0.1 |x|^2: kinked at its minimizer 0, approached without ever stepping uphill
    seen = []

    def fg(x):
        f = float(np.sum(np.abs(x)) + 0.1 * x @ x)
        seen.append(f)
        return f, np.sign(x) + 0.2 * x

    res = bfgs(fg, np.array([1.3, -0.7]), 60)
    assert res.loss < 1e-8 and res.loss == fg(res.params)[0]
    assert seen[0] > res.loss and min(seen) == res.loss


def test_bfgs_iterates_follow_nocedal_wright_with_the_first_step_scaling():
    # an ill-conditioned 2-d quadratic: the iterates after 1, 2, 3 steps against a dense reference
    # (H0 = I, scaled by s.y / y.y before the first update, eq. 6.20; update eq. 6.17; unit steps
    # accepted by the same weak Wolfe search)
    a, b = np.array([[10.0, 2.0], [2.0, 1.0]]), np.array([1.0, -1.0])
    fg = _quadratic(a, b)
    x, h = np.array([1.0, 1.0]), np.eye(2)
    want = []
    for it in range(3):
        f, g = fg(x)
        d = -h @ g
        t, _, g_new = weak_wolfe_step(fg, x, f, float(g @ d), d, 1e-4, 0.9, 60)
        s, y = t * d, g_new - g
        if it == 0:
            h = (s @ y) / (y @ y) * np.eye(2)
        rho = 1.0 / (s @ y)
        v = np.eye(2) - rho * np.outer(y, s)
        h = v.T @ h @ v + rho * np.outer(s, s)
        x = x + s
        want.append(x.copy())
    for it in range(3):
        np.testing.assert_allclose(bfgs(fg, np.array([1.0, 1.0]), it + 1).params, want[it], rtol=1e-12)
