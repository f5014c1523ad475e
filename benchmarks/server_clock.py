"""The web server's own clock of a page open, for benchmarks/concurrent_bench.py.

The browser-side figure (tests/e2e/conftest.ScriptRuns.server_s: click → the run's ``script_finished`` frame reached
Playwright) also holds the browser's work on both ends: the renderer sending the click, the browser's network process
receiving the frames and reporting them over the DevTools protocol.  On this machine those run on the server's two
cores beside the carves, so under load the figure was mostly the test rig's (2026-12-03 20:51, two carves: the
watcher's Disruption run had ended on the server 0.1 s after the click, by py-spy, and the browser-side figure read
3.65 s).  Here the server itself writes when it received each session's rerun request and when it queued the run's
``script_finished`` message, so the benchmark can report the server's share apart from the browsers'.

How: the benchmark starts the server with :func:`server_env`, whose ``sitecustomize`` calls :func:`install` in the
server process only (it takes the log path out of the environment, so the Dask workers the server starts do not
inherit it).  Nothing in the app knows of it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

ENV = "PLANNER_BENCH_SERVER_CLOCK"  # the log's path, for the server process's sitecustomize
_SITE = f"""import os
_log = os.environ.pop({ENV!r}, "")
if _log:
    from benchmarks.server_clock import install
    install(_log)
"""


def install(log_path: str) -> None:
    """In the server process: append one line per rerun request received and per script run finished (not one
    cut short for a rerun): ``<epoch seconds> rerun|finished <session id>``."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.app_session import AppSession

    early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the server's lifetime, a line at a time
    handle, enqueue = AppSession.handle_backmsg, AppSession._enqueue_forward_msg

    def handle_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            log.write(f"{time.time():.4f} rerun {self.id}\n")
        return handle(self, msg)

    def enqueue_forward_msg(self, msg):
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
            log.write(f"{time.time():.4f} finished {self.id}\n")
        return enqueue(self, msg)

    AppSession.handle_backmsg, AppSession._enqueue_forward_msg = handle_backmsg, enqueue_forward_msg


def server_env(tmp: Path, root: Path) -> Path:
    """Set this process's environment so a server started from it (with ``os.environ``) logs to the returned path:
    a ``sitecustomize`` in ``tmp`` ahead on PYTHONPATH, this repository (``root``) importable."""
    site = tmp / "server_clock"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_SITE)
    log = tmp / "server_clock.log"
    log.touch()
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), str(root), os.environ.get("PYTHONPATH", "")) if p)
    os.environ[ENV] = str(log)
    return log


def run_after(log: Path, clicked_at: float) -> tuple[float, float] | None:
    """The first rerun request the server received at or after ``clicked_at`` (epoch seconds), and when that
    session's run finished → (click → received, received → finished) in seconds, or None when not logged yet."""
    received, session = None, None
    for line in log.read_text().splitlines():
        t, what, sid = line.split(" ", 2)
        at = float(t)
        if received is None and what == "rerun" and at >= clicked_at:
            received, session = at, sid
        elif received is not None and what == "finished" and sid == session:
            return received - clicked_at, at - received
    return None
