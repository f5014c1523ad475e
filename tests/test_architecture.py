"""The import graph runs one way: shells (pages/, ui/, app.py, navigation.py, cli/) → jobs/ → optimizers/ →
planning/.

Checked on the source text (every import statement, including those inside functions), so a lazy import
cannot hide an arrow that runs back up.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHELLS = {"pages", "ui", "app", "navigation", "cli", "streamlit"}
# planning/__main__.py is the one sanctioned exception: `python -m planning` forwards to the CLI shell
ALLOWED = {("planning/__main__.py", "cli")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def _violations(package: str, forbidden: set[str]) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for top in sorted(_imports(path) & forbidden):
            if (rel, top) not in ALLOWED:
                bad.append(f"{rel} imports {top}")
    return bad


@pytest.mark.parametrize("package, forbidden", [
    ("planning", SHELLS | {"optimizers", "jobs"}),
    ("optimizers", SHELLS | {"jobs"}),
])
def test_imports_run_one_way(package, forbidden):
    assert _violations(package, forbidden) == []


def test_jobs_layer_imports_no_shell():
    if not (ROOT / "jobs").is_dir():
        pytest.skip("no jobs/ package")
    assert _violations("jobs", SHELLS) == []


def test_the_checker_sees_a_backward_arrow(tmp_path, monkeypatch):
    pkg = tmp_path / "planning"
    pkg.mkdir()
    (pkg / "bad.py").write_text("def f():\n    import streamlit as st\n    from optimizers.carve import carve\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _violations("planning", SHELLS | {"optimizers"}) == ["planning/bad.py imports optimizers",
                                                                 "planning/bad.py imports streamlit"]


def test_every_public_name_is_importable_from_its_package():
    """Each package's lazy __init__ lists every public name of its modules (fix: python scripts/mkinit.py)."""
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import mkinit
    finally:
        sys.path.pop(0)
    for rel in mkinit.PACKAGES:
        package = importlib.import_module(rel.replace("/", "."))
        expected = mkinit.table(ROOT / rel)
        assert package._PUBLIC == expected, f"{rel}/__init__.py is stale: run python scripts/mkinit.py"


# Functions stay under about 80 lines (the developers' guide; issue 23 item 8); 90 leaves a little slack, so that
# one more line does not fail the build while a function that has grown a second job does.
MAX_FUNCTION_LINES = 90
SIZED = ("planning", "optimizers", "jobs", "cli", "ui", "pages")


def _long_functions(root: Path, packages=SIZED, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Every function (nested ones too, and a function with its nested ones) over ``limit`` lines, decorators
    included."""
    out = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    if node.end_lineno - first + 1 > limit:
                        out.append(f"{path.relative_to(root).as_posix()}:{node.lineno} {node.name} "
                                   f"({node.end_lineno - first + 1} lines)")
    return out


def test_no_function_is_over_about_80_lines():
    assert _long_functions(ROOT) == [], "split it into functions named for what they hold"


def test_the_size_check_sees_a_long_function_nested_in_a_short_file(tmp_path):
    pkg = tmp_path / "cli"
    pkg.mkdir()
    body = "".join(f"        x{i} = {i}\n" for i in range(89))
    (pkg / "long.py").write_text(f"def register(app):\n    @app.command()\n    def cmd():\n{body}\n\ndef ok():\n    pass\n")
    assert _long_functions(tmp_path, ("cli",)) == ["cli/long.py:1 register (92 lines)", "cli/long.py:3 cmd (91 lines)"]
