rule perfect_fit:
    output:
        perfect_fit="results/{example}/perfect_fit.npz",
        stability="results/{example}/stability.json",
    log:
        "logs/perfect_fit/{example}.log",
    priority: PRIORITY["perfect_fit"]
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        example=example_config,
        symmetrize=config["symmetrize"],
        smoothing=config["smoothing"],
        gd=config["optimizers"]["gd"],
    script:
        "../scripts/perfect_fit.py"


rule train_shard:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
    output:
        shard="results/{example}/fits/{optimizer}/shard-{shard}.npz",
    log:
        "logs/train_shard/{example}-{optimizer}-{shard}.log",
    benchmark:
        "results/benchmarks/train_shard/{example}-{optimizer}-{shard}.tsv"
    priority: PRIORITY["training"]
    conda:
        SCIENCE_ENV
    threads: config["training_threads"]
    resources:
        gpu=uses_gpu(),
    params:
        fitset=train_params,
        hyper=optimizer_config,
        seed=config["seed"],
        init=config["init"],
        dtype=config["dtype"],
        device=config["device"],
        backend=config["backend"],
        trace_points=config["fits"]["trace_points"],
        early_stop=config["fits"]["early_stop"],
    script:
        "../scripts/train_shard.py"


rule join_minima:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
        shards=fit_shards,
    output:
        minima="results/{example}/fits/{optimizer}/minima.npz",
    log:
        "logs/join_minima/{example}-{optimizer}.log",
    benchmark:
        "results/benchmarks/join_minima/{example}-{optimizer}.tsv"
    priority: PRIORITY["training"]
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        example=example_config,
        dead_std=config["dead_std"],
        symmetrize=config["symmetrize"],
    script:
        "../scripts/join_minima.py"


rule fit_numbers:
    input:
        unpack(example_minima),
        perfect_fit="results/{example}/perfect_fit.npz",
        stability="results/{example}/stability.json",
    output:
        numbers="results/numbers/{example}.json",
    log:
        "logs/fit_numbers/{example}.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        global_threshold=config["global_threshold"],
        smooth_band=config["smooth_band"],
    script:
        "../scripts/fit_numbers.py"
