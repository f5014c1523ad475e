"""Jobs that outlive the page: each job is driven by a thread of this process; its tasks run on the engine.

The Streamlit server (or the CLI) calls :func:`manager` — one per process — and ``submit`` a job with a work
function.  The work function gets a :class:`JobContext` (progress, per-part records, a cancel check, a runner
for its parts) and returns the result reference to record.  The job's row in the store's jobs table is the
source of truth: a browser that reloads, or a second session, finds the job there and follows its progress;
Cancel from any session sets ``cancel_requested`` and the driving thread stops the job's tasks.

A finished job's full result (e.g. a CarveResult) stays here, keyed by the store and the job, for the user's later
sessions (a reload finds it through the jobs table); the most recent :data:`KEEP_RESULTS` are kept.  Carve and curve
jobs save nothing themselves (a result is a run until someone saves it); nothing is ever saved from a job that
failed or was cancelled, so no saved plan is replaced by a failed job.

Under load the server's threads only coordinate: a job that starts while another is active in this process takes
the local cluster's worker processes for its work (:meth:`JobContext.engine`, the setting
:attr:`~jobs.engine.EngineSettings.concurrent_jobs_to_cluster`), so concurrent users do not share one interpreter.
"""
from __future__ import annotations

import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jobs.engine import EngineSettings, describe, local_ready, resolve
from jobs.runner import PartFailed, make_runner, part_name
from optimizers.carve.model import Cancelled
from optimizers.carve.runners import as_runner
from planning.plans.jobs_table import JobRecords


@dataclass
class JobContext:
    """What a running job's work function may use."""

    job_id: int
    records: JobRecords
    stop_event: threading.Event
    engine_settings: EngineSettings = field(default_factory=EngineSettings)
    parts: list = field(default_factory=list)  # {name, status, seconds} per finished part
    others_active: Callable[[], bool] = lambda: False  # another job is active in this process (set by submit)
    _last_write: float = 0.0
    _last_check: float = 0.0
    _flag: bool = False

    def should_stop(self) -> bool:
        """True once Cancel was pressed here or requested through the store (checked at most twice a second)."""
        if self.stop_event.is_set():
            return True
        now = time.monotonic()
        if now - self._last_check >= 0.5:
            self._last_check = now
            try:
                self._flag = self.records.cancel_requested(self.job_id)
            except Exception:  # noqa: BLE001 - a store hiccup must not kill the job; retried next time
                self._flag = False
            if self._flag:
                self.stop_event.set()
        return self._flag

    def progress(self, fraction: float, message: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_write >= 0.5:
            self._last_write = now
            self.records.update(self.job_id, progress=fraction, message=str(message)[:2000])

    def busy(self) -> bool:
        """Another job is active in this process (its work would share this interpreter with ours)."""
        return bool(self.others_active())

    def engine(self, cluster: str | None, size: int | None, warm: bool = False) -> str:
        """The engine for this job's work (:func:`jobs.engine.resolve`), aware of the other jobs running here;
        ``warm``: the job may go to the local cluster alone when that is already running (a small carve)."""
        return resolve(cluster, size, self.engine_settings, busy=self.busy(), warm=warm and local_ready())

    def runner(self, cluster: str | None, size: int | None, label: str = "part", total: int | None = None):
        """A part runner on the engine for ``cluster`` (see :func:`jobs.engine.resolve`) that records each part.
        ``total``: the job's items come in several calls (a curve's exact end, then its other points), so the
        record adds up over the calls; without it each call starts a fresh list (a carve prepared again with longer
        lists re-runs), but for a carve's parts solved again, which add to it."""
        engine = self.engine(cluster, size)
        self.records.update(self.job_id, engine=describe(engine))
        inner = make_runner(engine, self.should_stop, self.engine_settings.retries, label, self.engine_settings)
        return RecordingRunner(inner, self, total)

    def part_finished(self, name: str, status: str, seconds: float | None, total: int) -> None:
        self.parts.append({"name": name, "status": status, "seconds": seconds})
        self.records.update(self.job_id, parts=self.parts, parts_done=len(self.parts), parts_total=total)


class RecordingRunner:
    """Wraps a runner (:mod:`optimizers.carve.runners`): every finished part is written to the job's row (name,
    status, seconds).  Every ability of the inner runner is forwarded (``workers``, ``in_process``, ``engine``,
    ``cancel`` and any other attribute), so a carve started from the page takes the same path as the CLI's."""

    def __init__(self, inner, ctx: JobContext, total: int | None = None):
        self.inner, self.ctx, self.total = as_runner(inner), ctx, total

    @property
    def workers(self) -> int:
        return self.inner.workers

    @property
    def in_process(self) -> bool:
        return self.inner.in_process

    @property
    def engine(self) -> str:
        return self.inner.engine

    def cancel(self) -> None:
        self.inner.cancel()

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (during unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def map(self, fn: Callable, items: Sequence, on_done=None) -> list:
        t0 = time.perf_counter()
        # a carve's parts solved again (widened, retried, tightened: ``Part.again``) add to its first solves'
        again = bool(items) and all(getattr(q, "again", "") for q in items)
        if self.total is None and not again:
            self.ctx.parts = []
        first = len(self.ctx.parts)
        n = self.total or (first + len(items) if again else len(items))
        self.ctx.records.update(self.ctx.job_id, parts_total=n, parts_done=first, parts=self.ctx.parts)

        def done(i: int, result: Any) -> None:
            seconds = getattr(result, "seconds", None)
            status = getattr(result, "status", "done")
            self.ctx.part_finished(part_name(items[i], first + i, n), str(status),
                                   float(seconds) if seconds is not None else time.perf_counter() - t0, n)
            if on_done is not None:
                on_done(i, result)

        return self.inner.map(fn, items, done)

    __call__ = map  # the older call form


WorkFn = Callable[[JobContext], dict]
KEEP_RESULTS = 32  # finished jobs whose full result this process keeps (older ones: their record only)


def _store_key(records: JobRecords | None) -> str:
    """Which store a job id belongs to (job ids repeat across stores)."""
    engine = getattr(records, "engine", None)
    return "" if engine is None else str(engine.url)


class JobManager:
    """Starts and tracks the jobs driven by this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._stops: dict[int, threading.Event] = {}
        # full in-memory results (e.g. a CarveResult) of finished jobs, by (store, job id), oldest first
        self._results: OrderedDict[tuple[str, int], Any] = OrderedDict()

    def submit(self, records: JobRecords, kind: str, title: str, user: str, settings: dict, work: WorkFn,
               engine_settings: EngineSettings | None = None) -> int:
        job_id = records.create(kind, title, user, settings)
        stop = threading.Event()
        ctx = JobContext(job_id, records, stop, engine_settings or EngineSettings(),
                         others_active=lambda: bool(self.running() - {job_id}))
        t = threading.Thread(target=self._drive, args=(ctx, work), name=f"job-{job_id}", daemon=True)
        with self._lock:
            self._threads[job_id], self._stops[job_id] = t, stop
        t.start()
        return job_id

    def _drive(self, ctx: JobContext, work: WorkFn) -> None:
        rec, jid = ctx.records, ctx.job_id
        try:
            rec.update(jid, status="running", message="starting")
            out = work(ctx) or {}
            status = out.pop("status", "succeeded")
            result = out.pop("result_object", None)
            if result is not None:
                with self._lock:
                    self._results[(_store_key(rec), jid)] = result
                    while len(self._results) > KEEP_RESULTS:
                        self._results.popitem(last=False)
            extra = {"progress": 1.0} if status == "succeeded" else {}
            rec.update(jid, status=status, message=out.get("summary", status), result=out,
                       error=out.get("error", ""), **extra)
        except Cancelled:
            rec.update(jid, status="cancelled", message="cancelled by the user", error="")
        except PartFailed as exc:
            rec.update(jid, status="failed", message=f"part {exc.part_name} failed",
                       error=f"part {exc.part_name} failed for good: {exc.error}")
        except Exception as exc:  # noqa: BLE001 - recorded on the job and shown as a message, never a trace
            rec.update(jid, status="failed", message="failed", error=f"{type(exc).__name__}: {exc}",
                       result={"traceback": traceback.format_exc(limit=8)})
        finally:
            with self._lock:
                self._threads.pop(jid, None)
                self._stops.pop(jid, None)

    def cancel(self, records: JobRecords, job_id: int) -> bool:
        """Stop a job: its thread here (if driven by this process) and, through the store, anywhere else."""
        asked = records.request_cancel(job_id)
        with self._lock:
            ev = self._stops.get(job_id)
        if ev is not None:
            ev.set()
        return asked or ev is not None

    def running(self) -> set[int]:
        with self._lock:
            return {j for j, t in self._threads.items() if t.is_alive()}

    def result(self, job_id: int, records: JobRecords | None = None):
        """The full result of a finished job of the store behind ``records`` (without it: the latest job of that
        id in any store), or None when this process no longer holds it (a restart, or too many since)."""
        with self._lock:
            if records is not None:
                return self._results.get((_store_key(records), int(job_id)))
            found = [v for (_, j), v in self._results.items() if j == int(job_id)]
            return found[-1] if found else None

    def wait_a_while(self, job_id: int, seconds: float) -> None:
        """Wait ``seconds``, or less when the job ends first (a page following it: its finish is shown at once
        instead of at the next poll; a job driven by another process is only waited for)."""
        with self._lock:
            t = self._threads.get(job_id)
        if t is None:
            time.sleep(seconds)
        else:
            t.join(seconds)

    def wait(self, job_id: int, timeout: float | None = None) -> bool:
        """Block until the job's thread ends (CLI, tests); False on timeout."""
        with self._lock:
            t = self._threads.get(job_id)
        if t is None:
            return True
        t.join(timeout)
        return not t.is_alive()


_manager: JobManager | None = None
_mlock = threading.Lock()


def manager() -> JobManager:
    """The process-wide job manager (made on first use)."""
    global _manager
    with _mlock:
        if _manager is None:
            _manager = JobManager()
        return _manager


job_manager = manager  # the package-level name (``jobs.manager`` is this module)
