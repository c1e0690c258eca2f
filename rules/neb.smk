# Minimum-energy paths (paper 4.6): one job per NEB path, then numbers and figures 8-10.


rule neb_path:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
        minima="results/{example}/settled/gd/minima.npz",
    output:
        path="results/{example}/neb/path-{j}.npz",
    log:
        "logs/neb_path/{example}-{j}.log",
    benchmark:
        "results/benchmarks/neb_path/{example}-{j}.tsv"
    wildcard_constraints:
        j=r"\d{3}",
    priority: PRIORITY["paths"]
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        neb=config["neb"],
        smoothing=config["smoothing"],
    script:
        "../scripts/neb_path.py"


use rule neb_path as neb_image_path with:
    output:
        path="results/{example}/neb/images/path-{j}-{images}.npz",
    log:
        "logs/neb_image_path/{example}-{j}-{images}.log",
    benchmark:
        "results/benchmarks/neb_image_path/{example}-{j}-{images}.tsv"
    wildcard_constraints:
        j=r"\d{3}",
        images=r"\d{3}",


rule neb_image_numbers:
    input:
        paths=neb_image_files("main"),
    output:
        numbers="results/numbers/neb_images.json",
    log:
        "logs/neb_numbers/images.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        paths=config["neb"]["image_paths"],
        counts=config["neb"]["image_counts"],
        change_max=config["neb"]["image_change_max"],
    script:
        "../scripts/neb_image_numbers.py"


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
        dead_std=config["dead_std"],
    script:
        "../scripts/neb_numbers.py"
