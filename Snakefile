from snakemake.utils import min_version

from nnlandscape.config import check_config, export_project_root

min_version("9.0")


configfile: f"{workflow.basedir}/config.yaml"


# envs/*.yaml install this project with `pip: -e ${NNLANDSCAPE_ROOT}` (--sdm conda): conda runs pip
# beside its copy of the env file in .snakemake/conda/, so a relative path would miss the project.
export_project_root(workflow.basedir)


# the schema and the cross-field checks, once, before any job (the schema sets no defaults)
check_config(config, f"{workflow.basedir}/schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/fits.smk"
include: "rules/settle.smk"
include: "rules/budget.smk"
include: "rules/geometry.smk"
include: "rules/neb.smk"
include: "rules/pairs.smk"
include: "rules/hessian.smk"
include: "rules/basin.smk"
include: "rules/complex.smk"
include: "rules/larger.smk"
include: "rules/ablation.smk"
include: "rules/figures.smk"
include: "rules/paper.smk"


rule all:
    default_target: True
    input:
        rules.paper_pdf.output.pdf,
