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
            "midpoint_energy": np.ones(4), "relu_max_perp_force": np.float64(1e-2)}
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
