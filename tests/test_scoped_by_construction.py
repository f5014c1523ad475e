"""Scope by construction (issue 27): the shell reads data only through the one scoped accessor.

A page or a ui module gets the dataset, the plan store and the reports on them from ``ui.scoped.view()`` (a
:class:`planning.access.ScopedView`), never from ``ui.state.dataset()``, ``ui.state.raw_store()`` or the
session's ``ui.state.store()``, and never calls a core report that takes a plan or the dataset (disruption,
compare, quotas, comp cost, books, CRM changes, ...) itself: the view calls it with the user.

Checked on the source (every file under pages/, ui/ and cli/, app.py and navigation.py), so a new page or module is
covered without touching this file.  Any reference counts, called or not, however ``ui.state`` was imported or renamed.  The
allow-lists name the modules that legitimately build the accessor or load data, and the modules whose owners are
converting them right now (``TODO(owner) converting``); an entry that is no longer needed fails too, so the list
only shrinks.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATE = "ui.state"
UNSCOPED = frozenset({"dataset", "raw_store", "store"})  # ui.state's unscoped reads

# module → the unscoped reads it may make, and why
ALLOWED: dict[str, frozenset[str]] = {
    # the session's dataset and plan store themselves (state.store() is UserStore(raw_store(), user))
    "ui/state.py": frozenset({"raw_store"}),
    # builds the accessor: ScopedView(user, state.dataset(), state.raw_store())
    "ui/scoped.py": frozenset({"dataset", "raw_store"}),
    # sign-in: the user directory is read before there is a user to scope anything to
    "ui/access.py": frozenset({"raw_store"}),
}

# core functions that take a plan or the dataset: a shell reaches them through ScopedView
REPORTS: dict[str, frozenset[str]] = {
    "planning.plans": frozenset({"disruption", "compare_plans", "compare_capacity", "plan_summary", "metrics",
                                 "detect_changes", "publish_plan", "plan_managers", "target_teams"}),
    "planning.compensation": frozenset({"quota_for_plan", "simulate_cost", "compare_variants"}),
    "planning.access": frozenset({"scope_dataset", "scoped_changes"}),
}
REPORTS_ALLOWED: dict[str, frozenset[str]] = {}


def _shell_files() -> list[Path]:
    files = [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py")),
             *sorted((ROOT / "cli").glob("*.py"))]  # the CLI is a shell too: its commands reach data as pages do
    return files + [ROOT / "app.py", ROOT / "navigation.py"]


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def unscoped_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every reference to ui.state's unscoped reads in ``source``, and every bare raw_store."""
    tree = ast.parse(source)
    modules = {STATE}  # names bound to the ui.state module
    direct: dict[str, str] = {}  # local name → the ui.state function it is
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == STATE and a.asname:
                    modules.add(a.asname)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            for a in node.names:
                if node.module == "ui" and a.name == "state":
                    modules.add(a.asname or "state")
                elif node.module == STATE and a.name in UNSCOPED:
                    direct[a.asname or a.name] = a.name
                    out.append((node.lineno, f"from ui.state import {a.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in UNSCOPED:
            owner = _dotted(node.value)
            if owner in modules:
                out.append((node.lineno, f"state.{node.attr}"))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in direct:
                out.append((node.lineno, f"state.{direct[node.id]}"))
            elif node.id == "raw_store":
                out.append((node.lineno, "state.raw_store"))
    return sorted(set(out))


def report_imports(source: str) -> list[tuple[int, str]]:
    """(line, name) for every core report imported from planning (any submodule of the packages in REPORTS)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            pkg = next((p for p in REPORTS if node.module == p or node.module.startswith(p + ".")), None)
            if pkg:
                out += [(node.lineno, a.name) for a in node.names if a.name in REPORTS[pkg]]
    return sorted(out)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _found(scan) -> dict[str, list[tuple[int, str]]]:
    return {_rel(p): hits for p in _shell_files() if (hits := scan(p.read_text(encoding="utf-8")))}


def _kind(what: str) -> str:
    return what.rsplit(".", 1)[-1].split()[-1]


def test_no_shell_module_reads_the_unscoped_dataset_or_store():
    bad = [f"{mod}:{line}: {what}" for mod, hits in _found(unscoped_reads).items() for line, what in hits
           if _kind(what) not in ALLOWED.get(mod, frozenset())]
    assert not bad, ("read through ui.scoped.view() (view.dataset, view.store, view.load_plan, view.disruption, "
                     "...) instead of:\n  " + "\n  ".join(bad))


def test_no_shell_module_calls_a_core_report_itself():
    bad = [f"{mod}:{line}: imports {name}" for mod, hits in _found(report_imports).items() for line, name in hits
           if name not in REPORTS_ALLOWED.get(mod, frozenset())]
    assert not bad, "call the report through ScopedView (it passes the user):\n  " + "\n  ".join(bad)


def test_the_allow_lists_only_shrink():
    """An allowed read that a module no longer makes is a stale entry: remove it (converted pages leave the list)."""
    reads, reports = _found(unscoped_reads), _found(report_imports)
    stale = [f"ALLOWED {mod}: {k}" for mod, kinds in ALLOWED.items() for k in sorted(kinds)
             if k not in {_kind(w) for _l, w in reads.get(mod, [])}]
    stale += [f"REPORTS_ALLOWED {mod}: {k}" for mod, names in REPORTS_ALLOWED.items() for k in sorted(names)
              if k not in {n for _l, n in reports.get(mod, [])}]
    assert not stale, "no longer needed, remove from tests/test_scoped_by_construction.py:\n  " + "\n  ".join(stale)


def test_the_report_list_names_real_core_functions():
    import importlib

    missing = [f"{pkg}.{n}" for pkg, names in REPORTS.items() for n in sorted(names)
               if not hasattr(importlib.import_module(pkg), n)]
    assert not missing


@pytest.mark.parametrize(("source", "expected"), [
    ("from ui import state\nds = state.dataset()\n", [(2, "state.dataset")]),
    ("from ui import state as s\ndef f():\n    return s.store().list_plans()\n", [(3, "state.store")]),
    ("import ui.state\nx = ui.state.raw_store()\n", [(2, "state.raw_store")]),
    ("import ui.state as us\nget = us.dataset\n", [(2, "state.dataset")]),
    ("from ui.state import dataset as d\nds = d()\n", [(1, "from ui.state import dataset"), (2, "state.dataset")]),
    ("from ui.state import raw_store\n", [(1, "from ui.state import raw_store")]),
    ("def f(raw_store):\n    return raw_store()\n", [(2, "state.raw_store")]),
    # what pages may do: the accessor, the session's plans, the data version; another object's .store / .dataset
    ("from ui import scoped, state\nv = scoped.view()\nds, st_ = v.dataset, v.store\n"
     "p = state.session_plans()\nk = state.dataset_version()\nstate.add_plan(p)\n", []),
])
def test_the_scanner_sees_every_way_of_reading_unscoped(source, expected):
    assert unscoped_reads(source) == expected


def test_the_scanner_sees_a_core_report_imported():
    src = ("from planning.plans import StoreError, disruption\n"
           "def f():\n    from planning.compensation.cost_sim import simulate_cost\n"
           "from planning.access import Permission, scope_dataset\n")
    assert report_imports(src) == [(1, "disruption"), (3, "simulate_cost"), (4, "scope_dataset")]
