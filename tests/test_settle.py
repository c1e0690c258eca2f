"""Settling end points onto critical points of the ReLU loss, and their certificates."""

import numpy as np
import pytest
import torch

from nnlandscape.network import forward, mse_np, n_params
from nnlandscape.nonsmooth import DESCENT_FOUND, KINK_MINIMUM, NOT_CERTIFIED, SMOOTH_MINIMUM
from nnlandscape.settle import (
    SettleConfig,
    certify,
    kink_mask,
    relu_gradient,
    relu_loss,
    rescaling_directions,
    residual_jacobian,
    settle,
    settle_shard,
)
from nnlandscape.settled import SETTLED_ARRAYS, join_settled, selection, settle_numbers
from nnlandscape.symmetry import rescale_nodes, symmetrize
from nnlandscape.train import OptimizerConfig, train_reference

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
