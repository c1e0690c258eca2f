"""Figures 1-5: the perfect fit, example fits, mean fits, best fits and loss histograms."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.collections import LineCollection

from ..network import forward_np, unflatten
from ..trainspec import OPTIMIZERS
from . import COLORS, LABELS, new_figure, panel_label


def draw_network(ax, params: np.ndarray, n: int, k: int, n1: int) -> None:
    """The network as a layered graph; edge colour = sign, width and opacity = |weight|."""
    layers = unflatten(np.asarray(params, dtype=np.float64), n, k)
    sizes = [1] + [n] * k + [1]
    pos = [np.column_stack([np.full(s, li), (np.arange(s) - (s - 1) / 2)[::-1]])
           for li, s in enumerate(sizes)]
    wmax = max(np.abs(w).max() for w, _ in layers)
    segs, colors, widths = [], [], []
    for li, (w, _) in enumerate(layers):
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                if w[j, i] == 0:
                    continue
                segs.append([pos[li][i], pos[li + 1][j]])
                mag = abs(w[j, i]) / wmax
                colors.append((*((0.12, 0.47, 0.71) if w[j, i] > 0 else (0.84, 0.15, 0.16)),
                               0.35 + 0.65 * mag**0.5))
                widths.append(0.4 + 2.2 * mag**0.5)
    ax.add_collection(LineCollection(segs, colors=colors, linewidths=widths, zorder=1))
    for li, p in enumerate(pos):
        hidden = 0 < li < len(sizes) - 1
        face = ["#ff9f1c" if (hidden and j < n1) else ("#8ecae6" if hidden else "0.6")
                for j in range(len(p))]
        ax.scatter(p[:, 0], p[:, 1], s=42, c=face, edgecolors="0.2", linewidths=0.5, zorder=2)
    ax.set_xticks(range(len(sizes)), ["x"] + [f"h{i}" for i in range(1, k + 1)] + ["y"])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-(n - 1) / 2 - 0.6, (n - 1) / 2 + 0.6)
    ax.set_xlabel("layer (orange: sawtooth block, blue: spline block)")


def figure_network_and_target(pf: Mapping[str, np.ndarray]):
    """Figure 1: (a) the perfect fit as a graph, (b) the target with knots and training points."""
    fig, (a, b) = new_figure(2, height=2.6)
    n, k, n1 = int(pf["n"]), int(pf["k"]), int(pf["n1"])
    draw_network(a, pf["params"], n, k, n1)
    panel_label(a, "a")
    b.plot(pf["x_grid"], forward_np(pf["params"], pf["x_grid"], n, k), color=COLORS["target"],
           label="target")
    b.scatter(pf["x_train"], pf["y_train"], s=2, color="0.55", label="training points", zorder=2)
    b.scatter(pf["knots_x"], pf["knots_y"], s=9, color="#ff7f0e", label="knots", zorder=3)
    b.set(xlabel="input x", ylabel="output y", xlim=(-1, 1))
    b.legend(loc="lower left", frameon=True)
    panel_label(b, "b")
    return fig


def _target(ax, pf) -> None:
    n, k = int(pf["n"]), int(pf["k"])
    ax.plot(pf["x_grid"], forward_np(pf["params"], pf["x_grid"], n, k), color=COLORS["target"],
            lw=0.7, label="target")
    ax.set(xlabel="input x", ylabel="output y", xlim=(-1, 1))


def figure_example_fit(pf: Mapping[str, np.ndarray], minima: Mapping[str, np.ndarray],
                       optimizer: str = "gd"):
    """Figure 2: one typical fit (the first fit of ``optimizer``) over the target."""
    fig, ax = new_figure(1)
    n, k = int(pf["n"]), int(pf["k"])
    _target(ax, pf)
    y = forward_np(minima["params"][0], pf["x_grid"], n, k)
    ax.plot(pf["x_grid"], y, color=COLORS[optimizer],
            label=f"fit 0, {LABELS[optimizer]} (MSE {minima['loss'][0]:.3f})")
    ax.legend(loc="lower left")
    return fig


def figure_mean_fits(pf: Mapping[str, np.ndarray], minima: Mapping[str, Mapping[str, np.ndarray]]):
    """Figure 3: mean output of all live fits +- one standard deviation, per optimizer."""
    fig, axes = new_figure(2, sharey=True)
    n, k = int(pf["n"]), int(pf["k"])
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        m = minima[opt]
        live = ~m["dead"] & ~m["diverged"]
        out = forward_np(m["params"][live], pf["x_grid"], n, k)
        mean, sd = out.mean(0), out.std(0)
        _target(ax, pf)
        ax.fill_between(pf["x_grid"], mean - sd, mean + sd, color=COLORS[opt], alpha=0.25, lw=0,
                        label="mean $\\pm$ 1 sd")
        ax.plot(pf["x_grid"], mean, color=COLORS[opt], label=f"mean of {live.sum()} fits")
        ax.set_title(LABELS[opt])
        ax.legend(loc="lower left")
        panel_label(ax, letter)
    return fig


def figure_best_fits(pf: Mapping[str, np.ndarray], minima: Mapping[str, Mapping[str, np.ndarray]]):
    """Figure 4: the single lowest-loss fit of each optimizer over the target."""
    fig, axes = new_figure(2, sharey=True)
    n, k = int(pf["n"]), int(pf["k"])
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        m = minima[opt]
        best = int(np.argmin(m["loss"]))
        _target(ax, pf)
        ax.plot(pf["x_grid"], forward_np(m["params"][best], pf["x_grid"], n, k), color=COLORS[opt],
                label=f"best of {len(m['loss'])} (MSE {m['loss'][best]:.4f})")
        ax.set_title(LABELS[opt])
        ax.legend(loc="lower left")
        panel_label(ax, letter)
    return fig


def figure_losses(minima: Mapping[str, Mapping[str, np.ndarray]], smooth_loss: Mapping[str, float],
                  sawtooth_variance: float,
                  settled: Mapping[str, Mapping[str, np.ndarray]] | None = None):
    """Figure 5: histograms of final training loss per optimizer, smooth-fit loss marked; with
    ``settled``, the losses of the settled end points (outline) and of the certified ones among
    them (ticks on the axis)."""
    fig, axes = new_figure(2)
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        m = minima[opt]
        live = ~m["dead"] & ~m["diverged"]
        loss = m["loss"][live]
        extra = np.asarray(settled[opt]["loss"]) if settled else np.zeros(0)
        every = np.concatenate([loss, extra])
        lo, hi = np.quantile(every, [0.0, 0.995]) if len(every) else (0, 1)
        edges = np.linspace(lo, hi if hi > lo else lo + 1e-3, 61)
        ax.hist(loss, bins=edges, color=COLORS[opt], alpha=0.8, label="end points")
        if settled:
            s = settled[opt]
            ok = np.isin(s["kind"], (0, 1))
            ax.hist(extra, bins=edges, histtype="step", color="k", lw=0.9,
                    label=f"settled ({len(extra)}), density x{len(loss) / max(len(extra), 1):.0f}",
                    weights=np.full(len(extra), len(loss) / max(len(extra), 1)))
            ax.plot(extra[ok], np.zeros(int(ok.sum())), "|", color="k", ms=8,
                    label=f"certified minima ({int(ok.sum())})")
        ax.axvline(smooth_loss[opt], color="k", ls="--", lw=0.8, label="loss of the mean fit")
        ax.axvline(sawtooth_variance, color=COLORS["global"], ls=":", lw=0.9,
                   label="sawtooth variance $A^2/3$")
        ax.set(xlabel="final training MSE", ylabel="fits")
        ax.set_title(f"{LABELS[opt]} ({live.sum()} live, {int(m['dead'].sum())} dead)")
        ax.legend(loc="upper right")
        panel_label(ax, letter)
    return fig
