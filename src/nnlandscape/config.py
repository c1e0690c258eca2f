"""Early validation of the workflow config: schema plus the checks a schema cannot express."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml


class ConfigError(ValueError):
    """A config value is invalid; the message names the key and what is allowed."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref and ref.startswith("#/definitions/"):
        return _resolve(schema, schema["definitions"][ref.split("/")[-1]])
    return node


def _describe(error: jsonschema.ValidationError, schema: dict) -> str:
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
        return (f"config key {key}: {error.instance!r} has the wrong type; "
                f"expected {error.validator_value}")
    return f"config key {key}: {error.instance!r} is invalid ({error.message})"


def check_config(config: dict, schema_path: str | Path) -> None:
    """Raise ConfigError naming the first bad key; otherwise return None.

    Runs the JSON schema (types, ranges, unknown and missing keys) and then the cross-field checks
    (block split, shard sizes, device availability).
    """
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
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("config key device: 'cuda' is not available on this machine "
                              "(torch.cuda.is_available() is False); allowed here: auto, cpu")


def n_shards(count: int, shard_size: int) -> int:
    """Number of shards for ``count`` fits of ``shard_size`` (the last one may be smaller)."""
    return -(-count // shard_size)


def shard_range(index: int, count: int, shard_size: int) -> range:
    """Fit indices of shard ``index``."""
    if not 0 <= index < n_shards(count, shard_size):
        raise ValueError(f"shard {index} out of range for {count} fits in shards of {shard_size}")
    return range(index * shard_size, min(count, (index + 1) * shard_size))
