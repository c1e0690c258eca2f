"""Figures of the paper: one seaborn theme, functions that take results and return a Figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

#: Width of one column of the paper in inches (figures are drawn at this size, so text stays legible).
COLUMN_WIDTH = 3.4
#: Width of a two-panel figure spanning the text width.
TEXT_WIDTH = 6.8
#: Colours of the two optimizers and of the target, used by every figure.
COLORS = {"gd": "#1f77b4", "adadelta": "#d62728", "target": "0.2", "global": "#2ca02c"}
LABELS = {"gd": "GD with momentum", "adadelta": "Adadelta"}


def set_theme() -> None:
    """The project's seaborn theme: paper context, white grid, small fonts for column width."""
    sns.set_theme(context="paper", style="whitegrid", font_scale=0.9,
                  rc={"figure.dpi": 150, "savefig.dpi": 200, "axes.titlesize": 9,
                      "legend.fontsize": 7, "lines.linewidth": 1.0})


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
