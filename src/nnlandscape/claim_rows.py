"""Every claim of the original paper as a row: its unit-level evidence, read from this run's arrays.

A row names the claim, its statistic and units, and builds :class:`~nnlandscape.claims.Evidence`
from the results with the same functions the analysis and the figures use (``basin.return_radius``,
``spectra.tiny_share``, ``neb.path_statistics``, ``fits.at_smooth_fit``, ...). Its threshold and
side come from ``claims.rows.<key>`` in the config. Adding a claim: one :class:`Row` in ``ROWS``, one
entry in the config, three synthetic cases in ``tests/test_claims.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .claims import Claim, Evidence, Rule, judge, share
from .trainspec import OPTIMIZERS

# --- statistics, vectorized along ``axis`` (the units) -------------------------------------------

def median_ratio(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """median(a) / median(b)."""
    return np.median(a, axis=axis) / np.median(b, axis=axis)


def median_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """median(a) - median(b)."""
    return np.median(a, axis=axis) - np.median(b, axis=axis)


def relative_median_gap(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """|median(a) - median(b)| / median(b): how much two groups' typical values differ."""
    return np.abs(median_ratio(a, b, axis=axis) - 1.0)


def iqr(values: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """Interquartile range."""
    q1, q3 = np.quantile(values, [0.25, 0.75], axis=axis)
    return q3 - q1


def iqr_ratio(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """IQR(a) / IQR(b) (infinite when b does not spread)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return iqr(a, axis=axis) / iqr(b, axis=axis)


def relative_iqr(values: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """IQR / median: the spread of the middle half relative to the typical value."""
    return iqr(values, axis=axis) / np.median(values, axis=axis)


def worst_of(statistic: Callable, groups: int, larger: bool = True) -> Callable:
    """``statistic`` applied to consecutive pairs of samples (one pair per optimizer) and the worse
    of the results for the claim: the largest when ``larger`` (a claim of being small), else the
    smallest."""

    def worst(*samples: np.ndarray, axis: int = -1) -> np.ndarray | float:
        per = [statistic(*samples[i:i + groups], axis=axis) for i in range(0, len(samples), groups)]
        return np.maximum.reduce(per) if larger else np.minimum.reduce(per)

    return worst


def median(values: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """Median over units."""
    return np.median(values, axis=axis)


def mean(values: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """Mean over units."""
    return np.mean(values, axis=axis)


def max_median(*samples: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """The largest of the samples' medians (the worse optimizer for a claim of being small)."""
    return np.maximum.reduce([np.median(s, axis=axis) for s in samples])


# --- per-unit quantities that no other module computes --------------------------------------------

def sawtooth_coefficients(outputs: np.ndarray, target: np.ndarray, spline: np.ndarray) -> np.ndarray:
    """(B,) least-squares coefficient of the sawtooth (target - spline) in each fit's (output - spline).

    1: the fit carries the whole sawtooth, 0: none of it. Linear in the output, so the mean over fits
    is the coefficient of the mean fit.
    """
    saw = np.asarray(target, np.float64) - np.asarray(spline, np.float64)
    return (np.asarray(outputs, np.float64) - spline) @ saw / (saw @ saw)


def stabilise_step(trace: np.ndarray, steps: np.ndarray, rtol: float) -> np.ndarray:
    """(B,) first recorded step from which every later recorded loss stays within ``rtol``
    (relative) of the fit's last recorded loss: when its loss curve looks settled."""
    trace = np.asarray(trace, np.float64)
    final = trace[:, -1:]
    off = np.abs(trace - final) > rtol * np.abs(final)
    # index of the last recorded point that is still off; the curve is settled from the next one
    last_off = np.where(off.any(axis=1), trace.shape[1] - 1 - np.argmax(off[:, ::-1], axis=1), -1)
    return np.asarray(steps, np.float64)[np.minimum(last_off + 1, trace.shape[1] - 1)]


def late_drop(trace: np.ndarray, steps: np.ndarray, fraction: float) -> np.ndarray:
    """(B,) relative loss decrease from the first recorded step at or after ``fraction`` of the
    budget to the end: what training ten times longer bought."""
    steps = np.asarray(steps)
    i = int(np.searchsorted(steps, fraction * steps[-1]))
    trace = np.asarray(trace, np.float64)
    return (trace[:, i] - trace[:, -1]) / trace[:, -1]


def flat_share(energy: np.ndarray, arc: np.ndarray, band: float) -> float:
    """Share of the path's arc length on which the energy stays within ``band`` (relative) of the
    far end's (arc 1) energy: near 1 for a flat path, small where the path climbs a barrier."""
    e, a = np.asarray(energy, np.float64), np.asarray(arc, np.float64)
    ok = np.abs(e - e[-1]) <= band * abs(e[-1])
    seg = np.diff(a)
    return float((seg * (ok[1:] & ok[:-1])).sum() / (a[-1] - a[0]))


def output_change_share(outputs: np.ndarray, arc: np.ndarray, cut: float) -> float:
    """Share of the path's total change of the output function (sum of RMS changes between
    successive images) made on the stretch with arc below ``cut`` (the end at the global minimum)."""
    step = np.sqrt(np.mean(np.diff(np.asarray(outputs, np.float64), axis=0) ** 2, axis=1))
    total = step.sum()
    near = np.asarray(arc)[1:] <= cut
    return float(step[near].sum() / total) if total > 0 else float("nan")


def mean_fit_distance(index: np.ndarray, outputs: np.ndarray, spline: np.ndarray, scale: float,
                      axis: int = -1) -> np.ndarray | float:
    """RMS distance of the mean of the fits ``index`` (resampled units) to the spline, over ``scale``."""
    idx = np.asarray(index).astype(np.int64)
    flat = idx.reshape(-1, idx.shape[-1])
    counts = np.stack([np.bincount(r, minlength=len(outputs)) for r in flat])
    mean_fit = counts @ outputs / idx.shape[-1]
    dist = np.sqrt(np.mean((mean_fit - spline) ** 2, axis=-1)) / scale
    return dist.reshape(idx.shape[:-1]) if idx.ndim > 1 else float(dist[0])


# --- the results a row reads ---------------------------------------------------------------------

@dataclass
class Results:
    """The arrays of one run that the claims read (see ``scripts/claims.py`` for the files)."""

    pf: Mapping[str, np.ndarray]
    spline: np.ndarray
    minima: Mapping[str, Mapping[str, np.ndarray]]
    geometry: Mapping[str, np.ndarray]
    hessian: Mapping[str, np.ndarray]
    paths: Sequence[Mapping[str, np.ndarray]]
    basin: Mapping[str, Mapping[str, np.ndarray]]
    complex_pf: Mapping[str, np.ndarray]
    complex_spline: np.ndarray
    complex_minima: Mapping[str, Mapping[str, np.ndarray]]
    larger: Mapping[tuple[int, int], Mapping[str, Mapping[str, np.ndarray]]]
    ablation: Mapping[str, np.ndarray]
    settings: Mapping[str, object] = field(default_factory=dict)
    #: settled end points per optimizer (nnlandscape.settle), when the workflow made them
    settled: Mapping[str, Mapping[str, np.ndarray]] | None = None
    #: minimum-to-minimum graphs per optimizer (``path_stats.pair_graph``), when the workflow made them
    pairs: Mapping[str, Mapping[str, np.ndarray]] | None = None

    def live(self, opt: str, minima: Mapping | None = None) -> np.ndarray:
        """(B,) bool: live fits (neither dead nor diverged)."""
        from .geometry import live_minima

        return live_minima((minima or self.minima)[opt])


@dataclass(frozen=True)
class Row:
    """One claim: wording, statistic, units and how its evidence is read from the results."""

    key: str
    claim: str
    statistic: str
    units: str
    evidence: Callable[[Results, Mapping], Evidence]


def _losses(r: Results, minima: Mapping | None = None) -> list[np.ndarray]:
    m = minima or r.minima
    return [np.asarray(m[o]["loss"], np.float64)[r.live(o, m)] for o in OPTIMIZERS]


def _outputs(r: Results, opt: str, pf: Mapping, minima: Mapping) -> np.ndarray:
    from .network import forward_np

    live = r.live(opt, minima)
    return forward_np(np.asarray(minima[opt]["params"], np.float64)[live], pf["x_train"],
                      int(pf["n"]), int(pf["k"]))


def _sawtooth(opt: str | None, complex_: bool = False) -> Callable[[Results, Mapping], Evidence]:
    def build(r: Results, c: Mapping) -> Evidence:
        pf, spline, minima = ((r.complex_pf, r.complex_spline, r.complex_minima) if complex_
                              else (r.pf, r.spline, r.minima))
        opts = OPTIMIZERS if opt is None else (opt,)
        coef = np.concatenate([sawtooth_coefficients(_outputs(r, o, pf, minima), pf["y_train"], spline)
                               for o in opts])
        return Evidence((coef,), mean)
    return build


def _spline_distance(opt: str) -> Callable[[Results, Mapping], Evidence]:
    def build(r: Results, c: Mapping) -> Evidence:
        out = _outputs(r, opt, r.pf, r.minima)
        scale = float(r.pf["amplitude"]) / np.sqrt(3.0)  # RMS of the sawtooth part

        def stat(index, axis=-1):
            return mean_fit_distance(index, out, r.spline, scale, axis)

        return Evidence((np.arange(len(out), dtype=np.float64),), stat)
    return build


def _global(minima_of: Callable[[Results], Mapping]) -> Callable[[Results, Mapping], Evidence]:
    def build(r: Results, c: Mapping) -> Evidence:
        from .basin import returned

        m = minima_of(r)
        loss = np.concatenate([np.asarray(m[o]["loss"], np.float64) for o in OPTIMIZERS])
        return Evidence((returned(loss, float(r.settings["global_threshold"])),), binary=True)
    return build


def _spike(opt: str) -> Callable[[Results, Mapping], Evidence]:
    def build(r: Results, c: Mapping) -> Evidence:
        from .fits import at_smooth_fit, smooth_fit_loss

        live = r.live(opt)
        m = r.minima[opt]
        smooth = smooth_fit_loss(np.asarray(m["params"])[live], r.pf["x_train"], r.pf["y_train"],
                                 int(r.pf["n"]), int(r.pf["k"]))
        loss = np.asarray(m["loss"], np.float64)[live]
        return Evidence((at_smooth_fit(loss, smooth, float(r.settings["smooth_band"])),), binary=True)
    return build


def _traces(r: Results, each: Callable[[np.ndarray, np.ndarray], np.ndarray],
            need_steps: float = 0.0) -> Evidence:
    samples = []
    for o in OPTIMIZERS:
        m = r.minima[o]
        steps = np.asarray(m["trace_steps"])
        if steps[-1] < need_steps:  # the budget is too short for the claim to be told
            return Evidence((np.zeros(0), np.zeros(0)), max_median)
        samples.append(each(np.asarray(m["loss_trace"])[r.live(o)], steps))
    return Evidence(tuple(samples), max_median)


def _stabilises(r: Results, c: Mapping) -> Evidence:
    limit = float(c["rows"]["stabilises"]["threshold"])
    return _traces(r, lambda t, s: stabilise_step(t, s, float(c["stable_rtol"])), 2.0 * limit)


def _long_training(r: Results, c: Mapping) -> Evidence:
    return _traces(r, lambda t, s: late_drop(t, s, float(c["late_fraction"])))


def _geometry_ratio(r: Results, c: Mapping) -> Evidence:
    g = r.geometry
    samples = []
    for o in OPTIMIZERS:
        samples += [g[f"{o}_pair_distance"], g[f"{o}_global_distance"]]
    return Evidence(tuple(samples), worst_of(median_ratio, 2))


def _dots(r: Results, c: Mapping) -> Evidence:
    return Evidence((np.asarray(r.geometry["dots"]) <= 0.0,), binary=True)


def _distinct(r: Results, c: Mapping) -> Evidence:
    limit = float(c["same_minimum_relative"]) * float(np.linalg.norm(r.pf["params_sym"]))
    dist = np.concatenate([r.geometry[f"{o}_pair_distance"] for o in OPTIMIZERS])
    return Evidence((dist < limit,), binary=True)


def _path_stats(r: Results, paths: Sequence[Mapping]) -> list[dict[str, float]]:
    from .path_stats import path_statistics

    s = r.settings
    return [path_statistics(p, float(s["drop_fraction"]), float(s["plateau_fraction"])) for p in paths]


def converged_paths(paths: Sequence[Mapping[str, np.ndarray]]) -> list[Mapping[str, np.ndarray]]:
    """The paths whose band converged: the claims about a minimum-energy path's shape are judged
    on these only (an unconverged band's profile is that of some path, not of the MEP)."""
    return [p for p in paths if bool(p["converged"])]


def _neb_drop(r: Results, c: Mapping) -> Evidence:
    paths = converged_paths(r.paths)
    return Evidence((np.array([s["drop_arc"] for s in _path_stats(r, paths)]),), median)


def _neb_flat(r: Results, c: Mapping) -> Evidence:
    band = 1.0 - float(r.settings["plateau_fraction"])
    paths = converged_paths(r.paths)
    return Evidence((np.array([flat_share(p["energy"], p["arc"], band) for p in paths]),), median)


def _neb_lowers(r: Results, c: Mapping) -> Evidence:
    from .path_stats import band_barrier, barrier, straight_profile

    ratio = []
    for p in r.paths:  # the straight band's energies as the NEB job stored them
        line = barrier(straight_profile(p)[0])
        ratio.append(band_barrier(p) / line if line > 0 else np.nan)
    ratio = np.array(ratio)
    return Evidence((ratio[np.isfinite(ratio)],), median)


def _neb_outputs(r: Results, c: Mapping) -> Evidence:
    from .network import forward_np

    shares = []
    paths = converged_paths(r.paths)
    for p, s in zip(paths, _path_stats(r, paths), strict=True):
        out = forward_np(np.asarray(p["images"], np.float64), r.pf["x_train"], int(r.pf["n"]),
                         int(r.pf["k"]))
        shares.append(output_change_share(out, p["arc"], s["drop_arc"]))
    return Evidence((np.array(shares),), median)


def _neb_twist(r: Results, c: Mapping) -> Evidence:
    stats = _path_stats(r, converged_paths(r.paths))
    diff = np.array([s["angle_descent_median"] - s["angle_plateau_median"] for s in stats])
    return Evidence((diff[np.isfinite(diff)],), median)


def pair_barrier_over_loss(graph: Mapping[str, np.ndarray]) -> np.ndarray:
    """(p,) per minimum-to-minimum path: its barrier (the lower of the band's and the constant-output
    route's top, minus the higher end) over the mean of its two end points' losses."""
    from .path_stats import pair_best_barrier

    where = {int(m): i for i, m in enumerate(graph["minima"])}
    energy = np.asarray(graph["energy"], np.float64)
    ends = np.array([[energy[where[int(a)]], energy[where[int(b)]]] for a, b in graph["pairs"]])
    return pair_best_barrier(graph) / ends.reshape(-1, 2).mean(axis=1)


def _pairs_small(r: Results, c: Mapping) -> Evidence:
    graphs = [r.pairs[o] for o in OPTIMIZERS] if r.pairs else []
    ratio = np.concatenate([pair_barrier_over_loss(g) for g in graphs]) if graphs else np.zeros(0)
    converged = all(bool(np.all(g["converged"]) and np.all(g["barrier"] <= g["route_barrier"]))
                    for g in graphs)
    # an unconverged band's top bounds the lowest barrier from above, as does the constant-output
    # route's; a converged band below the route estimates it
    return Evidence((ratio[np.isfinite(ratio)],), median, bound=None if converged else "upper")


def _hessian_negative(r: Results, c: Mapping) -> Evidence:
    from .spectra import negative_share

    small = float(r.hessian["small"])
    has = [negative_share(r.hessian[f"eig_{o}"], small) > 0 for o in OPTIMIZERS
           if len(r.hessian[f"eig_{o}"])]
    return Evidence((np.concatenate(has) if has else np.zeros(0, bool),), binary=True)


def _hessian_tiny(r: Results, c: Mapping) -> Evidence:
    from .spectra import tiny_share

    small = float(r.hessian["small"])
    return Evidence(tuple(tiny_share(r.hessian[f"eig_{o}"], small) for o in OPTIMIZERS),
                    worst_of(median, 1, larger=False))


def _basin_small(r: Results, c: Mapping) -> Evidence:
    from .basin import returned

    t = r.basin["gd"]
    limit = float(c["basin_small_relative"]) * float(np.linalg.norm(r.pf["params_sym"]))
    small = np.asarray(t["noise_norm"]) <= limit
    return Evidence((returned(t["loss"], float(r.settings["global_threshold"]))[small],), binary=True)


def _basin_narrow(r: Results, c: Mapping) -> Evidence:
    from .basin import return_radius, returned

    t = r.basin["gd"]
    noise = np.asarray(t["noise_norm"], np.float64)
    back = returned(t["loss"], float(r.settings["global_threshold"]))
    r_max, bins = float(t["r_max"]), int(r.settings["basin_bins"])
    dist = np.concatenate([r.geometry[f"{o}_global_distance"] for o in OPTIMIZERS])

    def stat(trials: np.ndarray, distances: np.ndarray) -> float:
        # a radius below the first bin's width is not resolved: that width bounds it from above
        i = trials.astype(np.int64)
        radius = max(return_radius(noise[i], back[i], r_max, bins), r_max / bins)
        return radius / np.median(distances)

    return Evidence((np.arange(len(noise), dtype=np.float64), dist), stat, vectorized=False)


def _adadelta_basin(r: Results, c: Mapping) -> Evidence:
    from .basin import returned

    return Evidence((returned(r.basin["adadelta"]["loss"], float(r.settings["global_threshold"])),),
                    binary=True)


def _first_larger(r: Results) -> tuple[int, int]:
    sizes = [s for s in r.larger if s != (int(r.pf["n"]), int(r.pf["k"]))]
    if not sizes:
        raise ValueError("larger.sizes lists no network larger than the main one")
    return sizes[0]


def _larger_better(r: Results, c: Mapping) -> Evidence:
    big = r.larger[_first_larger(r)]["adadelta"]
    loss = np.asarray(big["loss"], np.float64)
    return Evidence((loss[np.isfinite(loss)], _losses(r)[1]), median_ratio)


def _certified_minima(r: Results, c: Mapping) -> Evidence:
    from .settled import certified

    if r.settled is None:
        return Evidence((np.zeros(0, bool),), binary=True)
    return Evidence((np.concatenate([certified(r.settled[o]) for o in OPTIMIZERS]),), binary=True)


def _settled_negative(r: Results, c: Mapping) -> Evidence:
    """Settled points off every kink: does the exact ReLU Hessian there (rescalings set aside; the
    ``relu_eig_<opt>`` spectra of :func:`nnlandscape.hessian.relu_spectra`) have a clearly negative
    eigenvalue?"""
    if r.settled is None or "relu_eig_gd" not in r.hessian:
        return Evidence((np.zeros(0, bool),), binary=True)
    small = float(r.hessian["small"])
    eig = [np.asarray(r.hessian[f"relu_eig_{o}"], np.float64) for o in OPTIMIZERS]
    rel = np.concatenate([e[:, 0] / e[:, -1] for e in eig if len(e)]) if any(len(e) for e in eig) \
        else np.zeros(0)
    return Evidence((rel < -small,), binary=True)


def _embed_candidates(r: Results, o: str) -> np.ndarray:
    """(m, P) (5,5) points to embed: the certified settled minima when the settle stage ran, else
    the live training end points."""
    if r.settled is not None:
        from .settled import certified

        s = r.settled[o]
        return np.asarray(s["params"], np.float64)[certified(s)]
    return np.asarray(r.minima[o]["params"], np.float64)[r.live(o)]


def _larger_saddles(r: Results, c: Mapping) -> Evidence:
    from .capacity import embedded_descent

    n, k = int(r.pf["n"]), int(r.pf["k"])
    wider = [s for s in r.larger if s[0] > n]
    if not wider:
        return Evidence((np.zeros(0, bool),), binary=True)
    n_big, k_big = wider[0]
    rng = np.random.default_rng(int(c["seed"]))
    found = []
    for o in OPTIMIZERS:
        points = _embed_candidates(r, o)
        pick = rng.choice(len(points), size=min(int(c["embed_count"]), len(points)), replace=False)
        for i in np.sort(pick):
            drop = embedded_descent(points[i], r.pf["x_train"], r.pf["y_train"], n, k, n_big, k_big,
                                    rng, int(c["embed_draws"]), float(c["embed_step"]))
            found.append(drop > float(c["embed_min_drop"]))
    return Evidence((np.array(found, bool),), binary=True)


def _data_amount(m: int) -> Callable[[Results, Mapping], Evidence]:
    def build(r: Results, c: Mapping) -> Evidence:
        a = r.ablation
        points = list(np.asarray(a["points"]).tolist())
        if m not in points:
            raise ValueError(f"ablation.points_per_segment {points} lacks {m}")
        most, i = points.index(max(points)), points.index(m)
        samples = []
        for o in OPTIMIZERS:
            samples += [a[f"{o}_grid_mse"][i], a[f"{o}_grid_mse"][most]]
        return Evidence(tuple(samples), worst_of(relative_median_gap, 2), paired=False)
    return build


def _complex_lower(r: Results, c: Mapping) -> Evidence:
    gd, ada = _losses(r, r.complex_minima)
    return Evidence((ada, gd), median_difference)


def _lower(r: Results, c: Mapping) -> Evidence:
    gd, ada = _losses(r)
    return Evidence((ada, gd), median_difference)


def _wider(r: Results, c: Mapping) -> Evidence:
    gd, ada = _losses(r)
    return Evidence((ada, gd), iqr_ratio)


def _similar(r: Results, c: Mapping) -> Evidence:
    return Evidence(tuple(_losses(r)), worst_of(relative_iqr, 1))


def _optimizer(r: Results, c: Mapping) -> Evidence:
    gd, ada = _losses(r)
    return Evidence((ada, gd), relative_median_gap)


ROWS: tuple[Row, ...] = (
    Row("no_global", "Training never finds the perfect fit",
        "share of fits (both optimizers) with loss below the global threshold", "fits",
        _global(lambda r: r.minima)),
    Row("sawtooth_gd", "The mean GD fit has the sawtooth removed",
        "sawtooth coefficient of the mean live GD fit (1 kept, 0 removed)", "fits", _sawtooth("gd")),
    Row("sawtooth_adadelta", "The mean Adadelta fit has the sawtooth removed",
        "sawtooth coefficient of the mean live Adadelta fit", "fits", _sawtooth("adadelta")),
    Row("spline_gd", "The mean GD fit is the spline part",
        "RMS distance of the mean GD fit to the spline part over the sawtooth's RMS", "fits",
        _spline_distance("gd")),
    Row("spline_adadelta", "The mean Adadelta fit is the spline part",
        "RMS distance of the mean Adadelta fit to the spline part over the sawtooth's RMS", "fits",
        _spline_distance("adadelta")),
    Row("certified_minima", "Training ends at local minima",
        "share of settled end points certified as minima (smooth or kink)", "end points",
        _certified_minima),
    Row("stabilises", "Training stabilises within a few hundred steps",
        "median step from which a fit's loss stays near its final value (worse optimizer)", "fits",
        _stabilises),
    Row("long_training", "It does not much matter how long one trains",
        "median relative loss decrease over the last 90% of the steps (worse optimizer)", "fits",
        _long_training),
    Row("optimizer", "It does not much matter which optimizer one uses",
        "relative gap between the median losses of Adadelta and GD", "fits", _optimizer),
    Row("adadelta_lower", "Adadelta reaches lower losses than GD", "median loss, Adadelta minus GD",
        "fits", _lower),
    Row("adadelta_wider", "Adadelta's losses are spread wider than GD's",
        "IQR of losses, Adadelta over GD", "fits", _wider),
    Row("spike_gd", "GD's losses spike at the smooth fit's loss",
        "share of live GD fits within the smooth band of the mean fit's loss", "fits", _spike("gd")),
    Row("spike_adadelta", "Adadelta's losses spike at the smooth fit's loss",
        "share of live Adadelta fits within the smooth band of the mean fit's loss", "fits",
        _spike("adadelta")),
    Row("losses_similar", "The losses of the local minima are similar",
        "IQR over median of the live losses (worse optimizer)", "fits", _similar),
    Row("data_amount_3", "3 points per segment suffice",
        "relative gap of median dense-grid MSE, 3 vs the most points per segment (worse optimizer)",
        "fits", _data_amount(3)),
    Row("data_amount_2", "2 points per segment suffice",
        "relative gap of median dense-grid MSE, 2 vs the most points per segment (worse optimizer)",
        "fits", _data_amount(2)),
    Row("distinct", "No two fits find the same minimum",
        "share of sampled pairs of symmetrized minima closer than the same-minimum distance", "pairs",
        _distinct),
    Row("minima_closer", "Minima are closer to each other than to the global minimum",
        "median pairwise distance over median distance to the global minimum (worse optimizer)",
        "pairs, fits", _geometry_ratio),
    Row("dot_positive", "Seen from the global minimum, all minima lie in one direction",
        "share of sampled pairs of directions with a non-positive dot product", "pairs", _dots),
    Row("neb_flat", "The NEB energy is flat along most of the path",
        "median share of arc length with energy within the plateau band of the fitted minimum's",
        "converged paths", _neb_flat),
    Row("neb_drop", "The NEB energy drops sharply near the global minimum",
        "median arc length below which the energy falls under the drop fraction of the end's",
        "converged paths", _neb_drop),
    Row("neb_lowers", "NEB lowers the barrier of the straight segment",
        "median barrier of the relaxed band over that of the straight initial band", "paths",
        _neb_lowers),
    Row("neb_outputs", "Along a path the output changes mostly at the end, near the global minimum",
        "median share of the output's change made below the drop arc", "converged paths",
        _neb_outputs),
    Row("neb_twist", "The path twists near the global minimum",
        "median turning angle on the descent minus on the plateau (degrees)", "converged paths",
        _neb_twist),
    Row("pairs_small", "Barriers between fitted minima are small compared with their losses",
        "median over minimum-to-minimum paths (both optimizers) of barrier (band or constant-output "
        "route, the lower) / mean end-point loss",
        "pairs", _pairs_small),
    Row("hessian_nonnegative", "The Hessian at the minima has no negative eigenvalue",
        "share of sampled minima with a clearly negative eigenvalue", "spectra", _hessian_negative),
    Row("hessian_settled_nonnegative", "At settled minima the Hessian has no negative eigenvalue",
        "share of settled points off kinks whose exact ReLU Hessian has a clearly negative eigenvalue",
        "settled points", _settled_negative),
    Row("hessian_tiny", "Most Hessian eigenvalues at the minima are tiny",
        "median share of tiny eigenvalues per spectrum (worse optimizer)", "spectra", _hessian_tiny),
    Row("basin_small", "GD returns to the global minimum from small jitter",
        "share of GD trials with small noise that return", "trials", _basin_small),
    Row("basin_narrow", "The basin of the global minimum is narrow",
        "GD return radius (at least one bin width) over the median distance to the minima",
        "trials, fits", _basin_narrow),
    Row("adadelta_never", "Adadelta never finds the perfect fit, even from jitter",
        "share of Adadelta basin trials that return", "trials", _adadelta_basin),
    Row("larger_better", "A larger network fits the main example better",
        "median Adadelta loss, first larger size over (5,5)", "fits", _larger_better),
    Row("larger_saddles", "In a larger network the local minima become saddles",
        "share of embedded (5,5) minima with a descent direction", "minima", _larger_saddles),
    Row("complex_no_global", "Second example: training never finds the perfect fit",
        "share of fits (both optimizers) with loss below the global threshold", "fits",
        _global(lambda r: r.complex_minima)),
    Row("complex_sawtooth", "Second example: the mean fit has the sawtooth removed",
        "sawtooth coefficient of the mean live fit (both optimizers)", "fits",
        _sawtooth(None, complex_=True)),
    Row("complex_adadelta_lower", "Second example: Adadelta reaches lower losses than GD",
        "median loss, Adadelta minus GD", "fits", _complex_lower),
)


def row_keys() -> list[str]:
    """Keys of every claim, in table order."""
    return [row.key for row in ROWS]


def evaluate(results: Results, cfg: Mapping, only: Sequence[str] | None = None) -> list[Claim]:
    """Every claim (or those in ``only``) judged on ``results`` with the config's ``claims`` section."""
    rules = cfg["rows"]
    unknown = sorted(set(rules) - set(row_keys()))
    if unknown:
        raise ValueError(f"claims.rows has keys with no claim: {unknown}")
    out = []
    for i, row in enumerate(ROWS):
        if only is not None and row.key not in only:
            continue
        if row.key not in rules:
            raise ValueError(f"claims.rows.{row.key} is missing from the config")
        rule = Rule.from_config(row.key, rules[row.key])
        out.append(judge(row.key, row.claim, row.statistic, row.units, row.evidence(results, cfg),
                         rule, seed=int(cfg["seed"]) + i, resamples=int(cfg["resamples"]),
                         confidence=float(cfg["confidence"]), min_units=int(cfg["min_units"]),
                         max_units=int(cfg["max_units"])))
    return out


def judge_row(key: str, evidence: Evidence, rule: Rule, *, seed: int = 0, resamples: int = 999
              ) -> Claim:
    """One row judged on given evidence (tests, and rows built outside :func:`evaluate`)."""
    row = next(r for r in ROWS if r.key == key)
    return judge(row.key, row.claim, row.statistic, row.units, evidence, rule, seed=seed,
                 resamples=resamples)


#: Rows computable from the fits' end points alone: they can be judged at every step budget.
BUDGET_ROWS = ("no_global", "sawtooth_gd", "sawtooth_adadelta", "spline_gd", "spline_adadelta",
               "optimizer", "adadelta_lower", "adadelta_wider", "spike_gd", "spike_adadelta",
               "losses_similar", "certified_minima", "hessian_settled_nonnegative")


def verdicts_by_budget(results: Results, budgets: Mapping[int, Mapping[str, Mapping[str, np.ndarray]]],
                       cfg: Mapping, keys: Sequence[str] = BUDGET_ROWS,
                       settled: Mapping[int, Mapping[str, Mapping[str, np.ndarray]]] | None = None
                       ) -> dict[int, list[Claim]]:
    """The rows ``keys`` judged at each step budget: ``budgets`` maps a step count to the fits'
    end points at that budget ({optimizer: arrays with params, loss, dead, diverged}), ``settled``
    (optional) to those end points settled; the rest of ``results`` is shared. Which verdicts
    change with the budget is what training longer decides.
    """
    from dataclasses import replace

    return {steps: evaluate(replace(results, minima=minima,
                                    settled=settled.get(steps) if settled else None), cfg, only=keys)
            for steps, minima in sorted(budgets.items())}


def budget_minima(run: Mapping[str, np.ndarray], x: np.ndarray, n: int, k: int, dead_std: float
                  ) -> dict[str, np.ndarray]:
    """A step-budget run's end points as minima arrays (``dead`` flagged as for the main fits)."""
    from .fits import dead_fits

    params = np.asarray(run["params"], np.float64)
    return {"params": params, "loss": np.asarray(run["loss"], np.float64),
            "diverged": np.asarray(run["diverged"], bool), "dead": dead_fits(params, x, n, k, dead_std)}


def budget_table_tex(by_budget: Mapping[int, Sequence[Claim]]) -> str:
    """A compact table: one row per claim, one column per step budget, the verdict in each cell."""
    from .paper import format_number, latex_escape

    steps = sorted(by_budget)
    mark = {"holds": "\\ding{51}", "fails": "\\ding{55}", "inconclusive": "?"}
    keys = [c.key for c in by_budget[steps[0]]]
    head = " & ".join(format_number(int(s)) for s in steps)
    lines = ["% Generated by the workflow: do not edit.",
             f"\\begin{{tabular}}{{@{{}}l{'c' * len(steps)}@{{}}}}", "\\toprule",
             f"claim \\textbackslash{{}} steps & {head} \\\\ \\midrule"]
    for i, key in enumerate(keys):
        cells = " & ".join(mark[by_budget[s][i].verdict] for s in steps)
        lines.append(f"{latex_escape(key)} & {cells} \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


__all__ = ["BUDGET_ROWS", "ROWS", "Results", "Row", "budget_minima", "budget_table_tex", "evaluate",
           "judge_row",
           "row_keys", "share", "verdicts_by_budget"]
