"""Keeping what lives as long as the server out of the full garbage collection Streamlit runs after every script run.

Streamlit ends every script run with ``gc.collect(2)`` (``runner.postScriptGC``), which walks every object the
collector tracks and holds the interpreter while it does, so every other session's run waits too.  Most of those
objects live as long as the server: the modules a page imports (functions, classes, Altair's schema: ~100,000 for
this app's pages) and the caches filled on a page's first run.  Left in the collector's reach they made that
collection 50-170 ms of every page open on the 2-core server, and longer while another user's upload kept the
cores busy (benchmarks/upload_bench.py with a log of every collection, 2026-12-03: ~105,000 objects tracked,
60-190 ms each).

``gc.freeze()`` moves every object alive into a generation the collector never walks.  It is done after a
collection (so nothing already dead is kept), at three moments: the server's warm-up (ui/warm_up.py), the page
preload once it has imported every page's modules (ui/page_preload.py), and here, at the end of each page's first
run in the process, which imports that page's modules when the preload has not yet (a server busy from its start
never gives the preload a quiet moment).  The collection done here is the one Streamlit would do right after
anyway, which then finds almost nothing to walk.

The cost is bounded: a frozen object is still freed when its last reference goes; only a reference cycle that
becomes garbage after it was frozen is never collected.  Freezing at most once per page per process keeps that to
the cycles of the sessions open during those first runs.
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen_after: set[str] = set()  # pages whose first run in this process ended with a freeze


def freeze() -> None:
    """Collect what is garbage now, then move everything alive out of the collector's reach."""
    gc.collect()
    gc.freeze()


def freeze_after_first_run(page: str) -> bool:
    """At the end of ``page``'s first run in this server process: :func:`freeze` (True); later runs, or no
    server (AppTest, the CLI), do nothing (False)."""
    from streamlit import runtime

    if not runtime.exists():  # a test process or the CLI: its objects are not the server's to freeze
        return False
    with _lock:
        if page in _frozen_after:
            return False
        _frozen_after.add(page)
    freeze()
    return True
