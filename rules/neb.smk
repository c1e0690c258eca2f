# Minimum-energy paths (paper 4.6): one job per NEB path, then numbers and figures 8-10.


rule neb_path:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
        minima="results/{example}/fits/gd/minima.npz",
    output:
        path="results/{example}/neb/path-{j}.npz",
    log:
        "logs/neb_path/{example}-{j}.log",
    benchmark:
        "results/benchmarks/neb_path/{example}-{j}.tsv"
    wildcard_constraints:
        j=r"\d{3}",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        neb=config["neb"],
    script:
        "../scripts/neb_path.py"


rule neb_numbers:
    input:
        paths=neb_path_files("main"),
    output:
        numbers="results/numbers/neb.json",
    log:
        "logs/neb_numbers/main.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        drop_fraction=config["neb"]["drop_fraction"],
        plateau_fraction=config["neb"]["plateau_fraction"],
        prefix="neb",
    script:
        "../scripts/neb_numbers.py"
