"""The step-budget study: do the end points, and the minima settled from them, depend on how long
one trains? The first fits of the main example (same inits) are trained to several budgets, the
largest far past the paper's, and each budget's end points are settled (:mod:`nnlandscape.settle`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .geometry import summary_stat
from .settled import certified


def budget_summary(runs: Mapping[str, Mapping[int, Mapping[str, np.ndarray]]],
                   settled: Mapping[str, Mapping[int, Mapping[str, np.ndarray]]],
                   budgets: Sequence[int]) -> tuple[dict[str, np.ndarray], dict[str, float | int]]:
    """Arrays for the figure and numbers for the paper.

    ``runs[opt][steps]`` holds a training run's ``loss``, ``loss_trace`` and ``trace_steps``;
    ``settled[opt][steps]`` the settled arrays of its end points. Arrays: ``budgets``, per optimizer
    the end-point and settled losses (budget, fit), the certified mask, and the loss trace of the
    longest run; numbers ``budget_<opt>_{first,last}_...`` at the smallest and largest budget:
    medians and the certified share.
    """
    steps = np.array(sorted(int(b) for b in budgets), dtype=np.int64)
    arrays: dict[str, np.ndarray] = {"budgets": steps}
    numbers: dict[str, float | int] = {"budget_count": int(len(runs[next(iter(runs))][int(steps[0])]
                                                             ["loss"])),
                                       "budget_first": int(steps[0]), "budget_last": int(steps[-1])}
    for opt in runs:
        end = np.stack([np.asarray(runs[opt][int(b)]["loss"], np.float64) for b in steps])
        low = np.stack([np.asarray(settled[opt][int(b)]["loss"], np.float64) for b in steps])
        ok = np.stack([certified(settled[opt][int(b)]) for b in steps])
        longest = runs[opt][int(steps[-1])]
        arrays |= {f"{opt}_end_loss": end, f"{opt}_settled_loss": low, f"{opt}_certified": ok,
                   f"{opt}_trace": np.asarray(longest["loss_trace"], np.float64),
                   f"{opt}_trace_steps": np.asarray(longest["trace_steps"], np.int64)}
        for name, i in (("first", 0), ("last", len(steps) - 1)):
            key = f"budget_{opt}_{name}"
            numbers[f"{key}_loss_median"] = summary_stat(np.median, end[i])
            numbers[f"{key}_loss_min"] = summary_stat(np.min, end[i])
            numbers[f"{key}_settled_median"] = summary_stat(np.median, low[i])
            numbers[f"{key}_settled_min"] = summary_stat(np.min, low[i])
            numbers[f"{key}_certified_share"] = summary_stat(np.mean, ok[i])
        numbers[f"budget_{opt}_drop_first_to_last"] = summary_stat(
            np.median, 1.0 - end[-1] / np.maximum(end[0], 1e-300))
    return arrays, numbers
