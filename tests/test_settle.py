"""Settling end points onto critical points of the ReLU loss, and their certificates."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from nnlandscape.network import forward, mse_and_gradient_np, mse_np, n_params
from nnlandscape.nonsmooth import DESCENT_FOUND, KINK_MINIMUM, NOT_CERTIFIED, SMOOTH_MINIMUM, bfgs
from nnlandscape.reference import train_reference
from nnlandscape.settle import (
    SettleConfig,
    certify,
    kink_mask,
    quasi_newton,
    relu_gradient,
    relu_loss,
    rescaling_directions,
    residual_jacobian,
    settle,
    settle_shard,
)
from nnlandscape.settled import SETTLED_ARRAYS, join_settled, selection, settle_numbers
from nnlandscape.symmetry import rescale_nodes, symmetrize
from nnlandscape.train import OptimizerConfig

N, K = 3, 2
QUICK = SettleConfig(rounds=3, lm_iterations=5, restarts=2, samples=n_params(N, K) + 1,
                     probe_directions=8)


@pytest.fixture(scope="module")
def small():
    """Three (3,2) networks trained briefly on a kinked target: end points, not minima."""
    x = np.linspace(-1, 1, 31)
    y = np.abs(x) - 0.5 * np.maximum(x - 0.3, 0.0)
    rng = np.random.default_rng(4)
    p0 = rng.uniform(-0.8, 0.8, size=(3, n_params(N, K)))
    res = train_reference(p0, x, y, N, K, OptimizerConfig("gd", lr=0.05), 200, dtype=torch.float64)
    return res.params, x, y


def test_residual_jacobian_matches_autograd(small):
    p, x, y = small
    pt, xt, yt = (torch.as_tensor(a) for a in (p, x, y))
    r, jac = residual_jacobian(pt, xt, yt, N, K)
    for b in range(len(p)):
        ref = torch.func.jacrev(lambda q: forward(q, xt, N, K) - yt)(pt[b])
        torch.testing.assert_close(jac[b], ref, rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(r[b], forward(pt[b], xt, N, K) - yt)


def test_relu_gradient_and_loss_match_the_network_mse(small):
    p, x, y = small
    np.testing.assert_allclose(relu_loss(p, x, y, N, K), mse_np(p, x, y, N, K), rtol=1e-13)
    pt = torch.as_tensor(p[0]).requires_grad_(True)
    ((forward(pt, torch.as_tensor(x), N, K) - torch.as_tensor(y)) ** 2).mean().backward()
    np.testing.assert_allclose(relu_gradient(p, x, y, N, K)[0], pt.grad.numpy(), rtol=1e-12)


def test_rescaling_directions_are_the_tangents_of_node_rescaling(small):
    p, x, y = small
    d = rescaling_directions(p[0], N, K)
    assert d.shape == (N * K, n_params(N, K))
    for node in range(N * K):
        scales = np.ones(N * K)
        scales[node] = 1.0 + 1e-6
        moved = rescale_nodes(p[0], N, K, scales.reshape(K, N))
        np.testing.assert_allclose((moved - p[0]) / 1e-6, d[node], atol=1e-5)
    assert np.abs(d @ relu_gradient(p, x, y, N, K)[0]).max() < 1e-12  # the loss is flat along them


def test_kink_mask_finds_a_breakpoint_placed_on_a_training_point():
    x = np.array([-0.5, 0.0, 0.25, 0.5])
    p = np.zeros(n_params(1, 1))
    p[[0, 1, 2]] = [2.0, -0.5, 1.0]  # one unit, breakpoint at x = 0.25, output weight 1
    mask = kink_mask(p, x, 1, 1, 1e-9)[0]
    assert mask[0, :, 0].tolist() == [False, False, True, False]
    p[2] = 0.0  # no outgoing weight: the unit's kink cannot matter
    assert not kink_mask(p, x, 1, 1, 1e-9).any()


def test_settling_never_raises_the_loss_and_is_deterministic(small):
    p, x, y = small
    out = settle(p, x, y, N, K, QUICK)
    again = settle(p, x, y, N, K, QUICK)
    for key in out:
        np.testing.assert_array_equal(out[key], again[key])
    assert np.all(out["loss"] <= out["loss_start"])
    # mse_np (numpy) and settle's loss (torch) sum in other orders: at a loss of 4e-14 the residuals are
    # ~2e-7, so float64 round-off is ~1e-23 absolute (1e-10 relative); atol covers exactly that
    np.testing.assert_allclose(out["loss"], mse_np(out["params"], x, y, N, K), rtol=1e-12, atol=1e-20)
    np.testing.assert_allclose(out["params_sym"], symmetrize(out["params"], N, K).params)
    np.testing.assert_allclose(out["moved"], np.linalg.norm(
        out["params_sym"] - symmetrize(p, N, K).params, axis=-1))
    assert set(out["kind"]) <= {SMOOTH_MINIMUM, KINK_MINIMUM, DESCENT_FOUND, NOT_CERTIFIED}
    assert out["loss"].mean() < out["loss_start"].mean()  # 200 GD steps leave room to go down


def test_a_training_start_is_not_certified_as_a_minimum(small):
    p, x, y = small
    rng = np.random.default_rng(0)
    start = np.random.default_rng(9).uniform(-0.8, 0.8, n_params(N, K))
    c = certify(start, x, y, N, K, QUICK, rng, stationarity=1.0)
    assert c.kind in (NOT_CERTIFIED, DESCENT_FOUND)


def test_the_perfect_fit_is_certified_as_a_minimum_with_loss_zero(main_example):
    p, x, y = main_example
    cfg = SettleConfig(rounds=2, lm_iterations=3, restarts=1, probe_directions=16)
    out = settle(p[None], x, y, 5, 5, cfg)
    assert out["loss"][0] < 1e-20 and out["loss_start"][0] < 1e-20
    assert out["stationarity"][0] < cfg.stationarity_tol
    assert out["kind"][0] in (SMOOTH_MINIMUM, KINK_MINIMUM)
    assert out["kinks"][0] > 0  # the construction puts training points on its breakpoints
    assert out["moved"][0] < 1e-6


def fake_settled(kinds, losses, start):
    m = len(kinds)
    return {"kind": np.array(kinds), "loss": np.array(losses), "loss_start": np.array(start),
            "moved": np.arange(m, dtype=float), "stationarity": np.full(m, 1e-7),
            "kinks": np.array([0, 2, 0, 1][:m]), "extra_flat": np.array([3, -1, 5, -1][:m]),
            "eig_min_relative": np.array([-1e-9, np.nan, -1e-3, np.nan][:m]),
            "iterations": np.ones(m, dtype=np.int64)}


def test_selection_takes_the_first_live_fits_in_order():
    minima = {"dead": np.array([0, 1, 0, 0, 0], bool), "diverged": np.array([0, 0, 1, 0, 0], bool)}
    assert selection(minima, 2).tolist() == [0, 3]
    assert selection(minima, 10).tolist() == [0, 3, 4]


def test_settle_numbers_count_each_class_and_the_loss_drop():
    s = fake_settled([0, 1, 2, 3], [0.1, 0.2, 0.3, 0.4], [0.2, 0.4, 0.3, 0.8])
    out = settle_numbers({"gd": s}, "settle_main")
    assert (out["settle_main_gd_smooth"], out["settle_main_gd_kink"], out["settle_main_gd_descent"],
            out["settle_main_gd_uncertified"]) == (1, 1, 1, 1)
    assert out["settle_main_gd_certified"] == 2 and out["settle_main_gd_certified_share"] == 0.5
    assert out["settle_main_gd_drop_median"] == pytest.approx(0.5)  # drops 0.5, 0.5, 0, 0.5
    assert out["settle_main_gd_loss_certified_median"] == pytest.approx(0.15)
    assert out["settle_main_gd_on_kinks_share"] == 0.5
    assert out["settle_main_gd_extra_flat_median"] == 3  # smooth minima only (kind 0)
    assert out["settle_main_gd_eig_min_relative_median"] == -1e-9


def test_join_settled_keeps_shard_order(small):
    p, x, y = small
    one = {name: np.zeros((2, 3)) if name in ("params", "params_sym") else np.zeros(2)
           for name in SETTLED_ARRAYS}
    two = {name: v + 1 for name, v in one.items()}
    joined = join_settled([one, two])
    assert joined["loss"].tolist() == [0, 0, 1, 1] and joined["params"].shape == (4, 3)


def test_a_shard_past_the_last_live_end_point_is_empty_not_an_error(small):
    p, x, y = small
    minima = {"params": p, "dead": np.array([False, True, True]), "diverged": np.zeros(3, bool)}
    out = settle_shard(minima, x, y, N, K, QUICK, count=3, shard_size=1, index=2)
    assert set(out) == set(SETTLED_ARRAYS)
    assert all(len(v) == 0 for v in out.values()) and out["params"].shape == (0, n_params(N, K))


# --- hand-made (1,1) networks f(x) = w2 relu(w1 x + b1) + b2 whose certificates are known ------------
# params [w1, b1, w2, b2]; the data are an exact fit (loss 0: a global minimum), or a stationary
# point with an exact negative-curvature direction worked out by hand.

X5 = np.array([-0.5, 0.0, 0.25, 0.5, 1.0])
HAND = SettleConfig(rounds=2, lm_iterations=3, restarts=1, samples=5, probe_directions=8)


def test_settle_config_from_config_takes_its_own_keys_and_makes_radii_a_float_tuple():
    cfg = SettleConfig.from_config({"count": 40, "rounds": 3, "probe_radii": [1, "1e-3"], "seed": 5})
    assert cfg.rounds == 3 and cfg.seed == 5 and cfg.probe_radii == (1.0, 1e-3)
    assert isinstance(cfg.probe_radii, tuple) and all(isinstance(r, float) for r in cfg.probe_radii)
    assert cfg.samples == SettleConfig().samples  # the rest keep their defaults


def test_kink_mask_ignores_units_that_are_never_on_and_reads_deeper_layers():
    x = np.array([-1.0, -0.5, 0.0, 0.5])
    # breakpoint on x = 0, but on at no training point (z = 2x <= 0 there): a dead unit, its kink is moot
    assert not kink_mask(np.array([2.0, 0.0, 1.0, 0.0]), x[:3], 1, 1, 1e-9).any()
    # a (1,2) net: layer-1 unit relu(x + 0.5) (on at x = 0, kink at -0.5), layer-2 unit relu(h - 0.5)
    # (kink where h = 0.5, i.e. x = 0), output weight 3
    p = np.array([1.0, 0.5, 1.0, -0.5, 3.0, 0.0])
    mask = kink_mask(p, x, 1, 2, 1e-9)[0]
    assert mask.shape == (2, 4, 1)
    assert mask[0, :, 0].tolist() == [False, True, False, False]
    assert mask[1, :, 0].tolist() == [False, False, True, False]
    p[4] = 0.0  # output weight 0: the second layer's unit is cut off; the first still feeds it
    mask = kink_mask(p, x, 1, 2, 1e-9)[0]
    assert mask[0, :, 0].tolist() == [False, True, False, False] and not mask[1].any()
    # the tolerance: a pre-activation of 1e-7 counts with tol 1e-6, not with 1e-8
    q = np.array([1.0, -1e-7, 1.0, 0.0])
    assert kink_mask(q, np.array([0.0, 1.0]), 1, 1, 1e-6)[0, 0, 0, 0]
    assert not kink_mask(q, np.array([0.0, 1.0]), 1, 1, 1e-8).any()


def test_piece_hessian_is_the_hessian_of_the_network_with_the_pattern_held():
    from nnlandscape.settle import piece_hessian

    x, y = X5, np.sin(3 * X5)
    p = np.array([1.3, -0.1, 0.7, 0.2])  # breakpoint at 0.077: no training point on it

    def masked_loss(on):  # the (1,1) net with relu replaced by the 0/1 pattern ``on`` (N,)
        m, xt, yt = torch.as_tensor(on, dtype=torch.float64), torch.as_tensor(x), torch.as_tensor(y)
        return lambda q: (((q[2] * (q[0] * xt + q[1]) * m + q[3]) - yt) ** 2).mean()

    ref = torch.autograd.functional.hessian(masked_loss(x * 1.3 - 0.1 > 0), torch.as_tensor(p)).numpy()
    np.testing.assert_allclose(piece_hessian(p, x, y, 1, 1), ref, rtol=1e-12, atol=1e-14)
    on = np.ones(5, bool)  # another piece: the unit on everywhere (a linear model)
    ref = torch.autograd.functional.hessian(masked_loss(on), torch.as_tensor(p)).numpy()
    got = piece_hessian(p, x, y, 1, 1, on[None, :, None])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(got, got.T)


def test_certify_an_exact_fit_off_and_on_a_kink():
    rng = np.random.default_rng(0)
    # y = relu(x - 0.1): exact fit, no training point on the breakpoint; the one zero eigenvalue of
    # the Hessian (w2 column = x-column - 0.1 * b1-column on the live points) is the rescaling one
    y = np.maximum(X5 - 0.1, 0.0)
    c = certify(np.array([1.0, -0.1, 1.0, 0.0]), X5, y, 1, 1, HAND, rng, stationarity=0.0)
    assert (c.kind, c.kinks, c.extra_flat, c.lower) == (SMOOTH_MINIMUM, 0, 0, None)
    assert c.eig_min_relative > 0 and c.stationarity == 0.0
    # y = relu(x - 0.25): the breakpoint sits on the training point 0.25: a kink minimum
    y = np.maximum(X5 - 0.25, 0.0)
    c = certify(np.array([1.0, -0.25, 1.0, 0.0]), X5, y, 1, 1, HAND, rng, stationarity=0.0)
    assert (c.kind, c.kinks, c.extra_flat, c.lower) == (KINK_MINIMUM, 1, -1, None)
    assert np.isnan(c.eig_min_relative)
    # the same points with a stationarity measure above tolerance: not certified, no Hessian
    c = certify(np.array([1.0, -0.25, 1.0, 0.0]), X5, y, 1, 1, HAND, rng, stationarity=1e-6)
    assert (c.kind, c.kinks, c.extra_flat, c.lower) == (NOT_CERTIFIED, 1, -1, None)
    assert np.isnan(c.eig_min_relative) and c.stationarity == 1e-6


def saddle_point():
    """w1 = 0, b1 = 1, w2 = 0, b2 = mean(y) on y = x: zero gradient, smooth (the unit is on
    everywhere), and d^2 L / d w1 d w2 = 2 mean((b2 - y) x) = -2 var(x) < 0 with d^2 L / d w1^2 = 0:
    a saddle, descent along (w1, w2) = (1, 1)."""
    return np.array([0.0, 1.0, 0.0, X5.mean()]), X5.copy()


def test_certify_finds_descent_at_a_smooth_saddle_and_settle_goes_below_it():
    p, y = saddle_point()
    assert np.abs(relu_gradient(p, X5, y, 1, 1)).max() < 1e-15
    c = certify(p, X5, y, 1, 1, HAND, np.random.default_rng(0), stationarity=0.0)
    assert c.kind == DESCENT_FOUND and c.kinks == 0 and c.eig_min_relative < -0.01
    assert relu_loss(c.lower, X5, y, 1, 1)[0] < relu_loss(p, X5, y, 1, 1)[0]
    # settling from the saddle: the first descent stalls there (zero gradient), the certificate
    # steps off, and the second descent goes down to (near) the exact fit y = x, loss 0
    out = settle(p[None], X5, y, 1, 1, replace(HAND, restarts=2, rounds=5, lm_iterations=10))
    assert out["loss"][0] < 1e-3 * out["loss_start"][0]
    assert out["eps"].tolist() == [HAND.eps] and out["kinks"].dtype == np.int64
    assert out["iterations"][0] > 0
    one = settle(p[None], X5, y, 1, 1, replace(HAND, restarts=1, rounds=5, lm_iterations=10))
    # one descent: it stays on the saddle (its own gradient is 0, the min-norm element too), and the
    # arrays describe that certified point, not the probe's lower one
    assert one["kind"][0] == DESCENT_FOUND and one["loss"][0] == one["loss_start"][0]
    np.testing.assert_array_equal(one["params"][0], p)


def test_descend_shrinks_the_radius_tenfold_at_a_minimum_down_to_eps():
    from nnlandscape.settle import descend

    y = np.maximum(X5 - 0.1, 0.0)
    p = np.array([[1.0, -0.1, 1.0, 0.0]])  # exact fit: nothing can lower the loss
    for rounds, eps in [(1, 1e-4), (2, 1e-5), (6, 1e-6)]:
        q, its, radius = descend(p, X5, y, 1, 1, replace(HAND, rounds=rounds), np.random.default_rng(0))
        np.testing.assert_array_equal(q, p)
        assert its.tolist() == [0] and radius[0] == pytest.approx(eps)


def test_certify_counts_training_points_on_kinks_not_units_or_layers():
    # (3,1): units relu(x), relu(2x) (both break at x = 0) and relu(x - 0.5): 3 kinked units in 1 layer,
    # on 2 training points
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    p = np.array([1.0, 2.0, 1.0, 0.0, 0.0, -0.5, 1.0, 1.0, 1.0, 0.0])
    c = certify(p, x, np.zeros(5), 3, 1, HAND, np.random.default_rng(0), stationarity=1.0)
    assert (c.kind, c.kinks) == (NOT_CERTIFIED, 2)


def test_settle_arrays_have_their_names_dtypes_and_shapes():
    p, y = saddle_point()
    out = settle(p[None], X5, y, 1, 1, HAND)
    assert set(out) == set(SETTLED_ARRAYS) - {"fit_index"}
    for name, v in out.items():
        want = np.int64 if name in ("kinks", "iterations", "kind", "extra_flat") else np.float64
        assert v.dtype == want, name
        assert v.shape == ((1, 4) if name in ("params", "params_sym") else (1,)), name
    empty = settle(np.zeros((0, 4)), X5, y, 1, 1, HAND)
    assert set(empty) == set(out)
    for name, v in empty.items():
        assert v.dtype == out[name].dtype and v.shape == (0, 4)[: out[name].ndim], name


def test_a_shard_is_its_slice_of_the_selection_settled_with_its_own_seed(small):
    p, x, y = small
    minima = {"params": p.astype(np.float32), "dead": np.array([False, True, False]),
              "diverged": np.zeros(3, bool)}  # live fits 0 and 2
    out = settle_shard(minima, x, y, N, K, QUICK, count=2, shard_size=1, index=1)
    assert out["fit_index"].dtype == np.int64 and out["fit_index"].tolist() == [2]
    alone = settle(p[2:3].astype(np.float32), x, y, N, K, replace(QUICK, seed=QUICK.seed + 1))
    for name, v in alone.items():
        np.testing.assert_array_equal(out[name], v)
    # only the first count live fits are shared out: with count 1 shard 1 is empty
    assert len(settle_shard(minima, x, y, N, K, QUICK, count=1, shard_size=1, index=1)["fit_index"]) == 0
    # the first shard of two stops where the second starts
    first = settle_shard(minima, x, y, N, K, QUICK, count=2, shard_size=1, index=0)
    assert first["fit_index"].tolist() == [0]


def test_settle_config_takes_an_examples_own_block_over_the_shared_keys():
    cfg = {"rounds": 3, "main": {"count": 8, "shard_size": 4, "bfgs_iterations": 500},
           "complex": {"count": 2, "shard_size": 2, "bfgs_iterations": 7}}
    assert SettleConfig.from_config(cfg, "main").bfgs_iterations == 500
    assert SettleConfig.from_config(cfg, "complex").bfgs_iterations == 7
    assert SettleConfig.from_config(cfg, "complex").rounds == 3
    assert SettleConfig.from_config(cfg).bfgs_iterations == SettleConfig().bfgs_iterations == 0


def test_quasi_newton_lowers_each_network_by_bfgs_and_zero_iterations_change_nothing(small):
    p, x, y = small
    same, its = quasi_newton(p, x, y, N, K, 0)
    np.testing.assert_array_equal(same, p)
    assert its.tolist() == [0, 0, 0]
    one, its = quasi_newton(p[0], x, y, N, K, 1)  # one network (P,), one step
    assert one.shape == (1, p.shape[1]) and its.tolist() == [1]
    np.testing.assert_array_equal(one[0], bfgs(lambda v: mse_and_gradient_np(v, x, y, N, K), p[0], 1).params)
    low, _ = quasi_newton(p.astype(np.float32), x, y, N, K, 5)  # float32 in, float64 BFGS points out
    assert low.dtype == np.float64
    np.testing.assert_array_equal(low[0], bfgs(lambda v: mse_and_gradient_np(v, x, y, N, K),
                                               p[0].astype(np.float32).astype(np.float64), 5).params)
    q, its = quasi_newton(p, x, y, N, K, 50)
    assert its.dtype == np.int64 and np.all((its > 0) & (its <= 50))
    for b in range(len(p)):  # each network is its own BFGS run
        ref = bfgs(lambda v: mse_and_gradient_np(v, x, y, N, K), p[b], 50)
        np.testing.assert_array_equal(q[b], ref.params)
        assert its[b] == ref.iterations and ref.loss < mse_np(p[b], x, y, N, K)
    # settle starts from the BFGS points and counts their iterations with the accepted LM steps
    cfg = replace(QUICK, bfgs_iterations=50, rounds=1, lm_iterations=0, restarts=1)
    out = settle(p, x, y, N, K, cfg)
    np.testing.assert_array_equal(out["iterations"], its)
    assert np.all(out["loss"] <= mse_np(q, x, y, N, K))
