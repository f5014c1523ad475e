"""The server loads every page's code in the background once its first run has ended (ui.page_preload): which
modules, that it waits while a script runs, and that AppTest and the off switch start nothing."""
from __future__ import annotations

import threading
import time

from ui import page_preload


def test_page_imports_lists_each_pages_top_level_imports_once():
    found = dict(page_preload.page_imports())
    assert "quota_reports" in found["ui"] and "capacity_report" in found["ui"]
    assert "planning.compensation" in found and "QuotaError" in found["planning.compensation"]
    assert "ui.carve_curve" in found and "ui.carve_results" in found
    assert len(found) == len(page_preload.page_imports())  # each module once


_MADE: list[str] = []


def _fake_entries():
    """An entry step made of three entries (as ui.quota_warm.warm_steps)."""
    for name in ("a", "b", "c"):
        _MADE.append(name)
        yield name


def _failing_entry():
    raise RuntimeError("no store")


def test_entry_steps_wait_for_a_quiet_server_before_each_entry(monkeypatch):
    waits: list = []
    _MADE.clear()
    import sys
    import types

    monkeypatch.setitem(sys.modules, "fake_entries", types.SimpleNamespace(fail=_failing_entry, make=_fake_entries))
    monkeypatch.setattr(page_preload, "ENTRY_STEPS", ("fake_entries:fail", "fake_entries:make"))
    page_preload._make_entries(lambda *a: waits.append(len(_MADE)))
    # one wait before each step; after each entry of a step made of several, one more before the next
    assert _MADE == ["a", "b", "c"] and waits == [0, 0, 1, 2, 3]
    assert set(page_preload.ENTRY_STEPS) <= set(page_preload.report)  # the failing one too: logged, not raised


def test_preload_loads_them_and_the_lazily_lent_names(monkeypatch):
    monkeypatch.setattr(page_preload, "ENTRY_STEPS", ())  # the entries have tests of their own
    waits, frozen = [], []
    page_preload.report.clear()
    # on a thread of its own, as in the server: preload lowers its own thread's priority, which would otherwise stay
    # on this test process's main thread (and a later test's priority comparison with it)
    t = threading.Thread(target=page_preload.preload, kwargs={"wait": lambda *a: waits.append(a),
                                                               "freeze": lambda: frozen.append(len(waits))})
    t.start()
    t.join(120)
    modules = [m for m, _ in page_preload.page_imports()]
    assert set(page_preload.report) == set(modules) | set(page_preload.LIBRARY_STEPS)
    steps = page_preload.units(page_preload.page_imports())
    # the first, longer wait, one before each step with something left to load, one before Altair's set-up, one
    # before the freeze
    assert 3 <= len(waits) <= len(steps) + 3
    assert all(page_preload._loaded(m, n) for m, n in steps if m not in page_preload.LIBRARY_STEPS)
    assert frozen == [len(waits)]  # frozen once, last: after every import it keeps out of the collections
    import sys

    assert "planning.compensation.quota" in sys.modules and "altair" in sys.modules


def _preload_fake_steps(monkeypatch, seconds: dict) -> tuple[list, list]:
    """Run preload over fake steps ("m0", "m1", ...; ``seconds``: a step's load time, else none) → (steps loaded, the
    step count loaded when each wait came), on a thread of its own as in the server."""
    steps = [(f"m{i}", None) for i in range(20)]
    loaded, waits = [], []
    monkeypatch.setattr(page_preload, "ENTRY_STEPS", ())
    monkeypatch.setattr(page_preload, "units", lambda imports: steps)
    monkeypatch.setattr(page_preload, "_loaded", lambda m, n: False)
    monkeypatch.setattr(page_preload, "_load", lambda m, n: (time.sleep(seconds.get(m, 0.0)), loaded.append(m)))
    t = threading.Thread(target=page_preload.preload, kwargs={"wait": lambda *a: waits.append(len(loaded)),
                                                               "freeze": lambda: None})
    t.start()
    t.join(60)
    return loaded, waits


def test_quick_steps_run_as_one_batch_after_a_wait_and_a_long_one_ends_the_batch(monkeypatch):
    """~110 of the real steps are names whose module is loaded already (~0 ms): one wait before each of them made
    the preload take seconds of the server's first quiet moments, and the pages' entries came too late."""
    loaded, waits = _preload_fake_steps(monkeypatch, {})
    assert len(loaded) == 20
    assert waits == [0, 20, 20]  # the first wait, then every step in one batch, then Altair's set-up and the freeze
    loaded, waits = _preload_fake_steps(monkeypatch, {"m4": page_preload.BATCH_S + 0.02})
    assert waits == [0, 5, 20, 20]  # the batch ends after the step that outlasted it: a wait before the next one


def test_steps_are_each_module_then_each_of_its_names_after_the_libraries():
    steps = page_preload.units([("ui", ("quota_reports", "scoped")), ("planning.compensation", ())])
    libs = [(lib, None) for lib in page_preload.LIBRARY_STEPS]
    assert steps == [*libs, ("ui", None), ("ui", "quota_reports"), ("ui", "scoped"), ("planning.compensation", None)]


def test_a_step_already_loaded_is_skipped_without_a_wait():
    import sys

    assert page_preload._loaded("json", None) and page_preload._loaded("json", "dumps")
    assert not page_preload._loaded("json", "no_such_name")
    assert not page_preload._loaded("no_such_module_here", None)
    assert "no_such_module_here" not in sys.modules


def test_waits_while_a_script_runs():
    stop = threading.Event()
    runner = threading.Thread(target=stop.wait, name="ScriptRunner.scriptThread", daemon=True)
    runner.start()
    waited = threading.Event()
    t = threading.Thread(target=lambda: (page_preload._wait_for_quiet(0.05), waited.set()), daemon=True)
    t.start()
    time.sleep(0.3)
    assert not waited.is_set()  # a run is going on
    stop.set()
    assert waited.wait(5)


def test_no_runtime_or_switched_off_starts_nothing(monkeypatch):
    # a fresh once-per-process state: an earlier test in this process may have started a real server's preload
    monkeypatch.setattr(page_preload, "_started", threading.Lock())
    monkeypatch.setattr(page_preload, "_running", [])
    page_preload.start_once()  # no streamlit runtime here (as under AppTest)
    assert not page_preload._running
    from streamlit import runtime

    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setenv("PLANNER_PAGE_PRELOAD", "0")
    page_preload.start_once()
    assert not page_preload._running
