"""RESULTS.md is the results contract: every array spec a reader passes to load_npz is documented there
with the same number of dimensions, so the contract and the code cannot drift."""

import ast
import re
from pathlib import Path

import pytest

from nnlandscape.basin import BATCH_ARRAYS
from nnlandscape.fits import SHARD_ARRAYS
from nnlandscape.path_stats import PAIR_ARRAYS, PATH_ARRAYS
from nnlandscape.settled import SETTLED_ARRAYS

ROOT = Path(__file__).resolve().parents[1]
# which documented file a reader's rule= (or its input's name) means
RULE_FILE = {"perfect_fit": "results/{example}/perfect_fit.npz",
             "join_minima": "results/{example}/fits/{optimizer}/minima.npz",
             "train_shard": "results/{example}/fits/{optimizer}/shard-NNNN.npz",
             "basin_batch": "results/main/basin/{optimizer}/batch-NNN.npz",
             "neb_path": "results/{example}/neb/path-NNN.npz",
             "pair_path": "results/{example}/pairs/{optimizer}/pair-NNN.npz",
             "settle_shard": "results/{example}/settled/{optimizer}/shard-NNNN.npz",
             "join_settled": "results/{example}/settled/{optimizer}/minima.npz",
             "settle_budget": "results/main/budget/{optimizer}/settled-{steps}.npz"}


def contract() -> dict[str, dict[str, tuple[int, str]]]:
    """{file path: {array: (ndim, dtype)}} from the tables of RESULTS.md (one table per heading; a bare
    file name in a heading lives beside the path before it)."""
    out, current = {}, []
    for line in (ROOT / "RESULTS.md").read_text().splitlines():
        heading = re.match(r"^### (.*)", line)
        if heading:
            current = []
            for name in re.findall(r"`([^`]+\.npz)`", heading.group(1)):
                current.append(name if "/" in name else f"{current[-1].rpartition('/')[0]}/{name}")
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
    specs = [("fits.SHARD_ARRAYS", RULE_FILE["train_shard"], SHARD_ARRAYS),
             ("basin.BATCH_ARRAYS", RULE_FILE["basin_batch"], BATCH_ARRAYS),
             ("path_stats.PATH_ARRAYS", RULE_FILE["neb_path"], PATH_ARRAYS),
             ("path_stats.PAIR_ARRAYS", RULE_FILE["pair_path"], PAIR_ARRAYS),
             ("settle.SETTLED_ARRAYS", RULE_FILE["settle_shard"], SETTLED_ARRAYS),
             ("settle.SETTLED_ARRAYS (joined)", RULE_FILE["join_settled"], SETTLED_ARRAYS),
             ("settle.SETTLED_ARRAYS (budget)", RULE_FILE["settle_budget"], SETTLED_ARRAYS)]
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
    assert set(RULE_FILE.values()) | {"results/main/geometry.npz", "results/main/hessian.npz",
                                      "results/main/budget/budget.npz",
                                      "results/main/basin/{optimizer}/trials.npz",
                                      "results/complex/full_sawtooth.npz"} <= set(CONTRACT)
    assert all(CONTRACT[name] for name in RULE_FILE.values())
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
    documented = CONTRACT[RULE_FILE["train_shard"]]
    assert documented["params"][0] != SHARD_ARRAYS["params"] + 1


def test_no_docstring_points_to_a_missing_contract():
    for path in (ROOT / "src" / "nnlandscape").rglob("*.py"):
        assert "outputs.md" not in path.read_text(), f"{path.name}: point to RESULTS.md"

