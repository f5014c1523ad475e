"""A carve's data on the local cluster's workers once per dataset, not once per carve.

A carve sent whole to a worker process (:func:`jobs.carve_job.whole_carve_task`) needs the accounts and reps.
Inside the task they cost the web server a pickle of the frames on every Run carve (1.7 MB, ~20–30 ms of the
server's interpreter for the demo; more under load, and it grows with the company) and each worker an unpickle.
Instead the server *scatters* them to every worker once (Dask ``scatter(broadcast=True)``) and each task carries
only :class:`InputsRef`, the scattered data's key; the worker reads the frames from its own memory.  Several users
carving the same data (the shared demo, one upload shared by every session: ``ui.state``) ship it once.

"The same data" is the same frame objects (held here by weak reference, so a dataset replaced and dropped is
never matched by a recycled ``id``): the app's datasets are never changed in place, a new upload is a new object.
Hashing the frames instead (Dask's ``tokenize``) costs about as much as the pickle it would save.

A task *depends* on the scattered future (:class:`jobs.runner.DaskRunner`'s ``shared``), so the scheduler runs it
on a worker holding the data, or has a worker copy it from another (a worker restarted, or one whose copy Dask's
active memory manager dropped as a spare replica: it does, so reading the worker's memory directly is not enough).
Data lost from every worker is scattered again for the next carve, since its future is then no longer ``finished``.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import pandas as pd

KEEP_DATASETS = 2  # datasets kept on the workers at once (the last ones carved; older ones are released)


@dataclass(frozen=True)
class InputsRef:
    """The key of a carve's (accounts, reps) scattered to the cluster's workers."""

    key: str


@dataclass
class _Shared:
    accounts: weakref.ref
    reps: weakref.ref
    future: object  # distributed.Future holding (accounts, reps)


_lock = threading.Lock()
_shared: dict[int, list[_Shared]] = {}  # id(client) → the datasets on its workers, oldest first
SCATTERS = {"count": 0}  # how many times data was shipped (tests: a second carve on the same data ships nothing)


def share_inputs(client, accounts: pd.DataFrame, reps: pd.DataFrame):
    """``(accounts, reps)`` on ``client``'s workers → a ``distributed.Future`` holding them (its ``key`` names
    them in an :class:`InputsRef`; a task gets them by depending on it: ``DaskRunner(shared=...)``): scattered to
    every worker now, unless these very frames are already there."""
    with _lock:
        kept = _shared.setdefault(id(client), [])
        for entry in kept:
            if entry.accounts() is accounts and entry.reps() is reps and entry.future.status == "finished":
                kept.remove(entry)
                kept.append(entry)  # the newest
                return entry.future
        [future] = client.scatter([(accounts, reps)], broadcast=True, hash=False)
        SCATTERS["count"] += 1
        kept[:] = [e for e in kept if e.accounts() is not None and e.future.status == "finished"]
        kept.append(_Shared(weakref.ref(accounts), weakref.ref(reps), future))
        del kept[:-KEEP_DATASETS]  # dropping the future lets the scheduler free that data on the workers
        return future
