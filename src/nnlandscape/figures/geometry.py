"""Figures 6, 7 and 11: distances between minima, distances and directions from the global minimum,
and Hessian spectra."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..trainspec import OPTIMIZERS
from . import COLORS, LABELS, new_figure, panel_label


def figure_pair_distances(geo: Mapping[str, np.ndarray]):
    """Figure 6: histograms of distances between random pairs of symmetrized minima, per optimizer."""
    fig, axes = new_figure(2)
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        dist = geo[f"{opt}_pair_distance"]
        if len(dist):
            ax.hist(dist, bins=50, color=COLORS[opt], alpha=0.8)
            ax.axvline(dist.min(), color="k", ls=":", lw=0.9, label=f"min {dist.min():.2f}")
            ax.axvline(np.median(dist), color="k", ls="--", lw=0.8, label=f"median {np.median(dist):.2f}")
        ax.plot([], [], " ", label=f"{len(dist)} pairs of {len(geo[f'{opt}_live_index'])} minima")
        ax.legend(loc="upper left")
        ax.set(xlabel="distance between two minima", ylabel="pairs")
        ax.set_title(LABELS[opt])
        panel_label(ax, letter)
    return fig


def figure_global_distances(geo: Mapping[str, np.ndarray]):
    """Figure 7: (a) distances from the symmetrized perfect fit to every minimum, both optimizers,
    median pairwise distances marked; (b) dot products of the directions from the global minimum,
    against as many Gaussian points seen from one of them (extension)."""
    fig, (a, b) = new_figure(2)
    every = np.concatenate([geo[f"{opt}_global_distance"] for opt in OPTIMIZERS])
    bins = np.linspace(every.min(), every.max(), 41) if len(every) else 10
    for opt in OPTIMIZERS:
        dist = geo[f"{opt}_global_distance"]
        a.hist(dist, bins=bins, color=COLORS[opt], alpha=0.55, label=f"to global min., {LABELS[opt]}")
        pair = geo[f"{opt}_pair_distance"]
        if len(pair):
            a.axvline(np.median(pair), color=COLORS[opt], ls="--", lw=0.9,
                      label=f"median pairwise, {LABELS[opt]}")
    a.set(xlabel="distance", ylabel="minima")
    a.legend(loc="upper center")
    panel_label(a, "a")
    bins = np.linspace(-1.0, 1.0, 81)
    b.hist(geo["dots"], bins=bins, color="0.3", alpha=0.8, density=True,
           label=f"minima (min {geo['dots'].min():.2f})" if len(geo["dots"]) else "minima")
    b.hist(geo["gaussian_dots"], bins=bins, color=COLORS["global"], alpha=0.5, density=True,
           label="Gaussian cloud, seen from a sample")
    b.hist(geo["gaussian_centre_dots"], bins=bins, histtype="step", color="0.5", density=True,
           label="Gaussian cloud, seen from its centre")
    b.set(xlabel="dot product of directions from the global minimum", ylabel="density", xlim=(-1, 1))
    b.legend(loc="upper left")
    panel_label(b, "b")
    return fig


def figure_hessian_spectra(hess: Mapping[str, np.ndarray]):
    """Figure 11: Hessian eigenvalue magnitudes sorted from largest down, log scale; negative
    eigenvalues marked. Global minimum (black), GD and Adadelta minima (one line each)."""
    fig, ax = new_figure(1, height=2.8, width=4.6)
    rank = np.arange(1, len(hess["eig_global"]) + 1)

    def draw(eig, color, lw, label):
        order = np.argsort(-np.abs(eig))
        top = np.abs(eig).max()
        mag = np.maximum(np.abs(eig[order]), 1e-16 * top)
        ax.plot(rank, mag, color=color, lw=lw, label=label)
        neg = eig[order] < -1e-12 * top  # negative beyond round-off
        ax.scatter(rank[neg], mag[neg], s=7, marker="x", color=color, lw=0.6, zorder=3)

    for opt in OPTIMIZERS:
        label = f"{LABELS[opt]} minima ({len(hess[f'eig_{opt}'])})"
        for i, eig in enumerate(hess[f"eig_{opt}"]):
            draw(eig, COLORS[opt], 0.6, label if i == 0 else None)
    draw(hess["eig_global"], COLORS["target"], 1.6, "global minimum")
    small = float(hess["small"]) if "small" in hess else 1e-6
    ax.axhline(small * hess["eig_global"][-1], color="0.4", ls=":", lw=0.8,
               label=f"{small:g} x largest (global)")
    ax.set_yscale("log")
    ax.set(xlabel="eigenvalue rank (by magnitude)", ylabel="|eigenvalue| (x: negative)")
    ax.set_title(f"softplus $\\beta$ = {float(hess['beta']):g}")
    ax.legend(loc="lower left")
    return fig
