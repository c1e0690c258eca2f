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


rule figure_hessian_spectra:
    input:
        hessian="results/main/hessian.npz",
    output:
        pdf="results/figures/fig11.pdf",
        png=report(
            "results/figures/fig11.png",
            caption="../report/fig11.rst",
            category="4.7 Eigenvalues",
        ),
    log:
        "logs/figures/fig11.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        figure="fig11",
    script:
        "../scripts/figure.py"
