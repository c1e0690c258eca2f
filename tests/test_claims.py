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


def _graph(minima, energy, pairs, barrier, converged):
    return {"minima": np.array(minima), "energy": np.array(energy, float), "pairs": np.array(pairs),
            "barrier": np.array(barrier, float), "converged": np.array(converged, bool)}


def test_pair_barrier_over_loss_uses_each_pairs_own_end_losses():
    # minima are rows 7, 3, 9 of the settled file, listed out of order in the pairs
    g = _graph([3, 7, 9], [0.2, 0.4, 0.1], [[7, 9], [3, 7], [9, 3]], [0.05, 0.03, 0.0], [1, 1, 1])
    np.testing.assert_allclose(cr.pair_barrier_over_loss(g), [0.05 / 0.25, 0.03 / 0.3, 0.0])


def test_pairs_small_is_an_upper_bound_until_every_band_converged():
    done = _graph([0, 1, 2], [0.2, 0.2, 0.2], [[0, 1], [1, 2], [0, 2]], [0.002, 0.004, 0.006], [1] * 3)
    open_ = dict(done, converged=np.array([True, False, True]))
    r = cr.Results(*([None] * 12), pairs={"gd": done, "adadelta": done})
    ev = cr._pairs_small(r, {})
    assert ev.bound is None
    np.testing.assert_allclose(np.sort(ev.samples[0]), [0.01, 0.01, 0.02, 0.02, 0.03, 0.03])
    r = cr.Results(*([None] * 12), pairs={"gd": done, "adadelta": open_})
    assert cr._pairs_small(r, {}).bound == "upper"
    assert cr._pairs_small(cr.Results(*([None] * 12)), {}).samples[0].size == 0

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


def test_straight_energy_runs_from_start_to_end():
    from nnlandscape.construction import Example, perfect_fit_arrays
    from nnlandscape.network import mse_np
    from nnlandscape.path_stats import barrier

    pf = perfect_fit_arrays(Example(points_per_segment=3))
    x, y = pf["x_train"], pf["y_train"]
    end = pf["params_sym"] + np.random.default_rng(0).normal(0, 0.5, pf["params_sym"].size)
    line = cr.straight_energy(pf["params_sym"], end, x, y, 5, 5, 9)
    assert line[0] == pytest.approx(0.0, abs=1e-20) and line[-1] == pytest.approx(mse_np(end, x, y, 5, 5))
    assert barrier(line) >= 0


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
