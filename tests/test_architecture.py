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
