"""Figures of the paper: one seaborn theme, functions that take results and return a Figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

#: Width of one column of the paper in inches (figures are drawn at this size, so text stays legible).
COLUMN_WIDTH = 3.4
#: Width of a two-panel figure spanning the text width.
TEXT_WIDTH = 6.8
#: Colours of the two optimizers and of the target, used by every figure.
COLORS = {"gd": "#1f77b4", "adadelta": "#d62728", "target": "0.2", "global": "#2ca02c"}
LABELS = {"gd": "GD with momentum", "adadelta": "Adadelta"}


#: Settings of seaborn's theme that the figures start from: ``set_theme`` with these arguments.
SEABORN_THEME = {"context": "paper", "style": "whitegrid", "font_scale": 0.9,
                 "rc": {"figure.dpi": 150, "savefig.dpi": 200, "axes.titlesize": 9,
                        "legend.fontsize": 7, "lines.linewidth": 1.0}}
_FONT = 12 * 0.8 * 0.9  # seaborn's base font size x the paper context's scale x our font scale
_TICKS = 11 * 0.8 * 0.9
#: That theme as the matplotlib settings it changes, so that a figure job does not import seaborn
#: (with pandas and scipy.stats, 0.8 s of a figure job's ~2.4 s). tests/test_figures.py checks it
#: against seaborn itself. Left out: ``image.cmap`` ('rocket', registered only by importing seaborn;
#: no figure uses a default colour map).
THEME = {
    # style "whitegrid"
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.grid": True, "axes.labelcolor": ".15",
    "grid.color": ".8", "text.color": ".15", "xtick.color": ".15", "ytick.color": ".15",
    "xtick.bottom": False, "ytick.left": False, "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "lines.solid_capstyle": "round",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    # palette "deep"
    "axes.prop_cycle": cycler(color=["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3",
                                     "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"]),
    # context "paper" (x 0.8) and font_scale 0.9
    "font.size": _FONT, "axes.labelsize": _FONT, "legend.title_fontsize": _FONT,
    "xtick.labelsize": _TICKS, "ytick.labelsize": _TICKS,
    "axes.linewidth": 1.25 * 0.8, "patch.linewidth": 0.8, "lines.markersize": 6 * 0.8,
    "xtick.major.width": 1.25 * 0.8, "ytick.major.width": 1.25 * 0.8,
    "xtick.minor.width": 0.8, "ytick.minor.width": 0.8, "xtick.major.size": 6 * 0.8,
    "ytick.major.size": 6 * 0.8, "xtick.minor.size": 4 * 0.8, "ytick.minor.size": 4 * 0.8,
    # our overrides
    **SEABORN_THEME["rc"],
}


def set_theme() -> None:
    """The project's seaborn theme (paper context, white grid, small fonts for column width), set
    from matplotlib's defaults."""
    matplotlib.rcdefaults()
    matplotlib.rcParams.update(THEME)


def new_figure(ncols: int = 1, height: float = 2.4, width: float | None = None, **kw):
    """A figure with ``ncols`` side-by-side panels at paper width."""
    set_theme()
    width = width or (COLUMN_WIDTH if ncols == 1 else TEXT_WIDTH)
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), constrained_layout=True, **kw)
    return fig, axes


def panel_label(ax, letter: str) -> None:
    """Mark a panel (a), (b), ... in its top-left corner."""
    ax.text(-0.02, 1.02, f"({letter})", transform=ax.transAxes, ha="right", va="bottom",
            fontweight="bold")


def save(fig, pdf_path: str | Path) -> None:
    """Save ``fig`` as PDF at ``pdf_path`` and as PNG beside it, then close it."""
    pdf_path = Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(pdf_path)
    fig.savefig(pdf_path.with_suffix(".png"))
    plt.close(fig)
