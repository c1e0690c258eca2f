"""Settled end points as results: selection, join, certification and every number the paper quotes,
on hand-made settled arrays whose values are known (NumPy only, no settling)."""

import numpy as np
import pytest

from nnlandscape.settled import SETTLED_ARRAYS, certified, join_settled, selection, settle_numbers


def settled(kind, loss_start, loss, **extra):
    m = len(kind)
    s = {"kind": np.array(kind), "loss_start": np.array(loss_start, np.float64),
         "loss": np.array(loss, np.float64), "moved": np.arange(1.0, m + 1),
         "stationarity": np.full(m, 1e-9), "kinks": np.zeros(m, np.int64),
         "extra_flat": np.zeros(m, np.int64), "eig_min_relative": np.zeros(m),
         "iterations": np.full(m, 3, np.int64)}
    return s | {k: np.asarray(v) for k, v in extra.items()}


def test_certified_means_a_smooth_or_a_kink_minimum():
    # kinds: 0 smooth minimum, 1 kink minimum, 2 descent found, 3 not certified
    assert certified({"kind": np.array([0, 1, 2, 3, 1, 0])}).tolist() == [True, True, False, False,
                                                                           True, True]
    assert certified({"kind": [3, 2]}).tolist() == [False, False]


def test_selection_skips_dead_and_diverged_fits_and_keeps_order():
    minima = {"dead": [0, 0, 1, 0, 0, 0], "diverged": [1, 0, 0, 0, 1, 0]}
    assert selection(minima, 2).tolist() == [1, 3]
    assert selection(minima, 3).tolist() == [1, 3, 5]
    assert selection(minima, 0).tolist() == []


def test_join_settled_concatenates_every_array_in_shard_order():
    def shard(start, m):
        return {name: (np.arange(start, start + m, dtype=np.float64)[:, None] * np.ones((1, 2))
                       if dim == 2 else np.arange(start, start + m)) for name, dim in SETTLED_ARRAYS.items()}

    joined = join_settled([shard(0, 2), shard(2, 0), shard(2, 3)])
    assert set(joined) == set(SETTLED_ARRAYS)
    for name, dim in SETTLED_ARRAYS.items():
        assert joined[name].ndim == dim and len(joined[name]) == 5
        assert (joined[name].reshape(5, -1)[:, 0] == np.arange(5)).all()
    with pytest.raises(KeyError):
        join_settled([{"loss": np.zeros(1)}])


def test_settle_numbers_by_hand():
    s = settled(kind=[0, 1, 2, 3, 0], loss_start=[1.0, 0.5, 0.4, 0.2, 0.0],
                loss=[0.5, 0.5, 0.1, 0.05, 0.0],
                moved=[0.1, 0.2, 0.3, 0.4, 0.5], stationarity=[1e-9, 1e-8, 1e-3, 1e-2, 1e-10],
                kinks=[0, 2, 0, 1, 3], extra_flat=[3, 7, 9, 9, 5],
                eig_min_relative=[-1e-9, 5.0, 5.0, 5.0, 2e-9], iterations=[4, 1, 9, 2, 6])
    other = settled(kind=[2, 2], loss_start=[1.0, 1.0], loss=[0.9, 0.7])
    out = settle_numbers({"gd": s, "adadelta": other}, "pre")
    gd = {k[len("pre_gd_"):]: v for k, v in out.items() if k.startswith("pre_gd_")}
    assert gd["count"] == 5 and isinstance(gd["count"], int)
    assert (gd["smooth"], gd["kink"], gd["descent"], gd["uncertified"]) == (2, 1, 1, 1)
    assert (gd["smooth_share"], gd["kink_share"], gd["descent_share"], gd["uncertified_share"]) == (
        0.4, 0.2, 0.2, 0.2)
    assert gd["certified"] == 3 and gd["certified_share"] == pytest.approx(0.6)
    assert gd["loss_start_median"] == 0.4 and gd["loss_median"] == 0.1 and gd["loss_min"] == 0.0
    assert gd["loss_certified_median"] == 0.5  # 0.5, 0.5, 0.0
    # drops 1 - loss / loss_start: 0.5, 0, 0.75, 0.75, and 1 (not NaN) from a start at 0 to 0
    assert gd["drop_median"] == pytest.approx(0.75) and gd["drop_max"] == 1.0
    assert gd["moved_median"] == 0.3 and gd["stationarity_median"] == 1e-8
    assert gd["kinks_median"] == 1 and gd["on_kinks_share"] == pytest.approx(0.6)
    # extra flat directions and the smallest relative eigenvalue: smooth minima only (3 and 5)
    assert gd["extra_flat_median"] == 4 and gd["extra_flat_min"] == 3
    assert gd["eig_min_relative_median"] == pytest.approx(0.5e-9)
    assert gd["iterations_median"] == 4
    assert len(gd) == 25 and all(isinstance(v, float) for k, v in gd.items()
                                 if k not in ("count", "smooth", "kink", "descent", "uncertified",
                                              "certified"))
    # no certified or smooth minimum: those numbers are not defined (NaN), the counts are 0
    assert out["pre_adadelta_certified"] == 0 and out["pre_adadelta_descent_share"] == 1.0
    assert np.isnan(out["pre_adadelta_loss_certified_median"])
    assert np.isnan(out["pre_adadelta_extra_flat_median"]) and np.isnan(out["pre_adadelta_extra_flat_min"])
    assert np.isnan(out["pre_adadelta_eig_min_relative_median"])
    assert out["pre_adadelta_drop_max"] == pytest.approx(0.3)
