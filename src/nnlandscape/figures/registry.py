"""Figure name -> adapter that loads a rule's inputs and calls the figure function."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..io import load_json, load_npz
from . import fits

Inputs = Mapping[str, str]
Adapter = Callable[[Inputs, Mapping], object]


def _minima(inputs: Inputs) -> dict:
    return {opt: load_npz(inputs[opt]) for opt in fits.OPTIMIZERS}


def _fig01(inputs: Inputs, params: Mapping):
    return fits.figure_network_and_target(load_npz(inputs["perfect_fit"]))


def _fig02(inputs: Inputs, params: Mapping):
    return fits.figure_example_fit(load_npz(inputs["perfect_fit"]), load_npz(inputs["gd"]))


def _fig03(inputs: Inputs, params: Mapping):
    return fits.figure_mean_fits(load_npz(inputs["perfect_fit"]), _minima(inputs))


def _fig04(inputs: Inputs, params: Mapping):
    return fits.figure_best_fits(load_npz(inputs["perfect_fit"]), _minima(inputs))


def _fig05(inputs: Inputs, params: Mapping):
    numbers = load_json(inputs["numbers"])
    smooth = {opt: numbers[f"main_{opt}_smooth_fit_loss"] for opt in fits.OPTIMIZERS}
    return fits.figure_losses(_minima(inputs), smooth, numbers["main_sawtooth_variance"])


FIGURES: dict[str, Adapter] = {
    "fig01": _fig01,
    "fig02": _fig02,
    "fig03": _fig03,
    "fig04": _fig04,
    "fig05": _fig05,
}


def make_figure(name: str, inputs: Inputs, params: Mapping):
    """Build figure ``name`` from the rule's named inputs and params."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(sorted(FIGURES))}")
    return FIGURES[name](inputs, params)
