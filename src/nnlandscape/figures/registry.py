"""Figure id -> loader that turns a rule's input files into the drawing function's arguments.

The drawing function of each figure is named in :mod:`nnlandscape.figure_table`; a figure whose
function takes its inputs as loaded (``.npz`` -> arrays, ``.json`` -> dict, a list -> list of
arrays, keyword = input name) needs no loader here. Drawing modules are imported per figure.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from ..figure_table import figure
from ..io import load_json, load_npz
from ..trainspec import OPTIMIZERS

Inputs = Mapping[str, object]
Loader = Callable[[Inputs, Mapping], tuple]


def _minima(inputs: Inputs) -> dict:
    return {opt: load_npz(inputs[opt]) for opt in OPTIMIZERS}


def _pf(inputs: Inputs):
    return load_npz(inputs["perfect_fit"])


def _neb_paths(inputs: Inputs) -> list:
    from ..path_stats import load_path

    return [load_path(path) for path in inputs["paths"]]


def _fig02(inputs: Inputs, params: Mapping) -> tuple:
    return _pf(inputs), load_npz(inputs["gd"])


def _fig03_04(inputs: Inputs, params: Mapping) -> tuple:
    return _pf(inputs), _minima(inputs)


def _fig05(inputs: Inputs, params: Mapping) -> tuple:
    numbers = load_json(inputs["numbers"], null_as_nan=True)
    smooth = {opt: numbers[f"main_{opt}_smooth_fit_loss"] for opt in OPTIMIZERS}
    settled = {opt: load_npz(inputs[f"settled_{opt}"]) for opt in OPTIMIZERS}
    return _minima(inputs), smooth, numbers["main_sawtooth_variance"], settled


def _fig08_10(inputs: Inputs, params: Mapping) -> tuple:
    return (_neb_paths(inputs),)


def _fig09(inputs: Inputs, params: Mapping) -> tuple:
    from ..path_stats import load_path

    return _pf(inputs), load_path(inputs["path"]), float(params["plateau_fraction"])


def _fig12(inputs: Inputs, params: Mapping) -> tuple:
    return _minima(inputs), load_json(inputs["numbers"], null_as_nan=True)


def _fig14(inputs: Inputs, params: Mapping) -> tuple:
    return _pf(inputs), _minima(inputs), load_npz(inputs["path"])


def _fig15(inputs: Inputs, params: Mapping) -> tuple:
    from .landscape import larger_losses

    larger = [load_npz(path) for path in inputs["larger"]]
    losses = larger_losses(_minima(inputs), larger, params["sizes"], params["base"], params["optimizers"])
    first = larger[list(params["optimizers"]).index("adadelta")]
    return (_pf(inputs), losses, first["params"][0], tuple(params["sizes"][0]), float(first["loss"][0]),
            tuple(params["base"]))


def _fig17(inputs: Inputs, params: Mapping) -> tuple:
    graphs = {opt: load_npz(path) for opt, path in zip(params["optimizers"], inputs["graphs"], strict=True)}
    return (graphs,)


#: Loaders of the figures whose drawing function does not take its inputs as loaded.
LOADERS: dict[str, Loader] = {
    "fig02": _fig02,
    "fig03": _fig03_04,
    "fig04": _fig03_04,
    "fig05": _fig05,
    "fig08": _fig08_10,
    "fig09": _fig09,
    "fig10": _fig08_10,
    "fig12": _fig12,
    "fig14": _fig14,
    "fig15": _fig15,
    "fig17": _fig17,
}


def load_inputs(inputs: Inputs) -> tuple:
    """Default loader: every named input loaded by its kind, in the order of the inputs."""
    def one(path):
        if isinstance(path, str):
            return load_json(path, null_as_nan=True) if path.endswith(".json") else load_npz(path)
        return [one(p) for p in path]

    return tuple(one(inputs[name]) for name in inputs.keys())


def drawing_function(figure_id: str) -> Callable:
    """The package function that draws ``figure_id`` (named in the figure table)."""
    module, name = figure(figure_id).draw.split(":")
    return getattr(importlib.import_module(f"nnlandscape.figures.{module}"), name)


def make_figure(figure_id: str, inputs: Inputs, params: Mapping):
    """Build figure ``figure_id`` from the rule's named inputs and params."""
    draw = drawing_function(figure_id)
    loader = LOADERS.get(figure_id)
    args = loader(inputs, params) if loader else load_inputs(inputs)
    return draw(*args)
