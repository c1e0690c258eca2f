"""The settle stage's parts on cases worked by hand: float64 whatever the inputs, pre-activations of a
batch, live units, kinks at exactly the tolerance, the pieces a kink point's certificate examines,
and one descent round's radius schedule.

The (1,1) network f(x) = w2 relu(w1 x + b1) + b2 has params (w1, b1, w2, b2).
"""

from dataclasses import replace

import numpy as np
import torch

import nnlandscape.settle as settle_module
from nnlandscape.network import forward, n_params
from nnlandscape.settle import (
    SettleConfig,
    certify,
    descend,
    kink_mask,
    live_units,
    piece_hessian,
    preactivations,
    relu_gradient,
    relu_loss,
    rescaling_directions,
    residual_jacobian,
)

X5 = np.array([-0.5, 0.0, 0.25, 0.5, 1.0])
HAND = SettleConfig(rounds=2, lm_iterations=3, restarts=1, samples=5, probe_directions=8)
N, K = 2, 2


def two_layer_point(seed: int = 0, batch: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (n_params(N, K),) if batch is None else (batch, n_params(N, K))
    return rng.uniform(-1.0, 1.0, size=shape)


def test_every_part_works_in_float64_whatever_dtype_it_is_given():
    p = two_layer_point(1, batch=2)
    x, y = np.linspace(-1, 1, 9), np.cos(2 * np.linspace(-1, 1, 9))
    p32, x32, y32 = p.astype(np.float32), x.astype(np.float32), y.astype(np.float32)
    q, xq, yq = (a.astype(np.float64) for a in (p32, x32, y32))
    np.testing.assert_array_equal(relu_loss(p32, x32, y32, N, K), relu_loss(q, xq, yq, N, K))
    np.testing.assert_array_equal(relu_gradient(p32, x32, y32, N, K), relu_gradient(q, xq, yq, N, K))
    np.testing.assert_array_equal(preactivations(p32, x32, N, K), preactivations(q, xq, N, K))
    z = preactivations(q, xq, N, K)
    np.testing.assert_array_equal(live_units(p32, z, N, K), live_units(q, z, N, K))
    np.testing.assert_array_equal(rescaling_directions(p32[0], N, K), rescaling_directions(q[0], N, K))
    assert rescaling_directions(p32[0], N, K).dtype == np.float64
    np.testing.assert_array_equal(piece_hessian(p32[0], x32, y32, N, K), piece_hessian(q[0], xq, yq, N, K))
    cfg = replace(HAND, samples=n_params(N, K) + 1)
    a = descend(p32, x32, y32, N, K, cfg, np.random.default_rng(3))
    b = descend(q, xq, yq, N, K, cfg, np.random.default_rng(3))
    for got, want in zip(a, b, strict=True):
        np.testing.assert_array_equal(got, want)
    # integer training points: the same as their float64 values
    xi = np.array([-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(relu_loss(q, xi, xi**2, N, K),
                                  relu_loss(q, xi.astype(float), (xi**2).astype(float), N, K))
    np.testing.assert_array_equal(preactivations(q, xi, N, K), preactivations(q, xi.astype(float), N, K))


def test_preactivations_of_a_batch_are_each_networks_own():
    p = np.array([[1.0, -0.25, 2.0, 0.5], [-2.0, 1.0, 1.0, 0.0]])
    z = preactivations(p, X5, 1, 1)
    assert z.shape == (2, 1, 5, 1)
    np.testing.assert_allclose(z[0, 0, :, 0], X5 - 0.25)
    np.testing.assert_allclose(z[1, 0, :, 0], -2 * X5 + 1)
    np.testing.assert_array_equal(preactivations(p[1], X5, 1, 1), z[1:])


def test_live_units_are_on_somewhere_and_reach_the_output():
    # (2,1): unit 0 = relu(x) (on for x > 0), unit 1 = relu(-x - 2) (never on in [-0.5, 1]);
    # network b: unit 0's outgoing weight is zero (it does not reach the output)
    a = np.array([1.0, -1.0, 0.0, -2.0, 1.0, 1.0, 0.0])
    b = np.array([1.0, -1.0, 0.0, -2.0, 0.0, 1.0, 0.0])
    p = np.stack([a, b])
    z = preactivations(p, X5, 2, 1)
    np.testing.assert_array_equal(live_units(p, z, 2, 1), [[[True, False]], [[False, False]]])


def test_kink_mask_reads_the_preactivations_it_is_given_and_a_kink_is_strictly_inside_tol():
    p = np.array([1.0, -0.25, 1.0, 0.0])  # relu(x - 0.25): the breakpoint on the training point 0.25
    mask = kink_mask(p, X5, 1, 1, 1e-9)
    assert mask[0, 0, :, 0].tolist() == [False, False, True, False, False]
    # pre-activations handed in are used as they are (here: the point at 1.0 put on its kink)
    z = preactivations(p, X5, 1, 1)
    z[0, 0, 4, 0] = 0.0
    assert kink_mask(p, X5, 1, 1, 1e-9, z)[0, 0, :, 0].tolist() == [False, False, True, False, True]
    # |z| equal to the tolerance is not on the kink
    z[0, 0, 3, 0] = 0.5
    assert not kink_mask(p, X5, 1, 1, 0.5, z)[0, 0, 3, 0]
    assert kink_mask(p, X5, 1, 1, 0.5000001, z)[0, 0, 3, 0]


def test_piece_hessian_takes_a_unit_at_its_breakpoint_as_off():
    # relu(x - 0.25) with the breakpoint on the training point 0.25: the default pattern is z > 0
    p = np.array([1.0, -0.25, 1.3, 0.1])
    y = np.sin(3 * X5)
    z = preactivations(p, X5, 1, 1)[0]
    np.testing.assert_array_equal(piece_hessian(p, X5, y, 1, 1), piece_hessian(p, X5, y, 1, 1, z > 0))
    assert not np.allclose(piece_hessian(p, X5, y, 1, 1), piece_hessian(p, X5, y, 1, 1, z >= 0))


def test_piece_hessian_of_a_two_layer_network_off_kinks_is_the_relu_losss_hessian():
    p = two_layer_point(2)
    x = np.linspace(-1, 1, 9)
    y = np.cos(2 * x)
    assert np.abs(preactivations(p, x, N, K)).min() > 1e-3  # off every kink
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    want = torch.func.hessian(lambda q: ((forward(q, xt, N, K) - yt) ** 2).mean())(torch.as_tensor(p))
    np.testing.assert_allclose(piece_hessian(p, x, y, N, K), want.numpy(), rtol=1e-12, atol=1e-14)


def test_certify_examines_the_pattern_at_the_point_and_one_piece_per_kink_up_to_its_limit(monkeypatch):
    # (2,1): units relu(x - 0.25) and relu(x - 0.5) break on the training points 0.25 and 0.5
    p = np.array([1.0, 1.0, -0.25, -0.5, 1.0, 1.0, 0.0])
    y = np.maximum(X5 - 0.25, 0) + np.maximum(X5 - 0.5, 0)  # an exact fit
    seen = {}
    original = settle_module.classify

    def spy(point, loss_fn, piece_hessians, flat, on_kink, rho, tol, rng):
        seen.update(hessians=piece_hessians, on_kink=on_kink, tol=tol)
        return original(point, loss_fn, piece_hessians, flat, on_kink, rho, tol, rng)

    monkeypatch.setattr(settle_module, "classify", spy)
    z_on = preactivations(p, X5, 2, 1)[0] > 0
    first, second = z_on.copy(), z_on.copy()
    first[0, 2, 0] = True  # unit 0 switched on at x = 0.25
    second[0, 3, 1] = True  # unit 1 switched on at x = 0.5
    cfg = replace(HAND, samples=8, probe_directions=5)
    c = certify(p, X5, y, 2, 1, replace(cfg, pieces=8), np.random.default_rng(0), stationarity=0.0)
    want = [piece_hessian(p, X5, y, 2, 1, pat) for pat in (z_on, first, second)]
    assert len(seen["hessians"]) == 3 and seen["on_kink"] and c.kinks == 2
    for got, ref in zip(seen["hessians"], want, strict=True):
        np.testing.assert_array_equal(got, ref)
    assert not np.allclose(want[0], want[1]) and not np.allclose(want[1], want[2])
    assert seen["tol"].directions == 5 and seen["tol"].radii == tuple(cfg.probe_radii)
    for pieces, count in ((2, 2), (1, 1), (0, 1)):  # the pattern at the point always, then pieces - 1
        certify(p, X5, y, 2, 1, replace(cfg, pieces=pieces), np.random.default_rng(0), stationarity=0.0)
        assert len(seen["hessians"]) == count, pieces
        np.testing.assert_array_equal(seen["hessians"][0], want[0])
    np.testing.assert_array_equal(seen["hessians"][0], want[0])


def test_one_descent_round_steps_where_the_loss_falls_and_keeps_its_radius():
    # no LM iterations: the round is one gradient-sampling step, from a point that is not stationary
    y = np.sin(3 * X5)
    p = np.array([[0.8, -0.1, 0.9, 0.05], [-0.6, 0.3, 0.4, -0.2]])
    cfg = replace(HAND, rounds=1, lm_iterations=0, samples=6, eps_start=1e-3)
    q, its, eps = descend(p, X5, y, 1, 1, cfg, np.random.default_rng(5))
    assert (relu_loss(q, X5, y, 1, 1) < relu_loss(p, X5, y, 1, 1)).all()  # it moved, downhill
    np.testing.assert_array_equal(eps, [1e-3, 1e-3])  # moved and not stationary: radius kept
    assert its.dtype == np.int64 and its.tolist() == [0, 0]
    # the first network alone gives what it gives in the batch (it draws the same samples first):
    # the networks of a batch are independent, LM's damping and acceptance included
    lm = replace(cfg, lm_iterations=10)
    alone = descend(p[0], X5, y, 1, 1, lm, np.random.default_rng(1))
    both = descend(p, X5, y, 1, 1, lm, np.random.default_rng(1))
    assert alone[0].shape == (1, 4)
    np.testing.assert_allclose(alone[0][0], both[0][0], rtol=1e-12)
    assert alone[1][0] == both[1][0] > 0  # LM steps were taken


def test_the_jacobian_and_gradient_take_relu_prime_at_zero_as_zero_like_autograd():
    p = np.array([1.0, -0.25, 1.3, 0.1])  # the unit breaks exactly on the training point 0.25
    y = np.sin(3 * X5)
    xt, yt = torch.as_tensor(X5), torch.as_tensor(y)
    want = torch.autograd.functional.jacobian(lambda q: forward(q, xt, 1, 1) - yt, torch.as_tensor(p))
    r, jac = residual_jacobian(torch.as_tensor(p[None]), xt, yt, 1, 1)
    np.testing.assert_allclose(jac[0].numpy(), want.numpy(), rtol=1e-14, atol=1e-15)
    assert jac[0, 2, 0] == 0.0  # d f(0.25) / d w1 = w2 relu'(0) x = 0
    grad = relu_gradient(p, X5, y, 1, 1)  # a single network: one row
    assert grad.shape == (1, 4)
    np.testing.assert_allclose(grad[0], 2 * (r[0].numpy() @ jac[0].numpy()) / 5, rtol=1e-12)
