"""Every page's code loaded in the background once the server has drawn its first page, while nobody waits for it.

A page's first open in a server process paid for importing its code: Altair and its Vega-Lite schema, SciPy, HiGHS
and PuLP for the optimizers, the capacity, quota and carve modules (about 0.4-0.9 s each for Capacity Scenarios,
Quota and Comp and Carve against 0.3-0.7 s for their second open, page_bench 2026-12-02).  None of that depends on
the user or their data, so the server loads it once: after the first script run has ended, a daemon thread at a
low priority imports each page's top-level imports (and the names a ``planning`` package lends out lazily), in
short batches of steps (a module, or one name it lends; :data:`BATCH_S`) and only while no script run is going on,
so a page a user opens never waits behind it for longer than one batch.  A page that needs a module being loaded
waits on Python's import lock and gets it when it is ready, as it would have loaded it itself.

Then it freezes what it loaded (:mod:`ui.long_lived`): the pages' modules are ~100,000 objects the collector
tracks, which the full collection Streamlit runs after every script run would otherwise walk each time.

Then, the same way, it makes the cross-session cache entries the first open of Capacity Scenarios, Quota and Comp,
Finance, Disruption, Compare and Territories reads on the sample company for the local user (:data:`ENTRY_STEPS`):
the one user whose scope is known before anyone signs in, so nothing is made when sign-in is on, and every entry
stays keyed by the scope it was made for (issue 27).

Only under a real server (``streamlit run``): AppTest has no runtime, and the tests that count what the first page
imports start none.  ``PLANNER_PAGE_PRELOAD=0`` turns it off."""
from __future__ import annotations

import ast
import importlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from streamlit.logger import get_logger

from ui.server_quiet import script_running, wait_for_quiet

_LOG = get_logger(__name__)
THREAD = "planner-page-preload"
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
# No script run for this long before each step: a run that just ended has sent its page, and a click just now is
# served first.  Short, because between clicks a person (or page_bench) leaves the server idle in gaps of 0.2-0.5 s,
# and at 0.25 s the preload found almost none: in page_bench it had loaded 3 of 35 modules when Carve opened, 2.6 s
# after the first page, so Carve, Capacity and Quota paid their imports themselves (2026-12-03).
QUIET_S = 0.05
# Steps run back to back, without a wait, until this much time has gone since the last wait (or a script run
# starts): most steps are a name a package lends out whose module is loaded already (~0.0 ms), and one wait of
# QUIET_S (or more, while a page runs) before each of them made the ~110 such steps take ~7 s of the server's
# first quiet moments, so in page_bench the entries below were made only after Disruption and Compare had opened
# (15:12, 2026-12-03).  A click still waits behind one batch at most: this plus its last step.
BATCH_S = 0.05
FIRST_QUIET_S = 0.5  # before the first step: the browser is still fetching the first page's element code
# The libraries behind the pages' biggest imports, each a step of its own before the pages' modules pull them in
# whole (Altair ~0.4 s, SciPy's sparse graphs and linear algebra for the carve ~0.3 s, python -X importtime): no
# step is much longer than ~0.15 s, so a click that arrives during one waits little.  A name a library no longer
# has is skipped.
LIBRARY_STEPS = ("jsonschema", "narwhals.stable.v1", "altair.utils", "altair.vegalite.v6.schema.core",
                 "altair.vegalite.v6.schema.channels", "altair.datasets", "altair", "scipy.sparse", "scipy.linalg",
                 "scipy.sparse.csgraph", "highspy", "pulp")
# Entries a page's first open reads from a cache shared by every session, made once the code is loaded, for a
# scope known before anyone signs in: "module:function"; a function that returns an iterator makes one entry per
# item, with a wait for a quiet server before each next one.
# In the sidebar's order of their pages (Capacity Scenarios, Quota and Comp and Finance, Disruption, Compare,
# Territories), the order page_bench opens them in; on the sample each is read from disk in milliseconds once a
# process has made it.
ENTRY_STEPS = ("ui.capacity_warm:warm_steps", "ui.quota_warm:warm_steps", "ui.plan_reports:warm_default_disruption",
               "ui.plan_reports:warm_default_comparison", "ui.territory_reports:warm_default_definitions")
_started = threading.Lock()
_running: list[threading.Thread] = []
report: dict[str, float] = {}  # module (or entry step) → seconds it took here (read by the tests)


def page_imports(pages_dir: Path = PAGES_DIR) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names imported from it) for each top-level import of every page, in page order, each module once."""
    seen: dict[str, set[str]] = {}
    for path in sorted(pages_dir.glob("[0-9]*_*.py"), key=lambda p: int(p.stem.split("_")[0])):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    seen.setdefault(alias.name, set())
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                seen.setdefault(node.module, set()).update(a.name for a in node.names if a.name != "*")
    return [(module, tuple(sorted(names))) for module, names in seen.items()]


def _wait_for_quiet(quiet_s: float = QUIET_S) -> None:
    """Until no script run has been going on for ``quiet_s`` (:func:`ui.server_quiet.wait_for_quiet`)."""
    wait_for_quiet(quiet_s)


def units(imports: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, str | None]]:
    """(module, name) steps: each module alone, then each name imported from it alone (None: the module itself).

    One step is what a click may have to wait behind, so the names a package lends out (``from ui import
    quota_reports, capacity_report, ...``: every page's shell code, ~0.4-0.6 s together) are loaded one by one."""
    return [*((lib, None) for lib in LIBRARY_STEPS),
            *((module, name) for module, names in imports for name in (None, *names))]


def _loaded(module: str, name: str | None) -> bool:
    """Whether the step has nothing left to do: the module, and the name when one is asked for, already there (a
    step an earlier one loaded then costs no wait: ~190 steps at one short wait each would take seconds)."""
    mod = sys.modules.get(module)
    if mod is None or getattr(getattr(mod, "__spec__", None), "_initializing", False):
        return False
    return name is None or name in vars(mod) or f"{module}.{name}" in sys.modules


def _load(module: str, name: str | None) -> None:
    mod = importlib.import_module(module)
    if name is None:
        return
    try:  # a lazily lent name (planning.lazy) or a submodule loads on first access
        getattr(mod, name)
    except AttributeError:
        try:
            importlib.import_module(f"{module}.{name}")
        except ImportError:
            pass


def preload(pages_dir: Path = PAGES_DIR, wait=_wait_for_quiet, freeze=None) -> None:
    """Import every page's imports, in batches of :data:`BATCH_S` each after ``wait()``; a module that fails is
    logged and skipped.  Then ``freeze()`` (default: :func:`ui.long_lived.freeze`) after one more wait, then the
    entries of :data:`ENTRY_STEPS`.  :data:`report` holds each module's and entry step's seconds."""
    from ui.long_lived import freeze as freeze_loaded
    from ui.warm_up import _yield_to_the_server  # the warm-up's lower priority and short GIL switch interval

    interval = _yield_to_the_server()
    failed: set[str] = set()
    try:
        steps = units(page_imports(pages_dir))  # parsed before the wait: the first batch's time is for loading
        wait(FIRST_QUIET_S)
        batch_end = time.perf_counter() + BATCH_S
        for module, name in steps:
            if _loaded(module, name):
                report.setdefault(module, 0.0)
                continue
            if time.perf_counter() >= batch_end or script_running():
                wait()
                batch_end = time.perf_counter() + BATCH_S
            t = time.perf_counter()
            if module not in failed:
                try:
                    _load(module, name)
                except Exception as exc:  # noqa: BLE001 - the page loads it itself and shows its own error
                    failed.add(module)
                    if module not in LIBRARY_STEPS:
                        _LOG.warning("page preload: %s not loaded: %r", module, exc)
            report[module] = report.get(module, 0.0) + time.perf_counter() - t
        wait()
        from ui.charts import altair_module

        altair_module()  # Altair's one-time set-up (schema tables), as the first chart would do it
        wait()
        (freeze or freeze_loaded)()  # what was just loaded lives as long as the server: out of every collection
        _make_entries(wait)  # after the freeze: what a page open needs next is loaded and out of the collections
    finally:
        sys.setswitchinterval(interval)
    _LOG.info("page preload done: %d steps in %.2f s", len(report), sum(report.values()))


def _make_entries(wait) -> None:
    """Each of :data:`ENTRY_STEPS` after ``wait()``; one that fails is logged and the page makes its entry itself."""
    for step in ENTRY_STEPS:
        wait()
        module, func = step.split(":")
        t = time.perf_counter()
        try:
            made = getattr(importlib.import_module(module), func)()
            if isinstance(made, Iterator):  # entries made one by one: a quiet server before each next one
                for _entry in made:
                    wait()
        except Exception as exc:  # noqa: BLE001 - never the server's problem: the page computes it on first open
            _LOG.warning("page preload: %s not made: %r", step, exc)
        report[step] = time.perf_counter() - t


def wait_done() -> None:
    """Return once this process's preload has ended (at once when none was started)."""
    for thread in list(_running):
        thread.join()


def start_once() -> None:
    """Start :func:`preload` in a daemon thread, once per server process (a no-op under AppTest or when off)."""
    from streamlit import runtime

    if not runtime.exists() or os.environ.get("PLANNER_PAGE_PRELOAD", "1") == "0":
        return
    if not _started.acquire(blocking=False):
        return
    from ui.warm_up import quiet_no_context_warning

    quiet_no_context_warning()  # the entries fill shared caches outside any session on purpose
    thread = threading.Thread(target=preload, name=THREAD, daemon=True)
    thread.start()
    _running.append(thread)
