"""Settled end points as results: the arrays of a settled file, which fits are settled, the join
of shards and the numbers the paper quotes. No PyTorch here: the jobs that only read settled files
(joins, numbers, geometry) import this module, not :mod:`nnlandscape.settle`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .geometry import summary_stat
from .nonsmooth import DESCENT_FOUND, KINK_MINIMUM, NOT_CERTIFIED, SMOOTH_MINIMUM

#: arrays of a settled shard / joined file and their dimensions (checked on every read)
SETTLED_ARRAYS = {"fit_index": 1, "params": 2, "params_sym": 2, "loss_start": 1, "loss": 1,
                  "stationarity": 1, "eps": 1, "kinks": 1, "moved": 1, "iterations": 1, "kind": 1,
                  "extra_flat": 1, "eig_min_relative": 1}


def selection(minima: Mapping[str, np.ndarray], count: int) -> np.ndarray:
    """Fit indices of the end points to settle: the first ``count`` live fits (neither dead nor
    diverged) in fit order; fits are i.i.d., so the first ones are a fair sample."""
    live = np.flatnonzero(~np.asarray(minima["dead"], bool) & ~np.asarray(minima["diverged"], bool))
    return live[:count]


def join_settled(shards: list[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate settled shards in order (the joined ``settled/{optimizer}/minima.npz``)."""
    return {name: np.concatenate([np.asarray(s[name]) for s in shards]) for name in SETTLED_ARRAYS}


def certified(settled: Mapping[str, np.ndarray]) -> np.ndarray:
    """(m,) bool: settled points certified as minima (smooth or kink minimum)."""
    return np.isin(np.asarray(settled["kind"]), (SMOOTH_MINIMUM, KINK_MINIMUM))


def settle_numbers(settled: Mapping[str, Mapping[str, np.ndarray]], prefix: str
                   ) -> dict[str, float | int]:
    """The numbers the paper quotes about settling, per optimizer: shares per class, loss drop,
    distance moved, kinks, extra flat directions and the stationarity reached."""
    out: dict[str, float | int] = {}
    for opt, s in settled.items():
        kind = np.asarray(s["kind"])
        drop = 1.0 - s["loss"] / np.maximum(s["loss_start"], 1e-300)
        ok = certified(s)
        smooth = kind == SMOOTH_MINIMUM
        key = f"{prefix}_{opt}"
        out[f"{key}_count"] = int(len(kind))
        for code, name in ((SMOOTH_MINIMUM, "smooth"), (KINK_MINIMUM, "kink"),
                           (DESCENT_FOUND, "descent"), (NOT_CERTIFIED, "uncertified")):
            out[f"{key}_{name}"] = int((kind == code).sum())
            out[f"{key}_{name}_share"] = summary_stat(np.mean, kind == code)
        out[f"{key}_certified"] = int(ok.sum())
        out[f"{key}_certified_share"] = summary_stat(np.mean, ok)
        out[f"{key}_loss_start_median"] = summary_stat(np.median, s["loss_start"])
        out[f"{key}_loss_median"] = summary_stat(np.median, s["loss"])
        out[f"{key}_loss_min"] = summary_stat(np.min, s["loss"])
        out[f"{key}_loss_certified_median"] = summary_stat(np.median, s["loss"][ok])
        out[f"{key}_drop_median"] = summary_stat(np.median, drop)
        out[f"{key}_drop_max"] = summary_stat(np.max, drop)
        out[f"{key}_moved_median"] = summary_stat(np.median, s["moved"])
        out[f"{key}_stationarity_median"] = summary_stat(np.median, s["stationarity"])
        out[f"{key}_kinks_median"] = summary_stat(np.median, s["kinks"])
        out[f"{key}_on_kinks_share"] = summary_stat(np.mean, s["kinks"] > 0)
        out[f"{key}_extra_flat_median"] = summary_stat(np.median, s["extra_flat"][smooth])
        out[f"{key}_extra_flat_min"] = summary_stat(np.min, s["extra_flat"][smooth])
        out[f"{key}_eig_min_relative_median"] = summary_stat(np.median, s["eig_min_relative"][smooth])
        out[f"{key}_iterations_median"] = summary_stat(np.median, s["iterations"])
    return out
