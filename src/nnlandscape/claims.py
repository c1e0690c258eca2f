"""The paper's claims as statistics with uncertainty and three verdicts.

A claim's statistic is a function of unit-level arrays (fits, pairs, paths, trials, spectra); its
95 % interval comes from resampling those units, and its threshold and side are fixed in the
config before the run. The verdict is *holds* when the whole interval lies on the claim's side of
the threshold, *fails* when it lies wholly on the other side, and *inconclusive* otherwise.

Intervals: shares of 0/1 outcomes use the exact Clopper-Pearson interval (it stays honest when no
or every unit succeeds, where a bootstrap collapses to a point); every other statistic uses the
percentile bootstrap (``scipy.stats.bootstrap``, seeded). Percentile rather than BCa: most of our
statistics are medians, quantiles and ratios of them, for which the jackknife estimate of BCa's
acceleration is unreliable (Efron & Tibshirani 1993, sec. 11.4 and 14.3), and BCa fails outright on
all-equal samples. A bootstrap over fewer than ``min_units`` units (5 by default: with fewer, the
resampled statistic takes too few distinct values for a 95 % interval) gives no interval (NaN):
inconclusive.

Some statistics only bound the quantity a claim is about: the top of an unconverged NEB band is an
upper bound on the lowest barrier between its ends (any continuous path crosses at or above the
lowest saddle), but not an estimate of it. Such evidence carries ``bound="upper"`` (or "lower"): it
can show that the quantity is below (above) a threshold, never the reverse, so the side it cannot
decide is reported as inconclusive, never as fails or holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.stats

SIDES = ("<", "<=", ">", ">=")
VERDICTS = ("holds", "fails", "inconclusive")
BOUNDS = ("upper", "lower")


@dataclass(frozen=True)
class Rule:
    """A claim's threshold, the side on which the claim holds, and why the threshold is what it is."""

    threshold: float
    holds_if: str
    why: str

    def __post_init__(self) -> None:
        if self.holds_if not in SIDES:
            raise ValueError(f"holds_if must be one of {SIDES}, got {self.holds_if!r}")
        if not math.isfinite(self.threshold):
            raise ValueError(f"threshold must be finite, got {self.threshold!r}")

    @classmethod
    def from_config(cls, key: str, cfg: Mapping) -> Rule:
        """From ``claims.rows.<key>`` of the config: ``threshold``, ``holds_if`` and ``why``."""
        missing = {"threshold", "holds_if", "why"} - set(cfg)
        if missing:
            raise ValueError(f"claims.rows.{key}: missing {sorted(missing)}")
        return cls(float(cfg["threshold"]), str(cfg["holds_if"]), str(cfg["why"]))

    def on_claim_side(self, value: float) -> bool:
        """Whether ``value`` satisfies the claim (NaN never does)."""
        t = self.threshold
        return bool({"<": value < t, "<=": value <= t, ">": value > t, ">=": value >= t}[self.holds_if])


@dataclass(frozen=True)
class Claim:
    """One row of the claims table: the statistic, its interval over ``n`` units, and the verdict."""

    key: str
    claim: str
    statistic: str
    units: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    rule: Rule
    interval: str  # "bootstrap" (percentile), "exact" (Clopper-Pearson) or "none"
    bound: str | None = None  # "upper" / "lower": the statistic only bounds the claimed quantity

    def __post_init__(self) -> None:
        if self.bound is not None and self.bound not in BOUNDS:
            raise ValueError(f"bound must be one of {BOUNDS} or None, got {self.bound!r}")

    @property
    def threshold(self) -> float:
        """The rule's threshold."""
        return self.rule.threshold

    @property
    def holds_if(self) -> str:
        """The side of the threshold on which the claim holds."""
        return self.rule.holds_if

    @property
    def verdict(self) -> str:
        """holds / fails / inconclusive from the whole interval against the threshold (and the bound)."""
        return verdict(self.ci_low, self.ci_high, self.rule, self.bound)

    def row(self) -> dict[str, object]:
        """The CSV row."""
        return {"key": self.key, "claim": self.claim, "statistic": self.statistic,
                "units": self.units, "n": int(self.n), "value": float(self.value),
                "ci_low": float(self.ci_low), "ci_high": float(self.ci_high),
                "interval": self.interval, "holds_if": self.holds_if,
                "threshold": float(self.threshold), "verdict": self.verdict,
                "bound": self.bound or "", "why": self.rule.why}


def verdict(low: float, high: float, rule: Rule, bound: str | None = None) -> str:
    """holds if both interval ends satisfy the rule, fails if neither does, else inconclusive.

    With ``bound`` the statistic is only an upper (lower) bound on the claimed quantity: the true
    value lies below (above) it, so only a verdict that the bound implies is kept (an upper bound
    below a "<" threshold holds; above it, it says nothing)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "inconclusive"
    a, b = rule.on_claim_side(low), rule.on_claim_side(high)
    out = "holds" if a and b else "fails" if not (a or b) else "inconclusive"
    if bound is None:
        return out
    below = rule.holds_if in ("<", "<=")  # the claim says the quantity is small
    decidable = "holds" if below == (bound == "upper") else "fails"
    return out if out == decidable else "inconclusive"


#: A statistic over unit arrays: ``fn(*samples, axis=-1)``, vectorized along ``axis``.
Statistic = Callable[..., np.ndarray | float]


@dataclass(frozen=True)
class Evidence:
    """The unit-level samples of one claim, before the rule is applied.

    ``binary``: one 0/1 sample, the statistic is its share (exact interval). Otherwise
    ``statistic(*samples, axis=-1)`` is bootstrapped; samples are independent groups (for example the
    GD and the Adadelta fits) unless ``paired``.
    """

    samples: tuple[np.ndarray, ...]
    statistic: Statistic | None = None
    binary: bool = False
    paired: bool = False
    vectorized: bool = True
    extra: dict[str, float] = field(default_factory=dict)
    bound: str | None = None  # "upper" / "lower": the statistic only bounds the claimed quantity


def share(outcomes: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """Share of true outcomes."""
    return np.mean(np.asarray(outcomes, dtype=np.float64), axis=axis)


def exact_share_interval(outcomes: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """(share, low, high) of 0/1 outcomes with the Clopper-Pearson interval; NaN interval if n < 2."""
    x = np.asarray(outcomes, dtype=bool)
    n = int(x.size)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    k = int(x.sum())
    if n < 2:
        return k / n, float("nan"), float("nan")
    ci = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return k / n, float(ci.low), float(ci.high)


def bootstrap_interval(samples: Sequence[np.ndarray], statistic: Statistic, *, seed: int,
                       resamples: int, confidence: float = 0.95, paired: bool = False,
                       vectorized: bool = True, min_units: int = 5,
                       max_units: int | None = None) -> tuple[float, float, float]:
    """(statistic, low, high): percentile bootstrap over the units of each sample (seeded).

    A sample with fewer than ``min_units`` units (at least 2), or a statistic that is not finite,
    gives a NaN interval; all-equal samples give the point itself as interval. Independent samples
    larger than ``max_units`` are resampled from a seeded subsample of that many units: the interval
    gets wider (conservative), the statistic itself uses every unit, and the run stays short.
    """
    data = tuple(np.asarray(s, dtype=np.float64) for s in samples)
    value = float(statistic(*data, axis=-1)) if vectorized else float(statistic(*data))
    if any(d.size < max(2, min_units) for d in data) or not math.isfinite(value):
        return value, float("nan"), float("nan")
    if all(np.all(d == d[0]) for d in data):
        return value, value, value
    rng = np.random.default_rng(seed)
    if max_units is not None and not paired:
        data = tuple(rng.choice(d, size=max_units, replace=False) if d.size > max_units else d
                     for d in data)
    res = scipy.stats.bootstrap(data, statistic, n_resamples=resamples, confidence_level=confidence,
                                method="percentile", paired=paired, vectorized=vectorized,
                                batch=max(1, min(resamples, 2_000_000 // max(d.size for d in data))),
                                rng=rng)
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return value, low, high


def judge(key: str, claim: str, statistic: str, units: str, evidence: Evidence, rule: Rule, *,
          seed: int, resamples: int, confidence: float = 0.95, min_units: int = 5,
          max_units: int | None = None) -> Claim:
    """The claim's row: the statistic on the evidence, its interval and (through ``rule``) verdict."""
    if evidence.binary:
        (outcomes,) = evidence.samples
        value, low, high = exact_share_interval(outcomes, confidence)
        n, how = int(np.asarray(outcomes).size), "exact"
    else:
        n = int(min((np.asarray(s).size for s in evidence.samples), default=0))
        if n == 0:
            value, low, high = float("nan"), float("nan"), float("nan")
        else:
            value, low, high = bootstrap_interval(evidence.samples, evidence.statistic, seed=seed,
                                                  resamples=resamples, confidence=confidence,
                                                  paired=evidence.paired,
                                                  vectorized=evidence.vectorized,
                                                  min_units=min_units, max_units=max_units)
        how = "bootstrap"
    if not (math.isfinite(low) and math.isfinite(high)):
        how = "none"
    return Claim(key, claim, statistic, units, value, low, high, n, rule, how, evidence.bound)


def counts(claims: Sequence[Claim]) -> dict[str, int]:
    """How many claims hold, fail and are inconclusive."""
    return {v: sum(c.verdict == v for c in claims) for v in VERDICTS}


def claims_table_tex(claims: Sequence[Claim]) -> str:
    """The closing table: claim, statistic [units], value [95 % interval], threshold, verdict; then
    how each threshold was fixed."""
    from .paper import format_number, latex_escape

    header = ("\\toprule claim & statistic (units, $n$) & value [95\\,\\% interval] & threshold & "
              "verdict \\\\ \\midrule")
    rows = ["% Generated by the workflow: do not edit.",
            "\\begin{small}",
            "\\begin{longtable}{@{}p{0.19\\linewidth}p{0.3\\linewidth}p{0.16\\linewidth}ll@{}}",
            "\\caption{The claims of the original paper tested on this run.}\\label{tab:claims}\\\\",
            header, "\\endfirsthead", header, "\\endhead"]
    marks = {"holds": "\\ding{51} holds", "fails": "\\ding{55} fails", "inconclusive": "inconclusive"}
    for c in claims:
        sign = {"<": "$<$", "<=": "$\\le$", ">": "$>$", ">=": "$\\ge$"}[c.holds_if]
        interval = (f"[{format_number(float(c.ci_low))}, {format_number(float(c.ci_high))}]"
                    if c.interval != "none" else "[no interval]")
        stat = f"{c.statistic}, an {c.bound} bound" if c.bound else c.statistic
        rows.append(f"{latex_escape(c.claim)} & {latex_escape(stat)} "
                    f"({latex_escape(c.units)}, {format_number(int(c.n))}) & "
                    f"{format_number(float(c.value))} {interval} & "
                    f"{sign} {format_number(float(c.threshold))} & {marks[c.verdict]} \\\\")
    tally = counts(claims)
    rows += ["\\bottomrule", "\\end{longtable}", "\\end{small}",
             f"\\noindent Verdicts on {len(claims)} claims at the scale of this run: holds "
             f"{tally['holds']}, fails {tally['fails']}, inconclusive {tally['inconclusive']}.",
             "", "\\paragraph{How each threshold was fixed.}",
             "\\begin{small}\\begin{description}"]
    rows += [f"\\item[{latex_escape(c.key)}] {latex_escape(c.rule.why)}" for c in claims]
    rows += ["\\end{description}\\end{small}"]
    return "\n".join(rows) + "\n"
