"""Where results live: file paths of the workflow's outputs as pure functions of the config.

The rules (rules/common.smk), the figure table and the tests share these, so a path is written once.
Nothing here reads a file or imports PyTorch (the Snakefile imports it to build the DAG).
"""

from __future__ import annotations

from collections.abc import Mapping

from .trainspec import OPTIMIZERS


def perfect_fit(example: str) -> str:
    """The hand-made perfect fit (and training data) of one example."""
    return f"results/{example}/perfect_fit.npz"


def minima_of(example: str) -> dict[str, str]:
    """Joined minima of one example, {optimizer: path}, optimizers in OPTIMIZERS order."""
    return {opt: f"results/{example}/fits/{opt}/minima.npz" for opt in OPTIMIZERS}


def settled_of(example: str) -> dict[str, str]:
    """Settled end points of one example, {settled_<optimizer>: path} (inputs beside the minima)."""
    return {f"settled_{opt}": f"results/{example}/settled/{opt}/minima.npz" for opt in OPTIMIZERS}


def basin_trials_of(example: str) -> dict[str, str]:
    """Joined basin trials of one example, {optimizer: path}."""
    return {opt: f"results/{example}/basin/{opt}/trials.npz" for opt in OPTIMIZERS}


def neb_path_files(config: Mapping, example: str) -> list[str]:
    """NEB path files of one example: results/{example}/neb/path-{j:03d}.npz, j < neb.paths."""
    return [f"results/{example}/neb/path-{j:03d}.npz" for j in range(config["neb"]["paths"])]


def larger_minima_files(config: Mapping) -> list[str]:
    """Minima of every larger size (config larger.sizes), size by size, optimizers in OPTIMIZERS order."""
    return [f"results/larger/{n}x{k}/fits/{opt}/minima.npz"
            for n, k in config["larger"]["sizes"] for opt in OPTIMIZERS]


def numbers_part(part: str) -> str:
    """One part of the paper's numbers (merged into results/numbers.json)."""
    return f"results/numbers/{part}.json"


def figure_files(figure: str) -> dict[str, str]:
    """The PDF (for the paper) and PNG (for the HTML report) of one figure."""
    return {"pdf": f"results/figures/{figure}.pdf", "png": f"results/figures/{figure}.png"}


def pair_graph(example: str, optimizer: str) -> str:
    """Saddle matrix, spanning tree and disconnectivity graph of one optimizer's pair paths."""
    return f"results/{example}/pairs/{optimizer}/graph.npz"
