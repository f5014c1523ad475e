"""Server-start warm-up: what the first page after ``streamlit run app.py`` needs is made ready while the browser
is still loading Streamlit's JavaScript (about a second in which the server sits idle).

Without it the first session's first script run pays, in order: importing pandas and the Data page's modules
(~0.6 s), reading the sample company from its pickle (0.1 s), the Data page's first entries (from disk), and for
the sidebar's working-plan picker SQLAlchemy, the plan store module, opening the store and seeding the sample's
draft (~0.3 s).  :func:`lifespan` (app.py's ``st.App`` hook) starts :func:`warm_up` in a daemon thread and returns
at once, so the server answers its health check as soon as before; a session that connects before the warm-up is
done simply waits on the same import lock or cache entry instead of doing the work twice.

The warm-up changes nothing a page could not do itself: it only fills the process's shared caches
(``st.cache_resource``) and imports modules.  A failure anywhere is logged and ends the warm-up; the server keeps
running and the first page does that work itself, as it would without a warm-up."""
from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
import threading
import time
from contextlib import asynccontextmanager

from streamlit.logger import get_logger

_LOG = get_logger(__name__)  # Streamlit's handler and level: the server's console says what the warm-up did
THREAD = "planner-warm-up"


class _NoContextWarning(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning for the warm-up and page-preload threads alone: they
    fill shared caches outside any session on purpose (the warning is for code that meant to draw)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName not in (THREAD, "planner-page-preload")  # ui.page_preload.THREAD


_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"
_FILTER = _NoContextWarning()


def quiet_no_context_warning() -> None:
    """Install the filter on Streamlit's context logger (once)."""
    logger = logging.getLogger(_CONTEXT_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)

# What each step took (seconds on perf_counter), or the exception that ended the warm-up: read by the tests.
report: dict[str, object] = {}
done = threading.Event()


# The modules the first page (Data) and every page's sidebar import, pandas and the data layer first.
FIRST_PAGE_MODULES = ("pandas", "planning.data", "planning.plans", "planning.reporting", "planning.reporting.figures",
                      "planning.reporting.formats", "ui.state", "ui.scoped", "ui.data_page", "ui.data_load",
                      "ui.guards", "ui.tables", "ui.widgets", "ui.working_plan", "planning.plans.picking",
                      "planning.plans.store")


def _import_page_modules() -> None:
    """Each of the first page's modules, then the first-element check again for the modules it brought in: the
    first session's run often draws its title while these imports still go on, and its check then resolves only
    what the import under way has loaded so far, not all of pandas and SQLAlchemy (0.3 s of the cold start's first
    run when the check came only after the last import: cProfile in the server, 2026-12-03)."""
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)
        _first_element_check()


def _first_element_check() -> None:
    """Make Streamlit's once-per-process check on the first element drawn cheap: it asks whether it runs in a REPL
    with ``inspect.stack()``, whose first call resolves the file of every loaded module (0.1-0.4 s once pandas and
    SQLAlchemy are in; inspect keeps what it resolved, and later calls resolve only modules new since, in
    milliseconds).  Done first, for the ~1,000 modules of Streamlit and its server, and after each of the first
    page's imports, it takes that work off the first page's path.  Only the standard library's public API: a
    Streamlit that checks another way, or not at all, changes nothing here."""
    inspect.stack()


def _sample():
    from ui import state

    state.shared_sample()


def _data_entries() -> None:
    """The Data page's headline figures and validation report for the local user's scope (sign-in off)."""
    from planning.access import ScopedView, local_user
    from ui import access, data_page, sample_entries, state

    if access.auth_configured():  # a signed-in user's scope is not known before they sign in
        return
    view = ScopedView(local_user(), state.shared_sample(), None)
    key = ("sample", sample_entries.scope_of(view.user))
    data_page.headline(*key, view)
    data_page.validation(*key, view)


def _plan_store() -> None:
    """The shared plan store opened and the sample's draft seeded, then the sidebar's working-plan list worked out
    once (today's plan, each saved plan's account ids and fit: read once per process and kept)."""
    from planning.access import ScopedView, local_user
    from planning.plans import available_plans
    from ui import state

    sample, store = state.shared_sample(), state.shared_store()
    state.seed_sample(store, sample)
    view = ScopedView(local_user(), sample, store)
    today = sample.current_plan()
    available_plans({today.name: today}, view.store, view.fit_check)


def _freeze_what_lives_forever() -> None:
    """Move every object alive now (modules, the sample, the shared caches: kept for the server's life) out of the
    garbage collector's reach.  Streamlit runs a full collection after every script run (``runner.postScriptGC``),
    which walked all of them each time: 70–100 ms of every page's run on this server, holding the GIL for the other
    sessions too (py-spy during upload_bench, 2026-12-02: half the script thread's samples).  Frozen, a collection
    walks only what the sessions made since (~0.0 ms against ~40 ms for this process's 112,000 tracked objects).
    The page preload and each page's first run freeze again what they load (ui/long_lived.py)."""
    from ui.long_lived import freeze

    freeze()  # what is garbage already goes first, so nothing dead is frozen


def _steps():
    """(name, callable) in the order the first script run needs them; the freeze last, after what it keeps."""
    return [("first element", _first_element_check), ("imports", _import_page_modules), ("sample", _sample),
            ("data page", _data_entries), ("plan store", _plan_store), ("gc freeze", _freeze_what_lives_forever)]


# While the warm-up runs, the server's event loop must still hand out Streamlit's JavaScript at once: a thread busy
# importing holds the GIL for the interpreter's switch interval (5 ms) each time the loop wants it back, which
# slowed the browser's load by ~0.35 s.  A shorter interval and a lower OS priority for this thread alone keep the
# loop (and the browser, on a 2-core machine) ahead of it; both are restored or end with the thread.
_SWITCH_INTERVAL_S = 0.0005
_NICENESS = 10


def _yield_to_the_server() -> float:
    """Lower this thread's priority (Linux: a thread is a task) and shorten the GIL switch interval; returns the
    interval to restore."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICENESS)
    except (AttributeError, OSError):  # not Linux, or not permitted: the warm-up runs at the server's priority
        pass
    before = sys.getswitchinterval()
    sys.setswitchinterval(_SWITCH_INTERVAL_S)
    return before


def warm_up() -> None:
    """Run every step once; record each one's seconds in :data:`report` (or the error that stopped it)."""
    t0 = time.perf_counter()
    interval = _yield_to_the_server()
    try:
        for name, step in _steps():
            t = time.perf_counter()
            step()
            report[name] = time.perf_counter() - t
        _LOG.info("server warm-up done in %.2f s (%s)", time.perf_counter() - t0,
                  ", ".join(f"{k} {v:.2f} s" for k, v in report.items()))
    except Exception as exc:  # noqa: BLE001 - never the server's problem: the first page does the work itself
        report["error"] = exc
        _LOG.warning("server warm-up stopped early (the first page will load what it needs): %r", exc)
    finally:
        sys.setswitchinterval(interval)
        done.set()


def start() -> threading.Thread:
    """Start :func:`warm_up` in a daemon thread (it never holds the server up, nor its shutdown)."""
    quiet_no_context_warning()
    thread = threading.Thread(target=warm_up, name=THREAD, daemon=True)
    thread.start()
    return thread


@asynccontextmanager
async def lifespan(_app):
    """``st.App``'s lifespan hook: start the warm-up and serve at once."""
    start()
    yield
