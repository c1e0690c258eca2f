"""Tests of the (n,k) network layout, forward pass and exact knot extraction."""

import numpy as np
import pytest
import torch

from nnlandscape.construction import Example, perfect_fit
from nnlandscape.network import (
    flatten,
    forward,
    forward_np,
    knots,
    layer_shapes,
    mse_and_gradient_np,
    mse_np,
    n_params,
    unflatten,
)


def test_param_count_matches_torch_sequential():
    for n, k in [(5, 5), (10, 5), (3, 2)]:
        mods = []
        for out_dim, in_dim in layer_shapes(n, k):
            mods += [torch.nn.Linear(in_dim, out_dim), torch.nn.ReLU()]
        net = torch.nn.Sequential(*mods[:-1])
        assert n_params(n, k) == sum(p.numel() for p in net.parameters())
    assert n_params(5, 5) == 136


def test_forward_matches_torch_sequential_in_canonical_order():
    n, k = 4, 3
    torch.manual_seed(0)
    mods = []
    for out_dim, in_dim in layer_shapes(n, k):
        mods += [torch.nn.Linear(in_dim, out_dim), torch.nn.ReLU()]
    net = torch.nn.Sequential(*mods[:-1]).double()
    params = torch.nn.utils.parameters_to_vector(net.parameters()).detach()
    x = torch.linspace(-1, 1, 57, dtype=torch.float64)
    expected = net(x[:, None])[:, 0].detach()
    assert torch.allclose(forward(params, x, n, k), expected, atol=1e-14)
    batch = torch.stack([params, 2 * params])
    assert torch.allclose(forward(batch, x, n, k)[0], expected, atol=1e-14)


def test_flatten_inverts_unflatten():
    p = np.random.default_rng(0).normal(size=(3, n_params(5, 5)))
    assert np.array_equal(flatten(unflatten(p, 5, 5)), p)


def test_unflatten_rejects_wrong_length():
    with pytest.raises(ValueError, match="136"):
        unflatten(np.zeros(135), 5, 5)


@pytest.mark.parametrize("seed", range(5))
def test_knots_of_random_network_are_the_slope_changes(seed):
    n, k = 4, 3
    p = np.random.default_rng(seed).normal(size=n_params(n, k))
    kn = knots(p, n, k)
    # between consecutive knots the output is affine: midpoints interpolate exactly
    edges = np.concatenate([[-1.0], kn, [1.0]])
    for u, v in zip(edges[:-1], edges[1:], strict=True):
        xs = np.linspace(u, v, 7)
        ys = forward_np(p, xs, n, k)
        line = ys[0] + (ys[-1] - ys[0]) * (xs - u) / (v - u)
        assert np.allclose(ys, line, atol=1e-10)
    # and each knot really is a slope change
    for t in kn:
        h = 1e-7
        ys = forward_np(p, np.array([t - 2 * h, t - h, t, t + h, t + 2 * h]), n, k)
        left, right = (ys[1] - ys[0]) / h, (ys[4] - ys[3]) / h
        assert abs(left - right) > 1e-6


def test_knots_of_perfect_fit_match_dense_grid():
    p = perfect_fit(Example())
    kn = knots(p, 5, 5)
    grid = np.linspace(-1, 1, 2**14 * 3 + 1)
    y = forward_np(p, grid, 5, 5)
    second = np.abs(np.diff(y, 2))
    grid_knots = grid[1:-1][second > 1e-9]
    # each grid kink lies next to an extracted knot
    assert np.all(np.min(np.abs(grid_knots[:, None] - kn[None, :]), axis=1) < 2 * (grid[1] - grid[0]))
    assert len(kn) == 33


def test_shapes_slices_and_errors():
    assert layer_shapes(3, 2) == [(3, 1), (3, 3), (1, 3)]
    assert layer_shapes(2, 1) == [(2, 1), (1, 2)]
    with pytest.raises(ValueError, match="n >= 1 and k >= 1, got n=0, k=2"):
        layer_shapes(0, 2)
    with pytest.raises(ValueError, match="got n=2, k=0"):
        layer_shapes(2, 0)
    from nnlandscape.network import layer_slices

    sl = layer_slices(3, 2)
    assert [(w.start, w.stop, b.start, b.stop) for w, b in sl] == [(0, 3, 3, 6), (6, 15, 15, 18),
                                                                  (18, 21, 21, 22)]
    assert n_params(3, 2) == 22 and n_params(1, 1) == 4


def test_flatten_of_torch_layers_and_mse_of_a_known_network():
    """A (1,1) network relu(2x - 1) * 3 + 0.5 by hand: outputs and losses against known values."""
    from nnlandscape.network import mse, mse_np

    p = np.array([2.0, -1.0, 3.0, 0.5])  # W1, b1, W2, b2
    layers = unflatten(torch.as_tensor(p), 1, 1)
    assert torch.equal(flatten(layers), torch.as_tensor(p))
    x = np.array([-1.0, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(forward_np(p, x, 1, 1), [0.5, 0.5, 0.5, 3.5])
    y = np.array([0.5, 1.5, 0.5, 1.5])
    assert mse_np(p, x, y, 1, 1) == pytest.approx((0 + 1 + 0 + 4) / 4)
    batch = np.stack([p, p * [1, 1, 0, 1]])
    np.testing.assert_allclose(mse_np(batch, x, y, 1, 1), [1.25, (0 + 1 + 0 + 1) / 4])
    got = mse(torch.as_tensor(batch), torch.as_tensor(x), torch.as_tensor(y), 1, 1)
    np.testing.assert_allclose(got.numpy(), [1.25, 0.5])
    # a custom activation is used in every hidden layer (identity: the network is affine)
    lin = forward(torch.as_tensor(p), torch.as_tensor(x), 1, 1, activation=lambda z: z)
    np.testing.assert_allclose(lin.numpy(), 3 * (2 * x - 1) + 0.5)


def test_knots_of_a_hand_made_network_on_other_intervals():
    """relu(x - 0.3) - relu(x + 0.4) + relu(2 - 5x) as a (3,1) network: knots at -0.4, 0.3, 0.4."""
    w1, b1 = np.array([1.0, 1.0, -5.0]), np.array([-0.3, 0.4, 2.0])
    w2, b2 = np.array([1.0, -1.0, 1.0]), np.array([0.0])
    p = np.concatenate([w1, b1, w2, b2])
    np.testing.assert_allclose(knots(p, 3, 1), [-0.4, 0.3, 0.4], atol=1e-15)
    np.testing.assert_allclose(knots(p, 3, 1, lo=0.0, hi=2.0), [0.3, 0.4], atol=1e-15)
    np.testing.assert_allclose(knots(p, 3, 1, lo=-3.0, hi=-0.1), [-0.4], atol=1e-15)
    # a breakpoint of a node whose output weight is 0 is no knot (the slope does not change)
    p0 = p.copy()
    p0[6] = 0.0
    np.testing.assert_allclose(knots(p0, 3, 1), [-0.4, 0.4], atol=1e-15)
    # two layers: relu(relu(x) - 0.5) has a knot at 0 and one at 0.5 (found through layer 2)
    deep = np.concatenate([[1.0], [0.0], [1.0], [-0.5], [1.0], [0.0]])
    np.testing.assert_allclose(knots(deep, 1, 2), [0.5], atol=1e-15)  # relu(x) - 0.5 < 0 at 0
    # relu(0.5 - relu(x)): 0.5, then falling, then 0: knots at 0 and 0.5
    deep = np.array([1.0, 0.0, -1.0, 0.5, 1.0, 0.0])
    np.testing.assert_allclose(knots(deep, 1, 2), [0.0, 0.5], atol=1e-15)


def test_knots_do_not_depend_on_the_output_scale():
    """Multiplying the output layer by 1e-12 or 1e12 scales every slope alike: the same knots (the
    slope-change test is relative to the largest slope), and a constant network has none."""
    p = perfect_fit(Example())
    kn = knots(p, 5, 5)
    for factor in (1e-12, 1e12):
        q = p.copy()
        w, b = unflatten(q, 5, 5)[-1]
        w *= factor
        np.testing.assert_array_equal(knots(q, 5, 5), kn)
    flat = p.copy()
    unflatten(flat, 5, 5)[-1][0][...] = 0.0
    assert knots(flat, 5, 5).size == 0


def test_unflatten_error_names_both_sizes():
    with pytest.raises(ValueError, match=r"^params have 135 entries, an \(5,5\) network has 136$"):
        unflatten(np.zeros(135), 5, 5)


def test_batched_torch_flatten_float32_widening_and_mse_options():
    """flatten keeps the batch axis for torch tensors; forward_np widens float32 input to float64
    before computing; mse uses the given activation, for one network or a batch."""
    from nnlandscape.network import mse

    rng = np.random.default_rng(3)
    batch = rng.normal(size=(4, n_params(3, 2)))
    tb = torch.as_tensor(batch)
    assert flatten(unflatten(tb, 3, 2)).shape == (4, n_params(3, 2))
    assert torch.equal(flatten(unflatten(tb, 3, 2)), tb)
    x = np.linspace(-1, 1, 9)
    p32, x32 = batch[0].astype(np.float32), x.astype(np.float32)
    out = forward_np(p32, x32, 3, 2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, forward_np(p32.astype(np.float64), x32.astype(np.float64), 3, 2))
    y = torch.as_tensor(np.sin(x))
    ident = lambda z: z  # noqa: E731
    single = mse(torch.as_tensor(batch[0]), torch.as_tensor(x), y, 3, 2, activation=ident)
    affine = forward(torch.as_tensor(batch[0]), torch.as_tensor(x), 3, 2, activation=ident)
    assert single.dim() == 0 and float(single) == pytest.approx(float(((affine - y) ** 2).mean()))
    assert float(single) != pytest.approx(float(mse(torch.as_tensor(batch[0]), torch.as_tensor(x), y, 3, 2)))


def test_numpy_loss_and_gradient_match_autograd_with_relu_prime_zero_at_a_kink():
    n, k = 3, 3
    rng = np.random.default_rng(2)
    x = np.linspace(-1, 1, 21)  # holds x = 0
    y = np.sin(3 * x)
    p = rng.standard_normal(n_params(n, k))
    # unit 0 of the first layer: breakpoint exactly on the training point x = 0.5 (w 0.5 is exact)
    (w1, b1) = unflatten(p, n, k)[0]
    b1[0] = -0.5 * w1[0, 0]
    assert np.any(unflatten(p, n, k)[0][0][0, 0] * x + b1[0] == 0.0)
    for params in (p, rng.standard_normal(n_params(n, k))):
        loss, grad = mse_and_gradient_np(params, x, y, n, k)
        pt = torch.as_tensor(params).requires_grad_(True)
        ref = ((forward(pt, torch.as_tensor(x), n, k) - torch.as_tensor(y)) ** 2).mean()
        ref.backward()  # autograd: relu'(0) = 0
        assert loss == pytest.approx(float(ref), rel=1e-14)
        np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert loss == pytest.approx(float(mse_np(params, x, y, n, k)), rel=1e-14)
    # one hidden layer, unit 0's breakpoint on x = 0.5 with a live output weight and a nonzero
    # residual there: relu'(0) = 0 leaves that point out of unit 0's bias and weight gradients
    xs, ys = np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 0.0])
    q = flatten([(np.array([[2.0], [1.0]]), np.array([-1.0, 0.0])),
                 (np.array([[1.0, 1.0]]), np.array([0.0]))])
    _, g = mse_and_gradient_np(q, xs, ys, 2, 1)
    # outputs 0, 0.5, 2: residuals 0, -0.5, 2; unit 0 is on only at x = 1 (z = 1), unit 1 at 0.5, 1
    np.testing.assert_allclose(g[[0, 2]], [2 / 3 * 2 * 1.0, 2 / 3 * 2])  # d/dw, d/db of unit 0
    # float32 or integer inputs are computed in float64 all the same
    loss, grad = mse_and_gradient_np(p, x, y, n, k)
    loss32, grad32 = mse_and_gradient_np(p.astype(np.float32), x.astype(np.float32),
                                         y.astype(np.float32), n, k)
    ref32 = mse_and_gradient_np(p.astype(np.float32).astype(np.float64),
                                x.astype(np.float32).astype(np.float64),
                                y.astype(np.float32).astype(np.float64), n, k)
    assert grad32.dtype == np.float64 and loss32 == ref32[0]
    np.testing.assert_array_equal(grad32, ref32[1])
    ints = mse_and_gradient_np(np.ones(n_params(n, k), np.int64), np.array([-1, 0, 1]),
                               np.array([0, 1, 0]), n, k)
    want = mse_and_gradient_np(np.ones(n_params(n, k)), np.array([-1.0, 0.0, 1.0]),
                               np.array([0.0, 1.0, 0.0]), n, k)
    assert ints[0] == want[0] and ints[1].dtype == np.float64
    np.testing.assert_array_equal(ints[1], want[1])
