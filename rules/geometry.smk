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
