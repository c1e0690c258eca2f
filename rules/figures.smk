# Every figure of the paper: one job per row of nnlandscape.figure_table (id -> drawing function,
# inputs, params, report category and caption). A new figure is a new row there, not a new rule.
rule figure:
    input:
        unpack(figure_inputs),
    output:
        pdf="results/figures/{fig}.pdf",
        png=report(
            "results/figures/{fig}.png",
            caption="../report/figure.rst",
            category=figure_category,
        ),
    log:
        "logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(PAPER_FIGURES),
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        figure="{fig}",
        caption=figure_caption,
        drawing=figure_params,
    script:
        "../scripts/figure.py"
