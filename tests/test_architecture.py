"""The import graph runs one way: shells (pages/, ui/, app.py, navigation.py, cli/) → jobs/ → optimizers/ →
planning/.

Checked on the source text (every import statement, including those inside functions), so a lazy import
cannot hide an arrow that runs back up.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
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


def _module_imports(path: Path) -> set[str]:
    """Every module an import statement of ``path`` names, in full (``from a.b import c`` names ``a.b``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_the_carve_package_never_imports_the_contiguity_model():
    """The contiguity model imports the carve's model, settings and budget; the carve receives it as a stage object
    (optimizers.carve.contiguity_stage), wired in by optimizers.territory_carve: an arrow back would be a cycle."""
    bad = [f"{p.relative_to(ROOT).as_posix()} imports {m}" for p in sorted((ROOT / "optimizers/carve").glob("*.py"))
           for m in sorted(_module_imports(p)) if m.split(".")[:2] in (["optimizers", "contiguity"],
                                                                      ["optimizers", "territory_carve"])]
    assert bad == []


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
    (pkg / "long.py").write_text(f"def register(app):\n    @app.command()\n    def cmd():\n{body}\n"
                                 "\ndef ok():\n    pass\n")
    assert _long_functions(tmp_path, ("cli",)) == ["cli/long.py:1 register (92 lines)", "cli/long.py:3 cmd (91 lines)"]


# The carve package's docstring and the README's architecture section list the real modules (issue 23 item 8): one
# line each, four spaces, the module's name, two or more spaces, what it holds.
def _modules_of(package: str) -> list[str]:
    return sorted(p.stem for p in (ROOT / package).glob("*.py") if p.stem != "__init__")


def _listed(text: str) -> list[str]:
    return sorted(re.findall(r"^    ([a-z_][a-z0-9_]*) {2,}\S", text, flags=re.M))


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def _listing_problems(listed: list[str], modules: list[str]) -> dict[str, list[str]]:
    return {"not listed": sorted(set(modules) - set(listed)),
            "listed but no such module": sorted(set(listed) - set(modules)),
            "listed twice": sorted(m for m, n in Counter(listed).items() if n > 1)}


NO_PROBLEMS = {"not listed": [], "listed but no such module": [], "listed twice": []}


def test_the_carve_package_docstring_lists_every_module_once():
    import optimizers.carve

    doc = _between(optimizers.carve.__doc__, "Modules, the engine", "Outside the engine")
    assert _listing_problems(_listed(doc), _modules_of("optimizers/carve")) == NO_PROBLEMS


def test_the_contiguity_package_docstring_lists_every_module_once():
    import optimizers.contiguity

    doc = optimizers.contiguity.__doc__[optimizers.contiguity.__doc__.index("Modules"):]
    assert _listing_problems(_listed(doc), _modules_of("optimizers/contiguity")) == NO_PROBLEMS


def test_the_readme_lists_every_carve_contiguity_and_jobs_module_once():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    carve = _between(readme, "\n  carve/ ", "\n  contiguity/ ")
    contiguity = _between(readme, "\n  contiguity/ ", "\n  instances/ ")
    jobs = _between(readme, "\njobs/ ", "\nplanning/ ")
    assert _listing_problems(_listed(carve), _modules_of("optimizers/carve")) == NO_PROBLEMS
    assert _listing_problems(_listed(contiguity), _modules_of("optimizers/contiguity")) == NO_PROBLEMS
    assert _listing_problems(_listed(jobs), _modules_of("jobs")) == NO_PROBLEMS


def test_the_module_listing_check_sees_a_missing_a_stale_and_a_doubled_module():
    text = "Modules:\n\n    solve     entry points\n    gone      was deleted\n    solve     again\n"
    assert _listing_problems(_listed(text), ["model", "solve"]) == {
        "not listed": ["model"], "listed but no such module": ["gone"], "listed twice": ["solve"]}


def test_the_readme_names_every_module_of_the_planning_packages():
    """planning/'s packages are described in prose (their own docstrings list every public name by module)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    words = set(re.findall(r"[a-z_]+", _between(readme, "## Architecture", "## Tests and benchmarks")))
    packages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "planning").iterdir()
                      if (p / "__init__.py").exists())
    assert [f"{pkg}/{m}.py" for pkg in packages for m in _modules_of(pkg) if m not in words] == []
