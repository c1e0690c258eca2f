"""Figure 16: the step-budget study (loss against training steps, settled losses marked)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

from . import COLORS, LABELS, new_figure, panel_label

OPTIMIZERS = ("gd", "adadelta")


def figure_step_budget(budget: Mapping[str, np.ndarray]):
    """Figure 16: per optimizer, the training loss of the step-budget sample against steps (thin:
    single fits, thick: median), with the median end-point loss (o) and the median loss of the
    points settled from them (v) at each budget."""
    fig, axes = new_figure(2)
    steps = budget["budgets"]
    for ax, opt, letter in zip(axes, OPTIMIZERS, "ab", strict=True):
        trace, at = budget[f"{opt}_trace"], budget[f"{opt}_trace_steps"]
        keep = at > 0
        for row in trace:
            ax.plot(at[keep], row[keep], color=COLORS[opt], lw=0.4, alpha=0.35)
        ax.plot(at[keep], np.median(trace[:, keep], axis=0), color=COLORS[opt], lw=1.6,
                label="median training loss")
        ax.plot(steps, np.median(budget[f"{opt}_end_loss"], axis=1), "o", color="k", ms=4,
                label="end points (median)")
        ax.plot(steps, np.median(budget[f"{opt}_settled_loss"], axis=1), "v", color="k", ms=5,
                mfc="white", label="settled from them (median)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set(xlabel="training steps", ylabel="training MSE")
        ax.set_title(f"{LABELS[opt]} ({trace.shape[0]} fits)")
        ax.legend(loc="lower left")
        panel_label(ax, letter)
    return fig
