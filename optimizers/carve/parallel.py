"""Parts on threads of this process: the carve's default runner on a machine with more than one core.

HiGHS releases the GIL while it solves (``Highs.run``), and several ``Highs`` instances may run in different threads
at once, so two LPs of a decomposed carve on two threads take about 0.6× their time one after the other (measured:
two 50,000×250 parts, 10.2 s → 6.1 s).  The numpy work between solves holds the GIL a little; the LPs are most of
a part.  Progress and ``on_done`` are called on the calling thread only (a Streamlit page or a job's store
connection belongs to that thread): the workers queue their messages and the caller relays them as it waits.
"""
from __future__ import annotations

import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

from optimizers.carve.model import Cancelled
from optimizers.carve.runners import BaseRunner

__all__ = ["ThreadRunner", "default_threads"]

MAX_THREADS = 4  # beyond this the parts' memory grows faster than the time falls (each part holds its own LP)


def default_threads() -> int:
    """One thread per core of this machine (what the process may use), at most :data:`MAX_THREADS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


class ThreadRunner(BaseRunner):
    """A runner (:mod:`optimizers.carve.runners`) with ``workers`` items at once on threads of this process
    (``in_process``), started in item order (the carve orders its parts largest first).

    ``should_stop`` (or :meth:`cancel`): checked as the caller waits (raises :class:`Cancelled`, and no queued
    item starts) and passed to ``fn`` when it takes a ``should_stop`` keyword, so a running part stops too.
    ``progress(index, fraction, message)``: passed to ``fn`` as ``progress(fraction, message)`` when it takes one,
    relayed on the caller's thread.  An item's exception is re-raised on the caller's thread; the items not started
    are dropped."""

    engine = "threads"
    in_process = True

    def __init__(self, workers: int | None = None, should_stop: Callable[[], bool] | None = None,
                 progress: Callable[[int, float, str], None] | None = None, poll_s: float = 0.2):
        super().__init__(should_stop)
        self.workers = max(1, int(workers or default_threads()))
        self.progress, self.poll_s = progress, poll_s

    def map(self, fn: Callable, items: Sequence, on_done: Callable[[int, Any], None] | None = None) -> list:
        n = len(items)
        results: list = [None] * n
        if n == 0:
            return results
        messages: queue.SimpleQueue = queue.SimpleQueue()
        task = self.calls(fn, None if self.progress is None else lambda i, f, m: messages.put((i, f, m)))

        def relay() -> None:
            while True:
                try:
                    i, f, m = messages.get_nowait()
                except queue.Empty:
                    return
                self.progress(i, f, m)

        pool = ThreadPoolExecutor(max_workers=min(self.workers, n), thread_name_prefix="carve-part")
        futures = {pool.submit(task, i, item): i for i, item in enumerate(items)}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=self.poll_s, return_when=FIRST_COMPLETED)
                if self.progress is not None:
                    relay()
                for f in sorted(done, key=futures.get):
                    i = futures[f]
                    results[i] = f.result()  # re-raises the part's own exception here, on the caller's thread
                    if on_done is not None:
                        on_done(i, results[i])
                if pending and self.stopped():
                    raise Cancelled()
        except BaseException:
            # queued parts never start; a running one sees should_stop, or ends at its own time cap, unwaited
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return results
