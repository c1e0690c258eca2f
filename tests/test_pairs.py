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
                "segment_max": np.array([min(ea, top), min(top, eb)]),
                "straight_energy": np.array([ea, 2 * top, eb]), "converged": np.bool_(top < 9),
                "route_top": np.float64(100.0)}

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
    # files without the sampled test: NaN; with it, each band's worst image, and their median
    assert np.isnan(g["eps_stationarity"]).all() and np.isnan(n["pairs_gd_eps_stationarity_median"])
    files = [f | {"eps_stationarity": np.array(e)} for f, e in
             zip(files, ([0.1, 0.7], [0.05, 0.02], [0.3, 0.2]), strict=True)]
    g = pair_graph(files)
    np.testing.assert_array_equal(g["eps_stationarity"], [0.7, 0.05, 0.3])
    assert pair_numbers(g, "p")["p_eps_stationarity_median"] == 0.3
    # a graph file from before the sampled test: NaN, not an error
    old = {k: v for k, v in g.items() if k != "eps_stationarity"}
    assert np.isnan(pair_numbers(old, "p")["p_eps_stationarity_median"])


def test_disconnectivity_figure_draws_every_join():
    from nnlandscape.figures.neb import figure_disconnectivity

    def path(a, b, top, ea, eb):
        return {"pair": np.array([a, b]), "energy": np.array([ea, top, eb]),
                "segment_max": np.array([min(ea, top), min(top, eb)]),
                "straight_energy": np.array([ea, 2 * top, eb]), "converged": np.False_,
                "route_top": np.float64(100.0)}

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


def test_pair_path_runs_the_band_between_the_chosen_pair_with_the_config(monkeypatch):
    import nnlandscape.pairs as pairs_mod
    from nnlandscape.band import NebConfig

    calls = []

    def fake_path(start, end, x, y, n, k, cfg, beta, saddle_tol, probe_step, probe_directions, seed,
                  ridge):
        calls.append(dict(start=start, end=end, x=x, y=y, n=n, k=k, cfg=cfg, beta=beta,
                          saddle_tol=saddle_tol, probe_step=probe_step,
                          probe_directions=probe_directions, seed=seed, ridge=ridge))
        return {"images": np.stack([start, end]), "energy": np.zeros(2)}

    pf = {"n": np.int64(3), "k": np.int64(2), "x_train": np.linspace(-1, 1, 4), "y_train": np.ones(4)}
    monkeypatch.setattr(pairs_mod, "network_path", fake_path)
    monkeypatch.setattr(pairs_mod, "path_beta",
                        lambda fit, sm: 300.0 if fit is pf and sm == {"betas": [300]} else -1.0)
    # minima on a line at 0, 1, 1.1, 5, 9; rows 1 and 2 are the nearest pair; row 4 is not certified
    params = np.array([[0.0, 0.0], [1.0, 0.0], [1.1, 0.0], [5.0, 0.0], [9.0, 0.0]])
    minima = {"params_sym": params, "kind": np.array([0, 1, 0, 0, 3])}
    neb = {"images": 12, "spring": 2.0, "saddle_tol": "1e-6", "probe_step": "0.01",
           "probe_directions": "5", "paths": 3, "space": "readout", "readout_ridge": "1e-5"}
    pairs = {"neighbours": "1", "random": "2", "seed": "11"}
    out = pairs_mod.pair_path(pf, minima, 0, neb, pairs, {"betas": [300]})
    call = calls[-1]
    assert out["pair"].tolist() == [1, 2] and out["pair"].dtype == np.int64
    assert out["end_kind"].tolist() == [1, 0] and out["end_kind"].dtype == np.int64
    assert call["start"].tolist() == [1.0, 0.0] and call["end"].tolist() == [1.1, 0.0]
    assert (call["n"], call["k"]) == (3, 2) and type(call["n"]) is int and type(call["k"]) is int
    assert call["x"] is pf["x_train"] and call["y"] is pf["y_train"]
    assert call["cfg"] == NebConfig.from_config(neb) and call["beta"] == 300.0
    assert (call["saddle_tol"], call["probe_step"], call["probe_directions"]) == (1e-6, 0.01, 5)
    assert type(call["probe_directions"]) is int and type(call["saddle_tol"]) is float
    assert call["seed"] == 11 and np.array_equal(out["images"], params[[1, 2]])
    assert call["ridge"] == 1e-5 and type(call["ridge"]) is float
    pairs_mod.pair_path(pf, minima, 0, {**neb, "space": "full"}, pairs, {"betas": [300]})
    assert calls[-1]["ridge"] is None
    # the pair index picks the pair of choose_pairs on the certified rows and offsets the seed
    want = choose_pairs(params, np.array([0, 1, 2, 3]), 1, 2, 11)
    for index in (1, 2):
        out = pairs_mod.pair_path(pf, minima, index, neb, pairs, {"betas": [300]})
        assert out["pair"].tolist() == want[index].tolist() and calls[-1]["seed"] == 11 + index
    for index in (-1, 3):
        with pytest.raises(ValueError, match=f"pair {index} requested, config pairs gives 3 pairs"):
            pairs_mod.pair_path(pf, minima, index, neb, pairs, {"betas": [300]})
    # a fits file has no kinds: end kinds are -1; 5 pairs asked of 4 certified rows (6 pairs) are
    # drawn from those; 7 pairs take the uncertified row too
    fits = {"params_sym": params, "dead": np.array([0, 0, 0, 0, 1], bool), "diverged": np.zeros(5, bool)}
    assert pairs_mod.pair_path(pf, fits, 0, neb, pairs, {"betas": [300]})["end_kind"].tolist() == [-1, -1]
    many = {"neighbours": 1, "random": 6, "seed": 11}
    used = {int(v) for i in range(7)
            for v in pairs_mod.pair_path(pf, minima, i, neb, many, {"betas": [300]})["pair"]}
    assert used == {0, 1, 2, 3, 4}


def test_pair_graph_keeps_the_lowest_path_between_two_minima_and_lays_out_the_tree():
    def path(a, b, top, ea, eb, straight_top):
        return {"pair": np.array([a, b]), "energy": np.array([ea, 0.5 * (ea + top), top, eb]),
                "segment_max": np.array([ea, 0.5 * (ea + top), eb]),
                "straight_energy": np.array([ea, straight_top, eb]), "converged": np.bool_(top < 5),
                "route_top": np.float64(100.0)}

    files = [path(10, 11, 3.0, 1.0, 2.0, 4.0), path(11, 12, 5.0, 2.0, 0.5, 2.0),
             path(10, 11, 2.5, 1.0, 2.0, 3.0), path(10, 12, 9.0, 1.0, 0.5, 9.0)]
    g = pair_graph(files)
    assert g["minima"].tolist() == [10, 11, 12] and g["minima"].dtype == np.int64
    assert g["energy"].tolist() == [1.0, 2.0, 0.5]
    inf = np.inf
    np.testing.assert_array_equal(g["saddle"], [[inf, 2.5, 9.0], [2.5, inf, 5.0], [9.0, 5.0, inf]])
    assert g["pairs"].tolist() == [[10, 11], [11, 12], [10, 11], [10, 12]]
    np.testing.assert_array_equal(g["barrier"], [1.0, 3.0, 0.5, 8.0])
    np.testing.assert_array_equal(g["image_barrier"], g["barrier"])  # no ridge inside a segment
    np.testing.assert_array_equal(g["straight_barrier"], [2.0, 0.0, 1.0, 8.0])
    assert g["converged"].tolist() == [True, False, True, False]
    np.testing.assert_array_equal(g["tree"], [[0, 1, 2.5], [1, 2, 5.0]])
    # 10 and 11 join at 2.5 (node 3), then node 3 and 12 at 5
    assert g["join_left"].tolist() == [0, 3] and g["join_right"].tolist() == [1, 2]
    np.testing.assert_array_equal(g["join_level"], [2.5, 5.0])
    np.testing.assert_array_equal(g["leaf_x"], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(g["node_x"], [0.5, 1.25])
    n = pair_numbers(g, "p")
    assert np.isnan(n.pop("p_eps_stationarity_median"))  # hand-made files without the sampled test
    assert n == pytest.approx({"p_pairs": 4, "p_converged": 2, "p_minima": 3, "p_barrier_median": 2.0,
                               "p_image_barrier_median": 2.0,
                               "p_straight_barrier_median": 1.5,
                               "p_barrier_over_loss": 2.0 / (3.5 / 3),
                               "p_straight_ratio_median": 0.5,  # 1/2, 0.5/1, 8/8; the flat one is out
                               "p_joins": 2,
                               # route tops at 100, far above every band: they change nothing
                               "p_route_barrier_median": 98.0, "p_above_route": 0,
                               "p_best_barrier_median": 2.0, "p_best_barrier_over_loss": 2.0 / (3.5 / 3)})
    assert all(type(n[k]) is int for k in ("p_pairs", "p_converged", "p_minima", "p_joins"))
    flat = pair_numbers(dict(g, straight_barrier=np.zeros(4)), "p")
    assert np.isnan(flat["p_straight_ratio_median"])


def test_choose_pairs_at_its_limits():
    x = np.array([[0.0], [1.0], [1.1], [5.0]])
    # two usable minima give their one pair; one gives none
    assert choose_pairs(x, np.array([0, 3]), 1, 0, seed=0).tolist() == [[0, 3]]
    with pytest.raises(ValueError, match="pairs need at least 2 usable minima, got 1"):
        choose_pairs(x, np.array([2]), 1, 0, seed=0)
    # every pair of 4 minima: 2 nearest-neighbour pairs, then the other 4 drawn without repeats
    everything = choose_pairs(x, np.arange(4), 2, 4, seed=3)
    assert sorted(map(tuple, everything.tolist())) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    with pytest.raises(ValueError, match="7 pairs requested but 4 usable minima give only 6"):
        choose_pairs(x, np.arange(4), 2, 5, seed=3)
    # no pairs asked: an empty (0, 2) array of row indices
    none = choose_pairs(x, np.arange(4), 0, 0, seed=3)
    assert none.shape == (0, 2) and none.dtype == np.int64
    # integer coordinates are measured by their values (no unsigned wrap-around)
    small = np.array([[0], [10], [11]], np.uint8)
    assert choose_pairs(small, np.arange(3), 1, 0, seed=0).tolist() == [[1, 2]]


def test_random_pairs_never_repeat():
    x = np.arange(6.0)[:, None]
    for seed in range(3):
        every = choose_pairs(x, np.arange(6), 0, 15, seed=seed)  # all 15 pairs, drawn at random
        assert len({tuple(p) for p in every.tolist()}) == 15


def test_the_constant_output_route_lowers_a_saddle_only_where_it_is_below_the_band():
    def path(a, b, top, ea, eb, route):
        return {"pair": np.array([a, b]), "energy": np.array([ea, top, eb]),
                "segment_max": np.array([min(ea, top), min(top, eb)]),
                "straight_energy": np.array([ea, 2 * top, eb]), "converged": np.True_,
                "route_top": np.float64(route)}

    # 10-11: band top 3, route 2.5 (lower); 11-12: band top 5, route 7 (higher); a second 10-11
    # path after the first, higher on both counts, keeps the saddle at 2.5; 10-12: band top 4 and
    # route 4 (a tie is not above)
    g = pair_graph([path(10, 11, 3.0, 1.0, 2.0, 2.5), path(11, 12, 5.0, 2.0, 0.5, 7.0),
                    path(10, 11, 4.0, 1.0, 2.0, 6.0), path(10, 12, 4.0, 1.0, 0.5, 4.0)])
    assert g["saddle"][0, 1] == g["saddle"][1, 0] == 2.5 and g["saddle"][1, 2] == 5.0
    assert g["saddle"][0, 2] == 4.0
    np.testing.assert_array_equal(g["barrier"], [1.0, 3.0, 2.0, 3.0])
    np.testing.assert_array_equal(g["route_barrier"], [0.5, 5.0, 4.0, 3.0])
    np.testing.assert_array_equal(g["join_level"], [2.5, 4.0])
    n = pair_numbers(g, "p")
    assert n["p_route_barrier_median"] == 3.5 and n["p_above_route"] == 1
    assert n["p_best_barrier_median"] == 2.5  # median of 0.5, 3, 2, 3
    assert n["p_best_barrier_over_loss"] == pytest.approx(2.5 / np.mean([1.0, 2.0, 0.5]))
