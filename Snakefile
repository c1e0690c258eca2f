from snakemake.utils import min_version, validate

from nnlandscape.config import check_config

min_version("9.0")


configfile: f"{workflow.basedir}/config.yaml"


check_config(config, f"{workflow.basedir}/schemas/config.schema.yaml")
validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/fits.smk"
include: "rules/settle.smk"
include: "rules/budget.smk"
include: "rules/geometry.smk"
include: "rules/neb.smk"
include: "rules/hessian.smk"
include: "rules/basin.smk"
include: "rules/complex.smk"
include: "rules/larger.smk"
include: "rules/ablation.smk"
include: "rules/paper.smk"


rule all:
    default_target: True
    input:
        rules.paper_pdf.output.pdf,
