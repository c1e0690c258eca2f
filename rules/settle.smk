# Are the end points minima? Settle each optimizer's end points onto critical points of the ReLU
# training loss and certify them (one job per settle shard), then join and count.


rule settle_shard:
    input:
        perfect_fit="results/{example}/perfect_fit.npz",
        minima="results/{example}/fits/{optimizer}/minima.npz",
    output:
        shard="results/{example}/settled/{optimizer}/shard-{shard}.npz",
    log:
        "logs/settle_shard/{example}-{optimizer}-{shard}.log",
    benchmark:
        "results/benchmarks/settle_shard/{example}-{optimizer}-{shard}.tsv"
    priority: PRIORITY["settle"]
    conda:
        SCIENCE_ENV
    # one thread: the batched linear algebra is small, and two torch threads per job on a busy
    # machine ran six times slower (measured); jobs run side by side instead
    threads: 1
    params:
        settle=config["settle"],
        settle_count=lambda wildcards: config["settle"][wildcards.example]["count"],
        shard_size=lambda wildcards: config["settle"][wildcards.example]["shard_size"],
    script:
        "../scripts/settle_shard.py"


rule join_settled:
    input:
        shards=settle_shards,
    output:
        settled="results/{example}/settled/{optimizer}/minima.npz",
    log:
        "logs/join_settled/{example}-{optimizer}.log",
    priority: PRIORITY["settle"]
    conda:
        SCIENCE_ENV
    threads: 1
    script:
        "../scripts/join_settled.py"


rule settle_numbers:
    input:
        unpack(example_settled),
    output:
        numbers="results/numbers/settle_{example}.json",
    log:
        "logs/settle_numbers/{example}.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        optimizers=OPTIMIZERS,
    script:
        "../scripts/settle_numbers.py"
