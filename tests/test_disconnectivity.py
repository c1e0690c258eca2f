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


def five_minima():
    """four_minima plus an isolated minimum 4 (energy 3) that no path reaches."""
    e, s = four_minima()
    big = np.full((5, 5), INF)
    big[:4, :4] = s
    return np.append(e, 3.0), big


def test_a_forest_with_an_isolated_minimum_by_hand():
    e, s = five_minima()
    edges = spanning_tree(s)
    np.testing.assert_array_equal(edges, [[2, 3, 2.5], [0, 1, 3.0], [1, 2, 4.0]])
    assert edges.dtype == np.float64
    joins = superbasin_joins(e, s)
    # 2+3 -> node 5 at 2.5, 0+1 -> node 6 at 3, 6+5 -> node 7 at 4; minimum 4 joins nothing
    assert joins.left.tolist() == [2, 0, 6] and joins.right.tolist() == [3, 1, 5]
    np.testing.assert_array_equal(joins.level, [2.5, 3.0, 4.0])
    assert joins.left.dtype == np.int64 and joins.right.dtype == np.int64
    mm = minimax_saddles(e, s)
    want = np.array([[0.0, 3.0, 4.0, 4.0, INF], [3.0, 1.0, 4.0, 4.0, INF], [4.0, 4.0, 2.0, 2.5, INF],
                     [4.0, 4.0, 2.5, 0.5, INF], [INF, INF, INF, INF, 3.0]])
    np.testing.assert_array_equal(mm, want)
    leaves, nodes = graph_layout(e, joins)
    # the tree's leaves in order 0 1 2 3, the isolated minimum after them; merges above the middle
    np.testing.assert_array_equal(leaves, [0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(nodes, [2.5, 0.5, 1.5])


def test_negative_saddles_near_symmetry_and_empty_graphs():
    s = np.array([[INF, -2.0, -5.0], [-2.0, INF, -1.0], [-5.0, -1.0 + 1e-12, INF]])
    np.testing.assert_array_equal(spanning_tree(s), [[0, 2, -5.0], [0, 1, -2.0]])
    joins = superbasin_joins(np.array([-3.0, -1.5, -6.0]), s)
    # a saddle below its minima joins at the higher minimum's energy
    np.testing.assert_array_equal(joins.level, [-3.0, -1.5])
    assert spanning_tree(np.full((3, 3), INF)).shape == (0, 3)
    empty = superbasin_joins(np.array([1.0, 2.0]), np.full((2, 2), INF))
    assert empty.left.size == 0 and empty.level.size == 0
    assert empty.left.dtype == np.int64 and empty.right.dtype == np.int64  # node ids even when empty
    # saddles of either sign: the shift that makes scipy's weights positive never drops an edge
    s2 = np.array([[INF, -2.0, 5.0], [-2.0, INF, 1.0], [5.0, 1.0, INF]])
    np.testing.assert_array_equal(spanning_tree(s2), [[0, 1, -2.0], [1, 2, 1.0]])
    leaves, nodes = graph_layout(np.array([1.0, 2.0]), empty)
    assert leaves.tolist() == [0.0, 1.0] and nodes.size == 0
    with pytest.raises(ValueError, match="symmetric"):
        spanning_tree(np.array([[INF, 3.0], [INF, INF]]))  # a path one way only
    with pytest.raises(ValueError, match="^saddle matrix must be symmetric$"):
        spanning_tree(np.array([[0.0, 1.0], [1.5, 0.0]]))
    with pytest.raises(ValueError, match=r"square, got shape \(3,\)"):
        spanning_tree(np.zeros(3))
    with pytest.raises(ValueError, match="does not match 3 energies"):
        superbasin_joins(np.zeros(3), np.full((2, 2), INF))


def test_a_graph_without_minima_is_empty():
    joins = superbasin_joins(np.zeros(0), np.zeros((0, 0)))
    leaves, nodes = graph_layout(np.zeros(0), joins)
    assert leaves.shape == (0,) and nodes.shape == (0,)
    assert minimax_saddles(np.zeros(0), np.zeros((0, 0))).shape == (0, 0)


def test_joined_trees_are_drawn_before_isolated_minima():
    e = np.array([0.5, 0.0, 1.0])  # minimum 0 is joined to nothing; 1 and 2 join at 2
    s = np.full((3, 3), INF)
    s[1, 2] = s[2, 1] = 2.0
    leaves, nodes = graph_layout(e, superbasin_joins(e, s))
    np.testing.assert_array_equal(leaves, [2.0, 0.0, 1.0])
    np.testing.assert_array_equal(nodes, [0.5])
