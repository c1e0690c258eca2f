"""The paper's qualitative claims as statistics with thresholds: what holds at the scale that ran.

Each statistic is a pure function of result arrays; ``Claim`` pairs it with its threshold and the
direction of the comparison, so the claims table can say plainly which claims reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Claim:
    """One row of the claims table."""

    key: str
    claim: str
    statistic: str
    value: float
    threshold: float
    holds_if: str  # "<", "<=", ">" or ">="

    @property
    def holds(self) -> bool:
        """Whether the reproduced value satisfies the claim (NaN never holds)."""
        v, t = self.value, self.threshold
        if not np.isfinite(v):
            return False
        return {"<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t}[self.holds_if]

    def row(self) -> dict[str, object]:
        """The CSV row: claim, statistic, value, threshold, holds."""
        return {"key": self.key, "claim": self.claim, "statistic": self.statistic,
                "value": float(self.value), "holds_if": self.holds_if,
                "threshold": float(self.threshold), "holds": bool(self.holds)}


def global_minimum_share(losses: np.ndarray, threshold: float) -> float:
    """Share of fits whose loss is below the global-minimum threshold."""
    losses = np.asarray(losses, dtype=np.float64)
    return float((losses < threshold).mean()) if losses.size else float("nan")


def sawtooth_coefficient(mean_fit: np.ndarray, target: np.ndarray, spline: np.ndarray) -> float:
    """Least-squares coefficient of the sawtooth (target - spline) in (mean_fit - spline).

    1 means the mean fit carries the whole sawtooth, 0 that it has been removed.
    """
    saw = np.asarray(target) - np.asarray(spline)
    rest = np.asarray(mean_fit) - np.asarray(spline)
    return float(rest @ saw / (saw @ saw))


def iqr(values: np.ndarray) -> float:
    """Interquartile range."""
    q1, q3 = np.quantile(np.asarray(values, dtype=np.float64), [0.25, 0.75])
    return float(q3 - q1)


def lower_and_wider(loss_gd: np.ndarray, loss_adadelta: np.ndarray) -> tuple[float, float]:
    """(median Adadelta - median GD, IQR Adadelta / IQR GD): negative and > 1 if the claim holds."""
    diff = float(np.median(loss_adadelta) - np.median(loss_gd))
    spread = iqr(loss_gd)
    return diff, (iqr(loss_adadelta) / spread if spread > 0 else float("inf"))


def distance_ratio(pairwise: np.ndarray, to_global: np.ndarray) -> float:
    """Median pairwise distance between minima over median distance to the global minimum."""
    return float(np.median(pairwise) / np.median(to_global))


def drop_arc(arc: np.ndarray, energy: np.ndarray, fraction: float = 0.5) -> float:
    """Normalized arc length (from the global minimum at 0) beyond which the energy stays above
    ``fraction`` of the local minimum's energy (at arc 1): small when the drop is near the global
    minimum and the rest of the path is flat."""
    arc, energy = np.asarray(arc, np.float64), np.asarray(energy, np.float64)
    level = fraction * energy[-1]
    below = np.nonzero(energy <= level)[0]
    return float(arc[below[-1]]) if below.size else 0.0


def hessian_signs(eigenvalues: np.ndarray, tiny: float = 1e-6) -> tuple[float, float]:
    """(smallest eigenvalue / largest, share of eigenvalues below ``tiny`` x largest) over spectra.

    ``eigenvalues`` is (m, P) or (P,); the first is the worst case over all spectra.
    """
    eig = np.atleast_2d(np.asarray(eigenvalues, np.float64))
    top = eig.max(axis=1, keepdims=True)
    rel_min = float((eig.min(axis=1) / top[:, 0]).min())
    tiny_share = float((np.abs(eig) < tiny * top).mean())
    return rel_min, tiny_share


def recovery_by_noise(noise: np.ndarray, loss: np.ndarray, threshold: float,
                      bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges (bins+1,) over [0, max noise] and the share of trials per bin with loss < threshold."""
    noise, loss = np.asarray(noise, np.float64), np.asarray(loss, np.float64)
    edges = np.linspace(0.0, noise.max() if noise.size else 1.0, bins + 1)
    idx = np.clip(np.digitize(noise, edges[1:-1]), 0, bins - 1)
    share = np.array([(loss[idx == b] < threshold).mean() if np.any(idx == b) else np.nan
                      for b in range(bins)])
    return edges, share


def small_jitter_only(noise: np.ndarray, loss: np.ndarray, threshold: float,
                      bins: int) -> tuple[float, float]:
    """(share returned in the smallest-noise bin, share returned in the largest-noise bin)."""
    _, share = recovery_by_noise(noise, loss, threshold, bins)
    return float(share[0]), float(share[-1])


def median_ratio(loss_small: np.ndarray, loss_large: np.ndarray) -> float:
    """Median loss of the larger network over median loss of the (5,5) network (< 1: fits better)."""
    return float(np.median(loss_large) / np.median(loss_small))


def evaluate(numbers: dict, pf: dict[str, np.ndarray], minima: dict[str, dict[str, np.ndarray]],
             basin_gd: dict[str, np.ndarray], spline: np.ndarray, thresholds: dict,
             global_threshold: float, basin_bins: int) -> list[Claim]:
    """Every claim of the paper, tested on the results of this run.

    ``numbers`` is results/numbers.json, ``pf`` the main perfect fit, ``minima`` the main minima per
    optimizer, ``basin_gd`` the joined GD basin trials, ``spline`` the target's spline part at
    ``pf["x_train"]``; ``thresholds`` is the config's ``claims`` section.
    """
    from .network import forward_np

    n, k = int(pf["n"]), int(pf["k"])
    x, y = pf["x_train"], pf["y_train"]
    live = {opt: m["loss"][~m["dead"] & ~m["diverged"]] for opt, m in minima.items()}
    all_loss = np.concatenate([m["loss"] for m in minima.values()])
    keep = np.concatenate([~m["dead"] & ~m["diverged"] for m in minima.values()])
    mean_fit = forward_np(np.concatenate([m["params"] for m in minima.values()])[keep], x, n, k).mean(0)
    diff, spread = lower_and_wider(live["gd"], live["adadelta"])
    ratio = max(numbers[f"geometry_{opt}_pair_median"] / numbers[f"geometry_{opt}_global_median"]
                for opt in minima)
    rel_min = min(numbers["hessian_gd_eig_min_relative"], numbers["hessian_adadelta_eig_min_relative"])
    tiny = min(numbers["hessian_gd_small_fraction"], numbers["hessian_adadelta_small_fraction"])
    small, large = small_jitter_only(basin_gd["noise_norm"], basin_gd["loss"], global_threshold,
                                     basin_bins)
    larger = (numbers["larger_first_adadelta_loss_median"]
              / numbers["larger_base_adadelta_loss_median"])
    t = thresholds
    return [
        Claim("no_global", "No fit reaches the global minimum",
              "share of all fits with loss below the global threshold",
              global_minimum_share(all_loss, global_threshold), 0.0, "<="),
        Claim("sawtooth_removed", "The mean fit has the sawtooth removed",
              "sawtooth coefficient of the mean live fit (1: kept, 0: removed)",
              sawtooth_coefficient(mean_fit, y, spline), t["sawtooth_max"], "<"),
        Claim("adadelta_lower", "Adadelta reaches lower losses than GD",
              "median loss, Adadelta minus GD", diff, 0.0, "<"),
        Claim("adadelta_wider", "Adadelta's losses are spread wider than GD's",
              "IQR of losses, Adadelta over GD", spread, 1.0, ">"),
        Claim("minima_closer", "Minima are closer to each other than to the global minimum",
              "median pairwise distance over median distance to the global minimum (worse optimizer)",
              ratio, 1.0, "<"),
        Claim("dot_positive", "Directions from the global minimum to the minima all point one way",
              "minimum pairwise dot product of unit directions", numbers["geometry_dot_min"], 0.0, ">"),
        Claim("neb_drop", "NEB energy is flat, then drops sharply near the global minimum",
              "median arc length beyond which the energy stays above half the end energy",
              numbers["neb_drop_arc_median"], t["neb_drop_arc_max"], "<"),
        Claim("hessian_nonnegative", "Hessian eigenvalues at the minima are non-negative",
              "most negative eigenvalue over the largest, GD and Adadelta minima", rel_min,
              -t["hessian_negative_tol"], ">="),
        Claim("hessian_tiny", "Most Hessian eigenvalues at the minima are tiny",
              "share of eigenvalues below the small threshold times the largest (worse optimizer)",
              tiny, t["hessian_tiny_share"], ">"),
        Claim("basin_small", "GD returns to the global minimum from small jitter",
              "share of GD trials returned in the smallest-noise bin", small,
              t["basin_return_share"], ">="),
        Claim("basin_only_small", "GD does not return from large jitter",
              "share of GD trials returned in the largest-noise bin", large,
              t["basin_return_share"], "<"),
        Claim("larger_better", "A larger network fits the main example better",
              "median Adadelta loss, first larger size over (5,5)", larger, 1.0, "<"),
    ]


def claims_table_tex(claims: list[Claim]) -> str:
    """The paper's closing table: claim, statistic, value, threshold, holds (check or cross)."""
    from .paper import format_number, latex_escape

    header = "\\toprule claim & statistic & value & threshold & holds \\\\ \\midrule"
    rows = ["% Generated by the workflow: do not edit.",
            "\\begin{longtable}{@{}p{0.27\\linewidth}p{0.36\\linewidth}rlc@{}}",
            "\\caption{The claims of the original paper tested on this run.}\\label{tab:claims}\\\\",
            header, "\\endfirsthead", header, "\\endhead"]
    for c in claims:
        sign = {"<": "$<$", "<=": "$\\le$", ">": "$>$", ">=": "$\\ge$"}[c.holds_if]
        mark = "\\ding{51}" if c.holds else "\\ding{55}"
        rows.append(f"{latex_escape(c.claim)} & {latex_escape(c.statistic)} & "
                    f"{format_number(float(c.value))} & {sign} {format_number(float(c.threshold))} "
                    f"& {mark} \\\\")
    held = sum(c.holds for c in claims)
    rows += ["\\bottomrule", "\\end{longtable}",
             f"\\noindent {held} of {len(claims)} claims hold at the scale of this run"
             + (": " + "; ".join(latex_escape(c.claim.lower()) for c in claims if not c.holds)
                + " did not reproduce." if held < len(claims) else ".")]
    return "\n".join(rows) + "\n"
