"""Early validation of the workflow config: schema plus the checks a schema cannot express."""

from __future__ import annotations

import math
from pathlib import Path


class ConfigError(ValueError):
    """A config value is invalid; the message names the key and what is allowed."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref and ref.startswith("#/definitions/"):
        return _resolve(schema, schema["definitions"][ref.split("/")[-1]])
    return node


def _describe(error, schema: dict) -> str:
    """One line naming the bad key, its value and what is allowed."""
    key = _key(error.absolute_path)
    v = error.validator
    node = _resolve(schema, error.schema) if isinstance(error.schema, dict) else {}
    if v == "additionalProperties":
        allowed = ", ".join(sorted(node.get("properties", {})))
        extra = sorted(set(error.instance) - set(node.get("properties", {})))
        return f"config key {key}: unknown key(s) {', '.join(map(repr, extra))}; allowed: {allowed}"
    if v == "required":
        return f"config key {key}: {error.message}"
    if v == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"config key {key}: {error.instance!r} is not allowed; allowed: {allowed}"
    if v == "type":
        hint = ""
        if isinstance(error.instance, str) and _is_number_text(error.instance):
            hint = (f" (YAML 1.1 reads {error.instance} as a string: write the exponent with a sign, "
                    f"{_yaml_number(error.instance)}, or the plain number)")
        return (f"config key {key}: {error.instance!r} has the wrong type; "
                f"expected {error.validator_value}{hint}")
    return f"config key {key}: {error.instance!r} is invalid ({error.message})"


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _yaml_number(text: str) -> str:
    """``1.0e9`` -> ``1.0e+9``: the spelling PyYAML (YAML 1.1) reads as a float."""
    mant, _, exp = text.lower().partition("e")
    if exp and exp[0] not in "+-":
        exp = "+" + exp
    if "." not in mant:
        mant += ".0"
    return f"{mant}e{exp}" if exp else mant


def _non_finite(node, path=()) -> tuple[tuple, float] | None:
    """The first NaN or infinite number in the config (JSON schema ranges let NaN through)."""
    if isinstance(node, float) and not math.isfinite(node):
        return path, node
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found = _non_finite(value, (*path, key))
        if found:
            return found
    return None


def _at_most(config: dict, key: str, limit: int, what: str) -> None:
    """Refuse a count drawn from other things when it exceeds what the run will have."""
    node = config
    for part in key.split("."):
        node = node[part]
    if node > limit:
        raise ConfigError(f"config key {key}: {node} is more than {what} ({limit}); "
                          f"lower it to at most {limit}")


def _cross_checks(config: dict) -> None:
    """Checks between keys: counts drawn from other counts, orders of paired values."""
    main = config["fits"]["main"]["count"]
    _at_most(config, "neb.paths", main, "the GD fits of the main example that paths end at, fits.main.count")
    _at_most(config, "hessian.count", main, "the fits per optimizer it samples from, fits.main.count")
    _at_most(config, "hessian.polish_count", config["hessian"]["count"],
             "the sampled minima per optimizer it polishes, hessian.count")
    _at_most(config, "geometry.pairs", main * (main - 1) // 2,
             "the distinct pairs among fits.main.count minima")
    _at_most(config, "basin.bins", config["basin"]["trials"], "the trials it bins, basin.trials")
    neb = config["neb"]
    if neb["climb"] and neb["climb_after"] >= neb["max_iter"]:
        raise ConfigError(f"config key neb.climb_after: {neb['climb_after']} is not below neb.max_iter "
                          f"({neb['max_iter']}), so the climbing image never starts; lower it or set "
                          f"neb.climb: false")
    if neb["dt"] > neb["dt_max"]:
        raise ConfigError(f"config key neb.dt: {neb['dt']} is larger than neb.dt_max ({neb['dt_max']})")
    stop = config["fits"]["early_stop"]
    for name in ("main", "complex"):
        steps = config["fits"][name]["steps"]
        if stop["enabled"] and 2 * stop["window"] > steps:
            raise ConfigError(f"config key fits.early_stop.window: {stop['window']} can never stop a "
                              f"fit of fits.{name}.steps = {steps} (a fit stops after 2 windows at the "
                              f"earliest); lower it to at most {steps // 2}")
    betas = config["smoothing"]["betas"]
    if sorted(set(betas)) != list(betas):
        raise ConfigError(f"config key smoothing.betas: {betas} must be strictly increasing "
                          f"(the first that meets smoothing.output_tol is used)")


def check_config(config: dict, schema_path: str | Path) -> None:
    """Raise ConfigError naming the first bad key; otherwise return None.

    Runs the JSON schema (types, ranges, unknown and missing keys) and then the cross-field checks
    (block split, shard sizes, device availability).
    """
    bad = _non_finite(config)
    if bad:
        raise ConfigError(f"config key {_key(bad[0])}: {bad[1]!r} is not a finite number")
    import jsonschema  # lazy: jobs import this module for shard_range, only the Snakefile validates
    import yaml

    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise ConfigError(_describe(best, schema))
    for name, ex in config["examples"].items():
        if ex["n1"] + ex["n2"] != ex["n"]:
            raise ConfigError(f"config key examples.{name}: n1 + n2 must equal n "
                              f"({ex['n1']} + {ex['n2']} != {ex['n']})")
    for name, fits in config["fits"].items():
        if isinstance(fits, dict) and "shard_size" in fits and fits["shard_size"] > fits["count"]:
            raise ConfigError(f"config key fits.{name}.shard_size: {fits['shard_size']} is larger "
                              f"than fits.{name}.count ({fits['count']})")
    if config["basin"]["batch_size"] > config["basin"]["trials"]:
        raise ConfigError(f"config key basin.batch_size: {config['basin']['batch_size']} is larger "
                          f"than basin.trials ({config['basin']['trials']})")
    if config["larger"]["shard_size"] > config["larger"]["count"]:
        raise ConfigError(f"config key larger.shard_size: {config['larger']['shard_size']} is larger "
                          f"than larger.count ({config['larger']['count']})")
    _cross_checks(config)
    for name, st in config["settle"].items():
        if name in config["fits"] and isinstance(st, dict):
            if st["count"] > config["fits"][name]["count"]:
                raise ConfigError(f"config key settle.{name}.count: {st['count']} end points to settle "
                                  f"but fits.{name}.count is {config['fits'][name]['count']}")
            if st["shard_size"] > st["count"]:
                raise ConfigError(f"config key settle.{name}.shard_size: {st['shard_size']} is larger "
                                  f"than settle.{name}.count ({st['count']})")
    if config["settle"]["eps"] > config["settle"]["eps_start"]:
        raise ConfigError(f"config key settle.eps: {config['settle']['eps']} is larger than "
                          f"settle.eps_start ({config['settle']['eps_start']}); the radius only shrinks")
    if config["device"] == "cuda":
        from .gpu import cuda_present

        if not cuda_present():
            raise ConfigError("config key device: 'cuda' but this machine shows no NVIDIA GPU "
                              "(NVML, /dev/nvidia*, CUDA_VISIBLE_DEVICES); allowed here: auto, cpu")


#: Set by the Snakefile to the project folder; envs/*.yaml install the project from it.
ROOT_ENV = "NNLANDSCAPE_ROOT"


def export_project_root(path: str | Path) -> None:
    """Put the project folder in ``NNLANDSCAPE_ROOT`` for ``pip: -e ${NNLANDSCAPE_ROOT}`` in envs/*.yaml
    (conda runs pip beside its copy of the env file, where a relative path misses the project)."""
    import os

    os.environ[ROOT_ENV] = str(Path(path).resolve())


def n_shards(count: int, shard_size: int) -> int:
    """Number of shards for ``count`` fits of ``shard_size`` (the last one may be smaller)."""
    return -(-count // shard_size)


def shard_range(index: int, count: int, shard_size: int) -> range:
    """Fit indices of shard ``index``."""
    if not 0 <= index < n_shards(count, shard_size):
        raise ValueError(f"shard {index} out of range for {count} fits in shards of {shard_size}")
    return range(index * shard_size, min(count, (index + 1) * shard_size))
