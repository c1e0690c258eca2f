rule hessian_spectra:
    input:
        **minima_of("main"),
        **settled_of("main"),
        perfect_fit="results/main/perfect_fit.npz",
    output:
        hessian="results/main/hessian.npz",
        numbers="results/numbers/hessian.json",
    log:
        "logs/hessian/hessian.log",
    benchmark:
        "results/benchmarks/hessian_spectra/main.tsv"
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        hessian=config["hessian"],
        smoothing=config["smoothing"],
        optimizers=OPTIMIZERS,
    script:
        "../scripts/hessian.py"
