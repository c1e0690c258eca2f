# Minima to minima (beyond the paper): one NEB job per pair of fitted minima, then the graph.


rule pair_path:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
        minima=pair_minima,
    output:
        path="results/{example}/pairs/{optimizer}/pair-{j}.npz",
    log:
        "logs/pair_path/{example}-{optimizer}-{j}.log",
    benchmark:
        "results/benchmarks/pair_path/{example}-{optimizer}-{j}.tsv"
    wildcard_constraints:
        j=r"\d{3}",
    priority: PRIORITY["paths"]
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        neb=config["neb"],
        pairs=config["pairs"],
        smoothing=config["smoothing"],
    script:
        "../scripts/pair_path.py"


rule pair_graph:
    input:
        paths=pair_files,
    output:
        graph=paths.pair_graph("{example}", "{optimizer}"),
    log:
        "logs/pair_graph/{example}-{optimizer}.log",
    conda:
        SCIENCE_ENV
    threads: 1
    script:
        "../scripts/pair_graph.py"


rule pair_numbers:
    input:
        graphs=[paths.pair_graph("main", opt) for opt in OPTIMIZERS],
    output:
        numbers="results/numbers/pairs.json",
    log:
        "logs/pair_numbers/main.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        optimizers=OPTIMIZERS,
    script:
        "../scripts/pair_numbers.py"
