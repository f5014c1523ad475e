"""When the web server is quiet: no script run going on in any session for a while.

Streamlit runs each session's script run (a page, a rerun, a fragment's run) on a thread of its own named
``ScriptRunner.scriptThread``, which ends with the run: while none is alive, no page is being computed or sent for
anyone.  Work in the background that competes with page opens for the machine's two cores waits for such a quiet
spell before each step: the page preload's imports and entries (:mod:`ui.page_preload`, a short spell between
clicks) and the local Dask cluster's start (:func:`start_cluster_when_quiet`, a spell a person leaves while reading
a page).  The server is watched every :data:`POLL_S`, and a spell counts from the first look that found no run, so
a run that began and ended between two looks costs at most one poll of the spell."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

SCRIPT_THREAD = "ScriptRunner.scriptThread"  # Streamlit's thread for one script run (and its reruns)
POLL_S = 0.05
# The local Dask cluster's start (~3 s of three new processes importing Dask, pandas and the carve on two cores)
# waits for this long a spell without a run, and for the page preload to be done: started by the Carve page's first
# open at once, it overlapped the next pages' opens, and Capacity Scenarios (1.03 s) and Disruption (1.01 s) missed
# the 1 s budget (page_bench 2026-12-03 16:26; 0.71 s and 0.54 s without the start, at load 4.9).  A person reads
# the Carve page for longer than this before pressing Run carve, and a carve pressed before the cluster is up runs
# in the server's threads, as before the prestart.
CLUSTER_QUIET_S = 1.0


def script_running() -> bool:
    """Whether a script run is going on in any session of this server."""
    return any(t.name == SCRIPT_THREAD and t.is_alive() for t in threading.enumerate())


class QuietSpell:
    """Decides, look by look, whether the server has gone ``quiet_s`` without a script run.  The spell counts from
    the first look that found no run (when the last run ended between two looks is not known), and any run seen
    starts it again."""

    def __init__(self, quiet_s: float):
        self.quiet_s = quiet_s
        self.since: float | None = None  # the first look of the current spell without a run

    def look(self, running: bool, now: float) -> bool:
        """Record one look at ``now`` (seconds on any clock) → whether the spell is long enough."""
        if running:
            self.since = None
            return False
        if self.since is None:
            self.since = now
        return now - self.since >= self.quiet_s


def wait_for_quiet(quiet_s: float, running: Callable[[], bool] = script_running,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                   poll_s: float = POLL_S) -> None:
    """Return once no script run has been seen for ``quiet_s`` (looking every ``poll_s``)."""
    spell = QuietSpell(quiet_s)
    while not spell.look(running(), clock()):
        sleep(poll_s)


def _cluster_wait() -> None:
    """The page preload done (it makes the next pages' entries), then :data:`CLUSTER_QUIET_S` without a run."""
    from ui import page_preload

    page_preload.wait_done()
    wait_for_quiet(CLUSTER_QUIET_S)


def start_cluster_when_quiet() -> bool:
    """Ask for the local Dask cluster (:func:`jobs.engine.prestart_local`), to start in the background once the
    server is quiet (:data:`CLUSTER_QUIET_S`), so its worker processes are warm before people press Run carve →
    whether it was asked for (now or before)."""
    from jobs import prestart_local

    return prestart_local(wait=_cluster_wait)
