# Basin of the global minimum (paper 4.8): jitter the symmetrized perfect fit, retrain one batch of
# trials per job, join the batches, then the return radius (numbers) and figure 12.


rule basin_batch:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
    output:
        batch="results/{example}/basin/{optimizer}/batch-{batch}.npz",
    log:
        "logs/basin_batch/{example}-{optimizer}-{batch}.log",
    benchmark:
        "results/benchmarks/basin_batch/{example}-{optimizer}-{batch}.tsv"
    wildcard_constraints:
        batch=r"\d{3}",
    conda:
        SCIENCE_ENV
    threads: config["training_threads"]
    resources:
        gpu=uses_gpu(),
    params:
        basin=config["basin"],
        hyper=optimizer_config,
        dtype=config["dtype"],
        device=config["device"],
        backend=config["backend"],
        trace_points=config["fits"]["trace_points"],
        symmetrize=config["symmetrize"],
    script:
        "../scripts/basin_batch.py"


rule join_basin:
    input:
        batches=basin_batches,
    output:
        trials="results/{example}/basin/{optimizer}/trials.npz",
    log:
        "logs/join_basin/{example}-{optimizer}.log",
    conda:
        SCIENCE_ENV
    threads: 1
    script:
        "../scripts/join_basin.py"


rule basin_numbers:
    input:
        **basin_trials_of("main"),
        perfect_fit="results/main/perfect_fit.npz",
        stability="results/main/stability.json",
    output:
        numbers="results/numbers/basin.json",
    log:
        "logs/basin_numbers/main.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        basin=config["basin"],
        global_threshold=config["global_threshold"],
    script:
        "../scripts/basin_numbers.py"
