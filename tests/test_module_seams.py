"""Modules along their seams: no import cycle in the package; the trainers do not import each other."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "nnlandscape"


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, lazy: bool) -> set[str]:
    """Package modules imported by ``path``: at module level, or anywhere with ``lazy``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if lazy else tree.body
    out = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnlandscape"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("nnlandscape"))
    return out


def graph(lazy: bool) -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PKG.rglob("*.py")}
    return {m: imports_of(p, lazy) & set(modules) - {m} for m, p in modules.items()}


def cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                return [*stack, node, nxt]
            if nxt not in state:
                found = visit(nxt, [*stack, node])
                if found:
                    return found
        state[node] = 2
        return None

    for node in sorted(g):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_no_import_cycle_even_through_lazy_imports():
    assert cycle(graph(lazy=True)) is None, " -> ".join(cycle(graph(lazy=True)))


def test_trainers_share_trainspec_and_do_not_import_each_other():
    g = graph(lazy=True)
    trainers = {"nnlandscape.fast", "nnlandscape.torch_step", "nnlandscape.reference"}
    for trainer in trainers:
        assert "nnlandscape.trainspec" in g[trainer]
        assert not g[trainer] & (trainers | {"nnlandscape.train"})


def test_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
