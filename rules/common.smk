import glob

from nnlandscape.config import n_shards

EXAMPLES = ["main", "complex"]
OPTIMIZERS = ["gd", "adadelta"]
SCIENCE_ENV = "../envs/science.yaml"
LATEX_ENV = "../envs/latex.yaml"
# LaTeX sources live beside the Snakefile (the working directory may be elsewhere: snakemake -d).
PAPER_DIR = f"{workflow.basedir}/paper"


wildcard_constraints:
    example="|".join(EXAMPLES),
    optimizer="|".join(OPTIMIZERS),
    shard=r"\d{4}",


def uses_gpu():
    """1 when training runs on CUDA (so --resources gpu=N limits concurrent GPU jobs), else 0."""
    if config["device"] == "cuda":
        return 1
    if config["device"] == "auto":
        import torch

        return int(torch.cuda.is_available())
    return 0


def fit_shards(wildcards):
    """The shard files of one (example, optimizer), from fits.<example>.count and shard_size."""
    fits = config["fits"][wildcards.example]
    return expand(
        "results/{example}/fits/{optimizer}/shard-{shard:04d}.npz",
        example=wildcards.example,
        optimizer=wildcards.optimizer,
        shard=range(n_shards(fits["count"], fits["shard_size"])),
    )


def minima_of(example):
    """Named minima inputs {optimizer: path} of one example."""
    return {
        opt: f"results/{example}/fits/{opt}/minima.npz" for opt in OPTIMIZERS
    }


def example_config(wildcards):
    """config["examples"][example]: the construction and size of one example."""
    return config["examples"][wildcards.example]


def optimizer_config(wildcards):
    """config["optimizers"][optimizer]: one optimizer's hyper-parameters."""
    return config["optimizers"][wildcards.optimizer]


def example_minima(wildcards):
    """Named minima inputs {optimizer: path} of the example in the wildcards."""
    return minima_of(wildcards.example)


def train_params(wildcards):
    """Everything a shard's training needs from config (see nnlandscape.fits.ShardSpec)."""
    ex = config["examples"][wildcards.example]
    fits = config["fits"][wildcards.example]
    return {
        "namespace": wildcards.example,
        "n": ex["n"],
        "k": ex["k"],
        "count": fits["count"],
        "shard_size": fits["shard_size"],
        "steps": fits["steps"],
    }


# One entry per part of the paper: results/numbers/{part}.json is merged into numbers.json.
NUMBER_PARTS = ["main"]

# Figures of the paper that the workflow makes (results/figures/figNN.pdf).
PAPER_FIGURES = ["fig01", "fig02", "fig03", "fig04", "fig05"]


def paper_inputs(wildcards):
    """Named inputs of the paper: LaTeX sources, generated macros and every figure."""
    return {
        "main": f"{PAPER_DIR}/main.tex",
        "sections": sorted(glob.glob(f"{PAPER_DIR}/sections/*.tex")),
        "macros": "results/paper/macros.tex",
        "config_table": "results/paper/config-table.tex",
        "figures": paper_figures(wildcards),
        "provenance": "results/paper/provenance.tex",
    }


def paper_figures(wildcards):
    """Every figure of the paper (PDF)."""
    return expand("results/figures/{fig}.pdf", fig=PAPER_FIGURES)
