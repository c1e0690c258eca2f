"""Embedding a network in a larger one, the full sawtooth, and the per-size loss numbers."""

import numpy as np
import pytest

from nnlandscape.capacity import embed, full_sawtooth_arrays, larger_numbers, sawtooth_numbers
from nnlandscape.construction import Example, perfect_fit_arrays
from nnlandscape.network import forward_np, mse_np, n_params

GRID = np.linspace(-1.0, 1.0, 4001)


@pytest.fixture(scope="module")
def pf():
    return perfect_fit_arrays(Example())


@pytest.mark.parametrize("n_big,k_big", [(5, 5), (10, 5), (20, 5), (5, 10), (7, 8)])
def test_embedded_perfect_fit_has_the_same_output_and_zero_loss(pf, n_big, k_big):
    big = embed(pf["params"], 5, 5, n_big, k_big)
    assert big.shape == (n_params(n_big, k_big),)
    assert np.allclose(forward_np(big, GRID, n_big, k_big), forward_np(pf["params"], GRID, 5, 5),
                       rtol=0, atol=1e-12)
    assert mse_np(big, pf["x_train"], pf["y_train"], n_big, k_big) < 1e-24


def test_embedding_any_network_keeps_its_output():
    """Identity carriers work for any network: the hidden outputs they copy are non-negative."""
    rng = np.random.default_rng(4)
    for _ in range(5):
        small = rng.normal(size=n_params(3, 4))
        big = embed(small, 3, 4, 6, 7)
        assert np.allclose(forward_np(big, GRID, 6, 7), forward_np(small, GRID, 3, 4), atol=1e-12)
    # the extra nodes and carriers add no non-zero weight beyond the identity entries
    big = embed(small, 3, 4, 6, 4)
    assert np.count_nonzero(big) == np.count_nonzero(small)


def test_embedding_into_a_smaller_network_fails(pf):
    with pytest.raises(ValueError, match="smaller"):
        embed(pf["params"], 5, 5, 4, 5)
    with pytest.raises(ValueError, match="smaller"):
        embed(pf["params"], 5, 5, 5, 4)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_full_sawtooth_has_n_to_the_k_minus_one_knots(n):
    arrays = full_sawtooth_arrays(Example(n=n, k=5, n1=n, n2=0, amplitude=0.7), grid_size=2001)
    numbers = sawtooth_numbers(arrays)
    assert numbers["sawtooth_knots"] == n**5 - 1 == numbers["sawtooth_knots_formula"]
    assert np.allclose([arrays["y_grid"].min(), arrays["y_grid"].max()], [-0.7, 0.7], atol=1e-9)
    with pytest.raises(ValueError, match="spline"):
        full_sawtooth_arrays(Example(n=5, k=5, n1=3, n2=2))


def test_larger_numbers():
    losses = {(5, 5): {"gd": np.array([0.2, 0.3, 0.4]), "adadelta": np.array([0.1, 0.2, 0.3])},
              (10, 5): {"gd": np.array([0.1, 0.2, 0.3]), "adadelta": np.array([0.01, 0.02, 1e-8])},
              (5, 10): {"gd": np.array([0.5, 0.6, np.inf]), "adadelta": np.array([0.3, 0.4, 0.5])}}
    out = larger_numbers(losses, (5, 5), 1e-6)
    assert out["larger_10x5_adadelta_loss_median"] == pytest.approx(0.01)
    assert out["larger_10x5_adadelta_loss_best"] == pytest.approx(1e-8)
    assert out["larger_10x5_adadelta_global_fraction"] == pytest.approx(1 / 3)
    assert out["larger_5x10_gd_loss_median"] == pytest.approx(0.55)  # the diverged fit is left out
    assert out["larger_first_size"] == "(10,5)"
    assert out["larger_size_list"] == "(10,5), (5,10)"
    assert out["larger_first_adadelta_fit_loss"] == pytest.approx(0.01)
    assert out["larger_best_adadelta_size"] == "(10,5)"
    assert out["larger_best_adadelta_improvement"] == pytest.approx(20.0)
    assert out["larger_adadelta_sizes_better"] == 1
    assert out["larger_gd_sizes_better"] == 1
    with pytest.raises(ValueError, match="larger"):
        larger_numbers({(5, 5): losses[(5, 5)]}, (5, 5), 1e-6)
