"""Figures 8-10: energy along NEB paths, network outputs along a path, turning angles of a path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np

from ..network import forward_np
from ..path_stats import difference_angles, drop_arc, path_top
from . import COLORS, LABELS, new_figure, panel_label

#: Energies below this are "at the global minimum" (float64 round-off); they sit below the axes.
FLOOR_ENERGY = 1e-12


def _floor(paths: Sequence[Mapping[str, np.ndarray]]) -> float:
    """Lower limit of the log energy axis: a third of the lowest energy above round-off."""
    lows = [p["energy"][p["energy"] > FLOOR_ENERGY].min() for p in paths]
    return min(lows) / 3


def figure_neb_energy(paths: Sequence[Mapping[str, np.ndarray]]):
    """Figure 8: (a) training MSE along every path against normalized arc length, log scale;
    (b) the first path in detail, images marked, with the highest energy sampled inside each segment
    between images (the band's top counts these) and the top of the constant-output route."""
    fig, (a, b) = new_figure(2, height=2.6, sharey=True)
    floor = _floor(paths)
    palette = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, len(paths)))
    for j, (p, color) in enumerate(zip(paths, palette, strict=True)):
        a.plot(p["arc"], p["energy"], color=color, lw=0.9, label=f"path {j} (fit {int(p['fit_index'])})")
    # panel (a) draws the images; panel (b) also the first path's tops between its images
    top = 2 * max(max(float(p["energy"].max()) for p in paths), path_top(paths[0]))
    a.set(yscale="log", xlabel="normalized arc length (0: global minimum)", ylabel="training MSE",
          xlim=(0, 1), ylim=(floor, top))
    if len(paths) <= 8:
        a.legend(loc="lower right", ncol=2, fontsize=5.5)
    panel_label(a, "a")
    p = paths[0]
    arc, e = p["arc"], p["energy"]
    b.plot(arc, e, color=COLORS["gd"], lw=0.9, marker="o", ms=2.5, label="images")
    b.scatter(0.5 * (arc[1:] + arc[:-1]), p["segment_max"], marker="x", s=9, lw=0.7,
              color="#d62728", zorder=3, label="highest between images")
    b.axhline(e[-1], color="0.5", lw=0.6, ls=":", label="local minimum")
    # the closed-form top of the constant-output route between the same end points
    b.axhline(float(p["route_top"]), color="0.3", lw=0.6, ls="--", label="constant-output route top")
    b.set(yscale="log", xlabel="normalized arc length (0: global minimum)", xlim=(0, 1))
    b.legend(loc="lower right")
    b.text(0.02, 0.04, f"global minimum: MSE {e[0]:.0e}", transform=b.transAxes, fontsize=6)
    panel_label(b, "b")
    return fig


def _outputs(ax, pf: Mapping[str, np.ndarray], path: Mapping[str, np.ndarray], idx: np.ndarray,
             cmap) -> None:
    """Network outputs at images ``idx`` of ``path`` over the target, shaded in image order."""
    n, k = int(pf["n"]), int(pf["k"])
    x = pf["x_grid"]
    ax.plot(x, forward_np(pf["params"], x, n, k), color=COLORS["target"], lw=0.6, ls="--",
            label="target (global minimum)")
    ys = forward_np(path["images"][idx], x, n, k)
    shades = cmap(np.linspace(0.1, 0.85, len(idx)))  # nearest the global minimum lightest
    for i, y, shade in zip(idx, ys, shades, strict=True):
        ax.plot(x, y, color=shade, lw=0.9,
                label=f"image {i}, s = {path['arc'][i]:.2f}, MSE {path['energy'][i]:.2g}")
    ax.set(xlabel="input x", ylabel="output y", xlim=(-1, 1))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=5, frameon=False)


def figure_neb_outputs(pf: Mapping[str, np.ndarray], path: Mapping[str, np.ndarray],
                       plateau_fraction: float, shown: int = 5):
    """Figure 9: network outputs at images of one path; (a) spread over the flat part (arc beyond
    the plateau's start, :func:`~nnlandscape.path_stats.drop_arc` at ``plateau_fraction``), (b) the images
    nearest the global minimum, where the spikes appear."""
    fig, (a, b) = new_figure(2, height=3.4, sharey=True)
    cmap = mpl.colormaps["plasma_r"]
    arc = path["arc"]
    s_drop = drop_arc(path["energy"], arc, plateau_fraction)
    near = np.arange(1, min(shown, len(arc) - 1) + 1)
    flat = np.flatnonzero((arc > s_drop) & (np.arange(len(arc)) > near[-1]))
    if flat.size == 0:
        flat = np.flatnonzero(arc > s_drop)
    flat = flat[np.unique(np.linspace(0, len(flat) - 1, shown).round().astype(int))]
    _outputs(a, pf, path, flat, cmap)
    a.set_title(f"flat part (s > {s_drop:.2f})", fontsize=7)
    panel_label(a, "a")
    _outputs(b, pf, path, near, cmap)
    b.set_title("approaching the global minimum (s near 0)", fontsize=7)
    panel_label(b, "b")
    return fig


def figure_neb_angles(paths: Sequence[Mapping[str, np.ndarray]]):
    """Figure 10: angle between successive difference vectors R_{i+1}-R_i and R_i-R_{i-1} against
    image index, the first path in colour and the others in grey."""
    fig, ax = new_figure(1, height=2.4)
    for p in paths[1:]:
        ang = difference_angles(p["images"])
        ax.plot(np.arange(1, len(ang) + 1), ang, color="0.75", lw=0.6)
    ang = difference_angles(paths[0]["images"])
    ax.plot(np.arange(1, len(ang) + 1), ang, color=COLORS["gd"], lw=1.0, marker="o", ms=2.5,
            label=f"path 0 (fit {int(paths[0]['fit_index'])})")
    if len(paths) > 1:
        ax.plot([], [], color="0.75", lw=0.6, label="other paths")
    ax.set(xlabel="image index i (0: global minimum)", ylabel="angle (degrees)", ylim=(0, 180))
    ax.set_yticks([0, 45, 90, 135, 180])
    ax.legend(loc="upper right")
    return fig


def _draw_disconnectivity(ax, graph: Mapping[str, np.ndarray], color) -> None:
    """One disconnectivity graph: each minimum a vertical line from its loss up to the level where
    its superbasin joins another; each join a horizontal bar at that level."""
    energy, m = graph["energy"], graph["energy"].size
    left, right, level = graph["join_left"], graph["join_right"], graph["join_level"]
    x = np.concatenate([graph["leaf_x"], graph["node_x"]])
    bottom = np.concatenate([energy, level])  # where each node's line starts
    parent_level = np.full(x.size, np.nan)
    for r, (a, b) in enumerate(zip(left, right, strict=True)):
        parent_level[[a, b]] = level[r]
        ax.plot([x[a], x[b]], [level[r], level[r]], color=color, lw=0.9)
    span = float(np.nanmax(np.concatenate([level, energy])) - np.nanmin(energy)) or 1.0
    for node in range(x.size):
        top = parent_level[node] if np.isfinite(parent_level[node]) else bottom[node] + 0.08 * span
        ax.plot([x[node], x[node]], [bottom[node], top], color=color, lw=0.9)
    ax.scatter(x[:m], energy, s=8, color=color, zorder=3)
    ax.set_xticks(x[:m], [str(int(v)) for v in graph["minima"]], fontsize=5, rotation=90)


def figure_disconnectivity(graphs: Mapping[str, Mapping[str, np.ndarray]]):
    """Disconnectivity graphs (Becker & Karplus 1997) of the fitted minima of each optimizer:
    leaves at the minima's training MSE, branches joining at the lowest saddle between them."""
    fig, axes = new_figure(len(graphs), height=2.6)
    axes = np.atleast_1d(axes)
    for ax, (optimizer, graph), label in zip(axes, graphs.items(), "abcdef", strict=False):
        _draw_disconnectivity(ax, graph, COLORS.get(optimizer, "0.2"))
        ax.set(xlabel=f"{LABELS.get(optimizer, optimizer)} minimum (row of the settled minima file)",
               ylabel="training MSE")
        panel_label(ax, label)
    return fig
