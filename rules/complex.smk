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


use rule neb_numbers as neb_numbers_complex with:
    input:
        paths=neb_path_files("complex")[:1],
    output:
        numbers="results/numbers/neb_complex.json",
    log:
        "logs/neb_numbers/complex.log",
    params:
        prefix="complex_neb",
