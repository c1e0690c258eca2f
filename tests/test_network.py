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
