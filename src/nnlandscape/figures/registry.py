"""Figure name -> adapter that loads a rule's inputs and calls the figure function."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..io import load_json, load_npz
from . import fits, landscape
from . import geometry as geometry_figures
from . import neb as neb_figures
from . import settle as settle_figures

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
    settled = {opt: load_npz(inputs[f"settled_{opt}"]) for opt in fits.OPTIMIZERS}
    return fits.figure_losses(_minima(inputs), smooth, numbers["main_sawtooth_variance"], settled)


def _fig06(inputs: Inputs, params: Mapping):
    return geometry_figures.figure_pair_distances(load_npz(inputs["geometry"]))


def _fig07(inputs: Inputs, params: Mapping):
    return geometry_figures.figure_global_distances(load_npz(inputs["geometry"]))


def _neb_paths(inputs: Inputs) -> list:
    from ..neb import load_path

    return [load_path(path) for path in inputs["paths"]]


def _fig08(inputs: Inputs, params: Mapping):
    return neb_figures.figure_neb_energy(_neb_paths(inputs))


def _fig09(inputs: Inputs, params: Mapping):
    from ..neb import load_path

    return neb_figures.figure_neb_outputs(load_npz(inputs["perfect_fit"]), load_path(inputs["path"]),
                                          float(params["plateau_fraction"]))


def _fig10(inputs: Inputs, params: Mapping):
    return neb_figures.figure_neb_angles(_neb_paths(inputs))


def _fig11(inputs: Inputs, params: Mapping):
    return geometry_figures.figure_hessian_spectra(load_npz(inputs["hessian"]))


def _fig12(inputs: Inputs, params: Mapping):
    return landscape.figure_basin(_minima(inputs), load_json(inputs["numbers"]))


def _fig13(inputs: Inputs, params: Mapping):
    return landscape.figure_complex_target(load_npz(inputs["perfect_fit"]), load_npz(inputs["sawtooth"]))


def _fig14(inputs: Inputs, params: Mapping):
    return landscape.figure_complex_fits(load_npz(inputs["perfect_fit"]), _minima(inputs),
                                         load_npz(inputs["path"]))


def _fig15(inputs: Inputs, params: Mapping):
    larger = [load_npz(path) for path in inputs["larger"]]
    losses = landscape.larger_losses(_minima(inputs), larger, params["sizes"], params["base"],
                                     params["optimizers"])
    first = larger[list(params["optimizers"]).index("adadelta")]
    return landscape.figure_larger(load_npz(inputs["perfect_fit"]), losses, first["params"][0],
                                   tuple(params["sizes"][0]), float(first["loss"][0]),
                                   tuple(params["base"]))


def _fig16(inputs: Inputs, params: Mapping):
    return settle_figures.figure_step_budget(load_npz(inputs["budget"]))


FIGURES: dict[str, Adapter] = {
    "fig01": _fig01,
    "fig02": _fig02,
    "fig03": _fig03,
    "fig04": _fig04,
    "fig05": _fig05,
    "fig06": _fig06,
    "fig07": _fig07,
    "fig08": _fig08,
    "fig09": _fig09,
    "fig10": _fig10,
    "fig11": _fig11,
    "fig12": _fig12,
    "fig13": _fig13,
    "fig14": _fig14,
    "fig15": _fig15,
    "fig16": _fig16,
}


def make_figure(name: str, inputs: Inputs, params: Mapping):
    """Build figure ``name`` from the rule's named inputs and params."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(sorted(FIGURES))}")
    return FIGURES[name](inputs, params)
