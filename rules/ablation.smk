# Data-amount ablation: the main example trained on 2, 3, ... points per segment (config ablation).


rule data_amount_ablation:
    output:
        arrays="results/main/ablation/data-amount.npz",
    log:
        "logs/ablation/data-amount.log",
    benchmark:
        "results/benchmarks/ablation/data-amount.tsv"
    conda:
        SCIENCE_ENV
    threads: config["training_threads"]
    params:
        example=config["examples"]["main"],
        ablation=config["ablation"],
        optimizers=config["optimizers"],
        init=config["init"],
        dtype=config["dtype"],
        backend=config["backend"],
    script:
        "../scripts/data_amount.py"
