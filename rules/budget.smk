# Step-budget study: the first budget.count main fits trained to each budget in budget.steps, every
# budget's end points settled; loss against steps (figure 16, a row of nnlandscape.figure_table).

BUDGETS = sorted(config["budget"]["steps"])


rule train_budget:
    input:
        perfect_fit="results/main/perfect_fit.npz",
    output:
        run="results/main/budget/{optimizer}/steps-{steps}.npz",
    log:
        "logs/train_budget/{optimizer}-{steps}.log",
    benchmark:
        "results/benchmarks/train_budget/{optimizer}-{steps}.tsv"
    wildcard_constraints:
        steps=r"\d+",
    conda:
        SCIENCE_ENV
    threads: config["training_threads"]
    resources:
        gpu=uses_gpu(),
    params:
        fitset=budget_fitset,
        hyper=optimizer_config,
        seed=config["seed"],
        init=config["init"],
        dtype=config["dtype"],
        device=config["device"],
        backend=config["backend"],
        trace_points=config["budget"]["trace_points"],
        early_stop={"enabled": False, "rtol": 0.0, "window": 1},
    script:
        "../scripts/train_budget.py"


rule settle_budget:
    input:
        perfect_fit="results/main/perfect_fit.npz",
        run="results/main/budget/{optimizer}/steps-{steps}.npz",
    output:
        settled="results/main/budget/{optimizer}/settled-{steps}.npz",
    log:
        "logs/settle_budget/{optimizer}-{steps}.log",
    benchmark:
        "results/benchmarks/settle_budget/{optimizer}-{steps}.tsv"
    wildcard_constraints:
        steps=r"\d+",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        settle=config["settle"],
    script:
        "../scripts/settle_budget.py"


rule budget_numbers:
    input:
        runs=expand(
            "results/main/budget/{optimizer}/steps-{steps}.npz",
            optimizer=OPTIMIZERS,
            steps=BUDGETS,
        ),
        settled=expand(
            "results/main/budget/{optimizer}/settled-{steps}.npz",
            optimizer=OPTIMIZERS,
            steps=BUDGETS,
        ),
    output:
        budget="results/main/budget/budget.npz",
        numbers="results/numbers/budget.json",
    log:
        "logs/budget_numbers/main.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        optimizers=OPTIMIZERS,
        budgets=BUDGETS,
    script:
        "../scripts/budget_numbers.py"
