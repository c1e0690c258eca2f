"""Shards: determinism, joining, dead-fit detection and fit statistics."""

import numpy as np
import pytest

from nnlandscape.construction import Example, perfect_fit_arrays
from nnlandscape.fits import ShardSpec, dead_fits, fit_statistics, join_minima, train_shard
from nnlandscape.train import OptimizerConfig


@pytest.fixture(scope="module")
def pf():
    return perfect_fit_arrays(Example())


def spec(index, optimizer="gd"):
    return ShardSpec(example="main", optimizer=OptimizerConfig(optimizer, 1e-3 if optimizer == "gd" else 1.0),
                     n=5, k=5, index=index, count=10, shard_size=4, steps=50, seed=1)


def test_same_shard_rerun_gives_identical_arrays(pf):
    a = train_shard(spec(1), pf["x_train"], pf["y_train"])
    b = train_shard(spec(1), pf["x_train"], pf["y_train"])
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert list(a["fit_index"]) == [4, 5, 6, 7]


def test_shard_does_not_depend_on_shard_size(pf):
    """Fit i's result is a function of i alone: the same fit in another shard layout matches."""
    a = train_shard(spec(1), pf["x_train"], pf["y_train"])
    other = ShardSpec(**{**spec(0).__dict__, "shard_size": 8})
    b = train_shard(other, pf["x_train"], pf["y_train"])
    assert np.allclose(a["params"], b["params"][4:8], rtol=1e-5, atol=1e-7)
    assert np.array_equal(a["init_seed"], b["init_seed"][4:8])


def test_join_orders_shards_and_symmetrizes(pf):
    shards = [train_shard(spec(i), pf["x_train"], pf["y_train"]) for i in range(3)]
    minima = join_minima(shards, pf["x_train"], 5, 5, dead_std=1e-4)
    assert minima["params"].shape == minima["params_sym"].shape == (10, 136)
    assert list(minima["fit_index"]) == list(range(10))
    with pytest.raises(ValueError, match="order"):
        join_minima(shards[::-1], pf["x_train"], 5, 5, dead_std=1e-4)


def test_dead_fits_and_statistics(pf):
    x, y = pf["x_train"], pf["y_train"]
    params = np.stack([pf["params"], np.zeros_like(pf["params"])])
    dead = dead_fits(params, x, 5, 5, 1e-4)
    assert list(dead) == [False, True]
    minima = {"params": params, "loss": np.array([0.0, y.var()]), "dead": dead,
              "diverged": np.zeros(2, bool)}
    stats = fit_statistics(minima, x, y, 5, 5, global_threshold=1e-6, smooth_band=0.1)
    assert stats["global_fraction"] == 0.5 and stats["dead"] == 1
    assert stats["smooth_fit_loss"] < 1e-24  # the mean of the one live fit is the perfect fit
