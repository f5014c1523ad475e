"""Part runners of the carve's one runner protocol (:mod:`optimizers.carve.runners`), in this process or on a
Dask cluster.

    runner.map(fn, items, on_done=None) -> list of results, in the order of ``items``; runner.workers;
    runner.cancel(); runner.in_process

``fn`` is a module-level (picklable) function of one item; ``on_done(index, result)`` is called as each item
finishes (progress); :class:`Cancelled` is raised when the runner's ``should_stop`` turns true or it is
cancelled.  When ``fn`` takes a ``should_stop`` keyword, the runner passes a picklable flag so a part already
running on a worker stops too, not only the parts still queued.

On Dask every item is one task with ``retries``: a task that raises is retried, and a task on a worker that
dies is moved to another worker by the scheduler (Dask's ``allowed-failures``), so a lost worker costs time,
never the answer.  An item that fails for good raises :class:`PartFailed` naming the part; the other tasks are
cancelled, so the caller never waits on a half-dead run.
"""
from __future__ import annotations

import functools
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from optimizers.carve.model import Cancelled
from optimizers.carve.parallel import ThreadRunner
from optimizers.carve.runners import BaseRunner, takes_keyword

OnDone = Callable[[int, Any], None]


class PartFailed(RuntimeError):
    """One part could not be solved, even after its retries."""

    def __init__(self, name: str, error: BaseException | str):
        self.part_name, self.error = name, error
        super().__init__(f"part {name} failed: {error}")


def part_name(item: Any, index: int, total: int) -> str:
    """A part's own name (``item.name``, e.g. "Mid-market · West") or its position."""
    name = getattr(item, "name", None)
    return str(name) if name else f"{index + 1}/{total}"


class InProcessRunner(ThreadRunner):
    """Items on this process's cores (one thread each, HiGHS solving without the GIL: see
    :mod:`optimizers.carve.parallel`), with cancel and names: an item that raises is re-raised as
    :class:`PartFailed` naming it.  ``workers=1``: one after another."""

    engine = "inprocess"

    def __init__(self, should_stop: Callable[[], bool] | None = None, workers: int | None = None):
        super().__init__(workers, should_stop)

    def map(self, fn: Callable, items: Sequence, on_done: OnDone | None = None) -> list:
        n = len(items)

        @functools.wraps(fn)  # keeps fn's signature: the threads pass should_stop when fn takes it
        def named(item, *args, **kw):
            try:
                return fn(item, *args, **kw)
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - re-raised with the part's name
                raise PartFailed(part_name(item, _index(items, item), n), exc) from exc

        return super().map(named, items, on_done)


def _index(items: Sequence, item: Any) -> int:
    return next((i for i, x in enumerate(items) if x is item), 0)


class ClusterStopFlag:
    """Picklable ``should_stop`` for a task on a Dask worker: reads the job's Dask ``Event`` (at most once a second)."""

    def __init__(self, event_name: str, every_s: float = 1.0):
        self.event_name, self.every_s = event_name, every_s
        self._last, self._set = 0.0, False

    def __getstate__(self):
        return {"event_name": self.event_name, "every_s": self.every_s}

    def __setstate__(self, state):
        self.__init__(state["event_name"], state["every_s"])

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self._set and now - self._last >= self.every_s:
            self._last = now
            try:
                from distributed import Event

                self._set = Event(self.event_name).is_set()
            except Exception:  # noqa: BLE001 - no scheduler reachable: keep solving, the driver cancels anyway
                self._set = False
        return self._set


def _call(fn: Callable, item: Any, flag: ClusterStopFlag | None, shared: dict | None = None):
    """The task body on a worker (module level so it pickles by reference); ``shared``: the runner's shared data,
    already resolved by Dask to the values on this worker."""
    kw = {} if flag is None else {"should_stop": flag}
    if shared is not None:
        kw["shared"] = shared
    return fn(item, **kw)


class DaskRunner(BaseRunner):
    """Items as Dask tasks on ``client``'s cluster (not in this process: items and ``fn`` are pickled); results
    come back in item order."""

    engine = "dask"
    in_process = False

    def __init__(self, client, should_stop: Callable[[], bool] | None = None, retries: int = 2,
                 label: str = "part", poll_s: float = 0.2, shared: dict | None = None):
        super().__init__(should_stop)
        self.client, self.retries, self.label, self.poll_s = client, retries, label, poll_s
        # data already on the cluster (key → a scattered Future), passed to an ``fn`` that takes ``shared=``: each
        # task depends on it, so the scheduler runs it where the data is or has a worker copy it from another
        # worker; the data never travels from this process again (see jobs.carve_inputs)
        self.shared = shared or None

    @property
    def workers(self) -> int:
        """Tasks the cluster runs at once (its worker threads), at least 1."""
        try:
            info = self.client.scheduler_info()["workers"]
            return max(sum(int(w.get("nthreads", 1)) for w in info.values()), 1)
        except Exception:  # noqa: BLE001 - no answer from the scheduler: size the parts as if in sequence
            return 1

    def map(self, fn: Callable, items: Sequence, on_done: OnDone | None = None) -> list:
        from distributed import Event

        n = len(items)
        if n == 0:
            return []
        run_id = f"{self.label}-{uuid.uuid4().hex[:10]}"
        flag = ClusterStopFlag(f"cancel-{run_id}") if takes_keyword(fn, "should_stop") else None
        with warnings.catch_warnings():
            # parts carry their arrays inside the task on purpose: scattered data is lost with its worker,
            # task arguments are kept by the scheduler and survive a worker's death
            warnings.filterwarnings("ignore", message=".*[Ll]arge object.*")
            warnings.filterwarnings("ignore", message=".*graph.*size.*")
            shared = self.shared if self.shared and takes_keyword(fn, "shared") else None
            futures = [self.client.submit(_call, fn, item, flag, shared, key=f"{run_id}-{i}", pure=False,
                                          retries=self.retries) for i, item in enumerate(items)]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * n
        pending = set(futures)
        # a finished task is seen at once, not at the next poll (a carve sent whole to a worker is a user's click
        # → done: sleeping a poll added 0.1 s to it on average); the cancel check still runs every poll
        news = threading.Event()
        for f in futures:
            f.add_done_callback(lambda _f: news.set())
        try:
            while pending:
                if self.stopped():
                    raise Cancelled()
                news.clear()  # before looking: a task ending after the look sets it again
                done = [f for f in pending if f.done()]
                if not done:
                    news.wait(self.poll_s)
                for f in done:
                    pending.discard(f)
                    i = index[f.key]
                    if f.status == "cancelled":
                        raise Cancelled()
                    if f.status == "error":
                        exc = f.exception()
                        if _is_cancelled(exc):
                            raise Cancelled()
                        raise PartFailed(part_name(items[i], i, n), exc)
                    results[i] = f.result()
                    if on_done is not None:
                        on_done(i, results[i])
        except BaseException:
            if flag is not None and pending:
                try:
                    Event(flag.event_name, client=self.client).set()
                except Exception:  # noqa: BLE001 - cancelling the futures below still frees the queue
                    pass
            self.client.cancel(list(pending), force=True)
            raise
        return results


def _is_cancelled(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__name__ in ("Cancelled", "CancelledError")


def make_runner(engine: str, should_stop: Callable[[], bool] | None = None, retries: int = 2, label: str = "part",
                settings=None):
    """The runner for an engine from :func:`jobs.engine.resolve`."""
    from jobs.engine import INPROCESS, client_for

    if engine == INPROCESS:
        return InProcessRunner(should_stop)
    return DaskRunner(client_for(engine, settings), should_stop, retries=retries, label=label)
