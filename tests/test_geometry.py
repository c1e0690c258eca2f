"""Distances and dot products between minima: known configurations and the Gaussian baseline."""

import numpy as np
import pytest

from nnlandscape.geometry import (
    directions,
    gaussian_baseline,
    geometry,
    min_pair_distance,
    min_pair_dot,
    pair_dots,
    pair_from_index,
    sample_pairs,
)


def fake_minima(points: np.ndarray, dead=None, diverged=None) -> dict[str, np.ndarray]:
    count = len(points)
    return {"params_sym": points,
            "dead": np.zeros(count, bool) if dead is None else np.asarray(dead, bool),
            "diverged": np.zeros(count, bool) if diverged is None else np.asarray(diverged, bool)}


@pytest.mark.parametrize("count", [2, 3, 7, 50, 2049])
def test_pair_index_decodes_the_upper_triangle(count):
    i, j = np.triu_indices(count, 1)
    np.testing.assert_array_equal(pair_from_index(np.arange(len(i)), count), np.stack([i, j], -1))


def test_sampled_pairs_are_distinct_and_seeded():
    pairs = sample_pairs(100, 1000, np.random.default_rng(0))
    assert pairs.shape == (1000, 2) and np.all(pairs[:, 0] < pairs[:, 1]) and pairs.max() < 100
    assert len({tuple(p) for p in pairs}) == 1000
    np.testing.assert_array_equal(pairs, sample_pairs(100, 1000, np.random.default_rng(0)))
    assert not np.array_equal(pairs, sample_pairs(100, 1000, np.random.default_rng(1)))
    every = sample_pairs(10, 10**6, np.random.default_rng(0))  # more asked than exist: all of them
    assert len(every) == 45 and len({tuple(p) for p in every}) == 45
    assert sample_pairs(1, 10, np.random.default_rng(0)).shape == (0, 2)


def test_min_pair_distance_is_exact_over_all_pairs():
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(1500, 136)) * 3.0 + 40.0  # far from the origin: cancellation-prone
    pts[1400] = pts[17] + 1e-6 * rng.normal(size=136)  # one near-duplicate, across blocks
    expected = np.linalg.norm(pts[1400] - pts[17])
    assert min_pair_distance(pts) == pytest.approx(expected, rel=1e-9)
    small = pts[:60]
    brute = min(np.linalg.norm(a - b) for ii, a in enumerate(small) for b in small[ii + 1:])
    assert min_pair_distance(small) == pytest.approx(brute, rel=1e-12)


def test_dot_products_of_known_configurations():
    g = np.array([1.0, 2.0, 3.0, 4.0])
    eye = np.eye(4)
    # orthogonal directions: every dot product is 0
    assert min_pair_dot(directions(g + 2.5 * eye, g)) == pytest.approx(0.0, abs=1e-15)
    # points on both sides of g: the minimum is -1
    both = np.concatenate([g + eye, g - 0.5 * eye])
    assert min_pair_dot(directions(both, g)) == pytest.approx(-1.0)
    # all points in one corner (positive orthant around g): the minimum is positive
    rng = np.random.default_rng(2)
    corner = g + np.abs(rng.normal(size=(300, 4))) + 0.1
    units = directions(corner, g)
    np.testing.assert_allclose(np.linalg.norm(units, axis=-1), 1.0)
    assert min_pair_dot(units) > 0
    # the exact minimum equals the brute force one
    gram = units @ units.T
    assert min_pair_dot(units) == pytest.approx(gram[np.triu_indices(300, 1)].min(), abs=1e-15)
    idx = sample_pairs(300, 500, rng)
    np.testing.assert_allclose(pair_dots(units, idx), gram[idx[:, 0], idx[:, 1]], atol=1e-15)


def test_direction_of_a_point_at_the_origin_is_an_error():
    with pytest.raises(ValueError, match="origin"):
        directions(np.zeros((2, 3)), np.zeros(3))


def test_gaussian_baseline_behaves_as_predicted():
    base = gaussian_baseline(2000, 136, 20000, np.random.default_rng(3))
    # seen from a sample point g, two others: (x_i - g).(x_j - g) ~ |g|^2, norms^2 ~ d + |g|^2
    r = base["reference_sq_norm"]
    assert np.median(base["dots"]) == pytest.approx(r / (136 + r), abs=0.01)
    assert np.median(base["dots"]) == pytest.approx(0.5, abs=0.1)
    assert 0.0 < base["dot_min"] < 0.5
    # seen from the centre, directions are uniform on the sphere: dots centre on 0 with sd 1/sqrt(d)
    assert np.median(base["centre_dots"]) == pytest.approx(0.0, abs=0.01)
    assert np.std(base["centre_dots"]) == pytest.approx(1 / np.sqrt(136), rel=0.05)
    assert base["centre_dot_min"] < -0.2
    # in few dimensions the corner effect disappears
    low = gaussian_baseline(2000, 3, 20000, np.random.default_rng(3))
    assert low["dot_min"] < -0.5


def test_geometry_excludes_dead_and_diverged_fits():
    rng = np.random.default_rng(4)
    g = np.zeros(136)
    gd = rng.normal(size=(40, 136)) + 5.0
    gd[3] = g  # a dead fit sitting on the global minimum would break the directions
    ada = rng.normal(size=(30, 136)) - 5.0
    minima = {"gd": fake_minima(gd, dead=np.arange(40) == 3, diverged=np.arange(40) == 9),
              "adadelta": fake_minima(ada, dead=np.arange(30) < 2)}
    arrays, numbers = geometry(g, minima, pairs=200, seed=0)
    assert numbers["geometry_gd_live"] == 38 and numbers["geometry_adadelta_live"] == 28
    assert numbers["geometry_gd_dead"] == 1 and numbers["geometry_gd_diverged"] == 1
    assert numbers["geometry_adadelta_dead"] == 2
    assert numbers["geometry_excluded"] == 4 and numbers["geometry_points"] == 66
    assert 3 not in arrays["gd_live_index"] and 9 not in arrays["gd_live_index"]
    assert len(arrays["gd_global_distance"]) == 38 and len(arrays["gd_pair_distance"]) == 200
    assert arrays["adadelta_pairs"].max() < 28
    # the two clouds sit on opposite sides of g: pooled dot products reach far below 0
    assert numbers["geometry_dot_min"] < -0.5 < numbers["geometry_gd_dot_min"]
    expected = np.linalg.norm(gd[arrays["gd_live_index"]], axis=-1)
    np.testing.assert_allclose(arrays["gd_global_distance"], expected)
    assert numbers["geometry_gd_global_min"] == pytest.approx(expected.min())
    assert numbers["geometry_gd_pair_min_all"] <= numbers["geometry_gd_pair_min"]


def test_geometry_is_seeded():
    rng = np.random.default_rng(5)
    minima = {"gd": fake_minima(rng.normal(size=(30, 20)) + 1.0),
              "adadelta": fake_minima(rng.normal(size=(30, 20)) + 1.0)}
    a1, n1 = geometry(np.zeros(20), minima, pairs=50, seed=1)
    a2, n2 = geometry(np.zeros(20), minima, pairs=50, seed=1)
    _, n3 = geometry(np.zeros(20), minima, pairs=50, seed=2)
    assert n1 == n2 and np.array_equal(a1["gd_pairs"], a2["gd_pairs"])
    assert n1["geometry_gd_pair_median"] != n3["geometry_gd_pair_median"]
    assert n1["geometry_gd_global_median"] == n3["geometry_gd_global_median"]  # not sampled


def test_geometry_of_duplicate_minima_finds_distance_zero():
    rng = np.random.default_rng(6)
    pts = rng.normal(size=(20, 10)) + 3.0
    pts[11] = pts[4]
    _, numbers = geometry(np.zeros(10), {"gd": fake_minima(pts)}, pairs=10**6, seed=0)
    assert numbers["geometry_gd_pair_min"] == 0.0 == numbers["geometry_gd_pair_min_all"]
    assert numbers["geometry_gd_dot_min"] <= 1.0


def test_settled_geometry_reports_settled_and_certified_points_apart():
    from nnlandscape.geometry import settled_geometry

    rng = np.random.default_rng(2)
    g = np.full(6, 3.0)  # a global minimum away from the origin
    raw = {opt: {"params_sym": g + rng.normal(size=(5, 6)), "dead": np.zeros(5, bool),
                 "diverged": np.zeros(5, bool)} for opt in ("gd", "adadelta")}
    settled = {"gd": {"params_sym": g + np.array([[1.0, 0, 0, 0, 0, 0], [0, 2.0, 0, 0, 0, 0],
                                                  [0, 0, 0, 0, 0, 4.0]])},
               "adadelta": {"params_sym": g + np.eye(6)[:2] * 5.0}}
    ok = {"gd": np.array([True, True, False]), "adadelta": np.array([True, False])}
    arrays, numbers = settled_geometry(g, raw, settled, ok, pairs=100, seed=0)
    assert numbers["geometry_settled_gd_global_max"] == pytest.approx(4.0)
    assert numbers["geometry_settled_gd_pair_min_all"] == pytest.approx(np.sqrt(5.0))
    assert numbers["geometry_certified_gd_pair_max"] == pytest.approx(np.sqrt(5.0))
    assert numbers["geometry_certified_points"] == 3
    assert np.isnan(numbers["geometry_certified_adadelta_pair_median"])  # one certified point
    assert numbers["geometry_settled_dot_min"] == pytest.approx(0.0)  # orthogonal directions from g
    assert "geometry_gd_pair_median" in numbers and "settled_gd_pair_distance" in arrays
