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
        **minima_of("main"),
        numbers="results/numbers.json",
        perfect_fit="results/main/perfect_fit.npz",
        basin_gd="results/main/basin/gd/trials.npz",
    output:
        csv="results/claims.csv",
        table="results/paper/claims.tex",
    log:
        "logs/claims.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        example=config["examples"]["main"],
        thresholds=config["claims"],
        global_threshold=config["global_threshold"],
        basin_bins=config["basin"]["bins"],
    script:
        "../scripts/claims.py"
