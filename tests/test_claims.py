"""Claims: intervals and verdicts, every row on synthetic units where it holds, fails and is
inconclusive, the statistics on cases with a known answer, and text that follows the verdicts."""

import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from nnlandscape import claim_rows as cr
from nnlandscape.basin import return_radius
from nnlandscape.claims import (
    Claim,
    Evidence,
    Rule,
    bootstrap_interval,
    claims_table_tex,
    exact_share_interval,
    judge,
    verdict,
)
from nnlandscape.paper import claim_macro_name, claim_macros

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
RULES = {key: Rule.from_config(key, cfg) for key, cfg in CONFIG["claims"]["rows"].items()}


def test_config_has_a_rule_for_every_row_and_no_other():
    assert set(RULES) == set(cr.row_keys())
    assert len(cr.ROWS) >= 20


def test_rule_rejects_bad_side_and_missing_reason():
    with pytest.raises(ValueError, match="holds_if"):
        Rule(1.0, "=", "x")
    with pytest.raises(ValueError, match="claims.rows.k: missing"):
        Rule.from_config("k", {"threshold": 1.0, "holds_if": "<"})


def test_verdict_needs_the_whole_interval():
    rule = Rule(1.0, "<", "test")
    assert verdict(0.2, 0.9, rule) == "holds"
    assert verdict(1.1, 2.0, rule) == "fails"
    assert verdict(0.5, 1.5, rule) == "inconclusive"
    assert verdict(float("nan"), 0.5, rule) == "inconclusive"
    assert verdict(1.0, 1.2, Rule(1.0, ">=", "t")) == "holds"
    assert verdict(0.5, 1.0, Rule(1.0, ">", "t")) == "fails"  # the threshold itself is not ">"


def test_degenerate_samples():
    # fewer than two units: no interval
    value, low, high = bootstrap_interval((np.array([0.3]),), cr.median, seed=0, resamples=200)
    assert value == 0.3 and np.isnan(low) and np.isnan(high)
    # too few units for a bootstrap interval
    few = bootstrap_interval((np.arange(4.0),), cr.median, seed=0, resamples=200)
    assert np.isnan(few[1]) and not np.isnan(
        bootstrap_interval((np.arange(4.0),), cr.median, seed=0, resamples=200, min_units=4)[1])
    # all equal: the interval is the point
    assert bootstrap_interval((np.full(9, 0.3),), cr.median, seed=0, resamples=200) == (0.3, 0.3, 0.3)
    # exact interval of 0 successes reaches above 0, so "none of n" is not "certainly none"
    share, low, high = exact_share_interval(np.zeros(16, bool))
    assert share == 0 and low == 0 and 0.2 < high < 0.25
    c = judge("k", "c", "s", "u", Evidence((np.zeros(0),), cr.median), Rule(1.0, "<", "t"),
              seed=0, resamples=200)
    assert c.verdict == "inconclusive" and c.n == 0 and c.interval == "none"


def test_subsampled_bootstrap_is_wider_never_narrower():
    x = np.random.default_rng(2).normal(0.0, 1.0, 20000)
    _, lo, hi = bootstrap_interval((x,), cr.median, seed=1, resamples=300)
    v, slo, shi = bootstrap_interval((x,), cr.median, seed=1, resamples=300, max_units=500)
    assert v == np.median(x) and shi - slo > 3 * (hi - lo)


def test_bootstrap_is_seeded_and_covers_the_median():
    x = np.random.default_rng(1).normal(2.0, 1.0, 400)
    a = bootstrap_interval((x,), cr.median, seed=5, resamples=500)
    assert a == bootstrap_interval((x,), cr.median, seed=5, resamples=500)
    assert a[1] < 2.0 < a[2] and a[2] - a[1] < 0.5


# --- every row: holds, fails, inconclusive on synthetic units ------------------------------------

def _one(stat):
    return lambda lv, s, n, g: Evidence((lv + s * g.standard_normal(n),), stat)


def _binary(lv, s, n, g):
    return Evidence((np.arange(n) < round(lv * n),), binary=True)


def _diff(stat, base=0.0):
    return lambda lv, s, n, g: Evidence((lv + base + s * g.standard_normal(n),
                                         base + s * g.standard_normal(n)), stat)


def _ratio(lv, s, n, g):
    return Evidence((lv * (1 + s * g.standard_normal(n)), 1 + s * g.standard_normal(n)),
                    cr.median_ratio)


def _iqr_ratio(lv, s, n, g):
    return Evidence((lv * g.standard_normal(n), g.standard_normal(n)), cr.iqr_ratio)


def _max_median(lv, s, n, g):
    return Evidence((lv + s * g.standard_normal(n), lv - abs(lv) / 4 + s * g.standard_normal(n)),
                    cr.max_median)


def _rel_iqr(lv, s, n, g):
    return Evidence((1 + lv * g.uniform(-1, 1, n), 1 + 0.5 * lv * g.uniform(-1, 1, n)),
                    cr.worst_of(cr.relative_iqr, 1))


def _tiny(lv, s, n, g):
    return Evidence((lv + s * g.standard_normal(n), lv + 0.1 + s * g.standard_normal(n)),
                    cr.worst_of(cr.median, 1, larger=False))


def _closer(lv, s, n, g):
    return Evidence((lv * (1 + s * g.standard_normal(n)), 1 + s * g.standard_normal(n),
                     0.5 * lv * (1 + s * g.standard_normal(n)), 1 + s * g.standard_normal(n)),
                    cr.worst_of(cr.median_ratio, 2))


def _amount(lv, s, n, g):
    return Evidence((1 + lv + s * g.standard_normal(n), 1 + s * g.standard_normal(n),
                     1 + lv / 2 + s * g.standard_normal(n), 1 + s * g.standard_normal(n)),
                    cr.worst_of(cr.relative_median_gap, 2))


def _spline(lv, s, n, g):
    x = np.linspace(-1, 1, 101)
    spline, scale = 0.3 * x, 0.4
    outputs = spline + lv * scale + s * scale * g.standard_normal((n, 1)) * np.ones_like(x)

    def stat(index, axis=-1):
        return cr.mean_fit_distance(index, outputs, spline, scale, axis)

    return Evidence((np.arange(n, dtype=np.float64),), stat)


def _narrow(lv, s, n, g):
    noise = g.uniform(0, 1, n)
    back = noise < 0.5 + s * g.standard_normal(n)  # return radius about 0.5
    dist = 0.5 / lv * (1 + s / lv * g.standard_normal(n))

    def stat(trials, distances):
        i = trials.astype(np.int64)
        return return_radius(noise[i], back[i], 1.0, 20) / np.median(distances)

    return Evidence((np.arange(n, dtype=np.float64), dist), stat, vectorized=False)


FACTORY = {
    "no_global": _binary, "complex_no_global": _binary, "spike_gd": _binary,
    "spike_adadelta": _binary, "distinct": _binary, "dot_positive": _binary,
    "hessian_nonnegative": _binary, "basin_small": _binary, "adadelta_never": _binary,
    "larger_saddles": _binary, "certified_minima": _binary,
    "hessian_settled_nonnegative": _binary,
    "sawtooth_gd": _one(cr.mean), "sawtooth_adadelta": _one(cr.mean),
    "complex_sawtooth": _one(cr.mean), "neb_flat": _one(cr.median), "neb_drop": _one(cr.median),
    "neb_outputs": _one(cr.median), "neb_twist": _one(cr.median), "neb_lowers": _one(cr.median),
    "pairs_small": _one(cr.median),
    "spline_gd": _spline, "spline_adadelta": _spline,
    "stabilises": _max_median, "long_training": _max_median,
    "optimizer": _diff(cr.relative_median_gap, 1.0),
    "adadelta_lower": _diff(cr.median_difference), "complex_adadelta_lower": _diff(cr.median_difference),
    "adadelta_wider": _iqr_ratio, "larger_better": _ratio, "losses_similar": _rel_iqr,
    "hessian_tiny": _tiny, "minima_closer": _closer, "basin_narrow": _narrow,
    "data_amount_3": _amount, "data_amount_2": _amount,
}


def _levels(rule: Rule, binary: bool) -> dict[str, tuple[float, float, int]]:
    """(level, spread, units) per wanted verdict for a rule: far on each side, then on the threshold."""
    t = rule.threshold
    small = rule.holds_if in ("<", "<=")
    if binary:
        lo, hi = (0.0, 1.0)
        n_sure = int(40 / max(min(t, 1 - t), 1e-3))  # enough units for the exact interval
        good, bad = (lo, hi) if small else (hi, lo)
        # a few units: none succeed (a claim of a small share) or half do (of a large share)
        return {"holds": (good, 0, n_sure), "fails": (bad, 0, n_sure),
                "inconclusive": (0.0 if small else 0.5, 0, 4)}
    margin = max(abs(t) * 0.5, 0.05)
    good, bad = (t - margin, t + margin) if small else (t + margin, t - margin)
    return {"holds": (good, margin * 0.05, 400), "fails": (bad, margin * 0.05, 400),
            "inconclusive": (t, margin, 12)}


class Even:
    """Stands in for a random generator: evenly spread values, so a sample centred on the
    threshold has its statistic on the threshold."""

    def standard_normal(self, shape):
        n = shape if isinstance(shape, int) else shape[0]
        z = np.linspace(-1.5, 1.5, n)
        return z if isinstance(shape, int) else z.reshape(n, *([1] * (len(shape) - 1)))

    def uniform(self, a, b, n):
        return np.linspace(a, b, n)


@pytest.mark.parametrize("key", cr.row_keys())
@pytest.mark.parametrize("want", ["holds", "fails", "inconclusive"])
def test_every_row_can_hold_fail_and_be_inconclusive(key, want):
    rule = RULES[key]
    binary = FACTORY[key] is _binary
    level, spread, n = _levels(rule, binary)[want]
    rng = Even() if want == "inconclusive" else np.random.default_rng(zlib.crc32(f"{key}-{want}".encode()))
    claim = cr.judge_row(key, FACTORY[key](level, spread, n, rng), rule, seed=1, resamples=400)
    assert claim.verdict == want, (key, want, claim.value, claim.ci_low, claim.ci_high)
    if want == "inconclusive":
        assert claim.ci_low <= rule.threshold <= claim.ci_high


# --- statistics on cases with a known answer -----------------------------------------------------

@pytest.mark.parametrize(("side", "bound", "interval", "want"), [
    ("<", "upper", (0.01, 0.05), "holds"),  # an upper bound below the threshold: the quantity is too
    ("<", "upper", (0.2, 0.3), "inconclusive"),  # above it: the quantity may still be small
    ("<", "upper", (0.05, 0.2), "inconclusive"),
    (">", "upper", (0.01, 0.05), "fails"),  # the quantity is below the bound, so below the threshold
    (">", "upper", (0.2, 0.3), "inconclusive"),
    (">", "lower", (0.2, 0.3), "holds"),
    (">", "lower", (0.01, 0.05), "inconclusive"),
    ("<", "lower", (0.2, 0.3), "fails"),
    ("<", "lower", (0.01, 0.05), "inconclusive"),
    ("<", None, (0.2, 0.3), "fails"),
])
def test_a_bound_decides_only_the_side_it_bounds(side, bound, interval, want):
    rule = Rule(0.1, side, "test")
    assert verdict(*interval, rule, bound) == want


def test_bound_is_named_in_the_row_and_the_table():
    rule = Rule(0.1, "<", "test")
    ev = Evidence((np.linspace(0.2, 0.3, 50),), cr.median, bound="upper")
    claim = judge("k", "a claim", "a median", "pairs", ev, rule, seed=0, resamples=200)
    assert claim.verdict == "inconclusive" and claim.row()["bound"] == "upper"
    assert "a median, an upper bound" in claims_table_tex([claim])
    with pytest.raises(ValueError, match="bound"):
        judge("k", "c", "s", "u", Evidence((np.ones(9),), cr.median, bound="both"), rule, seed=0,
              resamples=10)


def _graph(minima, energy, pairs, barrier, converged, route=None):
    route = np.full(len(barrier), np.inf) if route is None else np.array(route, float)
    return {"minima": np.array(minima), "energy": np.array(energy, float), "pairs": np.array(pairs),
            "barrier": np.array(barrier, float), "route_barrier": route,
            "converged": np.array(converged, bool)}


def test_pair_barrier_over_loss_uses_each_pairs_own_end_losses():
    # minima are rows 7, 3, 9 of the settled file, listed out of order in the pairs
    g = _graph([3, 7, 9], [0.2, 0.4, 0.1], [[7, 9], [3, 7], [9, 3]], [0.05, 0.03, 0.0], [1, 1, 1])
    np.testing.assert_allclose(cr.pair_barrier_over_loss(g), [0.05 / 0.25, 0.03 / 0.3, 0.0])
    # the constant-output route counts where it is lower than the band
    g = _graph([3, 7, 9], [0.2, 0.4, 0.1], [[7, 9], [3, 7], [9, 3]], [0.05, 0.03, 0.0], [1, 1, 1],
               route=[0.01, 0.5, 0.2])
    np.testing.assert_allclose(cr.pair_barrier_over_loss(g), [0.01 / 0.25, 0.03 / 0.3, 0.0])


def test_pairs_small_is_an_upper_bound_until_every_band_converged():
    done = _graph([0, 1, 2], [0.2, 0.2, 0.2], [[0, 1], [1, 2], [0, 2]], [0.002, 0.004, 0.006], [1] * 3)
    open_ = dict(done, converged=np.array([True, False, True]))
    r = cr.Results(*([None] * 12), pairs={"gd": done, "adadelta": done})
    ev = cr._pairs_small(r, {})
    assert ev.bound is None
    np.testing.assert_allclose(np.sort(ev.samples[0]), [0.01, 0.01, 0.02, 0.02, 0.03, 0.03])
    r = cr.Results(*([None] * 12), pairs={"gd": done, "adadelta": open_})
    assert cr._pairs_small(r, {}).bound == "upper"
    # a converged band above the constant-output route is not the lowest path: still a bound
    above = dict(done, route_barrier=np.array([1.0, 0.001, 1.0]))
    r = cr.Results(*([None] * 12), pairs={"gd": done, "adadelta": above})
    assert cr._pairs_small(r, {}).bound == "upper"
    level = dict(done, route_barrier=np.array([0.002, 0.004, 0.006]))  # a tie is not above
    assert cr._pairs_small(cr.Results(*([None] * 12), pairs={"gd": level, "adadelta": done}),
                           {}).bound is None
    assert cr._pairs_small(cr.Results(*([None] * 12)), {}).samples[0].size == 0
    assert _value(ev) == pytest.approx(0.02)  # the median of the pooled ratios


def test_pair_barrier_over_loss_works_in_float64_whatever_the_graph_holds():
    g = _graph([3, 7, 9], [0.2, 0.4, 0.1], [[7, 9], [3, 7], [9, 3]], [0.05, 0.03, 0.0], [1, 1, 1])
    g32 = {k: (v.astype(np.float32) if v.dtype == float else v) for k, v in g.items()}
    want = cr.pair_barrier_over_loss({k: (v.astype(np.float64) if v.dtype == np.float32 else v)
                                      for k, v in g32.items()})
    got = cr.pair_barrier_over_loss(g32)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)


def test_sawtooth_coefficient_and_a_constant_mean_fit():
    x = np.linspace(-1, 1, 401)
    spline, saw = 0.9 * np.sin(2 * x), 0.7 * np.sign(np.sin(16 * np.pi * x))
    target = spline + saw
    fits = np.stack([spline, spline + saw])
    assert np.allclose(cr.sawtooth_coefficients(fits, target, spline), [0.0, 1.0])
    # a constant mean fit loses the sawtooth (coefficient ~0) but is far from the spline: the spline
    # row must catch it
    constant = np.full((3, x.size), spline.mean())
    assert abs(cr.sawtooth_coefficients(constant, target, spline).mean()) < RULES["sawtooth_gd"].threshold
    scale = 0.7 / np.sqrt(3)
    dist = cr.mean_fit_distance(np.arange(3.0), constant, spline, scale)
    assert dist > RULES["spline_gd"].threshold
    assert cr.mean_fit_distance(np.arange(2.0), fits[:1].repeat(2, 0), spline, scale) == 0.0


def test_stabilise_step_and_late_drop():
    steps = np.array([1, 10, 100, 300, 1000, 10000])
    trace = np.array([[1.0, 0.5, 0.2, 0.16, 0.16, 0.16],    # settled at 300
                      [1.0, 0.9, 0.8, 0.6, 0.4, 0.16]])     # still falling at the end
    assert cr.stabilise_step(trace, steps, 0.1).tolist() == [300, 10000]
    drop = cr.late_drop(trace, steps, 0.1)  # from step 1000 to the end
    assert drop[0] == 0.0 and np.isclose(drop[1], 0.24 / 0.16)


def test_flat_share_tells_a_plateau_from_a_barrier():
    arc = np.linspace(0, 1, 21)
    plateau = np.where(arc < 0.1, 0.0, 0.16)
    straight = 0.16 * np.sin(np.pi * arc / 2) + 0.5 * np.sin(np.pi * arc)  # climbs over a barrier
    assert cr.flat_share(plateau, arc, 0.1) >= 0.85
    assert cr.flat_share(straight, arc, 0.1) < 0.2


def test_output_change_share():
    arc = np.linspace(0, 1, 11)
    late = np.outer(np.where(arc <= 0.2, 1.0 - arc, 0.8), np.ones(5))  # changes only near arc 0
    assert cr.output_change_share(late, arc, 0.2) == pytest.approx(1.0)
    even = np.outer(arc, np.ones(5))
    assert cr.output_change_share(even, arc, 0.2) == pytest.approx(0.2)


def test_embedded_minima_have_descent_unless_perfect():
    from nnlandscape.capacity import embedded_descent
    from nnlandscape.construction import Example, perfect_fit, training_data
    from nnlandscape.network import n_params

    ex = Example()
    params = perfect_fit(ex)
    x, y, _ = training_data(params, 5, 5, 3)
    rng = np.random.default_rng(0)
    assert embedded_descent(params, x, y, 5, 5, 6, 5, rng, draws=4) <= 1e-12  # zero loss: no descent
    other = np.random.default_rng(1).normal(0, 0.5, n_params(5, 5))
    assert embedded_descent(other, x, y, 5, 5, 6, 5, rng, draws=8) > 1e-9
    with pytest.raises(ValueError, match="not wider"):
        embedded_descent(other, x, y, 5, 5, 5, 6, rng)


def test_data_amount_ablation_pairs_inits_and_uses_the_dense_grid():
    from nnlandscape.ablation import data_amount
    from nnlandscape.construction import Example

    hyper = {"gd": {"lr": 1e-3, "momentum": 0.9}}
    out = data_amount(Example(), [2, 3], hyper, count=2, steps=5, seed=1, grid=101,
                      backend="reference")
    assert out["gd_grid_mse"].shape == (2, 2) and np.all(out["gd_grid_mse"] > 0)
    assert out["train_points"][0] < out["train_points"][1]
    with pytest.raises(ValueError, match="points_per_segment"):
        data_amount(Example(), [0], hyper, count=1, steps=1, seed=1, grid=11)


# --- text that follows the verdict ---------------------------------------------------------------

def _claim(key: str, low: float, high: float) -> Claim:
    return Claim(key, "No two fits find the same minimum", "share", "pairs", (low + high) / 2, low,
                 high, 1000, RULES[key], "exact")


def test_table_and_sentence_change_when_a_claim_fails():
    held = [_claim("distinct", 0.0, 5e-4)]
    failed = [_claim("distinct", 0.2, 0.3)]
    say, sentence = claim_macro_name("Say", "distinct"), claim_macro_name("Sentence", "distinct")
    assert f"\\newcommand{{{sentence}}}{{No two fits found the same minimum}}" in claim_macros(held)
    assert f"\\newcommand{{{say}}}{{no two fits found the same minimum}}" in claim_macros(held)
    assert f"\\newcommand{{{sentence}}}{{Some pairs of fits" in claim_macros(failed)
    assert "the same minimum}" not in claim_macros(failed).split(sentence)[1].split("\n")[0]
    assert "\\ding{51} holds" in claims_table_tex(held) and "\\ding{55}" not in claims_table_tex(held)
    assert "\\ding{55} fails" in claims_table_tex(failed)
    assert "fails 1," in claims_table_tex(failed) and "holds 1," in claims_table_tex(held)
    unsure = claim_macros([_claim("distinct", 0.0, 0.5)])
    assert "\\newcommand{\\ClaimVerdictDistinct}{is inconclusive}" in unsure


def test_every_row_gets_macros_even_without_special_wording():
    claims = [Claim(key, "Some claim", "s", "u", 0.1, 0.0, 0.2, 10, RULES[key], "bootstrap")
              for key in cr.row_keys()]
    text = claim_macros(claims)
    for key in cr.row_keys():
        assert claim_macro_name("Say", key) + "}" in text
        assert claim_macro_name("Sentence", key) + "}" in text
        assert claim_macro_name("Verdict", key) + "}" in text


def _minima(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    from nnlandscape.network import mse_np

    b = len(params)
    return {"params": params, "loss": np.atleast_1d(mse_np(params, x, y, 5, 5)),
            "dead": np.zeros(b, bool), "diverged": np.zeros(b, bool)}


def test_row_builders_read_results_and_verdicts_follow_the_budget():
    from nnlandscape.construction import Example, perfect_fit_arrays, spline_part

    ex = Example(points_per_segment=3)
    pf = perfect_fit_arrays(ex)
    x, y = pf["x_train"], pf["y_train"]
    rng = np.random.default_rng(3)
    short = {o: _minima(pf["params"] + rng.normal(0, 0.3, (8, pf["params"].size)), x, y)
             for o in cr.OPTIMIZERS}
    long = {o: _minima(np.repeat(pf["params"][None], 8, 0), x, y) for o in cr.OPTIMIZERS}
    results = cr.Results(pf=pf, spline=spline_part(ex, x), minima=short, geometry={}, hessian={},
                         paths=[], basin={}, complex_pf={}, complex_spline=np.zeros(0),
                         complex_minima={}, larger={}, ablation={},
                         settings={"global_threshold": 1e-6, "smooth_band": 0.1})
    cfg = dict(CONFIG["claims"], resamples=200)
    by = cr.verdicts_by_budget(results, {100: short, 1000: long}, cfg)
    first = {c.key: c for c in by[100]}
    last = {c.key: c for c in by[1000]}
    assert list(first) == [k for k in cr.row_keys() if k in cr.BUDGET_ROWS]
    # 0 of 16 perfect: not enough fits to say "never"; 16 of 16 perfect: the claim fails
    assert first["no_global"].verdict == "inconclusive" and last["no_global"].verdict == "fails"
    # fits at the perfect fit keep the whole sawtooth
    assert last["sawtooth_gd"].value == pytest.approx(1.0) and last["sawtooth_gd"].verdict == "fails"
    table = cr.budget_table_tex(by)
    assert "no\\_global & ? & \\ding{55}" in table


def test_generic_wording_reads_as_a_clause():
    from nnlandscape.paper import generic_wording

    c = Claim("complex_adadelta_lower", "Second example: Adadelta reaches lower losses than GD", "s",
              "fits", -0.1, -0.2, -0.05, 10, RULES["complex_adadelta_lower"], "bootstrap")
    assert generic_wording(c) == ("for the second example, the claim that Adadelta reaches lower "
                                  "losses than GD holds at this scale")


def test_certified_minima_read_settle_kinds_and_are_inconclusive_without_settle():
    base = dict(pf={}, spline=np.zeros(0), minima={}, geometry={}, hessian={}, paths=[], basin={},
                complex_pf={}, complex_spline=np.zeros(0), complex_minima={}, larger={}, ablation={})
    settled = {"gd": {"kind": np.array([0, 1, 2, 3])}, "adadelta": {"kind": np.array([1, 1])}}
    ev = cr._certified_minima(cr.Results(**base, settled=settled), CONFIG["claims"])
    assert ev.binary and ev.samples[0].tolist() == [True, True, False, False, True, True]
    none = cr.judge_row("certified_minima", cr._certified_minima(cr.Results(**base), CONFIG["claims"]),
                        RULES["certified_minima"])
    assert none.verdict == "inconclusive" and none.n == 0


def test_names_keep_their_capital_in_generated_clauses():
    from nnlandscape.paper import generic_wording

    c = Claim("adadelta_wider", "Adadelta's losses are spread wider than GD's", "s", "fits", 2.0, 1.5,
              3.0, 10, RULES["adadelta_wider"], "bootstrap")
    assert generic_wording(c).startswith("the claim that Adadelta's losses")


def test_path_shape_claims_read_only_converged_bands():
    arc = np.linspace(0, 1, 11)
    flat = {"energy": np.r_[0.0, np.full(10, 1.0)], "arc": arc, "converged": np.True_}
    hill = {"energy": np.r_[0.0, np.linspace(0.1, 1.0, 10)], "arc": arc, "converged": np.False_}
    r = cr.Results(*([None] * 5), paths=[flat, hill], basin=None, complex_pf=None, complex_spline=None,
                   complex_minima=None, larger=None, ablation=None,
                   settings={"plateau_fraction": 0.9})
    ev = cr._neb_flat(r, {})
    assert ev.samples[0].size == 1 and ev.samples[0][0] > 0.8  # the converged, flat band only
    assert cr.converged_paths([hill, hill]) == []
    r_open = cr.Results(*([None] * 5), paths=[hill], basin=None, complex_pf=None, complex_spline=None,
                        complex_minima=None, larger=None, ablation=None,
                        settings={"plateau_fraction": 0.9})
    claim = cr.judge_row("neb_flat", cr._neb_flat(r_open, {}), RULES["neb_flat"], resamples=50)
    assert claim.n == 0 and claim.verdict == "inconclusive"


# --- claims.py on hand-made cases (rules, exact intervals, bootstrap options, the table) ----------

def test_rule_sides_at_the_threshold_and_nan():
    # each side on the threshold itself, just off it and at NaN (never on the claim's side)
    for side, below, at, above in (("<", True, False, False), ("<=", True, True, False),
                                   (">", False, False, True), (">=", False, True, True)):
        rule = Rule(2.0, side, "t")
        assert [rule.on_claim_side(v) for v in (1.5, 2.0, 2.5)] == [below, at, above], side
        assert rule.on_claim_side(float("nan")) is False
    with pytest.raises(ValueError, match="finite"):
        Rule(float("inf"), "<", "t")
    with pytest.raises(ValueError, match="finite"):
        Rule(float("nan"), ">", "t")
    # the config may give numbers as strings or ints: the rule holds a float and strings
    rule = Rule.from_config("k", {"threshold": "3", "holds_if": ">=", "why": 7})
    assert rule == Rule(3.0, ">=", "7") and isinstance(rule.threshold, float)
    with pytest.raises(ValueError, match=r"missing \['holds_if', 'why'\]"):
        Rule.from_config("k", {"threshold": 1.0})


def test_verdict_of_an_infinite_interval_end_is_inconclusive():
    rule = Rule(1.0, "<", "t")
    assert verdict(-float("inf"), 0.5, rule) == "inconclusive"
    assert verdict(0.2, float("inf"), rule) == "inconclusive"
    assert verdict(0.2, float("nan"), rule) == "inconclusive"


def test_claim_row_is_the_csv_row_with_its_verdict():
    rule = Rule(0.5, ">", "most")
    c = Claim("k", "Claim", "stat", "fits", np.float32(0.75), 0.6, 0.9, np.int64(40), rule, "exact")
    row = c.row()
    assert row == {"key": "k", "claim": "Claim", "statistic": "stat", "units": "fits", "n": 40,
                   "value": 0.75, "ci_low": 0.6, "ci_high": 0.9, "interval": "exact",
                   "holds_if": ">", "threshold": 0.5, "verdict": "holds", "bound": "",
                   "why": "most"}
    assert type(row["n"]) is int and type(row["value"]) is float
    assert c.threshold == 0.5 and c.holds_if == ">"
    assert Claim("k", "c", "s", "u", 0.5, 0.4, 0.6, 3, rule, "bootstrap").row()["verdict"] == "inconclusive"
    assert Claim("k", "c", "s", "u", 0.2, 0.1, 0.3, 3, rule, "bootstrap").row()["verdict"] == "fails"


def test_counts_and_share():
    from nnlandscape.claims import counts, share

    rule = Rule(1.0, "<", "t")
    claims = [Claim("k", "c", "s", "u", v, lo, hi, 5, rule, "bootstrap")
              for v, lo, hi in ((0.5, 0.4, 0.6), (0.6, 0.5, 0.7), (2.0, 1.5, 2.5), (1.0, 0.5, 1.5))]
    assert counts(claims) == {"holds": 2, "fails": 1, "inconclusive": 1}
    assert counts([]) == {"holds": 0, "fails": 0, "inconclusive": 0}
    assert share(np.array([True, False, False, True])) == 0.5
    assert share(np.array([[1, 1, 1, 0], [0, 0, 0, 1]]), axis=-1).tolist() == [0.75, 0.25]
    assert share(np.array([[1, 1], [0, 1]]), axis=0).tolist() == [0.5, 1.0]


def test_exact_interval_matches_clopper_pearson_by_beta_quantiles():
    from scipy.stats import beta

    # Clopper-Pearson: low = Beta(a/2; k, n-k+1), high = Beta(1-a/2; k+1, n-k); 0 of n: high = 1-(a/2)^(1/n)
    for k, n in ((3, 10), (7, 12), (1, 40)):
        value, low, high = exact_share_interval(np.arange(n) < k)
        assert value == k / n
        assert low == pytest.approx(beta.ppf(0.025, k, n - k + 1), rel=1e-6)
        assert high == pytest.approx(beta.ppf(0.975, k + 1, n - k), rel=1e-6)
    assert exact_share_interval(np.ones(16, bool)) == pytest.approx((1.0, 0.025 ** (1 / 16), 1.0))
    assert exact_share_interval(np.zeros(16, bool))[2] == pytest.approx(1 - 0.025 ** (1 / 16))
    # a lower confidence gives the narrower interval of its own quantiles
    _, low, high = exact_share_interval(np.arange(10) < 3, confidence=0.8)
    assert low == pytest.approx(beta.ppf(0.1, 3, 8), rel=1e-6)
    assert high == pytest.approx(beta.ppf(0.9, 4, 7), rel=1e-6)
    # one unit: its share, no interval; none: nothing
    one = exact_share_interval(np.array([True]))
    assert one[0] == 1.0 and np.isnan(one[1]) and np.isnan(one[2])
    assert all(np.isnan(exact_share_interval(np.zeros(0, bool))))
    # two units are enough for an interval
    assert exact_share_interval(np.array([True, False]))[1] == pytest.approx(beta.ppf(0.025, 1, 2))


def test_bootstrap_options_do_what_they_say():
    g = np.random.default_rng(4)
    x = g.normal(0.0, 1.0, 300)
    wide = bootstrap_interval((x,), cr.median, seed=2, resamples=600)
    narrow = bootstrap_interval((x,), cr.median, seed=2, resamples=600, confidence=0.5)
    assert wide[1] < narrow[1] < narrow[2] < wide[2]
    # paired: the difference of two samples that differ by exactly 1 is 1 in every resample
    b = g.normal(0.0, 1.0, 50)
    a = b + 1.0

    def mean_diff(u, v, axis=-1):
        return np.mean(u, axis=axis) - np.mean(v, axis=axis)

    paired = bootstrap_interval((a, b), mean_diff, seed=0, resamples=300, paired=True)
    assert paired == pytest.approx((1.0, 1.0, 1.0), abs=1e-12)
    apart = bootstrap_interval((a, b), mean_diff, seed=0, resamples=300)
    assert apart[2] - apart[1] > 0.2
    # a statistic that takes no axis
    plain = bootstrap_interval((x,), lambda s: float(np.median(s)), seed=2, resamples=300,
                               vectorized=False)
    assert plain[0] == np.median(x) and plain[1] < np.median(x) < plain[2]
    # exactly min_units units: an interval; a non-finite statistic: none
    assert not np.isnan(bootstrap_interval((np.arange(5.0),), cr.median, seed=0, resamples=100)[1])
    # min_units below 2 still needs 2 units
    assert np.isnan(bootstrap_interval((np.array([1.0]),), cr.median, seed=0, resamples=100,
                                       min_units=1)[1])
    assert not np.isnan(bootstrap_interval((np.array([1.0, 2.0]),), cr.median, seed=0, resamples=100,
                                           min_units=1)[1])
    inf = bootstrap_interval((np.array([1.0, np.inf, 2, 3, 4, 5]),), cr.mean, seed=0, resamples=100)
    assert inf[0] == np.inf and np.isnan(inf[1]) and np.isnan(inf[2])
    # one sample all equal, the other not: a real interval
    mixed = bootstrap_interval((np.ones(20), np.arange(20.0)), cr.median_difference, seed=0,
                               resamples=200)
    assert mixed[1] < mixed[2]
    # samples no larger than max_units are not subsampled, nor are paired ones
    y = g.normal(0.0, 1.0, 50)
    full = bootstrap_interval((y,), cr.median, seed=3, resamples=200)
    assert bootstrap_interval((y,), cr.median, seed=3, resamples=200, max_units=50) == full
    pair_full = bootstrap_interval((y, y[::-1]), cr.median_difference, seed=3, resamples=200,
                                   paired=True)
    assert bootstrap_interval((y, y[::-1]), cr.median_difference, seed=3, resamples=200, paired=True,
                              max_units=10) == pair_full


def test_judge_counts_units_and_passes_its_settings_on():
    rule = Rule(0.5, "<", "t")
    binary = judge("k", "c", "s", "u", Evidence((np.arange(20) < 2,), binary=True), rule, seed=0,
                   resamples=100)
    assert (binary.n, binary.interval, binary.value) == (20, "exact", 0.1)
    assert binary.verdict == "holds"
    lone = judge("k", "c", "s", "u", Evidence((np.array([True]),), binary=True), rule, seed=0,
                 resamples=100)
    assert lone.interval == "none" and lone.n == 1
    g = np.random.default_rng(0)
    a, b = g.normal(0, 1, 30), g.normal(0, 1, 12)
    ev = Evidence((a, b), cr.median_difference)
    c = judge("k", "c", "s", "u", ev, rule, seed=4, resamples=300)
    assert c.n == 12 and c.interval == "bootstrap"
    assert (c.value, c.ci_low, c.ci_high) == bootstrap_interval((a, b), cr.median_difference, seed=4,
                                                                 resamples=300)
    c50 = judge("k", "c", "s", "u", ev, rule, seed=4, resamples=300, confidence=0.5)
    assert c.ci_low < c50.ci_low < c50.ci_high < c.ci_high
    # min_units and max_units reach the bootstrap
    assert judge("k", "c", "s", "u", ev, rule, seed=4, resamples=300, min_units=13).interval == "none"
    sub = judge("k", "c", "s", "u", ev, rule, seed=4, resamples=300, max_units=10)
    assert (sub.ci_low, sub.ci_high) != (c.ci_low, c.ci_high)
    paired = judge("k", "c", "s", "u",
                   Evidence((a, a - 0.25), lambda u, v, axis=-1: np.mean(u - v, axis=axis), paired=True),
                   rule, seed=0, resamples=100)
    assert paired.ci_low == pytest.approx(0.25) and paired.ci_high == pytest.approx(0.25)
    plain = judge("k", "c", "s", "u", Evidence((a,), lambda s: float(np.median(s)), vectorized=False),
                  rule, seed=0, resamples=100)
    assert plain.value == np.median(a) and plain.interval == "bootstrap"


def test_claims_table_text_by_hand():
    claims = [Claim("a_key", "Fits & minima", "share_of", "fits", 0.25, 0.125, 0.5, 1200,
                    Rule(0.75, "<", "most_ 50%"), "exact"),
              Claim("b", "B", "med", "pairs", 2.0, 1.5, 3.0, 7, Rule(1.0, "<=", "w"), "bootstrap"),
              Claim("c", "C", "r", "paths", 0.5, float("nan"), float("nan"), 3, Rule(-2.0, ">", "x"),
                    "none"),
              Claim("d", "D", "q", "u", 4.5, 4.0, 5.0, 9, Rule(4.0, ">=", "y"), "bootstrap")]
    head = ("\\toprule claim & statistic (units, $n$) & value [95\\,\\% interval] & threshold & "
            "verdict \\\\ \\midrule")
    want = "\n".join([
        "% Generated by the workflow: do not edit.",
        "\\begin{small}",
        "\\begin{longtable}{@{}p{0.19\\linewidth}p{0.3\\linewidth}p{0.16\\linewidth}ll@{}}",
        "\\caption{The claims of the original paper tested on this run.}\\label{tab:claims}\\\\",
        head, "\\endfirsthead", head, "\\endhead",
        "Fits \\& minima & share\\_of (fits, 1{,}200) & 0.250 [0.125, 0.500] & $<$ 0.750 & "
        "\\ding{51} holds \\\\",
        "B & med (pairs, 7) & 2.00 [1.50, 3.00] & $\\le$ 1.00 & \\ding{55} fails \\\\",
        "C & r (paths, 3) & 0.500 [no interval] & $>$ \\ensuremath{-2.00} & inconclusive \\\\",
        "D & q (u, 9) & 4.50 [4.00, 5.00] & $\\ge$ 4.00 & \\ding{51} holds \\\\",
        "\\bottomrule", "\\end{longtable}", "\\end{small}",
        "\\noindent Verdicts on 4 claims at the scale of this run: holds 2, fails 1, inconclusive 1.",
        "", "\\paragraph{How each threshold was fixed.}",
        "\\begin{small}\\begin{description}",
        "\\item[a\\_key] most\\_ 50\\%", "\\item[b] w", "\\item[c] x", "\\item[d] y",
        "\\end{description}\\end{small}"]) + "\n"
    assert claims_table_tex(claims) == want


# --- claim_rows: each row's evidence read from hand-made results ----------------------------------

_EMPTY = dict(pf={}, spline=np.zeros(0), minima={}, geometry={}, hessian={}, paths=[], basin={},
              complex_pf={}, complex_spline=np.zeros(0), complex_minima={}, larger={}, ablation={})


def _results(**fields) -> cr.Results:
    return cr.Results(**(_EMPTY | fields))


def _flags(loss, dead=(), diverged=()):
    b = len(loss)
    d, v = np.zeros(b, bool), np.zeros(b, bool)
    d[list(dead)], v[list(diverged)] = True, True
    return {"loss": np.array(loss, np.float64), "dead": d, "diverged": v}


def _value(ev: Evidence) -> float:
    return float(ev.statistic(*ev.samples)) if not ev.vectorized else float(ev.statistic(*ev.samples,
                                                                                           axis=-1))


def _loss_minima():
    # a dead and a diverged fit with losses far off: they must not count among the live losses
    gd = _flags([0.1, 0.2, 0.3, 9.0, 1e-9], dead=[3], diverged=[4])
    ada = _flags([0.05, 0.1, 0.15, 0.2, 7.0, 5.0], diverged=[4], dead=[5])
    return {"gd": gd, "adadelta": ada}


def test_loss_rows_read_the_live_losses_of_each_optimizer():
    r = _results(minima=_loss_minima(), settings={"global_threshold": 1e-6})
    gd, ada = [0.1, 0.2, 0.3], [0.05, 0.1, 0.15, 0.2]
    lower = cr._lower(r, {})
    assert [s.tolist() for s in lower.samples] == [ada, gd]
    assert _value(lower) == pytest.approx(0.125 - 0.2)  # Adadelta minus GD
    assert _value(cr._optimizer(r, {})) == pytest.approx(abs(0.125 / 0.2 - 1))
    # IQR: Adadelta 0.1625 - 0.0875, GD 0.25 - 0.15
    assert _value(cr._wider(r, {})) == pytest.approx(0.075 / 0.1)
    # worse optimizer of IQR / median: GD 0.1 / 0.2 = 0.5, Adadelta 0.075 / 0.125 = 0.6
    assert _value(cr._similar(r, {})) == pytest.approx(0.6)
    # the perfect-fit share reads every fit, dead and diverged too: 1e-9 is below the threshold
    glob = cr._global(lambda res: res.minima)(r, {})
    assert glob.binary and glob.samples[0].tolist() == [False] * 4 + [True] + [False] * 6
    # the second example's rows read the second example's fits
    other = {"gd": _flags([0.4, 0.6]), "adadelta": _flags([0.1, 0.3, np.nan], diverged=[2])}
    r2 = _results(minima=_loss_minima(), complex_minima=other, settings={"global_threshold": 0.15})
    assert _value(cr._complex_lower(r2, {})) == pytest.approx(0.2 - 0.5)
    assert cr._global(lambda res: res.complex_minima)(r2, {}).samples[0].tolist() == [
        False, False, True, False, False]


def test_trace_rows_read_steps_and_live_traces():
    steps = np.array([1, 10, 100, 300, 1000, 2000])
    settles = [1.0, 0.5, 0.2, 0.16, 0.16, 0.16]    # settled from step 300, drops 0 late
    falls = [1.0, 0.9, 0.8, 0.6, 0.4, 0.2]         # settled only at the end, drops 1.0 late
    wild = [5.0, 1.0, 9.0, 1.0, 9.0, 1.0]          # dead: would settle at 2000 and drop 8

    def opt(traces, dead=()):
        m = _flags(np.array(traces)[:, -1], dead=dead)
        return m | {"loss_trace": np.array(traces), "trace_steps": steps}

    r = _results(minima={"gd": opt([settles, settles, falls]),
                         "adadelta": opt([settles, falls, falls, wild], dead=[3])})
    c = {"rows": {"stabilises": {"threshold": 1000}}, "stable_rtol": 0.1, "late_fraction": 0.5}
    stab = cr._stabilises(r, c)
    assert [s.tolist() for s in stab.samples] == [[300, 300, 2000], [300, 2000, 2000]]
    assert _value(stab) == 2000  # the worse optimizer's median
    late = cr._long_training(r, c)  # from step 1000 (half of 2000) to the end
    assert [s.tolist() for s in late.samples] == [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
    assert _value(late) == 1.0
    # no budget limit on the late-drop row: even a trace that ends at step 0 is read
    zero = {o: m | {"loss_trace": np.asarray(m["loss_trace"])[:, :1], "trace_steps": np.array([0])}
            for o, m in r.minima.items()}
    assert [s.size for s in cr._long_training(_results(minima=zero), c).samples] == [3, 3]
    # a budget shorter than twice the threshold cannot tell "within a few hundred steps"
    short = cr._stabilises(r, {**c, "rows": {"stabilises": {"threshold": 1001}}})
    assert all(s.size == 0 for s in short.samples)
    assert cr._stabilises(r, {**c, "rows": {"stabilises": {"threshold": 1000.0}}}).samples[0].size == 3


def test_geometry_rows_read_distances_and_dots():
    pf = {"params_sym": np.array([3.0, 4.0])}  # norm 5
    geometry = {"gd_pair_distance": np.array([1.0, 2.0, 3.0]), "gd_global_distance": np.array([4.0, 4.0]),
                "adadelta_pair_distance": np.array([0.004, 0.006, 3.0, 0.0049]),
                "adadelta_global_distance": np.array([2.0, 10.0, 2.0]),
                "dots": np.array([0.5, 0.0, -1e-9, 2.0])}
    r = _results(pf=pf, geometry=geometry)
    # pairs over global: GD 2 / 4 = 0.5, Adadelta 0.00545 / 2: the worse (larger) is GD's
    assert _value(cr._geometry_ratio(r, {})) == pytest.approx(0.5)
    geometry2 = dict(geometry, adadelta_global_distance=np.array([0.001, 0.001, 0.002]))
    assert _value(cr._geometry_ratio(_results(pf=pf, geometry=geometry2), {})) == pytest.approx(5.45)
    assert cr._dots(r, {}).samples[0].tolist() == [False, True, True, False]
    # the same minimum: closer than 1e-3 x ||g|| = 0.005
    distinct = cr._distinct(r, {"same_minimum_relative": 1e-3})
    assert distinct.binary
    assert distinct.samples[0].tolist() == [False] * 3 + [True, False, False, True]


def test_hessian_rows_read_each_optimizers_spectra():
    # ascending spectra; small = 0.01: negative below -0.01 x the largest, tiny below 0.01 x it
    gd = np.array([[-0.5, 0.001, 0.002, 10.0], [-0.05, 0.5, 1.0, 10.0]])
    ada = np.array([[0.0, 0.0, 0.0, 1.0], [-0.02, 0.5, 0.5, 1.0], [0.001, 0.5, 0.5, 1.0]])
    r = _results(hessian={"small": 0.01, "eig_gd": gd, "eig_adadelta": ada})
    neg = cr._hessian_negative(r, {})
    assert neg.binary and neg.samples[0].tolist() == [True, False, False, True, False]
    tiny = cr._hessian_tiny(r, {})
    assert [s.tolist() for s in tiny.samples] == [[0.5, 0.25], [0.75, 0.0, 0.25]]
    assert _value(tiny) == pytest.approx(0.25)  # the worse (smaller) median share: Adadelta's
    empty = _results(hessian={"small": 0.01, "eig_gd": np.zeros((0, 4)), "eig_adadelta": ada})
    assert cr._hessian_negative(empty, {}).samples[0].tolist() == [False, True, False]
    none = _results(hessian={"small": 0.01, "eig_gd": np.zeros((0, 4)), "eig_adadelta": np.zeros((0, 4))})
    assert cr._hessian_negative(none, {}).samples[0].size == 0


def test_settled_negative_reads_the_relu_spectra_relative_to_the_largest():
    settled = {"gd": {"kind": np.array([0])}, "adadelta": {"kind": np.array([0])}}
    hess = {"small": 0.01, "relu_eig_gd": np.array([[-0.2, 1.0, 10.0], [-0.05, 0.0, 10.0]]),
            "relu_eig_adadelta": np.array([[-0.011, 0.5, 1.0]])}
    ev = cr._settled_negative(_results(hessian=hess, settled=settled), {})
    assert ev.binary and ev.samples[0].tolist() == [True, False, True]
    one = dict(hess, relu_eig_gd=np.zeros((0, 3)))
    assert cr._settled_negative(_results(hessian=one, settled=settled), {}).samples[0].tolist() == [True]
    both = dict(hess, relu_eig_gd=np.zeros((0, 3)), relu_eig_adadelta=np.zeros((0, 3)))
    assert cr._settled_negative(_results(hessian=both, settled=settled), {}).samples[0].size == 0
    # without the settle stage, or without its spectra: no units
    assert cr._settled_negative(_results(hessian=hess), {}).samples[0].size == 0
    assert cr._settled_negative(_results(hessian={"small": 0.01}, settled=settled),
                                {}).samples[0].size == 0


def test_basin_rows_read_the_trials():
    pf = {"params_sym": np.array([6.0, 8.0])}  # norm 10: "small" noise is at most 0.1
    noise = np.array([0.05, 0.1, 0.2, 0.3, 0.6, 0.7, 0.9, 0.95])
    loss = np.array([1e-9, 1e-3, 1e-9, 1e-9, 1e-3, np.nan, 1e-3, 1e-3])
    basin = {"gd": {"noise_norm": noise, "loss": loss, "r_max": 1.0},
             "adadelta": {"loss": np.array([1e-3, 1e-9, np.nan])}}
    geometry = {"gd_global_distance": np.array([1.0, 2.0]), "adadelta_global_distance": np.array([4.0])}
    r = _results(pf=pf, basin=basin, geometry=geometry,
                 settings={"global_threshold": 1e-6, "basin_bins": 4})
    small = cr._basin_small(r, {"basin_small_relative": 0.01})
    assert small.binary and small.samples[0].tolist() == [True, False]
    assert cr._adadelta_basin(r, {}).samples[0].tolist() == [False, True, False]
    narrow = cr._basin_narrow(r, {})
    # bins of 0.25: returns 2/3, 1/1, 0/2, 0/2: the radius is 0.5; median distance to the minimum 2
    assert _value(narrow) == pytest.approx(0.25)
    assert narrow.samples[1].tolist() == [1.0, 2.0, 4.0]
    # no bin with a majority: the radius is bounded by the first bin's width
    never = dict(basin, gd=dict(basin["gd"], loss=np.full(8, 1.0)))
    r_never = _results(pf=pf, basin=never, geometry=geometry,
                       settings={"global_threshold": 1e-6, "basin_bins": 4})
    assert _value(cr._basin_narrow(r_never, {})) == pytest.approx(0.25 / 2)


def test_larger_rows_pick_the_first_other_size():
    main = {"gd": _flags([0.5]), "adadelta": _flags([0.2, 0.4, 5.0], dead=[2])}
    larger = {(5, 5): {"adadelta": {"loss": np.array([9.0])}},
              (6, 5): {"adadelta": {"loss": np.array([0.1, np.nan, 0.2, 0.3])}},
              (7, 5): {"adadelta": {"loss": np.array([0.0])}}}
    r = _results(pf={"n": 5, "k": 5}, minima=main, larger=larger)
    ev = cr._larger_better(r, {})
    assert [s.tolist() for s in ev.samples] == [[0.1, 0.2, 0.3], [0.2, 0.4]]
    assert _value(ev) == pytest.approx(0.2 / 0.3)
    with pytest.raises(ValueError, match="^larger.sizes lists no network larger than the main one$"):
        cr._larger_better(_results(pf={"n": 5, "k": 5}, minima=main, larger={(5, 5): larger[(5, 5)]}), {})


def test_data_amount_rows_compare_with_the_most_points():
    ablation = {"points": np.array([2, 5, 3]),
                "gd_grid_mse": np.array([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0], [1.5, 1.5, 1.5]]),
                "adadelta_grid_mse": np.array([[1.2, 1.2, 1.2], [1.0, 1.0, 1.0], [1.1, 1.1, 1.1]])}
    r = _results(ablation=ablation)
    assert _value(cr._data_amount(2)(r, {})) == pytest.approx(1.0)   # GD: 2 vs 1
    assert _value(cr._data_amount(3)(r, {})) == pytest.approx(0.5)   # GD: 1.5 vs 1
    ev = cr._data_amount(3)(r, {})
    assert [s.tolist() for s in ev.samples] == [[1.5] * 3, [1.0] * 3, [1.1] * 3, [1.0] * 3]
    assert not ev.paired
    with pytest.raises(ValueError, match="lacks 4"):
        cr._data_amount(4)(r, {})


def _small_example():
    from nnlandscape.construction import Example, perfect_fit_arrays, spline_part

    ex = Example(points_per_segment=3)
    pf = perfect_fit_arrays(ex)
    return ex, pf, spline_part(ex, pf["x_train"])


def test_fit_rows_read_the_live_fits_outputs():
    from nnlandscape.network import forward_np, mse_np

    ex, pf, spline = _small_example()
    x, y = pf["x_train"], pf["y_train"]
    g = np.random.default_rng(7)
    other = pf["params"] + g.normal(0, 0.3, pf["params"].size)
    junk = g.normal(0, 1.0, pf["params"].size)
    # GD: two perfect fits and a dead junk fit; Adadelta: the perturbed fit twice, a diverged junk
    gd = _flags([0.0, 0.0, 5.0], dead=[2]) | {"params": np.stack([pf["params"], pf["params"], junk])}
    lo = float(mse_np(other, x, y, 5, 5))
    ada = _flags([lo, lo * 1.05, lo * 2, 0.0], diverged=[3]) | {
        "params": np.stack([other, other, other, junk])}
    r = _results(pf=pf, spline=spline, minima={"gd": gd, "adadelta": ada},
                 settings={"smooth_band": 0.1})
    saw = cr._sawtooth("gd")(r, {})
    assert saw.samples[0] == pytest.approx([1.0, 1.0])  # the perfect fit keeps the whole sawtooth
    coef_other = cr.sawtooth_coefficients(forward_np(other[None], x, 5, 5), y, spline)[0]
    assert cr._sawtooth("adadelta")(r, {}).samples[0] == pytest.approx([coef_other] * 3)
    # the second example's row: both optimizers' live fits of the second example
    r2 = _results(pf=pf, spline=spline, minima={"gd": gd, "adadelta": gd}, complex_pf=pf,
                  complex_spline=spline, complex_minima={"gd": gd, "adadelta": ada})
    assert cr._sawtooth(None, complex_=True)(r2, {}).samples[0] == pytest.approx(
        [1.0, 1.0] + [coef_other] * 3)
    # the mean perfect fit is the target: its distance to the spline is the sawtooth's RMS over
    # amplitude / sqrt(3)
    dist = cr._spline_distance("gd")(r, {})
    rms = np.sqrt(np.mean((y - spline) ** 2)) / (0.7 / np.sqrt(3))
    assert _value(dist) == pytest.approx(rms) and dist.samples[0].tolist() == [0.0, 1.0]
    # spike: the live Adadelta fits are all `other`, so the smooth fit's loss is `lo`
    spike = cr._spike("adadelta")(r, {})
    assert spike.binary and spike.samples[0].tolist() == [True, True, False]


def _path(images, energy, arc=None, straight=None):
    images = np.asarray(images, np.float64)
    arc = np.linspace(0, 1, len(images)) if arc is None else arc
    straight = np.zeros(len(images)) if straight is None else straight
    return {"images": images, "energy": np.asarray(energy, np.float64), "arc": arc,
            "midpoint_energy": np.asarray(energy, np.float64)[1:],
            "segment_max": np.minimum(energy[1:], energy[:-1]), "converged": np.True_,
            "straight_energy": np.asarray(straight, np.float64)}


def test_path_rows_read_drop_plateau_twist_and_outputs():
    ex, pf, spline = _small_example()
    base = pf["params_sym"]
    e1, e2 = np.eye(base.size)[0] * 0.05, np.eye(base.size)[1] * 0.05
    # energy: drops below 0.1 x the end's at arc 2/6, flat (within 10 %) from arc 3/6
    energy = [0.0, 0.001, 0.05, 0.95, 1.0, 1.0, 1.0]
    zigzag = [base, base + e1, base + e1 + e2, base + 2 * e1 + e2, base + 3 * e1 + e2,
              base + 4 * e1 + e2, base + 5 * e1 + e2]  # 90 degree turns on the descent, straight on
    settings = {"drop_fraction": 0.1, "plateau_fraction": 0.9}
    r = _results(pf=pf, paths=[_path(zigzag, energy)], settings=settings)
    assert cr._neb_drop(r, {}).samples[0].tolist() == pytest.approx([2 / 6])
    assert cr._neb_flat(r, {}).samples[0].tolist() == pytest.approx([3 / 6])
    assert cr._neb_twist(r, {}).samples[0].tolist() == pytest.approx([90.0])
    # no descent image: no twist
    flat = _results(pf=pf, paths=[_path(zigzag, [1.0] * 7)], settings=settings)
    assert cr._neb_twist(flat, {}).samples[0].size == 0
    # the output changes only on the first two steps (below the drop arc) or only on the last two
    d = pf["params_sym"] * 0.1
    early = [base, base + d] + [base + 2 * d] * 5
    late = [base] * 5 + [base + d, base + 2 * d]
    out = cr._neb_outputs(_results(pf=pf, paths=[_path(early, energy), _path(late, energy)],
                                   settings=settings), {})
    assert out.samples[0].tolist() == pytest.approx([1.0, 0.0])


def test_neb_lowers_compares_with_the_straight_segment():
    # relaxed barrier 1.25 - 0.5 = 0.75 against the stored straight band's 2.0 - 0.5 = 1.5: ratio 0.5
    # (the straight band's energies are the NEB job's: tests/test_neb.py checks them)
    _, pf, _ = _small_example()
    a = pf["params_sym"]
    over = _path([a, a, a], [0.0, 1.25, 0.5], straight=[0.0, 2.0, 0.5])
    lower = _path([a, a, a, a], [0.3, 0.2, 0.35, 0.0], straight=[0.3, 0.5, 0.7, 0.0])  # 0.05 / 0.4
    flat = _path([a, a, a], [0.0, 1.0, 0.0], straight=[0.0, 0.0, 0.0])  # no straight barrier: left out
    r = _results(pf=pf, paths=[over, lower, flat])
    assert cr._neb_lowers(r, {}).samples[0].tolist() == pytest.approx([0.5, 0.125])
    assert _value(cr._neb_lowers(r, {})) == pytest.approx(0.3125)
    # a ridge inside a segment of `over` (1.75): the band climbs to it, ratio (1.75 - 0.5) / 1.5
    ridge = over | {"segment_max": np.array([1.75, 0.5])}
    r = _results(pf=pf, paths=[ridge, lower, flat])
    assert cr._neb_lowers(r, {}).samples[0].tolist() == pytest.approx([1.25 / 1.5, 0.125])

def test_embedded_candidates_and_larger_saddles():
    ex, pf, spline = _small_example()
    g = np.random.default_rng(5)
    p = pf["params"]
    noisy = p + g.normal(0, 0.3, (3, p.size))
    minima = {o: _flags([1.0, 1.0, 1.0], dead=[1]) | {"params": noisy} for o in cr.OPTIMIZERS}
    r = _results(pf=pf, minima=minima)
    assert np.array_equal(cr._embed_candidates(r, "gd"), noisy[[0, 2]])
    settled = {o: {"params": np.stack([p, noisy[0], noisy[1]]), "kind": np.array([0, 2, 1])}
               for o in cr.OPTIMIZERS}
    rs = _results(pf=pf, minima=minima, settled=settled)
    assert np.array_equal(cr._embed_candidates(rs, "adadelta"), np.stack([p, noisy[1]]))
    c = {"seed": 0, "embed_count": 2, "embed_draws": 4, "embed_step": 1e-2, "embed_min_drop": 1e-9}
    # the perfect fit has no descent direction in a wider network; the noisy minima do
    ev = cr._larger_saddles(_results(pf=pf, minima=minima, settled=settled, larger={(6, 5): {}}), c)
    assert ev.binary and ev.samples[0].tolist() == [False, True, False, True]
    one = cr._larger_saddles(_results(pf=pf, minima=minima, settled=settled, larger={(6, 5): {}}),
                             dict(c, embed_count=1))
    assert len(one.samples[0]) == 2
    # deeper only, not wider: nothing to embed into
    assert cr._larger_saddles(_results(pf=pf, minima=minima, larger={(5, 6): {}}), c).samples[0].size == 0


def test_evaluate_checks_the_config_and_seeds_each_row():
    r = _results(minima=_loss_minima(), settings={"global_threshold": 1e-6})
    cfg = dict(CONFIG["claims"], resamples=200)
    only = ["optimizer", "adadelta_lower"]
    claims = cr.evaluate(r, cfg, only=only)
    assert [c.key for c in claims] == ["optimizer", "adadelta_lower"]  # table order
    lower = claims[1]
    assert lower.value == pytest.approx(0.125 - 0.2) and lower.n == 3
    # too few units for the default min_units of 5: no interval
    assert lower.interval == "none" and lower.rule == RULES["adadelta_lower"]
    few = cr.evaluate(r, dict(cfg, min_units=3), only=["adadelta_lower"])[0]
    i = cr.row_keys().index("adadelta_lower")
    assert (few.value, few.ci_low, few.ci_high) == bootstrap_interval(
        ([0.05, 0.1, 0.15, 0.2], [0.1, 0.2, 0.3]), cr.median_difference, seed=cfg["seed"] + i,
        resamples=200, confidence=cfg["confidence"], min_units=3, max_units=cfg["max_units"])
    assert few.interval == "bootstrap" and few.ci_low < few.value < few.ci_high
    narrow = cr.evaluate(r, dict(cfg, min_units=3, confidence=0.5), only=["adadelta_lower"])[0]
    assert few.ci_low <= narrow.ci_low and narrow.ci_high <= few.ci_high
    assert narrow.ci_high - narrow.ci_low < few.ci_high - few.ci_low
    with pytest.raises(ValueError, match=r"keys with no claim: \['bogus'\]"):
        cr.evaluate(r, dict(cfg, rows=dict(cfg["rows"], bogus=cfg["rows"]["optimizer"])))
    rows = {k: v for k, v in cfg["rows"].items() if k != "optimizer"}
    with pytest.raises(ValueError, match="claims.rows.optimizer is missing"):
        cr.evaluate(r, dict(cfg, rows=rows), only=only)
    assert [c.key for c in cr.evaluate(r, dict(cfg, rows=rows), only=["adadelta_lower"])] == [
        "adadelta_lower"]


def test_judge_row_and_budget_minima():
    ev = Evidence((np.arange(30) < 3,), binary=True)
    c = cr.judge_row("distinct", ev, RULES["distinct"], resamples=10)
    assert (c.key, c.claim, c.units, c.n, c.value) == ("distinct", "No two fits find the same minimum",
                                                       "pairs", 30, 0.1)
    ex, pf, spline = _small_example()
    x = pf["x_train"]
    flat = np.zeros_like(pf["params"])  # constant output 0: dead
    run = {"params": np.stack([pf["params"], flat]), "loss": np.array([0, 1]),
           "diverged": np.array([0, 1])}
    m = cr.budget_minima(run, x, 5, 5, 1e-6)
    assert m["dead"].tolist() == [False, True] and m["diverged"].tolist() == [False, True]
    assert m["loss"].dtype == np.float64 and m["params"].dtype == np.float64
    assert m["diverged"].dtype == bool


def test_budget_table_by_hand():
    rule = Rule(1.0, "<", "t")

    def claim(key, lo, hi):
        return Claim(key, "c", "s", "u", (lo + hi) / 2, lo, hi, 5, rule, "bootstrap")

    by = {1000: [claim("a_b", 0.1, 0.2), claim("c", 0.5, 1.5)],
          100: [claim("a_b", 0.5, 1.5), claim("c", 2.0, 3.0)]}
    assert cr.budget_table_tex(by) == "\n".join([
        "% Generated by the workflow: do not edit.",
        "\\begin{tabular}{@{}lcc@{}}", "\\toprule",
        "claim \\textbackslash{} steps & 100 & 1{,}000 \\\\ \\midrule",
        "a\\_b & ? & \\ding{51} \\\\", "c & \\ding{55} & ? \\\\",
        "\\bottomrule", "\\end{tabular}"]) + "\n"


def test_bootstrap_subsample_is_drawn_without_replacement_and_statistics_get_an_axis():
    seen = []

    def spy(s):  # records every resample it is given
        seen.append(np.asarray(s).copy())
        return float(np.mean(s))

    x = np.arange(40.0)
    value, _, _ = bootstrap_interval((x,), spy, seed=0, resamples=400, vectorized=False, max_units=19)
    assert value == np.mean(x) and seen[0].tolist() == x.tolist()  # the value uses every unit
    drawn = np.unique(np.concatenate(seen[1:]))
    # 400 resamples of 19 distinct units reach all 19 (with replacement they would reach ~12)
    assert drawn.size == 19 and all(len(s) == 19 for s in seen[1:])

    def needs_axis(s, axis):  # a vectorized statistic must be told its axis
        return np.median(s, axis=axis)

    v, lo, hi = bootstrap_interval((x,), needs_axis, seed=0, resamples=100)
    assert v == np.median(x) and lo < v < hi
    c = judge("k", "c", "s", "u", Evidence((x,), needs_axis), Rule(100.0, "<", "t"), seed=0,
              resamples=100)
    assert c.verdict == "holds"


def test_bootstrap_edge_cases_of_units():
    # boolean units are numbers to every statistic (a quantile of booleans would fail)
    flags = np.array([True, False, True, True, False, True, False, True])
    v, lo, hi = bootstrap_interval((flags,), cr.iqr, seed=0, resamples=200)
    assert v == 1.0 and lo == 0.0 and hi == 1.0
    # a NaN unit that the statistic ignores does not collapse the interval to a point
    v, lo, hi = bootstrap_interval((np.array([np.nan, 1.0, 2.0, 3.0, 4.0, 5.0]),),
                                   lambda s, axis=-1: np.nanmedian(s, axis=axis), seed=0, resamples=200)
    assert v == 3.0 and lo < hi
    # a statistic told not to vectorize gets one resample at a time, resamples times
    seen = []

    def spy(s, axis=-1):
        seen.append(np.ndim(s))
        return float(np.mean(s))

    bootstrap_interval((np.arange(10.0),), spy, seed=0, resamples=50, vectorized=False)
    assert seen == [1] * 51


def test_judge_edge_cases():
    rule = Rule(0.5, "<", "t")
    # evidence without samples: no units, inconclusive
    empty = judge("k", "c", "s", "u", Evidence((), cr.median), rule, seed=0, resamples=10)
    assert empty.n == 0 and empty.interval == "none" and empty.verdict == "inconclusive"
    # one unit: its statistic, no interval
    one = judge("k", "c", "s", "u", Evidence((np.array([0.25]),), cr.median), rule, seed=0, resamples=10)
    assert one.value == 0.25 and one.n == 1 and one.interval == "none"
    # five units are enough by default
    five = judge("k", "c", "stat", "u", Evidence((np.arange(5.0) / 10,), cr.median), rule, seed=0,
                 resamples=100)
    assert five.interval == "bootstrap" and five.statistic == "stat" and five.verdict == "holds"
    # the confidence reaches the exact interval too
    ev = Evidence((np.arange(10) < 3,), binary=True)
    wide = judge("k", "c", "s", "u", ev, rule, seed=0, resamples=10)
    narrow = judge("k", "c", "s", "u", ev, rule, seed=0, resamples=10, confidence=0.5)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high
    # an interval with an infinite end is no interval: the median of b is 0 in many resamples
    a, b = np.ones(5), np.array([0.0, 0.0, 1.0, 1.0, 1.0])
    ratio = judge("k", "c", "s", "u", Evidence((a, b), cr.median_ratio), rule, seed=0, resamples=200)
    assert ratio.value == 1.0 and np.isinf(ratio.ci_high) and np.isfinite(ratio.ci_low)
    assert ratio.interval == "none" and ratio.verdict == "inconclusive"


# --- claim_rows: statistics along an axis, edge cases of the per-unit quantities ------------------

def test_statistics_reduce_along_the_axis_they_are_given():
    g = np.random.default_rng(9)
    a, b = g.uniform(1, 2, (7, 3)), g.uniform(1, 2, (5, 3))  # units along axis 0
    flags = g.uniform(0, 1, (6, 3))
    for stat, args in ((cr.median_ratio, (a, b)), (cr.median_difference, (a, b)),
                       (cr.relative_median_gap, (a, b)), (cr.iqr_ratio, (a, b)),
                       (cr.relative_iqr, (a,)), (cr.iqr, (flags,)), (cr.median, (a,)), (cr.mean, (a,)),
                       (cr.max_median, (a, b)), (cr.worst_of(cr.median_ratio, 2), (a, b, b, a)),
                       (cr.worst_of(cr.median, 1, larger=False), (a, b))):
        got = stat(*args, axis=0)
        want = [float(stat(*(x[:, j] for x in args))) for j in range(3)]
        np.testing.assert_allclose(got, want, err_msg=stat.__name__)


def test_mean_fit_distance_of_batches_of_resamples():
    x = np.linspace(0, 1, 11)
    outputs = np.stack([x, x + 1.0, x + 3.0])
    spline, scale = x, 2.0
    one = cr.mean_fit_distance(np.array([0.0, 1.0]), outputs, spline, scale)
    assert type(one) is float and one == pytest.approx(0.25)  # mean fit x + 0.5
    idx = np.array([[[0, 0], [1, 2]], [[2, 2], [0, 1]], [[1, 1], [0, 2]]], np.float64)  # (3, 2, 2)
    got = cr.mean_fit_distance(idx, outputs, spline, scale)
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got, [[0.0, 1.0], [1.5, 0.25], [0.5, 0.75]])


def test_flat_share_and_output_share_on_uneven_arcs_and_flat_outputs():
    arc = np.array([0.5, 1.0, 1.5, 2.5])       # not normalized: shares are of the total length 2
    energy = np.array([5.0, 1.5, 1.0, 1.2])    # within 0.5 x 1.2 of the end from arc 1.0 on
    assert cr.flat_share(energy, arc, 0.5) == pytest.approx(1.5 / 2.0)
    # measured against the far end's energy (1.0), not its neighbour's (2.0)
    assert cr.flat_share(np.array([1.2, 1.2, 2.0, 1.0]), arc, 0.5) == pytest.approx(0.5 / 2.0)
    tie = np.array([5.0, 1.5, 1.5, 1.0])       # |1.5 - 1| is the band exactly: still flat
    assert cr.flat_share(tie, arc, 0.5) == pytest.approx(0.75)
    assert np.isnan(cr.output_change_share(np.ones((4, 3)), arc, 1.0))  # the output never changes


def test_stabilise_step_of_a_flat_curve_and_at_the_tolerance():
    steps = np.array([10, 20, 40, 80])
    trace = np.array([[3.0, 3.0, 3.0, 3.0],     # never off: settled from the first step
                      [2.5, 2.0, 2.0, 2.0],     # 2.5 is off by 0.25 x 2 exactly: not "off"
                      [9.0, 2.0, 2.0, 2.0]])    # settled from step 20
    assert cr.stabilise_step(trace, steps, 0.25).tolist() == [10, 10, 20]
    assert cr.stabilise_step(trace, steps, 0.2).tolist() == [10, 20, 20]
    assert cr.stabilise_step(trace[:1], steps, 0.2).tolist() == [10]


def test_binary_and_median_rows_are_judged_as_such():
    pf = {"params_sym": np.array([3.0, 4.0])}
    geometry = {"dots": np.array([0.5, -0.1, 0.2, 0.3] * 10)}
    r = _results(pf=pf, geometry=geometry, basin={"adadelta": {"loss": np.full(30, 1.0)}},
                 settings={"global_threshold": 1e-6})
    for key, ev in (("dot_positive", cr._dots(r, {})), ("adadelta_never", cr._adadelta_basin(r, {}))):
        c = cr.judge_row(key, ev, RULES[key], resamples=50)
        assert c.interval == "exact" and c.n == (40 if key == "dot_positive" else 30), key
    # the distinct row at the same-minimum distance itself: not closer
    limit = 1e-3 * 5.0
    r2 = _results(pf=pf, geometry={"gd_pair_distance": np.array([limit]),
                                   "adadelta_pair_distance": np.array([limit * 0.99])})
    assert cr._distinct(r2, {"same_minimum_relative": 1e-3}).samples[0].tolist() == [False, True]
    # a relative eigenvalue of exactly -small is not "clearly negative"
    settled = {"gd": {"kind": np.array([0])}, "adadelta": {"kind": np.array([0])}}
    hess = {"small": 0.01, "relu_eig_gd": np.array([[-0.01, 0.5, 1.0]]),
            "relu_eig_adadelta": np.array([[-0.02, 0.5, 1.0]])}
    assert cr._settled_negative(_results(hessian=hess, settled=settled), {}).samples[0].tolist() == [
        False, True]


def test_path_rows_take_medians_and_the_twist_is_a_difference():
    _, pf, _ = _small_example()
    base = pf["params_sym"]
    e1, e2 = np.eye(base.size)[0] * 0.05, np.eye(base.size)[1] * 0.05
    energy = [0.0, 0.001, 0.05, 0.95, 1.0, 1.0, 1.0]
    # 90 degree turns everywhere: descent 90, plateau 90, twist 0
    zigzag = [base]
    for i in range(6):
        zigzag.append(zigzag[-1] + (e1 if i % 2 == 0 else e2))
    settings = {"drop_fraction": 0.1, "plateau_fraction": 0.9}
    paths = [_path(zigzag, energy), _path(zigzag, [0.0, 0.01, 0.02, 0.03, 0.5, 0.9, 1.0]),
             _path(zigzag, energy)]
    r = _results(pf=pf, paths=paths, settings=settings)
    twist = cr._neb_twist(r, {})
    assert twist.samples[0].tolist() == pytest.approx([0.0, 0.0, 0.0]) and _value(twist) == 0.0
    drop = cr._neb_drop(r, {})
    assert drop.samples[0].tolist() == pytest.approx([2 / 6, 3 / 6, 2 / 6])
    assert _value(drop) == pytest.approx(2 / 6)
    assert _value(cr._neb_flat(r, {})) == pytest.approx(3 / 6)
    assert _value(cr._neb_outputs(r, {})) > 0
    assert _value(cr._sawtooth("gd")(_results(pf=pf, spline=np.zeros_like(pf["x_train"]),
                                              minima={"gd": _flags([0.0, 0.0]) | {"params": np.stack(
                                                  [base, base])}}), {})) == pytest.approx(1.0)


def test_larger_saddles_are_seeded_and_use_the_embed_step():
    _, pf, _ = _small_example()
    g = np.random.default_rng(5)
    p = pf["params"]
    noisy = p + g.normal(0, 0.3, (2, p.size))
    settled = {o: {"params": np.stack([p, noisy[0], noisy[1]]), "kind": np.array([0, 1, 1])}
               for o in cr.OPTIMIZERS}
    r = _results(pf=pf, minima={}, settled=settled, larger={(6, 5): {}})
    c = {"seed": 3, "embed_count": 1, "embed_draws": 4, "embed_step": 1e-2, "embed_min_drop": 1e-9}
    runs = [cr._larger_saddles(r, c).samples[0].tolist() for _ in range(8)]
    assert all(run == runs[0] for run in runs)  # the same seed picks the same minima
    # a step so small that the loss cannot drop by the minimum: no descent found anywhere
    tiny = cr._larger_saddles(r, dict(c, embed_count=3, embed_step=1e-9)).samples[0]
    assert tiny.tolist() == [False] * 6
    assert cr._larger_saddles(r, dict(c, embed_count=3)).samples[0].tolist() == [False, True, True] * 2


def test_evaluate_passes_config_seed_and_wording_to_each_row():
    g = np.random.default_rng(12)
    many = {o: _flags(g.uniform(0.1, 0.3, 40)) for o in cr.OPTIMIZERS}
    pf = {"params_sym": np.array([3.0, 4.0])}
    geometry = {"gd_pair_distance": np.array([1e-4, 1.0]), "adadelta_pair_distance": np.array([2.0])}
    r = _results(minima=many, pf=pf, geometry=geometry, settings={"global_threshold": 1e-6})
    cfg = dict(CONFIG["claims"], resamples=300, max_units=25)
    claims = {c.key: c for c in cr.evaluate(r, cfg, only=["optimizer", "adadelta_lower", "distinct"])}
    lower = claims["adadelta_lower"]
    assert lower.claim == "Adadelta reaches lower losses than GD"
    assert lower.statistic == "median loss, Adadelta minus GD" and lower.units == "fits"
    i = cr.row_keys().index("adadelta_lower")
    want = bootstrap_interval((many["adadelta"]["loss"], many["gd"]["loss"]), cr.median_difference,
                              seed=cfg["seed"] + i, resamples=300, confidence=cfg["confidence"],
                              min_units=cfg["min_units"], max_units=25)
    assert (lower.value, lower.ci_low, lower.ci_high) == want
    assert want != bootstrap_interval((many["adadelta"]["loss"], many["gd"]["loss"]),
                                      cr.median_difference, seed=cfg["seed"] + i, resamples=300)
    assert claims["distinct"].n == 3 and claims["distinct"].value == pytest.approx(1 / 3)
    bad = dict(cfg, rows=dict(cfg["rows"], optimizer={"threshold": 0.1, "holds_if": "<"}))
    with pytest.raises(ValueError, match=r"claims.rows.optimizer: missing \['why'\]"):
        cr.evaluate(r, bad, only=["optimizer"])


def test_judge_row_defaults_and_budget_settled_points():
    x = np.random.default_rng(0).normal(0, 1, 60)
    c = cr.judge_row("neb_drop", Evidence((x,), cr.median), RULES["neb_drop"])
    assert c.statistic.startswith("median arc length below which")
    assert (c.ci_low, c.ci_high) == bootstrap_interval((x,), cr.median, seed=0, resamples=999)[1:]
    # verdicts by budget read each budget's settled points
    minima = {o: _flags([0.1, 0.2]) for o in cr.OPTIMIZERS}
    results = _results(minima=minima, settings={"global_threshold": 1e-6, "smooth_band": 0.1})
    settled = {10: {o: {"kind": np.array([3, 3, 3])} for o in cr.OPTIMIZERS},
               20: {o: {"kind": np.array([0, 1])} for o in cr.OPTIMIZERS}}
    by = cr.verdicts_by_budget(results, {10: minima, 20: minima}, dict(CONFIG["claims"], resamples=50),
                               keys=("certified_minima",), settled=settled)
    assert (by[10][0].n, by[10][0].value) == (6, 0.0) and (by[20][0].n, by[20][0].value) == (4, 1.0)


def test_budget_minima_and_a_one_budget_table():
    _, pf, _ = _small_example()
    run = {"params": np.zeros((2, pf["params"].size), np.int64), "loss": [3, 1], "diverged": [0, 1]}
    m = cr.budget_minima(run, pf["x_train"], 5, 5, 1e-6)
    assert m["params"].dtype == np.float64 and m["loss"].tolist() == [3.0, 1.0]
    assert m["dead"].tolist() == [True, True] and m["diverged"].tolist() == [False, True]
    c = Claim("k", "c", "s", "u", 0.5, 0.4, 0.6, 5, Rule(1.0, "<", "t"), "bootstrap")
    assert "k & \\ding{51} \\\\" in cr.budget_table_tex({7: [c]})
