"""Pairs of minima: seeded choice, nearest neighbours first, the graph assembled from pair files."""

import numpy as np
import pytest

from nnlandscape.pairs import choose_pairs
from nnlandscape.path_stats import pair_graph, pair_numbers


def test_choose_pairs_takes_nearest_neighbours_then_seeded_random_pairs():
    # points on a line at 0, 1, 1.1, 5, 5.05, 9: the closest nearest-neighbour pairs are (3, 4), (1, 2)
    x = np.array([[0.0], [1.0], [1.1], [5.0], [5.05], [9.0]])
    usable = np.array([0, 1, 2, 3, 4, 5])
    pairs = choose_pairs(x, usable, neighbours=2, random=3, seed=4)
    assert pairs[:2].tolist() == [[3, 4], [1, 2]]
    assert len({tuple(p) for p in pairs.tolist()}) == 5 and (pairs[:, 0] < pairs[:, 1]).all()
    np.testing.assert_array_equal(pairs, choose_pairs(x, usable, 2, 3, seed=4))
    # rows index the file: only usable rows appear
    some = choose_pairs(x, np.array([0, 3, 5]), neighbours=1, random=1, seed=4)
    assert set(some.ravel().tolist()) <= {0, 3, 5} and some[0].tolist() == [3, 5]
    with pytest.raises(ValueError, match="lower pairs.random"):
        choose_pairs(x, np.array([0, 3, 5]), neighbours=1, random=3, seed=4)


def test_pair_graph_from_hand_made_paths():
    def path(a, b, top, ea, eb):
        return {"pair": np.array([a, b]), "energy": np.array([ea, top, eb]),
                "straight_energy": np.array([ea, 2 * top, eb]), "converged": np.bool_(top < 9)}

    files = [path(10, 11, 3.0, 1.0, 2.0), path(11, 12, 5.0, 2.0, 0.5), path(10, 12, 9.0, 1.0, 0.5)]
    g = pair_graph(files)
    assert g["minima"].tolist() == [10, 11, 12]
    np.testing.assert_array_equal(g["barrier"], [1.0, 3.0, 8.0])
    np.testing.assert_array_equal(g["join_level"], [3.0, 5.0])  # 10-12 joins through 11, not at 9
    n = pair_numbers(g, "pairs_gd")
    assert n["pairs_gd_barrier_median"] == 3.0
    assert g["converged"].tolist() == [True, True, False] and n["pairs_gd_converged"] == 2
    assert n["pairs_gd_straight_ratio_median"] == pytest.approx(np.median([1 / 4, 3 / 8, 8 / 17]))
    assert n["pairs_gd_barrier_over_loss"] == pytest.approx(3.0 / np.mean([1.0, 2.0, 0.5]))


def test_disconnectivity_figure_draws_every_join():
    from nnlandscape.figures.neb import figure_disconnectivity

    def path(a, b, top, ea, eb):
        return {"pair": np.array([a, b]), "energy": np.array([ea, top, eb]),
                "straight_energy": np.array([ea, 2 * top, eb]), "converged": np.False_}

    g = pair_graph([path(0, 1, 3.0, 1.0, 2.0), path(1, 2, 5.0, 2.0, 0.5)])
    fig = figure_disconnectivity({"gd": g, "adadelta": g})
    ax = fig.axes[0]
    bars = [line for line in ax.lines if np.ptp(line.get_ydata()) == 0]
    assert sorted(float(b.get_ydata()[0]) for b in bars) == [3.0, 5.0]
    assert ax.get_ylabel() == "training MSE" and ax.get_xlabel()


def test_pair_pool_adds_uncertified_minima_only_when_certified_ones_are_too_few():
    from nnlandscape.pairs import pair_pool

    settled = {"kind": np.array([0, 2, 1, 3, 3, 0], np.int64)}
    assert pair_pool(settled, 3).tolist() == [0, 2, 5]  # 3 certified give 3 pairs
    # then the uncertified (kind 3), and those with descent (kind 2) only as the last resort
    assert pair_pool(settled, 4).tolist()[:3] == [0, 2, 5]
    assert sorted(pair_pool(settled, 4).tolist()[3:]) == [1, 3, 4]
