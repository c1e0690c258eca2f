rule geometry:
    input:
        **minima_of("main"),
        **settled_of("main"),
        perfect_fit="results/main/perfect_fit.npz",
    output:
        geometry="results/main/geometry.npz",
        numbers="results/numbers/geometry.json",
    log:
        "logs/geometry/geometry.log",
    benchmark:
        "results/benchmarks/geometry/main.tsv"
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        geometry=config["geometry"],
        optimizers=OPTIMIZERS,
    script:
        "../scripts/geometry.py"


rule figure_pair_distances:
    input:
        geometry="results/main/geometry.npz",
    output:
        pdf="results/figures/fig06.pdf",
        png=report(
            "results/figures/fig06.png",
            caption="../report/fig06.rst",
            category="4.5 Distances",
        ),
    log:
        "logs/figures/fig06.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        figure="fig06",
    script:
        "../scripts/figure.py"


rule figure_global_distances:
    input:
        geometry="results/main/geometry.npz",
    output:
        pdf="results/figures/fig07.pdf",
        png=report(
            "results/figures/fig07.png",
            caption="../report/fig07.rst",
            category="4.5 Distances",
        ),
    log:
        "logs/figures/fig07.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        figure="fig07",
    script:
        "../scripts/figure.py"
