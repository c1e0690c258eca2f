# Larger networks (paper 4.10): the shard and join rules of rules/fits.smk, reused for (n,k)
# networks fitted to the main example's training data; then numbers and figure 15. A `use rule`
# keeps the original's params and replaces only those named here.


use rule train_shard as train_shard_larger with:
    input:
        perfect_fit="results/main/perfect_fit.npz",
    output:
        shard="results/larger/{n}x{k}/fits/{optimizer}/shard-{shard}.npz",
    log:
        "logs/train_shard/larger-{n}x{k}-{optimizer}-{shard}.log",
    benchmark:
        "results/benchmarks/train_shard/larger-{n}x{k}-{optimizer}-{shard}.tsv"
    wildcard_constraints:
        n=r"\d+",
        k=r"\d+",
    params:
        # the other params (optimizer, seed, init, ...) are inherited from train_shard
        fitset=larger_train_params,


use rule join_minima as join_minima_larger with:
    input:
        perfect_fit="results/main/perfect_fit.npz",
        shards=larger_shards,
    output:
        minima="results/larger/{n}x{k}/fits/{optimizer}/minima.npz",
    log:
        "logs/join_minima/larger-{n}x{k}-{optimizer}.log",
    benchmark:
        "results/benchmarks/join_minima/larger-{n}x{k}-{optimizer}.tsv"
    wildcard_constraints:
        n=r"\d+",
        k=r"\d+",
    params:
        example=larger_network,


rule larger_numbers:
    input:
        **minima_of("main"),
        larger=larger_minima_files(),
    output:
        numbers="results/numbers/larger.json",
    log:
        "logs/larger_numbers.log",
    conda:
        SCIENCE_ENV
    threads: 1
    params:
        base=[config["examples"]["main"]["n"], config["examples"]["main"]["k"]],
        sizes=config["larger"]["sizes"],
        optimizers=OPTIMIZERS,
        global_threshold=config["global_threshold"],
    script:
        "../scripts/larger_numbers.py"
