"""Reading and loading uploads in a separate process, so a big file does not slow anyone else's page.

Parsing a 250,000-row export and validating it costs the better part of a minute of CPU under load; done in the
Streamlit server's own interpreter it holds the GIL that every other session's script runs under.  Here it runs
in a one-worker process pool instead:

* the pool has one worker, so two uploads at once queue rather than share two cores with every page;
* each task runs in a fresh child (``max_tasks_per_child=1``) forked from a server process that has already
  imported the loader (``forkserver`` with a preload; ``spawn`` where there is no forkserver), so the memory a
  load used is given back to the system when it ends and the server keeps only the result;
* the worker runs under Linux's ``SCHED_IDLE`` policy for a big file (at nice 10 elsewhere, and for a small file,
  which is done in a moment and must not wait on a machine that is busy anyway): it only gets a core that no page
  run wants, so other users' pages keep their speed while it works;
* what crosses back is the pure result (a :class:`~planning.data.uploads.FilePreview`, or a loaded
  :class:`~planning.data.dataset.Dataset` already made read-only for sharing) or an :class:`UploadFailed` that
  carries the loader's own message, never a traceback.  A Dataset comes back through a pickle file the worker
  writes in a temporary folder, read once by the server and deleted: the server reads it in one go from the file
  instead of draining the 140 MB of a 250,000-row dataset through the pool's pipe on its result thread, and never
  holds the pickled bytes and the frames at once;
* a file is parsed once: the preview keeps its parse on disk (:mod:`planning.data.parsed_uploads`, keyed by the
  bytes) and the load of the same bytes reads it back (a few hundredths of a second instead of seconds).

The shell calls :func:`preview` and :func:`load`; both block until the worker answers (wrap them in a spinner).  A
blocked script run costs the server nothing while it waits: no reruns poll for progress, the spinner's clock runs in
the browser.
"""
from __future__ import annotations

import functools
import gc
import io
import multiprocessing
import os
import pickle
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from pathlib import Path

from planning.access import AccessDenied

TIMEOUT_S = 600.0  # a load that takes longer is abandoned (the worker is replaced)
# the worker's CPU priority below the server's (nice 0): on a busy machine a load takes longer, and other users'
# page runs go first (benchmarks/upload_bench.py: B's page opens while A loads 250,000 rows)
WORKER_NICE = 10
# from this much input on (MB, every file of a task), the worker also takes Linux's SCHED_IDLE policy: it runs only
# on a core no page run wants.  A smaller task is over in well under a second, and under SCHED_IDLE it could wait
# a long time on a machine that is busy with other work anyway (a test suite on both cores), for nothing gained
IDLE_FROM_MB = 5.0
_PRELOAD = ["planning.data.uploads", "planning.data.dataset", "planning.data.validation",
            "planning.data.parsed_uploads"]
_HANDOVER = ("planner-upload-", ".pickle")  # prefix and suffix of a loaded Dataset's file in the temp folder
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


class UploadFailed(ValueError):
    """A preview or load that failed in the worker: the message is the loader's (which file, which limit, which
    column), or says plainly that the worker stopped."""


@dataclass(frozen=True)
class _Outcome:
    value: object = None
    error: str | None = None
    denied: bool = False
    path: str | None = None  # the value pickled to this file instead (a loaded Dataset), read once and deleted


class _Popen(popen_forkserver.Popen):
    """The forkserver's Popen, less the main-module fix-up.  A child normally re-runs the parent's ``__main__``
    script first; in a Streamlit server ``__main__`` is the page script being run (Streamlit installs it there), so
    the worker would run the whole app before its task, and die doing it.  The tasks need nothing from
    ``__main__``: they are functions of this module."""

    def _launch(self, process_obj):
        prep_data = {k: v for k, v in spawn.get_preparation_data(process_obj._name).items()
                     if k not in ("init_main_from_path", "init_main_from_name")}
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)  # the child watches this end to know its parent is alive
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


class _Context(context.ForkServerContext):
    Process = _Process


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = _Context()
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # no forkserver on this platform: a fresh interpreter per task


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=_context(), max_tasks_per_child=1,
                                        initializer=_exit_with_parent)
        return _pool


def _exit_with_parent() -> None:
    """In the worker, first thing: end when the server ends.  The pool keeps an idle worker waiting for the next
    task; if the server is killed (a deploy, a crash, a test's server stopped), nothing tells that worker, which
    then waits forever on its task queue (it holds both ends of it) and keeps the forkserver alive with it (it holds
    the forkserver's keep-alive pipe): two idle processes of ~100 MB each per killed server.  The pipe the server
    sent the task through reads end-of-file once the server's end closes, and that is the parent's sentinel."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="planner-upload-parent-watch", daemon=True).start()


def _discard(pool: ProcessPoolExecutor) -> None:
    """Drop a broken or stuck pool; the next call starts a fresh one."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()


def shutdown() -> None:
    """Stop the worker (tests and a server's exit)."""
    pool = _pool
    if pool is not None:
        _discard(pool)


def _lower_priority(idle: bool) -> None:
    """In the worker (a fresh child per task): yield the CPU to the server's page runs.  Nice 10 always; with
    ``idle``, the SCHED_IDLE policy on top where the system has it (Linux), which leaves the worker only what the
    server and everything else at a normal priority leave unused."""
    try:
        if os.nice(0) < WORKER_NICE:
            os.nice(WORKER_NICE - os.nice(0))
    except (AttributeError, OSError):  # no nice on this platform, or not permitted: run as is
        pass
    if idle and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:  # not permitted (a container's seccomp policy): nice 10 it is
            pass


def _handover(value) -> _Outcome:
    """A loaded Dataset goes back through a pickle file in a temporary folder (see the module's docstring); a
    small value (a preview) through the pool's pipe."""
    from planning.data.dataset import Dataset
    from planning.data.read_only import read_only

    if not isinstance(value, Dataset):
        return _Outcome(value=value)
    value = read_only(value)  # made shareable here, so the server only swaps it in
    fd, path = tempfile.mkstemp(prefix=_HANDOVER[0], suffix=_HANDOVER[1])
    try:
        with open(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        os.unlink(path)
        raise
    return _Outcome(path=path)


def _run(fn, *args, idle: bool = False, **kwargs) -> _Outcome:
    """In the worker: call ``fn`` and return its result or its message (a FileError's own words, or the type and
    message of anything unexpected), so nothing unpicklable or tracebacks cross back."""
    _lower_priority(idle)
    try:
        return _handover(fn(*args, **kwargs))
    except AccessDenied as exc:
        return _Outcome(error=str(exc), denied=True)
    except ValueError as exc:  # FileError, UploadTooLarge, a bad setting
        return _Outcome(error=str(exc))
    except MemoryError:
        return _Outcome(error="the files need more memory than this server has for one upload")
    except Exception as exc:  # noqa: BLE001 - reported as words on the page, not a traceback
        return _Outcome(error=f"the loader stopped on an unexpected problem ({type(exc).__name__}: {exc})")


def _big(*sizes_bytes: int) -> bool:
    return sum(sizes_bytes) >= IDLE_FROM_MB * 1024 * 1024


def _preview_task(name, data, limits, parsed):
    from planning.data.uploads import preview_upload

    return _run(preview_upload, name, data, limits, parsed, idle=_big(len(data)))


def _load_task(user, files, mappings, settings, limits, as_of, parsed):
    from planning.data.uploads import load_upload

    return _run(load_upload, user, files, mappings=mappings, settings=settings, limits=limits, as_of=as_of,
                parsed=parsed, idle=_big(*(len(data) for _, data in files.values())))


@functools.cache
def parsed_uploads():
    """Where a preview keeps its parse for the load (:mod:`planning.data.parsed_uploads`; the user's cache
    folder), or None where there is none.  Handed to the worker with each task."""
    from planning.data.parsed_uploads import default_parsed_uploads

    return default_parsed_uploads()


# One task in flight at a time: the pool has one worker that exits after each task (max_tasks_per_child=1), and
# CPython 3.11's pool can strand work queued while such a worker exits (python/cpython gh-115634, fixed upstream
# after 3.15.0b3). Two reruns of one session can ask at once (the second file chosen while the first is read).
# A guard: four previews at once did finish without it here, and the upload e2e flake ("Load these files" left
# disabled in the 14:38 clean-clone run) is not proven to come from this.
_in_flight = threading.Lock()


def _call(task, *args):
    with _in_flight:
        _sweep_orphans()
        return _call_one(task, *args)


def _sweep_orphans() -> None:
    """Delete handover files nobody read (the server stopped waiting, or stopped, between the worker's write and
    its read).  A live one is read moments after it is written, so one older than :data:`TIMEOUT_S` is orphaned,
    whichever server on this machine wrote it."""
    cutoff = time.time() - TIMEOUT_S
    for path in Path(tempfile.gettempdir()).glob(f"{_HANDOVER[0]}*{_HANDOVER[1]}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # already gone, or not ours to delete
            continue


def _call_one(task, *args):
    pool = _executor()
    try:
        outcome = pool.submit(task, *args).result(timeout=TIMEOUT_S)
    except BrokenProcessPool:
        _discard(pool)
        raise UploadFailed("the loading process stopped before it finished (most likely it ran out of memory); "
                           "nothing was loaded") from None
    except TimeoutError:
        _discard(pool)
        raise UploadFailed(f"loading took longer than {TIMEOUT_S / 60:.0f} minutes and was stopped") from None
    if outcome.denied:
        raise AccessDenied(outcome.error)
    if outcome.error is not None:
        raise UploadFailed(outcome.error)
    if outcome.path is not None:
        return _read_back(outcome.path)
    return outcome.value


def _read_back(path: str):
    """The value the worker pickled to ``path``, read once; the file is deleted either way.

    Read with the garbage collector paused: unpickling a 250,000-row dataset allocates enough container objects to
    set off a collection of each generation on the way, the oldest walking every object the server tracks while
    holding the interpreter that other users' page runs wait for (a 180 MB hand-over: 264 ms with them, 224 ms
    without, the longest stretch another thread could not run 32 → 27 ms, its waits over 20 ms 78 → 27 ms in all;
    measured 2026-12-03 with a thread waking every millisecond).  The collector is switched back on after the read
    (by the one thread that may read: :data:`_in_flight`), and the next collection sees what the read made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    finally:
        if enabled:
            gc.enable()
        os.unlink(path)


def preview(name: str, data: bytes, limits):
    """:func:`planning.data.uploads.preview_upload` in the worker process."""
    try:
        return _call(_preview_task, name, data, limits, parsed_uploads())
    except UploadFailed as exc:
        if str(exc).startswith(f"{name}: "):
            raise
        raise UploadFailed(f"{name}: {exc}") from None


def load(user, files, mappings, settings, limits, as_of):
    """:func:`planning.data.uploads.load_upload` in the worker process: the validated Dataset, read-only for
    sharing across sessions (:func:`planning.data.read_only.read_only`).  A file :func:`preview` read is not
    parsed again (its parse was kept on disk)."""
    return _call(_load_task, user, files, mappings, settings, limits, as_of, parsed_uploads())
