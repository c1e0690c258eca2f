import glob

from nnlandscape import figure_table, paths
from nnlandscape.config import n_shards
from nnlandscape.gpu import cuda_present
from nnlandscape.trainspec import OPTIMIZERS as TRAINING_OPTIMIZERS

EXAMPLES = ["main", "complex"]
OPTIMIZERS = list(TRAINING_OPTIMIZERS)
SCIENCE_ENV = "../envs/science.yaml"
LATEX_ENV = "../envs/latex.yaml"
# Scheduling: the longest chain of jobs is perfect fit -> training -> settle -> NEB paths and pairs,
# so its jobs go first; the studies off that chain (step budgets, larger networks, basin, ablation,
# figures) fill the cores around it instead of delaying it to the end.
PRIORITY = {"perfect_fit": 40, "training": 30, "settle": 20, "paths": 10}
# LaTeX sources live beside the Snakefile (the working directory may be elsewhere: snakemake -d).
PAPER_DIR = f"{workflow.basedir}/paper"


wildcard_constraints:
    example="|".join(EXAMPLES),
    optimizer="|".join(OPTIMIZERS),
    shard=r"\d{4}",


def uses_gpu():
    """1 when training runs on CUDA (so --resources gpu=N limits concurrent GPU jobs), else 0.

    device auto asks NVML (nnlandscape.gpu, no PyTorch import): the DAG stays fast on CPU hosts.
    """
    if config["device"] == "cuda":
        return 1
    if config["device"] == "auto":
        return int(cuda_present())
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


minima_of = paths.minima_of
basin_trials_of = paths.basin_trials_of


def settle_shards(wildcards):
    """The settled shard files of one (example, optimizer), from settle.<example>.count and shard_size."""
    st = config["settle"][wildcards.example]
    return expand(
        "results/{example}/settled/{optimizer}/shard-{shard:04d}.npz",
        example=wildcards.example,
        optimizer=wildcards.optimizer,
        shard=range(n_shards(st["count"], st["shard_size"])),
    )


settled_of = paths.settled_of


def example_settled(wildcards):
    """Settled end points {optimizer: path} of the example in the wildcards."""
    return {
        opt: f"results/{wildcards.example}/settled/{opt}/minima.npz"
        for opt in OPTIMIZERS
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


def neb_path_files(example):
    """The NEB path files of one example (nnlandscape.paths)."""
    return paths.neb_path_files(config, example)


def neb_image_files(example):
    """The image-count study's path files: path j < neb.image_paths with each of neb.image_counts."""
    return expand(
        "results/{example}/neb/images/path-{j:03d}-{images:03d}.npz",
        example=example,
        j=range(config["neb"]["image_paths"]),
        images=config["neb"]["image_counts"],
    )


def pair_minima(wildcards):
    """End points of the minimum-to-minimum paths of one (example, optimizer): its settled minima."""
    return f"results/{wildcards.example}/settled/{wildcards.optimizer}/minima.npz"


def pair_files(wildcards):
    """The pair path files of one (example, optimizer): pairs.neighbours + pairs.random of them."""
    count = config["pairs"]["neighbours"] + config["pairs"]["random"]
    return expand(
        "results/{example}/pairs/{optimizer}/pair-{j:03d}.npz",
        example=wildcards.example,
        optimizer=wildcards.optimizer,
        j=range(count),
    )


def neb_paths(wildcards):
    """The NEB path files of the example in the wildcards."""
    return neb_path_files(wildcards.example)


def basin_batches(wildcards):
    """The basin batch files of one (example, optimizer), from basin.trials and batch_size."""
    basin = config["basin"]
    return expand(
        "results/{example}/basin/{optimizer}/batch-{batch:03d}.npz",
        example=wildcards.example,
        optimizer=wildcards.optimizer,
        batch=range(n_shards(basin["trials"], basin["batch_size"])),
    )


def budget_fitset(wildcards):
    """The step-budget sample as a fit set: the first budget.count main fits (same seed namespace,
    hence the same inits), one shard, trained for the budget in the wildcards."""
    ex = config["examples"]["main"]
    count = config["budget"]["count"]
    return {
        "namespace": "main",
        "n": ex["n"],
        "k": ex["k"],
        "count": count,
        "shard_size": count,
        "steps": int(wildcards.steps),
    }


def larger_network(wildcards):
    """The (n,k) of a larger network from the wildcards, as the join rule's example params."""
    return {"n": int(wildcards.n), "k": int(wildcards.k)}


def larger_train_params(wildcards):
    """Shard training params of one larger network (see train_params; seed namespace larger-NxK)."""
    larger = config["larger"]
    return {
        "namespace": f"larger-{wildcards.n}x{wildcards.k}",
        "n": int(wildcards.n),
        "k": int(wildcards.k),
        "count": larger["count"],
        "shard_size": larger["shard_size"],
        "steps": larger["steps"],
    }


def larger_shards(wildcards):
    """The shard files of one larger network and optimizer."""
    larger = config["larger"]
    return expand(
        "results/larger/{n}x{k}/fits/{optimizer}/shard-{shard:04d}.npz",
        n=wildcards.n,
        k=wildcards.k,
        optimizer=wildcards.optimizer,
        shard=range(n_shards(larger["count"], larger["shard_size"])),
    )


def larger_minima_files():
    """Minima of every larger size (nnlandscape.paths)."""
    return paths.larger_minima_files(config)


# One entry per part of the paper: results/numbers/{part}.json is merged into numbers.json.
NUMBER_PARTS = [
    "main",
    "settle_main",
    "settle_complex",
    "budget",
    "geometry",
    "hessian",
    "neb",
    "neb_images",
    "pairs",
    "basin",
    "complex",
    "neb_complex",
    "sawtooth",
    "larger",
]

# Figures of the paper (results/figures/figNN.pdf), in the order of nnlandscape.figure_table.
PAPER_FIGURES = [fig.id for fig in figure_table.FIGURES]


def figure_inputs(wildcards):
    """Named inputs of one figure, from its row of the figure table."""
    return figure_table.figure(wildcards.fig).inputs(config)


def figure_params(wildcards):
    """Params of one figure's drawing function, from its row of the figure table."""
    return figure_table.figure(wildcards.fig).params(config)


def figure_caption(wildcards):
    """The HTML report's caption of one figure (rendered by report/figure.rst)."""
    return figure_table.figure(wildcards.fig).caption


def figure_category(wildcards):
    """The HTML report's section of one figure."""
    return figure_table.figure(wildcards.fig).category


def paper_inputs(wildcards):
    """Named inputs of the paper: LaTeX sources, generated macros and every figure."""
    return {
        "main": f"{PAPER_DIR}/main.tex",
        "sections": sorted(glob.glob(f"{PAPER_DIR}/sections/*.tex")),
        "macros": "results/paper/macros.tex",
        "config_table": "results/paper/config-table.tex",
        "figures": paper_figures(wildcards),
        "provenance": "results/paper/provenance.tex",
        "figure_sources": "results/paper/figure-sources.tex",
        "claims": "results/paper/claims.tex",
        "claim_macros": "results/paper/claim-macros.tex",
        "claims_budget": "results/paper/claims-budget.tex",
    }


def claims_inputs(wildcards):
    """Every unit-level array the claims table reads (nnlandscape.claim_rows.Results)."""
    larger = {
        f"larger_{n}x{k}_{opt}": f"results/larger/{n}x{k}/fits/{opt}/minima.npz"
        for n, k in config["larger"]["sizes"]
        for opt in OPTIMIZERS
    }
    return {
        **minima_of("main"),
        **{f"complex_{opt}": path for opt, path in minima_of("complex").items()},
        **{f"basin_{opt}": path for opt, path in basin_trials_of("main").items()},
        **larger,
        "perfect_fit": "results/main/perfect_fit.npz",
        "complex_perfect_fit": "results/complex/perfect_fit.npz",
        "geometry": "results/main/geometry.npz",
        "hessian": "results/main/hessian.npz",
        "paths": neb_path_files("main"),
        "ablation": "results/main/ablation/data-amount.npz",
        **settled_of("main"),
        **{f"pairs_{opt}": paths.pair_graph("main", opt) for opt in OPTIMIZERS},
        "budget_runs": expand(
            "results/main/budget/{optimizer}/steps-{steps}.npz",
            optimizer=OPTIMIZERS,
            steps=sorted(config["budget"]["steps"]),
        ),
        "budget_settled": expand(
            "results/main/budget/{optimizer}/settled-{steps}.npz",
            optimizer=OPTIMIZERS,
            steps=sorted(config["budget"]["steps"]),
        ),
    }


def paper_figures(wildcards):
    """Every figure of the paper (PDF)."""
    return expand("results/figures/{fig}.pdf", fig=PAPER_FIGURES)
