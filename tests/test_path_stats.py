"""Numbers about paths: angles, where the energy drops, barriers, the numbers the paper quotes."""

import numpy as np
import pytest

from nnlandscape.path_stats import barrier, difference_angles, drop_arc, neb_numbers


def test_difference_angles_and_drop_arc():
    line = np.outer(np.arange(5.0), [1.0, 2.0])
    np.testing.assert_allclose(difference_angles(line), 0.0, atol=1e-6)
    corner = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(difference_angles(corner), [90.0, 90.0])
    arc = np.linspace(0, 1, 6)
    energy = np.array([0.0, 0.001, 0.05, 0.2, 0.21, 0.2])
    assert drop_arc(energy, arc, 0.5) == pytest.approx(0.4)
    assert barrier(energy) == pytest.approx(0.01)


def test_path_statistics_of_a_flat_then_dropping_profile():
    arc = np.linspace(0, 1, 11)
    energy = np.array([1e-30, 1e-3, 0.05, 0.15, 0.19, 0.2, 0.21, 0.2, 0.22, 0.2, 0.2])
    images = np.column_stack([arc, np.zeros_like(arc)])
    images[::2, 1] = 0.1  # a zigzag: every turning angle is the same
    path = {"energy": energy, "midpoint_energy": np.maximum(energy[1:], energy[:-1]) * 1.5,
            "segment_max": np.minimum(energy[1:], energy[:-1]),
            "arc": arc, "images": images, "converged": np.bool_(False), "iterations": np.int64(7),
            "max_perp_force": np.float64(0.1), "fit_index": np.int64(3), "seconds": np.float64(2.0),
            "force_history": np.array([3.0, 0.5, 0.1])}
    numbers = neb_numbers([path, path], drop_fraction=0.5, plateau_fraction=0.9)
    assert numbers["neb_paths"] == 2 and numbers["neb_converged"] == 0
    assert numbers["neb_initial_force_median"] == 3.0
    assert numbers["neb_barrier_median"] == pytest.approx(0.02)
    assert numbers["neb_bumps_median"] == 2
    assert numbers["neb_drop_arc_median"] == pytest.approx(0.2)
    assert numbers["neb_plateau_arc_median"] == pytest.approx(0.3)
    assert numbers["neb_midpoint_ratio_median"] == pytest.approx(1.5)
    zigzag = float(np.degrees(2 * np.arctan(0.1 / 0.1)))
    assert numbers["neb_angle_descent_median"] == pytest.approx(zigzag)
    assert numbers["neb_angle_plateau_median"] == pytest.approx(zigzag)


def test_saddle_numbers_name_the_unverified_and_compare_with_the_straight_band():
    arc = np.linspace(0, 1, 5)
    base = {"arc": arc, "images": np.column_stack([arc, arc**2]), "iterations": np.int64(10),
            "max_perp_force": np.float64(1e-4), "fit_index": np.int64(0), "seconds": np.float64(1.0),
            "midpoint_energy": np.ones(4), "segment_max": np.zeros(4),
            "relu_max_perp_force": np.float64(1e-2)}
    relaxed = np.array([0.0, 0.5, 1.2, 1.1, 1.0])  # barrier 0.2
    straight = np.array([0.0, 0.9, 2.0, 1.5, 1.0])  # barrier 1.0; drops below half only at arc 0.25
    paths = [
        {**base, "energy": relaxed, "straight_energy": straight, "converged": np.bool_(c),
         "saddle_verified": np.bool_(v), "kink_saddle": np.bool_(False)}
        for c, v in ((True, True), (True, False), (False, False), (True, True))
    ]
    numbers = neb_numbers(paths, drop_fraction=0.5, plateau_fraction=0.9)
    assert numbers["neb_converged"] == 3
    assert numbers["neb_saddle_verified"] == 2
    assert numbers["neb_saddle_verified_fraction"] == pytest.approx(2 / 3)
    assert numbers["neb_saddle_unverified"] == "1"
    assert numbers["neb_saddle_barrier_median"] == pytest.approx(0.2)
    assert numbers["neb_straight_barrier_median"] == pytest.approx(1.0)
    assert numbers["neb_straight_barrier_ratio_median"] == pytest.approx(0.2)
    assert numbers["neb_straight_drop_arc_median"] == pytest.approx(0.0)
    assert numbers["neb_drop_arc_median"] == pytest.approx(0.0)


def test_image_study_chooses_the_first_count_that_moved_less_than_the_limit():
    from nnlandscape.path_stats import image_study_numbers

    counts = [8, 16, 32, 64]
    barriers = np.array([[1.0, 0.8, 0.78, 0.779],   # moves 20 %, 2.5 %, 0.1 %
                         [0.5, 0.6, 0.64, 0.641]])  # moves 20 %, 6.7 %, 0.2 %
    out = image_study_numbers(barriers, counts, 0.05)
    assert out["images_chosen"] == 64  # at 32 path 1 still moved 6.7 %
    assert out["images_counts"] == "8, 16, 32, 64"
    assert out["images_barriers"].startswith("path 0: 1, 0.8, 0.78")
    assert image_study_numbers(barriers, counts, 0.01)["images_chosen"] == 64
    assert image_study_numbers(barriers, counts, 1e-4)["images_chosen"] == 0
    with pytest.raises(ValueError, match="increasing"):
        image_study_numbers(barriers, [64, 32, 16, 8], 0.05)


ARC = np.linspace(0, 1, 5)
LINE = np.column_stack([ARC, np.zeros(5)])                                   # no turns
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 2.0]])  # 90 degrees each


def _p(energy, images, mid_scale, **extra):
    e = np.array(energy)
    ends = np.maximum(e[1:], e[:-1])
    # inside the segments no higher than the lower image unless a test says otherwise
    return {"energy": e, "arc": ARC, "images": images, "midpoint_energy": ends * np.array(mid_scale),
            "segment_max": np.minimum(e[1:], e[:-1])} | extra


def test_neb_numbers_of_three_hand_made_paths():
    # A: top 1.2 between ends 0 and 1; B: monotone up to 2; C: a spike to 3 from a start at 0.5
    a = _p([0.0, 0.01, 0.5, 1.2, 1.0], LINE, [1, 1, 1, 2], converged=True, iterations=10,
           max_perp_force=0.1, force_history=np.array([5.0, 1.0]), seconds=2.0)
    b = _p([0.0, 0.3, 0.6, 0.9, 2.0], CORNERS, [1.5] * 4, converged=False, iterations=20,
           max_perp_force=0.3, force_history=np.array([1.0]), seconds=4.0)
    c = _p([0.5, 3.0, 0.2, 0.1, 0.4], LINE, [1] * 4, converged=True, iterations=35,
           max_perp_force=0.2, force_history=np.array([3.0]), cpu_seconds=7.0)
    out = neb_numbers([a, b, c], drop_fraction=0.1, plateau_fraction=0.9, prefix="x")
    want = {"paths": 3, "images_final": 5, "converged": 2, "converged_fraction": 2 / 3,
            "iterations_median": 20, "max_perp_force_median": 0.2, "initial_force_median": 3.0,
            "barrier_median": 0.2, "barrier_max": 2.5, "barrier_min": 0.0,
            "barrier_rel_median": 0.2,         # 0.2 / 1, 0 / 2, 2.5 / 0.5
            "image_barrier_median": 0.2,
            "drop_arc_median": 0.0, "drop_arc_max": 0.25,   # below 0.1 x the end: 0.25, 0, 0
            "plateau_arc_median": 0.75, "plateau_arc_max": 0.75,  # below 0.9 x: 0.5, 0.75, 0.75
            "angle_median": 0.0, "angle_descent_median": 0.0, "angle_plateau_median": 0.0,
            "bumps_median": 1, "midpoint_ratio_median": 1.0, "midpoint_ratio_max": 2.0,
            "end_energy_median": 1.0, "start_energy_max": 0.5, "seconds_mean": 3.0,
            "cpu_seconds_mean": 7.0}
    assert out == pytest.approx({f"x_{k}": v for k, v in want.items()})
    assert type(out["x_iterations_median"]) is int and type(out["x_bumps_median"]) is int
    assert type(out["x_images_final"]) is int and type(out["x_converged"]) is int
    # B alone: every turn is 90 degrees and on the descent; no plateau image, no force history
    # on C, no timings at all
    one = neb_numbers([b, c | {"force_history": None}][:1], 0.1, 0.9)
    assert one["neb_angle_median"] == pytest.approx(90.0)
    assert one["neb_angle_descent_median"] == pytest.approx(90.0)
    assert np.isnan(one["neb_angle_plateau_median"])
    bare = {k: v for k, v in c.items() if k not in ("force_history", "cpu_seconds")}
    two = neb_numbers([bare, bare | {"iterations": 20}], 0.1, 0.9)
    assert np.isnan(two["neb_initial_force_median"]) and np.isnan(two["neb_seconds_mean"])
    assert np.isnan(two["neb_cpu_seconds_mean"]) and "neb_beta" not in two
    assert two["neb_iterations_median"] == 27.5 and type(two["neb_iterations_median"]) is float
    # a path that never falls below the plateau level has no descent
    flat = _p([1.0] * 5, CORNERS, [1] * 4, converged=True, iterations=1, max_perp_force=0.0)
    assert np.isnan(neb_numbers([flat], 0.1, 0.9)["neb_angle_descent_median"])
    assert neb_numbers([flat], 0.1, 0.9)["neb_angle_plateau_median"] == pytest.approx(90.0)


def test_path_statistics_of_one_path_by_hand():
    from nnlandscape.path_stats import path_statistics

    s = path_statistics(_p([0.5, 3.0, 0.2, 0.1, 0.4], CORNERS, [1, 2, 3, 1]), 0.5, 0.9)
    assert s == pytest.approx({"barrier": 2.5, "barrier_rel": 5.0, "image_barrier": 2.5, "drop_arc": 0.75,
                               "plateau_arc": 0.75, "bumps": 1, "midpoint_ratio": 1.5,
                               "midpoint_ratio_max": 3.0, "end_energy": 0.4, "start_energy": 0.5,
                               "angle_median": 90.0, "angle_descent_median": 90.0,
                               "angle_plateau_median": float("nan")}, nan_ok=True)
    # the energy below the level only before a later rise: the drop is where it last was below
    assert drop_arc(np.array([0.0, 0.5, 0.05, 0.5, 1.0]), ARC, 0.1) == 0.5
    assert barrier(np.array([2.0, 1.0, 0.5])) == 0.0 and barrier(np.array([0.5, 1.0, 2.0])) == 0.0


def test_saddle_numbers_by_hand():
    from nnlandscape.path_stats import path_arrays, saddle_numbers, straight_profile

    def path(conv, verified, kink, relu_force, end_kind, seconds, iterations, straight, **extra):
        return _p([0.0, 0.5, 1.2, 1.0, 1.0], LINE, [1] * 4, converged=np.bool_(conv),
                  saddle_verified=np.bool_(verified), kink_saddle=np.bool_(kink),
                  relu_max_perp_force=relu_force, end_kind=end_kind, seconds=seconds,
                  iterations=iterations, max_perp_force=0.01,
                  straight_energy=np.array(straight, np.float64), **extra)

    def eps(*values):
        return {"eps_stationarity": np.array(values, np.float64)}

    # worst images 0.4, 2.0, 0.3 and 5.0: median 1.2
    paths = [path(True, True, True, 1.0, 0, 3.0, 10, [0.0, 2.0, 1.0], beta=300.0, **eps(0.1, 0.4, 0.2)),
             path(True, False, True, 2.0, 1, 1.0, 40, [0.0, 3.0, 0.4, 1.0], **eps(2.0, 0.0, 1.0)),
             path(True, False, False, 5.0, 2, 8.0, 20, [0.0, 1.2, 1.0], **eps(0.3, 0.3, 0.3)),
             path(False, True, True, 9.0, 3, 2.0, 30, [1.0, 2.0, 0.0], **eps(1.0, 0.5, 5.0))]
    out = saddle_numbers(paths, 0.5)
    assert out == pytest.approx({
        "beta": 300.0, "ends_certified": 2, "saddle_verified": 1, "saddle_verified_fraction": 1 / 3,
        "saddle_unverified": "1, 2", "kink_saddle": 2, "relu_max_perp_force_median": 3.5,
        "eps_stationarity_median": 1.2, "saddle_barrier_median": 0.2, "straight_barrier_median": 1.0,
        "straight_drop_arc_median": 0.0, "straight_barrier_ratio_median": 0.2 / 1.0,
        "seconds_median": 2.5, "seconds_max": 8.0, "iterations_max": 40})
    e, arc = straight_profile(paths[1])
    assert e.tolist() == [0.0, 3.0, 0.4, 1.0] and arc.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    cols = path_arrays(paths, 0.5)
    assert cols["straight_barrier"].tolist() == pytest.approx([1.0, 2.0, 0.2, 1.0])
    assert cols["end_energy"].tolist() == [1.0] * 4 and cols["iterations"].dtype == np.int64
    assert cols["straight_drop_arc"].tolist() == pytest.approx([0.0, 2 / 3, 0.0, 0.0])
    assert cols["converged"].tolist() == [True, True, True, False]
    assert cols["saddle_verified"].tolist() == [True, False, False, True]
    # none converged, a straight band without a barrier, no beta: those numbers are not defined
    none = saddle_numbers([path(False, False, False, 1.0, -1, 1.0, 1, [0.0, 0.5, 1.0])], 0.5)
    assert np.isnan(none["beta"]) and np.isnan(none["saddle_verified_fraction"])
    assert none["saddle_unverified"] == "none" and np.isnan(none["saddle_barrier_median"])
    assert np.isnan(none["straight_barrier_ratio_median"]) and none["ends_certified"] == 0


def test_image_study_and_path_files(tmp_path):
    from nnlandscape.io import ResultFileError
    from nnlandscape.path_stats import image_study_numbers, load_pair, load_path

    out = image_study_numbers(np.array([[1.0, 0.5, 0.49], [2.0, 2.0, 2.2]]), [4, 8, 16], 0.2)
    assert out["images_chosen"] == 16 and out["images_change_last"] == pytest.approx(0.1)
    assert out["images_barriers"] == "path 0: 1, 0.5, 0.49; path 1: 2, 2, 2.2"
    assert image_study_numbers(np.array([[1.0, 1.05, 1.0]]), [4, 8, 16], 0.1)["images_chosen"] == 8
    with pytest.raises(ValueError, match="do not match"):
        image_study_numbers(np.ones((2, 3)), [4, 8], 0.1)
    good = {"images": np.zeros((3, 2)), "energy": np.zeros(3), "midpoint_energy": np.zeros(2),
            "segment_max": np.zeros(2), "segment_max_half": np.zeros(2),
            "arc": np.linspace(0, 1, 3), "fit_index": np.int64(1), "converged": np.bool_(True),
            "iterations": np.int64(3), "max_perp_force": np.float64(0.1),
            "straight_energy": np.zeros(3), "saddle_verified": np.bool_(False),
            "route_top": np.float64(0.2), "eps_stationarity": np.zeros(1)}
    np.savez(tmp_path / "p.npz", **good)
    assert load_path(tmp_path / "p.npz")["fit_index"] == 1
    np.savez(tmp_path / "bad.npz", **(good | {"energy": np.array([0.0, np.nan, 0.0])}))
    with pytest.raises(ResultFileError,
                       match="'energy' has non-finite values; delete it and rerun rule 'neb_path'"):
        load_path(tmp_path / "bad.npz")
    pair = {"images": np.zeros((3, 2)), "energy": np.zeros(3), "segment_max": np.zeros(2),
            "straight_energy": np.zeros(3),
            "pair": np.array([1, 2]), "converged": np.bool_(True), "route_top": np.float64(0.2)}
    np.savez(tmp_path / "q.npz", **pair)
    assert load_pair(tmp_path / "q.npz")["pair"].tolist() == [1, 2]
    np.savez(tmp_path / "q2.npz", **(pair | {"images": np.full((3, 2), np.inf)}))
    with pytest.raises(ResultFileError,
                       match="'images' has non-finite values; delete it and rerun rule 'pair_path'"):
        load_pair(tmp_path / "q2.npz")
    np.savez(tmp_path / "q3.npz", **{k: v for k, v in pair.items() if k != "converged"})
    with pytest.raises(ResultFileError, match="missing array 'converged'"):
        load_pair(tmp_path / "q3.npz")


def test_turning_angles_of_uneven_steps_and_a_path_that_turns_back():
    # a unit step then a long one at 45 degrees; then straight back: 180 degrees
    np.testing.assert_allclose(difference_angles(np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 3.0]])), [45.0])
    np.testing.assert_allclose(difference_angles(np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 4.0]])), [90.0])
    back = np.array([[0, 0], [1, 0], [0, 0]], np.uint8)  # unsigned coordinates too
    np.testing.assert_allclose(difference_angles(back), [180.0])


def test_image_study_change_of_the_last_doubling_and_ties():
    from nnlandscape.path_stats import image_study_numbers

    barriers = np.array([[1.0, 0.8, 0.78, 0.779], [0.5, 0.6, 0.64, 0.641]])
    out = image_study_numbers(barriers, [8, 16, 32, 64], 0.05)
    assert out["images_change_last"] == pytest.approx(0.001 / 0.64)  # relative to the previous count
    # a change equal to the limit has not moved "by less than" it
    assert image_study_numbers(np.array([[1.0, 1.5]]), [4, 8], 0.5)["images_chosen"] == 0
    assert image_study_numbers(np.array([[1.0, 1.5]]), [4, 8], 0.5000001)["images_chosen"] == 8
    # one count: nothing to compare
    single = image_study_numbers(np.array([[1.0], [2.0]]), [8], 0.1)
    assert single["images_chosen"] == 0 and np.isnan(single["images_change_last"])
    assert single["images_barriers"] == "path 0: 1; path 1: 2"


def test_path_arrays_and_saddle_numbers_read_each_path_and_their_defaults():
    from nnlandscape.path_stats import path_arrays, path_statistics, saddle_numbers

    def path(energy, straight, **extra):
        return {"energy": np.array(energy), "segment_max": np.zeros(len(energy) - 1),
                "arc": np.linspace(0, 1, len(energy)), "converged": True,
                "max_perp_force": extra.pop("force", 0.1), "iterations": 5, "seconds": 1.0,
                "saddle_verified": True, "straight_energy": np.array(straight), **extra}

    # relaxed barriers 0.2 (over ends 0.2 and 0.5), straight barriers 0.5 and 1.0
    paths = [path([0.2, 0.9, 0.1, 0.5], [0.2, 1.0, 0.5], force=0.3),
             path([0.5, 0.7, 0.2, 0.2], [0.5, 1.5, 0.5])]
    cols = path_arrays(paths, 0.5)
    assert cols["end_energy"].tolist() == [0.5, 0.5]  # the higher of the two end points
    assert cols["max_perp_force"].tolist() == [0.3, 0.1]
    assert cols["drop_arc"].tolist() == pytest.approx([2 / 3, 0.0])
    assert cols["barrier"].tolist() == pytest.approx([0.4, 0.2])
    out = saddle_numbers(paths, 0.5)
    assert out["straight_barrier_ratio_median"] == pytest.approx((0.4 / 0.5 + 0.2 / 1.0) / 2)
    # files without the optional keys: no kink saddle, no certified end, no ReLU force
    assert out["kink_saddle"] == 0 and out["ends_certified"] == 0
    assert np.isnan(out["relu_max_perp_force_median"]) and np.isnan(out["eps_stationarity_median"])
    # a flat top is not a bump
    flat_top = {"energy": np.array([0.0, 1.0, 1.0, 0.0]), "midpoint_energy": np.ones(3),
                "segment_max": np.ones(3),
                "arc": np.linspace(0, 1, 4), "images": np.column_stack([np.arange(4.0), np.zeros(4)])}
    assert path_statistics(flat_top, 0.5, 0.9)["bumps"] == 0


def test_neb_numbers_need_both_saddle_arrays_and_empty_graphs_keep_dtypes(tmp_path):
    from nnlandscape.io import ResultFileError
    from nnlandscape.path_stats import load_path, pair_graph

    p = _p([0.0, 0.5, 1.2, 1.0, 1.0], LINE, [1] * 4, converged=True, iterations=1,
           max_perp_force=0.1, straight_energy=np.array([0.0, 2.0, 1.0]))
    out = neb_numbers([p], 0.5, 0.9)
    assert "neb_saddle_verified" not in out and out["neb_barrier_median"] == pytest.approx(0.2)
    g = pair_graph([])
    assert g["minima"].dtype == np.int64 and g["pairs"].shape == (0, 2) and g["pairs"].dtype == np.int64
    assert g["converged"].dtype == bool and g["route_barrier"].dtype == np.float64
    files = [{"pair": np.array([0, 1]), "energy": np.array([1.0, 2.0, 0.5]), "segment_max": np.ones(2),
              "straight_energy": np.array([1.0, 3.0, 0.5]), "converged": np.False_,
              "route_top": np.float64(2.5)}]
    g = pair_graph(files)
    for key in ("energy", "barrier", "image_barrier", "straight_barrier", "route_barrier"):
        assert g[key].dtype == np.float64, key
    assert g["converged"].dtype == bool
    np.savez(tmp_path / "p.npz", energy=np.zeros(3), arc=np.linspace(0, 1, 3))
    with pytest.raises(ResultFileError, match="missing array 'images'"):
        load_path(tmp_path / "p.npz")


def test_route_numbers_compare_each_band_with_its_constant_output_route():
    from nnlandscape.path_stats import route_numbers

    def band(energy, route):
        return {"energy": np.array(energy), "segment_max": np.zeros(2), "route_top": np.float64(route)}

    paths = [band([0.0, 0.3, 0.1], 0.2),    # band above
             band([0.0, 0.15, 0.1], 0.25),  # band below
             band([0.0, 0.2, 0.05], 0.2)]   # a tie
    out = route_numbers(paths)
    assert out["above_route"] == 1
    assert out["route_barrier_median"] == pytest.approx(0.15)  # 0.1, 0.15, 0.15
    assert out["best_barrier_median"] == pytest.approx(0.1)  # min(0.2, 0.1), min(0.05, 0.15), 0.15


def test_the_band_barrier_counts_the_top_found_inside_a_segment():
    """Images at 0, 0.5, 1 with a ridge inside the last segment (1.7): the band, a continuous path,
    climbs to 1.7, not to the images' 1.0; route comparisons and graphs use that top."""
    from nnlandscape.path_stats import (
        band_barrier,
        pair_graph,
        path_arrays,
        path_statistics,
        path_top,
        route_numbers,
    )

    e = np.array([0.0, 0.5, 1.0, 0.2])
    ridge = {"energy": e, "segment_max": np.array([0.4, 0.9, 1.7]), "route_top": np.float64(1.5)}
    assert path_top(ridge) == 1.7 and band_barrier(ridge) == pytest.approx(1.5)
    below = ridge | {"segment_max": np.array([0.4, 0.9, 0.3])}
    assert path_top(below) == 1.0 and band_barrier(below) == pytest.approx(0.8)
    # no rise at all: the barrier is 0, never negative
    assert band_barrier({"energy": np.array([1.0, 0.5]), "segment_max": np.array([0.7])}) == 0.0
    out = route_numbers([ridge, below])
    assert out["above_route"] == 1  # 1.7 > 1.5; the images alone (1.0) would say none
    assert out["best_barrier_median"] == pytest.approx((1.3 + 0.8) / 2)  # min(1.5, 1.3), min(0.8, 1.3)
    assert out["route_barrier_median"] == pytest.approx(1.3)
    path = ridge | {"midpoint_energy": np.array([0.4, 0.9, 1.0]), "arc": np.linspace(0, 1, 4),
                    "images": np.column_stack([np.arange(4.0), np.zeros(4)])}
    s = path_statistics(path, 0.5, 0.9)
    assert s["barrier"] == pytest.approx(1.5) and s["image_barrier"] == pytest.approx(0.8)
    assert s["barrier_rel"] == pytest.approx(1.5 / 0.2)
    cols = path_arrays([path | {"converged": True, "max_perp_force": 0.1, "iterations": 1,
                                "seconds": 1.0, "saddle_verified": False,
                                "straight_energy": np.array([0.0, 3.0, 0.2])}], 0.5)
    assert cols["barrier"].tolist() == pytest.approx([1.5])
    assert cols["image_barrier"].tolist() == pytest.approx([0.8])
    pair = ridge | {"pair": np.array([3, 7]), "straight_energy": np.array([0.0, 3.0, 0.2]),
                    "converged": np.False_}
    g = pair_graph([pair])
    assert g["barrier"].tolist() == pytest.approx([1.5])
    assert g["image_barrier"].tolist() == pytest.approx([0.8])
    assert g["saddle"][0, 1] == g["saddle"][1, 0] == 1.5  # the route (1.5) is below the band's top (1.7)
    g = pair_graph([pair | {"route_top": np.float64(2.0)}])
    assert g["saddle"][0, 1] == 1.7  # the band's top, found inside a segment, is the lower one


def test_sampling_change_is_the_share_of_the_barrier_only_the_finer_samples_found():
    from nnlandscape.path_stats import sampling_change

    e = np.array([0.0, 0.5, 1.0, 0.2])
    # every other sample tops out at 1.5 in the last segment, all of them at 1.7: (1.7 - 1.5) / 1.5
    ridge = {"energy": e, "segment_max": np.array([0.4, 0.9, 1.7]),
             "segment_max_half": np.array([0.4, 0.9, 1.5])}
    assert sampling_change(ridge) == pytest.approx(0.2 / 1.5)
    # the coarse samples stay below the images (1.0): measured from the images' top
    low = ridge | {"segment_max_half": np.array([0.4, 0.9, 0.8])}
    assert sampling_change(low) == pytest.approx(0.7 / 1.5)
    same = ridge | {"segment_max_half": ridge["segment_max"]}
    assert sampling_change(same) == 0.0
    flat = {"energy": np.array([1.0, 0.5]), "segment_max": np.array([0.7]),
            "segment_max_half": np.array([0.6])}
    assert sampling_change(flat) == 0.0  # no barrier: nothing to compare
    small = {"energy": np.array([0.0, 0.1]), "segment_max": np.array([0.5]),
             "segment_max_half": np.array([0.3])}
    assert sampling_change(small) == pytest.approx(0.2 / 0.4)  # a barrier below 1 counts too
    arc = np.linspace(0, 1, 4)
    paths = [p | {"midpoint_energy": np.ones(3), "arc": arc, "converged": False, "iterations": 1,
                  "max_perp_force": 0.1, "images": np.column_stack([arc, np.zeros(4)])}
             for p in (ridge, low, same)]
    assert neb_numbers(paths, 0.5, 0.9)["neb_sampling_change_max"] == pytest.approx(0.7 / 1.5)
    bare = [{k: v for k, v in p.items() if k != "segment_max_half"} for p in paths]
    assert "neb_sampling_change_max" not in neb_numbers(bare, 0.5, 0.9)
    # with the constant-output route's top on every path, its numbers come along (band tops 1.7,
    # 1.7, 1.7 against routes 1.5, 2.0, 1.5 over the higher end 0.2)
    routed = [p | {"route_top": np.float64(r)} for p, r in zip(paths, (1.5, 2.0, 1.5), strict=True)]
    out = neb_numbers(routed, 0.5, 0.9)
    assert out["neb_above_route"] == 2 and out["neb_route_barrier_median"] == pytest.approx(1.3)
    assert out["neb_best_barrier_median"] == pytest.approx(1.3)
    assert "neb_above_route" not in neb_numbers(routed[:2] + paths[2:], 0.5, 0.9)


def test_lifted_end_excess_is_the_larger_rise_of_the_band_ends_over_the_end_points():
    from nnlandscape.path_stats import lifted_end_excess

    e = np.array([0.05, 0.5, 1.0, 0.2])
    path = {"energy": e, "lifted_end_energy": np.array([0.05 + 1e-9, 0.2 + 3e-8])}
    assert lifted_end_excess(path) == pytest.approx(3e-8, rel=1e-6)
    assert lifted_end_excess(path | {"lifted_end_energy": np.array([0.05 + 4e-8, 0.2])}) == \
        pytest.approx(4e-8, rel=1e-6)
    assert lifted_end_excess({"energy": [1, 2, 3], "lifted_end_energy": [2, 3]}) == 1.0
    assert lifted_end_excess(path | {"lifted_end_energy": e[[0, -1]]}) == 0.0  # full space
    assert lifted_end_excess(path | {"lifted_end_energy": np.array([-1.0, 0.1])}) == 0.0
    arc = np.linspace(0, 1, 4)
    base = {"energy": e, "segment_max": np.array([0.4, 0.9, 0.8]), "midpoint_energy": np.ones(3),
            "arc": arc, "converged": False, "iterations": 1, "max_perp_force": 0.1,
            "images": np.column_stack([arc, np.zeros(4)])}
    paths = [base | {"lifted_end_energy": np.array([0.0, 0.2 + d])} for d in (1e-8, 5e-8, 2e-8)]
    assert neb_numbers(paths, 0.5, 0.9)["neb_lifted_end_excess_max"] == pytest.approx(5e-8, rel=1e-6)
    assert "neb_lifted_end_excess_max" not in neb_numbers([base] * 3, 0.5, 0.9)


def test_dead_top_asks_whether_the_highest_image_is_a_dead_network():
    from nnlandscape.path_stats import dead_top

    e = np.array([0.0, 0.3, 0.2, 0.1])
    path = {"energy": e, "output_std": np.array([0.5, 1e-7, 2e-4, 0.4])}
    assert dead_top(path, 1e-4)  # image 1 is the top and constant
    assert not dead_top(path, 1e-8)
    assert not dead_top(path | {"energy": np.array([0.0, 0.2, 0.3, 0.1])}, 1e-4)  # top at image 2
    assert not dead_top(path | {"output_std": np.array([0.5, 1e-4, 2e-4, 0.4])}, 1e-4)  # strictly below
    # a segment sampled above every image: judged at that segment's top
    seg = {"segment_max": np.array([0.1, 0.28, 0.35]), "segment_top_std": np.array([1e-9, 1e-9, 0.3])}
    assert not dead_top(path | seg, 1e-4)  # the top lies inside segment 2, a live network
    assert dead_top(path | seg | {"segment_top_std": np.array([0.3, 0.3, 1e-5])}, 1e-4)
    low = {"segment_max": np.array([0.1, 0.3, 0.25]), "segment_top_std": np.array([0.3, 0.3, 0.3])}
    assert dead_top(path | low, 1e-4)  # samples only reach the top image's energy: the image decides
    assert not dead_top(path | low | {"output_std": np.array([0.5, 0.2, 1e-9, 0.4])}, 1e-4)
    arc = np.linspace(0, 1, 4)
    base = {"energy": e, "segment_max": np.array([0.25, 0.3, 0.2]), "midpoint_energy": np.ones(3),
            "arc": arc, "converged": False, "iterations": 1, "max_perp_force": 0.1,
            "images": np.column_stack([arc, np.zeros(4)])}
    paths = [base | {"output_std": s} for s in (path["output_std"], np.ones(4), path["output_std"])]
    assert neb_numbers(paths, 0.5, 0.9, dead_std=1e-4)["neb_dead_top"] == 2
    assert neb_numbers(paths, 0.5, 0.9, dead_std=1e-9)["neb_dead_top"] == 0
    assert "neb_dead_top" not in neb_numbers(paths, 0.5, 0.9)
    assert "neb_dead_top" not in neb_numbers([base] * 2, 0.5, 0.9, dead_std=1e-4)
