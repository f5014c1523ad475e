"""The one runner protocol of the carve: how a carve's parts (and the jobs layer's other items) are mapped.

A *runner* has

* ``map(fn, items, on_done=None) -> list``: ``fn`` applied to every item, results in item order; ``on_done(index,
  result)`` is called on the calling thread as each item finishes; :class:`~optimizers.carve.model.Cancelled` is
  raised once the runner is cancelled (no queued item starts after that).  When ``fn`` takes a ``should_stop``
  keyword the runner passes its own stop check, so a running item stops too.
* ``workers: int``: how many items it runs at once (the carve sizes each part's share of the time by it);
* ``cancel()``: stop the current and any later ``map`` (from any thread, e.g. an ``on_done`` or a Cancel button);
* ``in_process: bool``: the items run in this process, sharing its memory (the jobs layer decides by it whether a
  result must be pickled); the carve itself submits every part, first solve or again, through ``map`` alike;
* ``engine: str``: a short name for messages ("sequential", "threads", "inprocess", "dask").

Implemented by :class:`SequentialRunner` (here), :class:`~optimizers.carve.parallel.ThreadRunner` and the jobs
layer's ``InProcessRunner`` and ``DaskRunner``; ``jobs.manager.RecordingRunner`` wraps any of them and forwards
every ability.  A bare function ``runner(fn, items, on_done)`` (as older callers and tests pass) is adapted by
:func:`as_runner`: it is not in-process (nothing is known of where it runs) and has the ``workers`` attribute it
carries, else 1.  Every runner may also be called as ``runner(fn, items, on_done)``, the older form.
"""
from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from optimizers.carve.model import Cancelled

__all__ = ["Runner", "BaseRunner", "SequentialRunner", "FunctionRunner", "as_runner", "takes_keyword"]

OnDone = Callable[[int, Any], None]


@runtime_checkable
class Runner(Protocol):
    workers: int
    in_process: bool
    engine: str

    def map(self, fn: Callable[..., Any], items: Sequence, on_done: OnDone | None = None) -> list: ...

    def cancel(self) -> None: ...


def takes_keyword(fn: Callable, name: str) -> bool:
    """Whether ``fn`` accepts the keyword ``name`` (runners pass ``should_stop`` and ``progress`` only then)."""
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class BaseRunner:
    """What every runner shares: a cancel flag, an outside stop check (``should_stop``, e.g. a job's Cancel
    through the store) and the older call form.  ``stopped()`` is true once either is."""

    engine = "base"
    in_process = False
    workers = 1

    def __init__(self, should_stop: Callable[[], bool] | None = None):
        self._outside_stop = should_stop or (lambda: False)
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def stopped(self) -> bool:
        return self._cancelled.is_set() or bool(self._outside_stop())

    def map(self, fn: Callable[..., Any], items: Sequence, on_done: OnDone | None = None) -> list:
        raise NotImplementedError

    def calls(self, fn: Callable[..., Any], report: Callable[[int, float, str], None] | None = None
              ) -> Callable[[int, Any], Any]:
        """``fn`` as ``call(index, item)``: :class:`Cancelled` once this runner is stopped, else ``fn(item)`` with this
        runner's stop check as ``should_stop`` and ``progress(fraction, message)`` relayed as ``report(index, …)``,
        each when ``fn`` takes it."""
        kw_stop = takes_keyword(fn, "should_stop")
        kw_progress = report is not None and takes_keyword(fn, "progress")

        def call(i: int, item: Any) -> Any:
            if self.stopped():
                raise Cancelled()
            kw: dict[str, Any] = {"should_stop": self.stopped} if kw_stop else {}
            if kw_progress:
                kw["progress"] = lambda f, m: report(i, f, m)
            return fn(item, **kw)
        return call

    def __call__(self, fn: Callable[..., Any], items: Sequence, on_done: OnDone | None = None) -> list:
        return self.map(fn, items, on_done)


class SequentialRunner(BaseRunner):
    """One item after another, in this process and on this thread.  ``progress(index, fraction, message)``: passed
    to ``fn`` as ``progress(fraction, message)`` when it takes one (as :class:`~optimizers.carve.parallel.ThreadRunner`
    does)."""

    engine = "sequential"
    in_process = True
    workers = 1

    def __init__(self, should_stop: Callable[[], bool] | None = None,
                 progress: Callable[[int, float, str], None] | None = None):
        super().__init__(should_stop)
        self.progress = progress

    def map(self, fn: Callable[..., Any], items: Sequence, on_done: OnDone | None = None) -> list:
        call, out = self.calls(fn, self.progress), []
        for i, item in enumerate(items):
            out.append(call(i, item))
            if on_done is not None:
                on_done(i, out[-1])
        return out


class FunctionRunner(BaseRunner):
    """A bare ``runner(fn, items, on_done)`` function as a runner: ``workers`` from its attribute (else 1), not
    in-process; ``cancel()`` raises :class:`Cancelled` at the next item that finishes."""

    engine = "function"

    def __init__(self, call: Callable[..., list]):
        super().__init__()
        self.call = call
        self.workers = max(int(getattr(call, "workers", 1) or 1), 1)
        self.in_process = bool(getattr(call, "in_process", False))
        self.engine = str(getattr(call, "engine", "function"))

    def map(self, fn: Callable[..., Any], items: Sequence, on_done: OnDone | None = None) -> list:
        if self.stopped():
            raise Cancelled()

        def done(i: int, result: Any) -> None:
            if on_done is not None:
                on_done(i, result)
            if self.stopped():
                raise Cancelled()
        return self.call(fn, items, done)


def as_runner(runner: Any) -> Runner:
    """``runner`` when it follows the protocol, a bare function adapted (:class:`FunctionRunner`), or a new
    :class:`SequentialRunner` for None."""
    if runner is None:
        return SequentialRunner()
    if callable(getattr(runner, "map", None)) and callable(getattr(runner, "cancel", None)):
        return runner
    if callable(runner):
        return FunctionRunner(runner)
    raise TypeError(f"not a runner: {runner!r} (needs map(fn, items, on_done) and cancel(), or to be callable)")
