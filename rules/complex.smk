# The second example (paper 4.9). Its perfect fit, fits, numbers and NEB paths come from the rules
# of rules/fits.smk and rules/neb.smk with example=complex; here: the full sawtooth of the same
# (n,k) network (drawn, not fitted) and figures 13 and 14.


rule full_sawtooth:
    output:
        sawtooth="results/complex/full_sawtooth.npz",
        numbers="results/numbers/sawtooth.json",
    log:
        "logs/full_sawtooth.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        example=config["examples"]["complex"],
    script:
        "../scripts/full_sawtooth.py"


rule figure_complex_target:
    input:
        perfect_fit="results/complex/perfect_fit.npz",
        sawtooth="results/complex/full_sawtooth.npz",
    output:
        pdf="results/figures/fig13.pdf",
        png=report(
            "results/figures/fig13.png",
            caption="../report/fig13.rst",
            category="4.9 Another example",
        ),
    log:
        "logs/figures/fig13.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        figure="fig13",
    script:
        "../scripts/figure.py"


rule figure_complex_fits:
    input:
        **minima_of("complex"),
        perfect_fit="results/complex/perfect_fit.npz",
        path=neb_path_files("complex")[0],
    output:
        pdf="results/figures/fig14.pdf",
        png=report(
            "results/figures/fig14.png",
            caption="../report/fig14.rst",
            category="4.9 Another example",
        ),
    log:
        "logs/figures/fig14.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        figure="fig14",
    script:
        "../scripts/figure.py"


use rule neb_numbers as neb_numbers_complex with:
    input:
        paths=neb_path_files("complex")[:1],
    output:
        numbers="results/numbers/neb_complex.json",
    log:
        "logs/neb_numbers/complex.log",
    params:
        prefix="complex_neb",
