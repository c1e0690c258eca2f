rule merge_numbers:
    input:
        parts=expand("results/numbers/{part}.json", part=NUMBER_PARTS),
    output:
        numbers="results/numbers.json",
        macros="results/paper/macros.tex",
        config_table="results/paper/config-table.tex",
    log:
        "logs/merge_numbers.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        # the macros and the config table are made from the whole config: a change reruns them
        config=config,
    script:
        "../scripts/numbers.py"


rule paper_pdf:
    input:
        unpack(paper_inputs),
    output:
        pdf="results/paper.pdf",
    log:
        script="logs/paper/paper.log",
        latexmk="logs/paper/latexmk.log",
    conda:
        LATEX_ENV
    threads: 1
    params:
        search_dirs=[PAPER_DIR, "results/paper", "results/figures"],
        build_dir="results/paper/build",
    script:
        "../scripts/paper.py"


rule provenance:
    input:
        numbers="results/numbers.json",
        figures=paper_figures,
    output:
        provenance="results/provenance.json",
        box="results/paper/provenance.tex",
        sources="results/paper/figure-sources.tex",
    log:
        "logs/provenance.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        repo=workflow.basedir,
        benchmarks="results/benchmarks",
    script:
        "../scripts/provenance.py"


rule claims:
    input:
        unpack(claims_inputs),
    output:
        csv="results/claims.csv",
        table="results/paper/claims.tex",
        macros="results/paper/claim-macros.tex",
        budget="results/paper/claims-budget.tex",
    log:
        "logs/claims.log",
    benchmark:
        "results/benchmarks/claims/claims.tsv"
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        examples=config["examples"],
        claims=config["claims"],
        global_threshold=config["global_threshold"],
        smooth_band=config["smooth_band"],
        drop_fraction=config["neb"]["drop_fraction"],
        plateau_fraction=config["neb"]["plateau_fraction"],
        basin_bins=config["basin"]["bins"],
        dead_std=config["dead_std"],
        budgets=sorted(config["budget"]["steps"]),
        larger_sizes=config["larger"]["sizes"],
    script:
        "../scripts/claims.py"
