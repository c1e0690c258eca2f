"""Run one rule's script imports with only its conda env's packages importable (used by test_envs.py).

Usage: python env_imports.py SCRIPT ALLOWED [FIGURE]. ALLOWED is a comma-separated list of
top-level import names the env provides. An import made by the project's code (the script or
``nnlandscape``) of a non-standard-library package outside ALLOWED fails with ``EnvImportError``;
imports made by the allowed libraries themselves (their own dependencies) are not judged. Only the
script's module-level import statements and its ``start(snakemake)`` set-up run (no science).
With FIGURE (an id), that figure's drawing function is imported as its job does.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = (str(ROOT / "src" / "nnlandscape"), str(ROOT / "scripts"))


class EnvImportError(ImportError):
    """The project imports a package its rule's env does not provide."""


def _importer() -> str:
    """File of the frame that executed the import statement (skipping importlib's frames)."""
    frame = sys._getframe(2)
    while frame and (frame.f_code.co_filename.startswith("<frozen")
                     or frame.f_code.co_filename == __file__):
        frame = frame.f_back
    return frame.f_code.co_filename if frame else ""


class Blocker:
    """Meta-path finder refusing the project's imports of packages outside the env."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top in self.allowed or top == "nnlandscape":
            return None
        if _importer().startswith(OURS):
            raise EnvImportError(f"{_importer()} imports {name!r}, which its rule's env does not provide")
        return None


class _FakeJob:
    """What ``workflow.start`` reads of Snakemake's job object: no log file, one thread, no GPU."""

    log: list = []
    threads = 1
    rule = "env_imports"
    resources = None


def _calls_start(node: ast.stmt) -> bool:
    """``start(snakemake)`` or ``log = start(snakemake)``: the job's set-up runs too (it may import)."""
    value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "start")


def main() -> None:
    script, allowed = sys.argv[1], set(filter(None, sys.argv[2].split(",")))
    sys.path.insert(0, str(ROOT / "src"))
    sys.meta_path.insert(0, Blocker(allowed))
    tree = ast.parse(Path(script).read_text())
    imports = [node for node in tree.body
               if isinstance(node, ast.Import | ast.ImportFrom) or _calls_start(node)]
    code = compile(ast.Module(body=imports, type_ignores=[]), script, "exec")
    exec(code, {"__name__": "__snakemake_script__", "__file__": script, "snakemake": _FakeJob()})  # noqa: S102
    if len(sys.argv) > 3:
        from nnlandscape.figures import registry

        registry.drawing_function(sys.argv[3])
    print("loaded:", " ".join(sorted({m.partition(".")[0] for m in sys.modules})))


if __name__ == "__main__":
    main()
