"""The one table of the paper's figures: id -> drawing function, inputs, params, report category, caption.

Everything else is derived from it: the workflow's `figure` rule (inputs, params, report entry),
the paper's list of figures, the loaders in :mod:`nnlandscape.figures.registry`, the HTML
report's captions and the source line under each caption in the PDF. To add a figure: add one
row here and one drawing function (plus a loader in the registry when its inputs need preparing).
No matplotlib or PyTorch here: the Snakefile imports this module to build the DAG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import paths
from .trainspec import OPTIMIZERS

Inputs = Callable[[Mapping], dict[str, object]]
Params = Callable[[Mapping], dict[str, object]]

#: The Snakemake rule that draws every figure (one job per figure id).
RULE = "figure"


def _no_params(config: Mapping) -> dict[str, object]:
    return {}


@dataclass(frozen=True)
class Figure:
    """One figure of the paper: results/figures/{id}.pdf (paper) and .png (HTML report)."""

    id: str
    draw: str  # the package function that draws it, "module:function" under nnlandscape.figures
    inputs: Inputs  # config -> named input files (a path, a list of paths)
    category: str  # section of the HTML report
    caption: str  # the HTML report's caption (the paper's captions are in paper/sections)
    params: Params = field(default=_no_params)  # config -> params the drawing needs

    @property
    def rule(self) -> str:
        """The Snakemake rule that draws it (one rule for all figures; the job is its id)."""
        return RULE

    @property
    def function(self) -> str:
        """Dotted name of the drawing function, e.g. ``nnlandscape.figures.fits.figure_losses``."""
        module, name = self.draw.split(":")
        return f"nnlandscape.figures.{module}.{name}"


def _main_minima(config: Mapping) -> dict[str, object]:
    return {**paths.minima_of("main"), "perfect_fit": paths.perfect_fit("main")}


def _base(config: Mapping) -> list[int]:
    return [config["examples"]["main"]["n"], config["examples"]["main"]["k"]]


FIGURES: tuple[Figure, ...] = (
    Figure("fig01", "fits:figure_network_and_target",
           lambda c: {"perfect_fit": paths.perfect_fit("main")}, "2 Construction",
           "The hand-made perfect fit of the main example drawn as a graph (sawtooth block orange, "
           "spline block blue, edges by sign and magnitude) and its target function with knots and "
           "training points."),
    Figure("fig02", "fits:figure_example_fit",
           lambda c: {"perfect_fit": paths.perfect_fit("main"), "gd": paths.minima_of("main")["gd"]},
           "4.1 Example fit",
           "One typical fit (the first GD-with-momentum fit) over the target: the sawtooth is not "
           "learned."),
    Figure("fig03", "fits:figure_mean_fits", _main_minima, "4.3 Mean and best fits",
           "Mean output of all live fits plus or minus one standard deviation, over the target; "
           "(a) GD with momentum, (b) Adadelta."),
    Figure("fig04", "fits:figure_best_fits", _main_minima, "4.3 Mean and best fits",
           "The lowest-loss fit of each optimizer over the target."),
    Figure("fig05", "fits:figure_losses",
           lambda c: {**paths.minima_of("main"), **paths.settled_of("main"),
                      "numbers": paths.numbers_part("main")}, "4.4 Losses",
           "Histograms of the final training loss of all live fits per optimizer, with the loss of "
           "the mean fit and the sawtooth's variance marked."),
    Figure("fig06", "geometry:figure_pair_distances", lambda c: {"geometry": "results/main/geometry.npz"},
           "4.5 Distances",
           "Histograms of Euclidean distances between randomly chosen pairs of symmetrized minima, "
           "per optimizer."),
    Figure("fig07", "geometry:figure_global_distances",
           lambda c: {"geometry": "results/main/geometry.npz"}, "4.5 Distances",
           "(a) Histogram of the distances from the symmetrized perfect fit (global minimum) to every "
           "symmetrized fitted minimum, both optimizers, with the median pairwise distance between "
           "minima marked; (b) dot products of the unit directions from the global minimum to the "
           "minima, against the same statistic for as many Gaussian points (seen from one of them, "
           "and from their centre)."),
    Figure("fig08", "neb:figure_neb_energy", lambda c: {"paths": paths.neb_path_files(c, "main")},
           "4.6 NEB paths",
           "Training loss along nudged-elastic-band paths from the global minimum to fitted GD minima "
           "against normalized arc length: several paths, and one in detail with its images."),
    Figure("fig09", "neb:figure_neb_outputs",
           lambda c: {"perfect_fit": paths.perfect_fit("main"),
                      "path": paths.neb_path_files(c, "main")[0]}, "4.6 NEB paths",
           "Network outputs at images along one NEB path: in the long flat part and near the global "
           "minimum.",
           params=lambda c: {"plateau_fraction": c["neb"]["plateau_fraction"]}),
    Figure("fig10", "neb:figure_neb_angles", lambda c: {"paths": paths.neb_path_files(c, "main")},
           "4.6 NEB paths", "Angle between successive difference vectors along one NEB path."),
    Figure("fig11", "geometry:figure_hessian_spectra", lambda c: {"hessian": "results/main/hessian.npz"},
           "4.7 Eigenvalues",
           "Sorted Hessian eigenvalues (softplus-smoothed loss) at the global minimum and at samples "
           "of GD and Adadelta minima."),
    Figure("fig12", "landscape:figure_basin",
           lambda c: {**paths.basin_trials_of("main"), "numbers": paths.numbers_part("basin")},
           "4.8 Basin",
           "Final loss after retraining the jittered global minimum against the norm of the noise; "
           "GD and Adadelta."),
    Figure("fig13", "landscape:figure_complex_target",
           lambda c: {"perfect_fit": paths.perfect_fit("complex"),
                      "sawtooth": "results/complex/full_sawtooth.npz"}, "4.9 Another example",
           "The second, more complex example: network structure and target; the full-complexity "
           "n1 = 5 sawtooth for comparison."),
    Figure("fig14", "landscape:figure_complex_fits",
           lambda c: {**paths.minima_of("complex"), "perfect_fit": paths.perfect_fit("complex"),
                      "path": paths.neb_path_files(c, "complex")[0]}, "4.9 Another example",
           "Second example: mean fit plus or minus one standard deviation over the target, and the "
           "loss along a NEB path from its global minimum."),
    Figure("fig15", "landscape:figure_larger",
           lambda c: {**_main_minima(c), "larger": paths.larger_minima_files(c)},
           "4.10 Larger networks",
           "Larger networks on the main example: the first Adadelta fit of the first larger size, and "
           "the final-loss distributions per network size.",
           params=lambda c: {"base": _base(c), "sizes": c["larger"]["sizes"],
                             "optimizers": list(OPTIMIZERS)}),
    Figure("fig16", "settle:figure_step_budget", lambda c: {"budget": "results/main/budget/budget.npz"},
           "4.11 Are the end points minima?",
           "Training loss against steps for the step-budget sample (median and single fits), with the "
           "median loss of the end points and of the minima settled from them at each budget."),
    Figure("fig17", "neb:figure_disconnectivity",
           lambda c: {"graphs": [paths.pair_graph("main", opt) for opt in OPTIMIZERS]},
           "4.6 NEB paths",
           "Disconnectivity graphs of the settled minima of each optimizer (beyond the paper): each "
           "minimum is a leaf at its training MSE; branches join at the lowest saddle, found by NEB "
           "paths between pairs of minima, that connects their superbasins.",
           params=lambda c: {"optimizers": list(OPTIMIZERS)}),
)

BY_ID: dict[str, Figure] = {fig.id: fig for fig in FIGURES}
if len(BY_ID) != len(FIGURES):
    raise ValueError("figure_table: two rows share an id")


def figure(figure_id: str) -> Figure:
    """The row of one figure (KeyError naming the known ids otherwise)."""
    if figure_id not in BY_ID:
        raise KeyError(f"unknown figure {figure_id!r}; known: {', '.join(BY_ID)}")
    return BY_ID[figure_id]
