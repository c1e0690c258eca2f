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
    with pytest.raises(ValueError, match="^a point coincides with the origin: its direction is undefined$"):
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
    # the duplicates point the same way from the global minimum; the smallest dot product is
    # that of the two least aligned points, here found by brute force over the Gram matrix
    units = (pts - 0.0) / np.linalg.norm(pts, axis=-1, keepdims=True)
    gram = units @ units.T
    assert gram[4, 11] == pytest.approx(1.0)
    assert numbers["geometry_gd_dot_min"] == pytest.approx(gram[np.triu_indices(20, 1)].min(), abs=1e-14)


def test_geometry_measures_from_a_global_minimum_away_from_the_origin():
    """Distances and directions are taken from g, not from 0: with g far from the origin, points on
    a sphere of radius 2 around g are at distance 2 (their norms are about |g|), and two points on
    opposite sides of g have dot product -1 (seen from 0 they point almost the same way)."""
    rng = np.random.default_rng(7)
    dim = 12
    g = np.full(dim, 5.0) + rng.normal(size=dim)
    u = rng.normal(size=(10, dim))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    pts = g + 2.0 * u
    pts[9] = g - 2.0 * u[0]  # opposite point 0 across g
    other = g + rng.normal(size=(6, dim)) * np.arange(1, 7)[:, None]  # a second optimizer
    arrays, numbers = geometry(g, {"gd": fake_minima(pts), "adadelta": fake_minima(other)},
                               pairs=10**6, seed=0)
    np.testing.assert_allclose(arrays["gd_global_distance"], 2.0, rtol=1e-12)
    np.testing.assert_array_equal(arrays["global_min"], g)
    assert numbers["geometry_gd_global_min"] == pytest.approx(2.0)
    assert numbers["geometry_gd_global_median"] == pytest.approx(2.0)
    assert numbers["geometry_gd_global_max"] == pytest.approx(2.0)
    assert numbers["geometry_gd_dot_min"] == pytest.approx(-1.0)
    dist_other = np.linalg.norm(other - g, axis=-1)
    np.testing.assert_allclose(arrays["adadelta_global_distance"], dist_other)
    assert numbers["geometry_adadelta_global_max"] == pytest.approx(dist_other.max())
    assert numbers["geometry_adadelta_global_median"] == pytest.approx(np.median(dist_other))
    # all 45 pairs are used (more asked than exist); their distances are the brute-force ones
    assert numbers["geometry_gd_pairs_used"] == 45 and numbers["geometry_pairs"] == 10**6
    idx = arrays["gd_pairs"]
    np.testing.assert_allclose(arrays["gd_pair_distance"],
                               np.linalg.norm(pts[idx[:, 0]] - pts[idx[:, 1]], axis=-1))
    brute = [np.linalg.norm(a - b) for i, a in enumerate(pts) for b in pts[i + 1:]]
    assert numbers["geometry_gd_pair_min"] == pytest.approx(min(brute))
    assert numbers["geometry_gd_pair_min_all"] == pytest.approx(min(brute))
    assert numbers["geometry_gd_pair_max"] == pytest.approx(4.0)  # points 0 and 9: a diameter
    assert numbers["geometry_gd_pair_median"] == pytest.approx(np.median(brute))
    # pooled directions: every dot product sampled is the brute-force one of the pooled units
    units = np.concatenate([(pts - g) / 2.0, (other - g) / dist_other[:, None]])
    assert numbers["geometry_points"] == 16 and numbers["geometry_dim"] == dim
    dp = arrays["dot_pairs"]
    assert len(dp) == 120
    np.testing.assert_allclose(arrays["dots"], np.einsum("ij,ij->i", units[dp[:, 0]], units[dp[:, 1]]))
    assert numbers["geometry_dot_median"] == pytest.approx(np.median(arrays["dots"]))
    assert numbers["geometry_dot_min"] == pytest.approx(-1.0)
    assert numbers["geometry_excluded"] == 0
    assert len(arrays["gaussian_dots"]) == len(arrays["gaussian_centre_dots"]) == 120
    assert numbers["geometry_gaussian_dot_median"] == pytest.approx(np.median(arrays["gaussian_dots"]))
    assert -1.0 <= numbers["geometry_gaussian_centre_dot_min"] < numbers["geometry_gaussian_dot_min"]


def test_pair_index_is_exact_for_counts_where_float_square_roots_round():
    """count = 1.5e9 ((2 count)^2 near the int64 limit): the float estimate of the row can be off by
    one near row starts; the decoded pairs still equal the exact integer ones (math.isqrt)."""
    import math

    count = 1_500_000_000
    rng = np.random.default_rng(9)

    def row_start(i):
        return i * (2 * count - i - 1) // 2

    def exact(t):
        # largest i with row_start(i) <= t: solve i^2 - (2c-1) i + 2t >= 0 exactly, then adjust
        i = ((2 * count - 1) - math.isqrt((2 * count - 1) ** 2 - 8 * t)) // 2
        while row_start(i) > t:
            i -= 1
        while row_start(i + 1) <= t:
            i += 1
        return i, t - row_start(i) + i + 1

    rows = [0, 1, 2, count // 3, count - 3, count - 2] + [int(r) for r in rng.integers(0, count - 1, 40)]
    ts = sorted({t for i in rows for t in (row_start(i) - 1, row_start(i), row_start(i) + 1)
                 if 0 <= t < count * (count - 1) // 2})
    got = pair_from_index(np.array(ts, dtype=np.int64), count)
    assert got.tolist() == [list(exact(t)) for t in ts]


def test_small_inputs_and_empty_statistics():
    from nnlandscape.geometry import live_minima, summary_stat

    assert np.isnan(min_pair_distance(np.ones((1, 3)))) and np.isnan(min_pair_dot(np.ones((1, 3))))
    two = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert min_pair_distance(two) == 5.0
    assert min_pair_dot(np.array([[1.0, 0.0], [0.6, 0.8]])) == pytest.approx(0.6)
    assert sample_pairs(2, 5, np.random.default_rng(0)).tolist() == [[0, 1]]
    assert sample_pairs(0, 5, np.random.default_rng(0)).dtype == np.int64
    assert np.isnan(summary_stat(np.min, np.array([]))) and summary_stat(np.max, np.array([2.0, 7.0])) == 7.0
    np.testing.assert_allclose(directions(np.array([4.0, 7.0]), np.array([1.0, 3.0])), [0.6, 0.8])
    # dead / diverged flags stored as 0/1 integers are read as booleans
    flags = {"dead": np.array([0, 1, 0, 0]), "diverged": np.array([0, 0, 1, 0])}
    assert live_minima(flags).tolist() == [True, False, False, True]


def test_closest_pair_across_and_at_the_edges_of_row_blocks():
    """1026 points (a last block of two rows): the closest pair is the very last one, then the
    first one; both are found."""
    rng = np.random.default_rng(10)
    pts = rng.normal(size=(1026, 5)) * 10.0
    pts[1025] = pts[1024] + 1e-3
    assert min_pair_distance(pts) == pytest.approx(np.linalg.norm(pts[1025] - pts[1024]), rel=1e-9)
    pts[1025] += 5.0
    pts[1] = pts[0] + 2e-3
    assert min_pair_distance(pts) == pytest.approx(np.linalg.norm(pts[1] - pts[0]), rel=1e-9)
    units = pts / np.linalg.norm(pts, axis=-1, keepdims=True)
    units[1025] = -units[1024]  # the only antipodal pair, in the last block
    assert min_pair_dot(units) == pytest.approx(-1.0)


def test_gaussian_baseline_of_two_points_by_hand():
    """count = 2: one reference and two points, drawn first from the generator; the one pair's dot
    product is computed here from the same draws."""
    base = gaussian_baseline(2, 7, 10, np.random.default_rng(11))
    pts = np.random.default_rng(11).standard_normal((3, 7))
    d = (pts[1:] - pts[0]) / np.linalg.norm(pts[1:] - pts[0], axis=-1, keepdims=True)
    assert base["reference_sq_norm"] == pytest.approx(pts[0] @ pts[0])
    assert base["dot_min"] == pytest.approx(d[0] @ d[1])
    np.testing.assert_allclose(base["dots"], [d[0] @ d[1]])
    c = pts[1:] / np.linalg.norm(pts[1:], axis=-1, keepdims=True)
    assert base["centre_dot_min"] == pytest.approx(c[0] @ c[1])


def test_geometry_returns_float64_global_minimum():
    rng = np.random.default_rng(12)
    g = np.full(6, 2.0, dtype=np.float32)
    pts = (rng.normal(size=(5, 6)) * 1e3).astype(np.float32) + np.float32(1e-3)
    arrays, _ = geometry(g, {"gd": fake_minima(pts)}, pairs=10, seed=0)
    assert arrays["global_min"].dtype == np.float64
    # float32 input is widened before any arithmetic: distances as exact as float64 allows
    p64 = pts.astype(np.float64)
    idx = arrays["gd_pairs"]
    np.testing.assert_allclose(arrays["gd_pair_distance"],
                               np.linalg.norm(p64[idx[:, 0]] - p64[idx[:, 1]], axis=-1), rtol=1e-14)


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


def test_integer_flags_and_fits_both_dead_and_diverged():
    """0/1 integer flags select the same live fits as booleans (not as fancy indices), and a fit
    that is dead and diverged counts as dead only."""
    rng = np.random.default_rng(14)
    pts = rng.normal(size=(6, 4)) + 3.0
    as_int = {"params_sym": pts, "dead": np.array([0, 1, 0, 0, 1, 0]),
              "diverged": np.array([0, 0, 1, 0, 1, 0])}
    arrays, numbers = geometry(np.zeros(4), {"gd": as_int}, pairs=100, seed=0)
    np.testing.assert_array_equal(arrays["gd_live_index"], [0, 3, 5])
    np.testing.assert_allclose(arrays["gd_global_distance"], np.linalg.norm(pts[[0, 3, 5]], axis=-1))
    assert numbers["geometry_gd_dead"] == 2 and numbers["geometry_gd_diverged"] == 1
    assert numbers["geometry_excluded"] == 3


def test_settled_geometry_is_geometry_of_each_point_set():
    """The end points' part equals geometry() of them; the settled and certified parts equal
    geometry() of those points (same seed), under prefixed keys, without dead/diverged counts."""
    from nnlandscape.geometry import settled_geometry

    rng = np.random.default_rng(15)
    g = np.full(5, -2.0)
    raw = {"gd": fake_minima(g + rng.normal(size=(8, 5)), dead=np.arange(8) == 1)}
    settled = {"gd": {"params_sym": g + rng.normal(size=(7, 5)) * 2.0}}
    ok = {"gd": np.array([True, False, True, True, False, True, True])}
    arrays, numbers = settled_geometry(g, raw, settled, ok, pairs=6, seed=4)
    a0, n0 = geometry(g, raw, 6, 4)
    a1, n1 = geometry(g, {"gd": fake_minima(settled["gd"]["params_sym"])}, 6, 4)
    a2, n2 = geometry(g, {"gd": fake_minima(settled["gd"]["params_sym"][ok["gd"]])}, 6, 4)
    np.testing.assert_array_equal(arrays["gd_pairs"], a0["gd_pairs"])
    np.testing.assert_array_equal(arrays["global_min"], g)
    assert "settled_global_min" not in arrays and "certified_global_min" not in arrays
    for prefix, ref_arrays, ref_numbers in (("settled", a1, n1), ("certified", a2, n2)):
        np.testing.assert_array_equal(arrays[f"{prefix}_gd_pairs"], ref_arrays["gd_pairs"])
        np.testing.assert_array_equal(arrays[f"{prefix}_dots"], ref_arrays["dots"])
        for key in ("gd_pair_median", "gd_global_max", "dot_min", "points"):
            assert numbers[f"geometry_{prefix}_{key}"] == ref_numbers[f"geometry_{key}"]
        for key in ("gd_dead", "gd_diverged", "excluded"):
            assert f"geometry_{prefix}_{key}" not in numbers
    assert numbers["geometry_gd_dead"] == 1
    assert numbers["geometry_gd_pair_median"] == n0["geometry_gd_pair_median"]
