"""Figures 6, 7 and 11: distances between minima, distances and directions from the global minimum,
and Hessian spectra."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..trainspec import OPTIMIZERS
from . import COLORS, LABELS, new_figure, panel_label


def _points(geo: Mapping[str, np.ndarray]) -> tuple[str, str]:
    """The array prefix and name of the points a geometry figure shows: settled end points when the
    geometry file has them (training end points drawn beside them), else the end points."""
    return ("settled_", "settled") if "settled_gd_pair_distance" in geo else ("", "end points")


def figure_pair_distances(geo: Mapping[str, np.ndarray]):
    """Figure 6: histograms of distances between random pairs of symmetrized minima, per optimizer
    (settled points, with the training end points in outline)."""
    prefix, what = _points(geo)
    fig, axes = new_figure(2)
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        dist = geo[f"{prefix}{opt}_pair_distance"]
        raw = geo[f"{opt}_pair_distance"]
        if len(dist):
            edges = np.linspace(min(dist.min(), raw.min(initial=dist.min())),
                                max(dist.max(), raw.max(initial=dist.max())), 51)
            ax.hist(dist, bins=edges, color=COLORS[opt], alpha=0.8, density=True,
                    label=f"{what}: {len(dist)} pairs of {len(geo[f'{prefix}{opt}_live_index'])}")
            ax.axvline(dist.min(), color="k", ls=":", lw=0.9, label=f"min {dist.min():.2f}")
            ax.axvline(np.median(dist), color="k", ls="--", lw=0.8, label=f"median {np.median(dist):.2f}")
            if prefix and len(raw):
                ax.hist(raw, bins=edges, histtype="step", color="0.4", density=True,
                        label=f"end points: {len(raw)} pairs of {len(geo[f'{opt}_live_index'])}")
        else:
            ax.plot([], [], " ", label=f"{what}: fewer than two")
        ax.legend(loc="upper left")
        ax.set(xlabel="distance between two minima (parameter units)", ylabel="density")
        ax.set_title(LABELS[opt])
        panel_label(ax, letter)
    return fig


def figure_global_distances(geo: Mapping[str, np.ndarray]):
    """Figure 7: (a) distances from the symmetrized perfect fit to every minimum, both optimizers,
    median pairwise distances marked; (b) dot products of the directions from the global minimum,
    against as many Gaussian points seen from one of them (extension)."""
    prefix, what = _points(geo)
    fig, (a, b) = new_figure(2)
    every = np.concatenate([geo[f"{prefix}{opt}_global_distance"] for opt in OPTIMIZERS])
    bins = np.linspace(every.min(), every.max(), 41) if len(every) else 10
    for opt in OPTIMIZERS:
        dist = geo[f"{prefix}{opt}_global_distance"]
        a.hist(dist, bins=bins, color=COLORS[opt], alpha=0.55,
               label=f"{what} to global min., {LABELS[opt]}")
        pair = geo[f"{prefix}{opt}_pair_distance"]
        if len(pair):
            a.axvline(np.median(pair), color=COLORS[opt], ls="--", lw=0.9,
                      label=f"median pairwise, {LABELS[opt]}")
    a.set(xlabel="distance (parameter units)", ylabel="minima")
    a.legend(loc="upper center")
    panel_label(a, "a")
    bins = np.linspace(-1.0, 1.0, 81)
    dots = geo[f"{prefix}dots"]
    b.hist(dots, bins=bins, color="0.3", alpha=0.8, density=True,
           label=f"{what} (min {dots.min():.2f})" if len(dots) else what)
    b.hist(geo[f"{prefix}gaussian_dots"], bins=bins, color=COLORS["global"], alpha=0.5, density=True,
           label="Gaussian cloud, seen from a sample")
    b.hist(geo[f"{prefix}gaussian_centre_dots"], bins=bins, histtype="step", color="0.5", density=True,
           label="Gaussian cloud, seen from its centre")
    b.set(xlabel="dot product of directions from the global minimum", ylabel="density", xlim=(-1, 1))
    b.legend(loc="upper left")
    panel_label(b, "b")
    return fig


def figure_hessian_spectra(hess: Mapping[str, np.ndarray]):
    """Figure 11: Hessian eigenvalue magnitudes sorted from largest down, log scale, negative ones
    marked. (a) softplus-smoothed loss at the global minimum (black) and sampled training end points;
    (b) the exact ReLU loss at settled points off every kink, rescaling directions set aside
    (solid: certified minima, dashed: not certified)."""
    relu = "relu_eig_gd" in hess
    fig, axes = new_figure(2 if relu else 1, height=2.8, width=None if relu else 4.6)
    ax = axes[0] if relu else axes

    def draw(ax, eig, color, lw, label, ls="-"):
        rank = np.arange(1, len(eig) + 1)
        order = np.argsort(-np.abs(eig))
        top = np.abs(eig).max()
        mag = np.maximum(np.abs(eig[order]), 1e-16 * top)
        ax.plot(rank, mag, color=color, lw=lw, label=label, ls=ls)
        neg = eig[order] < -1e-12 * top  # negative beyond round-off
        ax.scatter(rank[neg], mag[neg], s=7, marker="x", color=color, lw=0.6, zorder=3)

    for opt in OPTIMIZERS:
        label = f"{LABELS[opt]} end points ({len(hess[f'eig_{opt}'])})"
        for i, eig in enumerate(hess[f"eig_{opt}"]):
            draw(ax, eig, COLORS[opt], 0.6, label if i == 0 else None)
    draw(ax, hess["eig_global"], COLORS["target"], 1.6, "global minimum")
    small = float(hess["small"]) if "small" in hess else 1e-6
    ax.axhline(small * hess["eig_global"][-1], color="0.4", ls=":", lw=0.8,
               label=f"{small:g} x largest (global)")
    ax.set_yscale("log")
    ax.set(xlabel="eigenvalue rank (by magnitude)", ylabel="|eigenvalue| (x: negative)")
    ax.set_title(f"smoothed loss, softplus $\\beta$ = {float(hess['beta']):g}")
    ax.legend(loc="lower left")
    if not relu:
        return fig
    panel_label(ax, "a")
    b = axes[1]
    for opt in OPTIMIZERS:
        ok = hess[f"relu_certified_{opt}"]
        for i, eig in enumerate(hess[f"relu_eig_{opt}"]):
            first = i == 0 or (ok[i] != ok[i - 1])
            label = f"{LABELS[opt]}, {'certified' if ok[i] else 'not certified'} ({int((ok == ok[i]).sum())})"
            draw(b, eig, COLORS[opt], 0.6, label if first else None, "-" if ok[i] else "--")
    b.set_yscale("log")
    b.set(xlabel="eigenvalue rank (by magnitude)", ylabel="|eigenvalue| (x: negative)")
    b.set_title("exact ReLU loss at settled points off kinks")
    if any(len(hess[f"relu_eig_{opt}"]) for opt in OPTIMIZERS):
        b.legend(loc="lower left")
    panel_label(b, "b")
    return fig
