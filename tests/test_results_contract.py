"""RESULTS.md is the results contract: every array spec a reader passes to load_npz is documented there
with the same number of dimensions, so the contract and the code cannot drift."""

import ast
import re
from pathlib import Path

import pytest

from nnlandscape.basin import BATCH_ARRAYS
from nnlandscape.fits import SHARD_ARRAYS
from nnlandscape.neb import PATH_ARRAYS

ROOT = Path(__file__).resolve().parents[1]
# which documented file a reader's rule= (or its input's name) means
RULE_FILE = {"perfect_fit": "perfect_fit.npz", "join_minima": "minima.npz", "train_shard": "shard-NNNN.npz",
             "basin_batch": "batch-NNN.npz", "neb_path": "path-NNN.npz"}


def contract() -> dict[str, dict[str, tuple[int, str]]]:
    """{file name: {array: (ndim, dtype)}} from the tables of RESULTS.md (one table per heading)."""
    out, current = {}, []
    for line in (ROOT / "RESULTS.md").read_text().splitlines():
        heading = re.match(r"^### (.*)", line)
        if heading:
            current = [Path(p).name for p in re.findall(r"`([^`]+\.npz)`", heading.group(1))]
            for name in current:
                out.setdefault(name, {})
            continue
        row = re.match(r"^\| `(\w+)` \| \(([^)]*)\) \| (\w+) \|", line)
        if row and current:
            dims = [d for d in row.group(2).split(",") if d.strip()]
            for name in current:
                out[name][row.group(1)] = (len(dims), row.group(3))
    return out


CONTRACT = contract()


def reader_specs() -> list[tuple[str, str, dict]]:
    """(where, file, {array: ndim}) for every load_npz call with a literal spec, and the module specs."""
    specs = [("fits.SHARD_ARRAYS", "shard-NNNN.npz", SHARD_ARRAYS),
             ("basin.BATCH_ARRAYS", "batch-NNN.npz", BATCH_ARRAYS),
             ("neb.PATH_ARRAYS", "path-NNN.npz", PATH_ARRAYS)]
    for path in sorted([*(ROOT / "scripts").glob("*.py"), *(ROOT / "src" / "nnlandscape").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "load_npz"
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Dict)):
                continue
            rule = next((k.value.value for k in node.keywords if k.arg == "rule"), None)
            source = node.args[0]
            name = rule or (source.attr if isinstance(source, ast.Attribute) else None)
            spec = ast.literal_eval(node.args[1])
            specs.append((f"{path.relative_to(ROOT)}:{node.lineno}", RULE_FILE[name], spec))
    return specs


SPECS = reader_specs()


def test_contract_documents_every_results_file():
    assert {"perfect_fit.npz", "shard-NNNN.npz", "minima.npz", "path-NNN.npz", "batch-NNN.npz",
            "trials.npz", "geometry.npz", "hessian.npz", "full_sawtooth.npz"} <= set(CONTRACT)
    assert all(CONTRACT[name] for name in ("perfect_fit.npz", "minima.npz", "hessian.npz"))
    assert len(SPECS) >= 8, "the readers' specs were not found"


@pytest.mark.parametrize("where,file,spec", SPECS, ids=[s[0] for s in SPECS])
def test_reader_spec_matches_the_contract(where, file, spec):
    documented = CONTRACT[file]
    for array, ndim in spec.items():
        assert array in documented, f"{where}: {file} array {array!r} is not in RESULTS.md"
        if ndim is not None:
            assert documented[array][0] == ndim, \
                f"{where}: {file} {array!r} has {ndim} dims in code, {documented[array][0]} in RESULTS.md"


def test_parser_sees_a_drift():
    """The check can fail: a spec with one dimension too many is caught."""
    documented = CONTRACT["shard-NNNN.npz"]
    assert documented["params"][0] != SHARD_ARRAYS["params"] + 1


def test_no_docstring_points_to_a_missing_contract():
    for path in (ROOT / "src" / "nnlandscape").rglob("*.py"):
        assert "outputs.md" not in path.read_text(), f"{path.name}: point to RESULTS.md"


def test_settle_section_is_marked_for_the_settle_stage():
    text = (ROOT / "RESULTS.md").read_text()
    assert "<!-- SETTLE:" in text and "settled/{optimizer}/shard-NNNN.npz" in text
