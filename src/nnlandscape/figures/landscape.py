"""Figures 12-15: the basin of the global minimum, the second example and larger networks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from ..network import forward_np
from . import COLORS, LABELS, TEXT_WIDTH, new_figure, panel_label, set_theme
from .fits import OPTIMIZERS, draw_network

LOSS_FLOOR = 1e-16  # losses are drawn on a log scale; an exact zero is drawn here
XTICKS = [-1, -0.5, 0, 0.5, 1]  # input-axis ticks that stay legible in a half-width panel


def figure_basin(trials: Mapping[str, Mapping[str, np.ndarray]], numbers: Mapping[str, object]):
    """Figure 12: final loss after retraining against the norm of the noise, (a) GD, (b) Adadelta.

    The strict "returned" level (global threshold) and the looser "back in the basin" level are
    drawn as horizontal lines; the return radius of each optimizer as a vertical line.
    """
    fig, axes = new_figure(2, height=2.8, sharey=True)
    r_max = float(numbers["basin_r_max"])
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        t = trials[opt]
        loss = np.clip(np.asarray(t["loss"], dtype=np.float64), LOSS_FLOOR, None)
        ax.scatter(t["noise_norm"], loss, s=4, color=COLORS[opt], alpha=0.6, lw=0,
                   label=f"{len(loss)} trials", zorder=3)
        ax.axhline(numbers["basin_threshold"], color=COLORS["global"], ls="--", lw=0.9,
                   label="returned: loss < threshold")
        ax.axhline(numbers["basin_near_threshold"], color="0.4", ls=":", lw=0.9,
                   label="back in the basin")
        radius = float(numbers[f"basin_{opt}_return_radius"])
        if radius > 0:
            ax.axvline(radius, color="k", lw=0.8, label=f"return radius {radius:.3g}")
        ax.set_yscale("log")
        ax.set(xlabel="norm of the noise added to the global minimum", xlim=(0, r_max))
        share = float(numbers[f"basin_{opt}_returned_fraction"])
        ax.set_title(f"{LABELS[opt]} ({share:.0%} returned)")
        ax.legend(loc="lower right", fontsize=6, markerscale=2)
        panel_label(ax, letter)
    axes[0].set_ylabel("final training MSE")
    return fig


def _two_rows(height: float):
    """A text-width figure: two panels on top, one wide panel below."""
    set_theme()
    fig = plt.figure(figsize=(TEXT_WIDTH, height), constrained_layout=True)
    axes = fig.subplot_mosaic("ab;cc")
    return fig, axes["a"], axes["b"], axes["c"]


def figure_complex_target(pf: Mapping[str, np.ndarray], sawtooth: Mapping[str, np.ndarray],
                          zoom: tuple[float, float] = (0.0, 0.016)):
    """Figure 13: (a) the second example's network, (b) its target, (c) the full sawtooth of the same
    (n,k) network (every node in the sawtooth block), with a zoom that resolves its teeth."""
    fig, a, b, c = _two_rows(4.6)
    n, k, n1 = int(pf["n"]), int(pf["k"]), int(pf["n1"])
    draw_network(a, pf["params"], n, k, n1)
    a.set_xlabel("layer (orange: sawtooth, blue: spline)")
    panel_label(a, "a")
    b.plot(pf["x_grid"], forward_np(pf["params"], pf["x_grid"], n, k), color=COLORS["target"],
           lw=0.5, label=f"target ({len(pf['knots_x']) - 2} knots)")
    b.set(xlabel="input x", ylabel="output y", xlim=(-1, 1), xticks=XTICKS)
    b.legend(loc="lower left", frameon=True)
    panel_label(b, "b")
    xs, ys = sawtooth["x_grid"], sawtooth["y_grid"]
    sn, sk = int(sawtooth["n"]), int(sawtooth["k"])
    c.plot(xs, ys, color=COLORS["target"], lw=0.3)
    c.set(xlabel="input x", ylabel="output y", xlim=(-1, 1))
    c.set_title(f"full sawtooth of a ({sn},{sk}) network: {len(sawtooth['knots_x'])} knots "
                "(drawn, not fitted)")
    inset = c.inset_axes([0.70, 0.1, 0.28, 0.8])
    keep = (xs >= zoom[0]) & (xs <= zoom[1])
    inset.plot(xs[keep], ys[keep], color=COLORS["target"], lw=0.7)
    inset.set(xlim=zoom, ylim=(-1.05 * float(sawtooth["amplitude"]), 1.45 * float(sawtooth["amplitude"])),
              xticks=[], yticks=[])
    inset.text(0.5, 0.97, f"zoom: x in [{zoom[0]:g}, {zoom[1]:g}] (orange band)", transform=inset.transAxes,
               ha="center", va="top", fontsize=6, bbox={"fc": "white", "ec": "none", "pad": 0.5})
    c.axvspan(*zoom, color="#ff7f0e", alpha=0.5, lw=0)  # where the zoom is taken
    panel_label(c, "c")
    return fig


def figure_complex_fits(pf: Mapping[str, np.ndarray], minima: Mapping[str, Mapping[str, np.ndarray]],
                        path: Mapping[str, np.ndarray]):
    """Figure 14: (a) mean fit +- one sd of each optimizer over the second example's target,
    (b) training loss along a NEB path from its global minimum to a fitted minimum."""
    fig, (a, b) = new_figure(2, height=2.6)
    n, k = int(pf["n"]), int(pf["k"])
    x = pf["x_grid"]
    # the dense target in light grey so the mean fits stay visible on top of it
    a.plot(x, forward_np(pf["params"], x, n, k), color="0.65", lw=0.3, label="target")
    for opt in OPTIMIZERS:
        m = minima[opt]
        live = ~m["dead"] & ~m["diverged"]
        if not live.any():
            continue
        out = forward_np(m["params"][live], x, n, k)
        mean, sd = out.mean(0), out.std(0)
        a.fill_between(x, mean - sd, mean + sd, color=COLORS[opt], alpha=0.3, lw=0, zorder=3)
        a.plot(x, mean, color=COLORS[opt], zorder=4,
               label=f"{LABELS[opt]}: mean of {live.sum()} fits")
    a.set(xlabel="input x", ylabel="output y", xlim=(-1, 1), xticks=XTICKS)
    a.legend(loc="lower left")
    panel_label(a, "a")
    arc = np.asarray(path["arc"])
    energy = np.clip(np.asarray(path["energy"], dtype=np.float64), LOSS_FLOOR, None)
    b.plot(arc, energy, color=COLORS["gd"], marker="o", ms=2.5, lw=0.9, label="images")
    if "midpoint_energy" in path:
        mid = 0.5 * (arc[1:] + arc[:-1])
        b.scatter(mid, np.clip(path["midpoint_energy"], LOSS_FLOOR, None), s=5, color="0.5",
                  zorder=3, label="midpoints between images")
    b.set_yscale("log")
    b.set(xlabel="normalized arc length (0: global minimum)", ylabel="training MSE")
    fit = int(path["fit_index"]) if "fit_index" in path else None
    b.set_title("NEB path to GD fit " + (f"{fit}" if fit is not None else ""))
    b.legend(loc="lower right")
    panel_label(b, "b")
    return fig


def figure_larger(pf: Mapping[str, np.ndarray], losses: Mapping[tuple[int, int], Mapping[str, np.ndarray]],
                  first_fit: np.ndarray, first_size: tuple[int, int], first_loss: float,
                  base: tuple[int, int]):
    """Figure 15: (a) the first Adadelta fit of the first larger size over the main target,
    (b) final-loss distributions per network size and optimizer (the base (5,5) network first)."""
    fig, (a, b) = new_figure(2, height=2.6)
    n, k = int(pf["n"]), int(pf["k"])
    x = pf["x_grid"]
    a.plot(x, forward_np(pf["params"], x, n, k), color=COLORS["target"], lw=0.7, label="target")
    a.plot(x, forward_np(first_fit, x, *first_size), color=COLORS["adadelta"],
           label=f"({first_size[0]},{first_size[1]}) network, Adadelta fit 0 (MSE {first_loss:.3g})")
    a.set(xlabel="input x", ylabel="output y", xlim=(-1, 1), xticks=XTICKS)
    a.legend(loc="lower left")
    panel_label(a, "a")
    sizes = list(losses)
    rng = np.random.default_rng(0)
    for i, size in enumerate(sizes):
        for j, opt in enumerate(OPTIMIZERS):
            loss = np.asarray(losses[size][opt], dtype=np.float64)
            loss = np.clip(loss[np.isfinite(loss)], LOSS_FLOOR, None)
            pos = i + (j - 0.5) * 0.36
            b.scatter(pos + rng.uniform(-0.1, 0.1, len(loss)), loss, s=4, lw=0, alpha=0.6,
                      color=COLORS[opt], label=LABELS[opt] if i == 0 else None)
            if len(loss):
                b.hlines(np.median(loss), pos - 0.15, pos + 0.15, color="k", lw=1.2,
                         label="median" if i == 0 and j == 0 else None)
    _log_loss_axis(b)
    b.grid(False, axis="x")
    b.set_xticks(range(len(sizes)), [f"({s[0]},{s[1]})" + ("\nbase" if s == base else "")
                                     for s in sizes])
    b.set(xlabel="network size (n, k)", ylabel="final training MSE")
    b.legend(loc="best")
    panel_label(b, "b")
    return fig


def _log_loss_axis(ax) -> None:
    """Log scale with plain labels at 1, 2 and 5 times powers of ten (legible over narrow ranges)."""
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(ticker.LogLocator(subs=(2.0, 5.0)))
    plain = ticker.FuncFormatter(lambda v, _: f"{v:.3g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)


def larger_losses(base_minima: Mapping[str, Mapping[str, np.ndarray]], larger: Sequence[Mapping],
                  sizes: Sequence[Sequence[int]], base: Sequence[int],
                  optimizers: Sequence[str] = OPTIMIZERS) -> dict[tuple[int, int], dict[str, np.ndarray]]:
    """``{(n, k): {optimizer: losses}}``, the base size first; ``larger`` lists the larger sizes'
    minima size by size, optimizers in ``optimizers`` order."""
    out = {tuple(base): {opt: base_minima[opt]["loss"] for opt in optimizers}}
    it = iter(larger)
    for size in sizes:
        out[tuple(size)] = {opt: next(it)["loss"] for opt in optimizers}
    return out
