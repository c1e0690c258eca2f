"""Invariants of symmetrization: the minimal-energy, node-sorted representative of a rescaling orbit."""

import numpy as np
import pytest

from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.network import forward_np, mse_np, n_params, unflatten
from nnlandscape.symmetry import energy, permute_nodes, rescale_nodes, symmetrize

N, K = 5, 5
GRID = np.linspace(-1.0, 1.0, 20001)


def random_networks(count: int, seed: int, n: int = N, k: int = K) -> np.ndarray:
    """Generic networks with badly unbalanced layers (weights of very different scales)."""
    rng = np.random.default_rng(seed)
    p = rng.normal(size=(count, n_params(n, k)))
    return rescale_nodes(p, n, k, np.exp(rng.uniform(-2.0, 2.0, size=(count, k, n))))


def random_group_element(rng, count: int, n: int = N, k: int = K):
    """Random positive node scales (spread over e^-3..e^3) and random node permutations."""
    scales = np.exp(rng.uniform(-3.0, 3.0, size=(count, k, n)))
    perms = np.argsort(rng.random(size=(count, k, n)), axis=-1)
    return scales, perms


def node_balance(params: np.ndarray, n: int = N, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(in, out) squared norms of every hidden node, each (B, k, n)."""
    layers = unflatten(np.atleast_2d(params), n, k)
    ins = np.stack([(layers[li][0] ** 2).sum(-1) + layers[li][1] ** 2 for li in range(k)], axis=1)
    outs = np.stack([(layers[li + 1][0] ** 2).sum(-2) for li in range(k)], axis=1)
    return ins, outs


@pytest.fixture(scope="module")
def nets():
    return random_networks(64, seed=1)


@pytest.fixture(scope="module")
def nets_sym(nets):
    return symmetrize(nets, N, K)


@pytest.fixture(scope="module")
def target():
    p = perfect_fit(Example())
    x, y, _ = training_data(p, N, K, 10)
    return p, x, y


def test_output_unchanged_on_dense_grid(nets, nets_sym):
    before = forward_np(nets, GRID, N, K)
    after = forward_np(nets_sym.params, GRID, N, K)
    scale = np.abs(before).max(-1, keepdims=True)
    assert np.all(np.abs(after - before) <= 1e-10 * scale)
    assert nets_sym.converged


def test_energy_never_increases_and_is_minimal_over_the_orbit(nets, nets_sym):
    e_sym = energy(nets_sym.params)
    assert np.all(e_sym <= energy(nets) * (1 + 1e-14))
    assert np.all(e_sym < 0.9 * energy(nets))  # these networks were far from balanced
    # every other member of the orbit (here: near and far rescalings) has at least this energy
    rng = np.random.default_rng(2)
    for spread in (1e-3, 0.1, 1.0):
        scales = np.exp(rng.uniform(-spread, spread, size=(len(nets), K, N)))
        assert np.all(energy(rescale_nodes(nets_sym.params, N, K, scales)) >= e_sym * (1 - 1e-14))


def test_every_hidden_node_is_balanced(nets_sym):
    ins, outs = node_balance(nets_sym.params)
    assert np.all(np.abs(ins - outs) <= 1e-9 * (ins + outs))


def test_nodes_are_sorted_by_incoming_norm(nets_sym):
    ins, _ = node_balance(nets_sym.params)
    assert np.all(np.diff(ins, axis=-1) >= 0)


def test_symmetrizing_twice_changes_nothing(nets, nets_sym):
    again = symmetrize(nets_sym.params, N, K)
    assert again.sweeps == 1  # already balanced to tol: one checking sweep
    # what is left is the balance tolerance itself (|log(in/out)| < 1e-10 moves params by < 1e-10)
    assert np.max(np.abs(again.params - nets_sym.params)) <= 1e-10 * np.abs(nets_sym.params).max()
    tight = symmetrize(nets, N, K, tol=1e-13).params
    twice = symmetrize(tight, N, K, tol=1e-13).params
    assert np.max(np.abs(twice - tight)) <= 1e-13 * np.abs(tight).max()


def test_orbit_members_have_the_same_representative(nets, nets_sym):
    rng = np.random.default_rng(3)
    for _ in range(3):
        scales, perms = random_group_element(rng, len(nets))
        moved = permute_nodes(rescale_nodes(nets, N, K, scales), N, K, perms)
        assert np.max(np.abs(moved - nets)) > 1e-2  # really a different point of parameter space
        np.testing.assert_allclose(forward_np(moved, GRID[::50], N, K),
                                   forward_np(nets, GRID[::50], N, K), rtol=0, atol=1e-9)
        sym = symmetrize(moved, N, K).params
        assert np.max(np.abs(sym - nets_sym.params)) <= 1e-8


def test_perfect_fit_orbit_and_zero_loss(target):
    p, x, y = target
    sym = symmetrize(p, N, K)
    assert sym.params.shape == p.shape and int(sym.dead_nodes) == 0
    assert mse_np(sym.params, x, y, N, K) < 1e-24
    assert energy(sym.params) < 0.1 * energy(p)  # the hand-made fit has very unbalanced layers
    rng = np.random.default_rng(4)
    scales, perms = random_group_element(rng, 1)
    moved = permute_nodes(rescale_nodes(p, N, K, scales[0]), N, K, perms[0])
    assert np.max(np.abs(symmetrize(moved, N, K).params - sym.params)) <= 1e-8


def test_dead_nodes_are_counted_and_give_no_nan():
    p = random_networks(3, seed=5)
    layers = unflatten(p, N, K)  # views into p
    layers[1][0][0, 2, :] = 0.0  # net 0: node 2 of hidden layer 2 has no incoming weights ...
    layers[1][1][0, 2] = 0.0  # ... and no bias
    layers[3][0][0, :, 4] = 0.0  # net 0: node 4 of hidden layer 3 has no outgoing weights
    layers[0][0][1, 1, :] = 0.0  # net 1: node 1 of hidden layer 1 is dead too
    layers[0][1][1, 1] = 0.0
    sym = symmetrize(p, N, K)
    assert np.all(np.isfinite(sym.params))
    assert sym.dead_nodes.tolist() == [2, 1, 0]
    before, after = forward_np(p, GRID, N, K), forward_np(sym.params, GRID, N, K)
    assert np.all(np.abs(after - before) <= 1e-10 * np.abs(before).max(-1, keepdims=True))
    ins, outs = node_balance(sym.params)
    live = (ins > 0) & (outs > 0)
    assert live.sum() == 3 * K * N - 3
    assert np.all(np.abs(ins - outs)[live] <= 1e-9 * (ins + outs)[live])
    assert sym.converged


def test_single_network_matches_batch_row(nets, nets_sym):
    one = symmetrize(nets[7], N, K)
    assert one.params.shape == (n_params(N, K),)
    assert isinstance(int(one.dead_nodes), int)
    np.testing.assert_allclose(one.params, nets_sym.params[7], rtol=0, atol=1e-14)


def test_batch_of_2048_networks():
    p = random_networks(2048, seed=6)
    sym = symmetrize(p, N, K)
    assert sym.params.shape == p.shape and sym.dead_nodes.shape == (2048,)
    assert sym.converged and np.all(np.isfinite(sym.params))
    ins, outs = node_balance(sym.params)
    assert np.all(np.abs(ins - outs) <= 1e-9 * (ins + outs))
    rows = [0, 1000, 2047]
    np.testing.assert_allclose(symmetrize(p[rows], N, K).params, sym.params[rows], rtol=0, atol=1e-14)


def test_other_shapes_work():
    n, k = 3, 2
    p = random_networks(8, seed=7, n=n, k=k)
    sym = symmetrize(p, n, k)
    ins, outs = node_balance(sym.params, n, k)
    assert np.all(np.abs(ins - outs) <= 1e-9 * (ins + outs))
    np.testing.assert_allclose(forward_np(sym.params, GRID, n, k), forward_np(p, GRID, n, k),
                               rtol=0, atol=1e-10 * np.abs(forward_np(p, GRID, n, k)).max())


def test_running_out_of_sweeps_is_reported(nets):
    assert not symmetrize(nets, N, K, max_sweeps=1).converged


def test_group_action_rejects_non_positive_scales(nets):
    with pytest.raises(ValueError, match="positive"):
        rescale_nodes(nets[0], N, K, -np.ones((K, N)))


def test_group_action_by_hand_on_a_two_node_network():
    """(2,1) network, params [W1 (2), b1 (2), W2 (2), b2]: the scalings and the permutation act
    exactly as defined on each entry."""
    p = np.array([1.0, -2.0, 0.5, 3.0, 4.0, -6.0, 0.25])
    scaled = rescale_nodes(p, 2, 1, np.array([[2.0, 0.5]]))
    np.testing.assert_allclose(scaled, [2.0, -1.0, 1.0, 1.5, 2.0, -12.0, 0.25])
    swapped = permute_nodes(p, 2, 1, np.array([[1, 0]]))
    np.testing.assert_array_equal(swapped, [-2.0, 1.0, 3.0, 0.5, -6.0, 4.0, 0.25])
    with pytest.raises(ValueError, match="positive"):
        rescale_nodes(p, 2, 1, np.array([[1.0, 0.0]]))


def test_symmetrize_a_single_node_by_hand():
    """(1,1) network y = w2 relu(w1 x + b1) + b2: balanced when c^2 (w1^2 + b1^2) = w2^2 / c^2,
    i.e. c = (w2^2 / (w1^2 + b1^2))^(1/4); a node without outgoing weight is dead and kept as is."""
    w1, b1, w2, b2 = 3.0, 4.0, 100.0, -1.0
    c = (w2**2 / (w1**2 + b1**2)) ** 0.25
    sym = symmetrize(np.array([w1, b1, w2, b2]), 1, 1, tol=1e-14)
    np.testing.assert_allclose(sym.params, [w1 * c, b1 * c, w2 / c, b2], rtol=1e-12)
    assert int(sym.dead_nodes) == 0 and sym.converged
    dead = symmetrize(np.array([w1, b1, 0.0, b2]), 1, 1)
    np.testing.assert_array_equal(dead.params, [w1, b1, 0.0, b2])
    assert int(dead.dead_nodes) == 1 and dead.sweeps == 1


def test_nodes_with_equal_incoming_norm_are_ordered_by_bias():
    """Two balanced nodes with in = out = 25: the one with the smaller bias comes first."""
    p = np.array([3.0, 4.0, 4.0, 3.0, 5.0, 5.0, 0.0])  # W1 = (3, 4), b1 = (4, 3), W2 = (5, 5)
    sym = symmetrize(p, 2, 1)
    np.testing.assert_allclose(sym.params, [4.0, 3.0, 3.0, 4.0, 5.0, 5.0, 0.0], rtol=1e-15)
    heavier = np.array([3.0, 1.0, 4.0, 0.0, 5.0, 1.0, 0.0])  # in: 25 and 1; out: 25 and 1
    np.testing.assert_allclose(symmetrize(heavier, 2, 1).params, [1.0, 3.0, 0.0, 4.0, 1.0, 5.0, 0.0])


def test_sweep_count_and_max_sweeps():
    nets = random_networks(4, seed=9)
    full = symmetrize(nets, N, K, tol=1e-12)
    assert full.converged and 2 < full.sweeps < 10000
    cut = symmetrize(nets, N, K, tol=1e-12, max_sweeps=full.sweeps - 1)
    assert cut.sweeps == full.sweeps - 1 and not cut.converged
    assert symmetrize(nets, N, K, tol=1e-12, max_sweeps=full.sweeps).converged
    assert energy(np.array([[3.0, 4.0], [1.0, 0.0]])).tolist() == [25.0, 1.0]


def test_float32_input_is_computed_in_float64():
    """A float32 network is widened before any arithmetic: the same result as its float64 copy."""
    p32 = random_networks(3, seed=11).astype(np.float32)
    p64 = p32.astype(np.float64)
    sym32, sym64 = symmetrize(p32, N, K), symmetrize(p64, N, K)
    assert sym32.params.dtype == np.float64 and sym32.dead_nodes.dtype == np.int64
    np.testing.assert_array_equal(sym32.params, sym64.params)
    rng = np.random.default_rng(12)
    scales, perms = random_group_element(rng, 3)
    for moved32, moved64 in [(rescale_nodes(p32, N, K, scales), rescale_nodes(p64, N, K, scales)),
                             (permute_nodes(p32, N, K, perms), permute_nodes(p64, N, K, perms))]:
        assert moved32.dtype == np.float64
        np.testing.assert_array_equal(moved32, moved64)
    assert energy(p32).dtype == np.float64
    np.testing.assert_array_equal(energy(p32), (p64**2).sum(-1))


def test_zero_sweeps_and_the_scale_error_message():
    nets = random_networks(2, seed=13)
    none = symmetrize(nets, N, K, max_sweeps=0)
    assert none.sweeps == 0 and not none.converged
    with pytest.raises(ValueError, match="^node scales must be positive$"):
        rescale_nodes(nets[0], N, K, np.zeros((K, N)))
