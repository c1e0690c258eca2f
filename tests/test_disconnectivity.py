"""Disconnectivity graph of hand-made barrier matrices whose joins are known."""

import numpy as np
import pytest

from nnlandscape.disconnectivity import graph_layout, minimax_saddles, spanning_tree, superbasin_joins

INF = np.inf


def four_minima():
    """Minima 0..3; direct saddles 0-1: 3, 1-2: 4, 0-2: 10 (never used), 2-3: 2.5."""
    e = np.array([0.0, 1.0, 2.0, 0.5])
    s = np.full((4, 4), INF)
    for i, j, h in ((0, 1, 3.0), (1, 2, 4.0), (0, 2, 10.0), (2, 3, 2.5)):
        s[i, j] = s[j, i] = h
    return e, s


def test_spanning_tree_keeps_the_lowest_saddles():
    e, s = four_minima()
    edges = spanning_tree(s)
    assert [(int(i), int(j), h) for i, j, h in edges] == [(2, 3, 2.5), (0, 1, 3.0), (1, 2, 4.0)]


def test_joins_and_minimax_levels():
    e, s = four_minima()
    joins = superbasin_joins(e, s)
    # 2 and 3 join first (node 4), then 0 and 1 (node 5), then both superbasins at 4
    assert joins.left.tolist() == [2, 0, 5] and joins.right.tolist() == [3, 1, 4]
    np.testing.assert_array_equal(joins.level, [2.5, 3.0, 4.0])
    mm = minimax_saddles(e, s)
    assert mm[0, 2] == 4.0 and mm[0, 3] == 4.0 and mm[0, 1] == 3.0 and mm[2, 3] == 2.5
    # the direct saddle 0-2 (10) is not the lowest way over: the chain through 1 is
    assert mm[0, 2] < s[0, 2]
    np.testing.assert_array_equal(mm, mm.T)
    leaves, nodes = graph_layout(e, joins)
    assert sorted(leaves.tolist()) == [0, 1, 2, 3]
    assert abs(leaves[0] - leaves[1]) == 1 and abs(leaves[2] - leaves[3]) == 1  # no crossing
    assert nodes[2] == pytest.approx(0.5 * (nodes[0] + nodes[1]))


def test_saddle_below_a_minimum_joins_at_the_minimum_and_gaps_stay_apart():
    e = np.array([0.0, 5.0, 1.0])
    s = np.full((3, 3), INF)
    s[0, 1] = s[1, 0] = 3.0  # a band that found no barrier above the higher end
    joins = superbasin_joins(e, s)
    np.testing.assert_array_equal(joins.level, [5.0])
    assert minimax_saddles(e, s)[0, 2] == INF  # minimum 2 is joined to nothing


def test_bad_matrices_are_refused():
    with pytest.raises(ValueError, match="symmetric"):
        spanning_tree(np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="square"):
        spanning_tree(np.zeros((2, 3)))
