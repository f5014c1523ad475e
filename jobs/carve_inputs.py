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

A worker that was restarted, or started after the scatter, fetches the frames from a worker that has them
(:func:`inputs_on_worker`); data lost from every worker is scattered again for the next carve, since the
scattered future is then no longer ``finished``.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

KEEP_DATASETS = 2  # datasets kept on the workers at once (the last ones carved; older ones are released)
FETCH_TIMEOUT_S = 60.0  # a worker without the data waits this long for it from another worker


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
_shared: OrderedDict[int, list[_Shared]] = OrderedDict()  # id(client) → the datasets on its workers, oldest first
SCATTERS = {"count": 0}  # how many times data was shipped (tests: a second carve on the same data ships nothing)


def share_inputs(client, accounts: pd.DataFrame, reps: pd.DataFrame) -> InputsRef:
    """The reference to ``(accounts, reps)`` on ``client``'s workers: scattered to every worker now, unless these
    very frames are already there."""
    with _lock:
        kept = _shared.setdefault(id(client), [])
        for entry in kept:
            if entry.accounts() is accounts and entry.reps() is reps and entry.future.status == "finished":
                kept.remove(entry)
                kept.append(entry)  # the newest
                return InputsRef(entry.future.key)
        [future] = client.scatter([(accounts, reps)], broadcast=True, hash=False)
        SCATTERS["count"] += 1
        kept[:] = [e for e in kept if e.accounts() is not None and e.future.status == "finished"]
        kept.append(_Shared(weakref.ref(accounts), weakref.ref(reps), future))
        del kept[:-KEEP_DATASETS]  # dropping the future lets the scheduler free that data on the workers
        return InputsRef(future.key)


def forget(client) -> None:
    """Drop the data kept for ``client`` (it is closing)."""
    with _lock:
        _shared.pop(id(client), None)


def inputs_on_worker(ref: InputsRef) -> tuple[pd.DataFrame, pd.DataFrame]:
    """In a task on a worker: the (accounts, reps) behind ``ref``, from this worker's memory, else from a worker
    that holds them (a worker restarted since the scatter)."""
    from distributed import Future, get_client, get_worker

    worker = get_worker()
    if ref.key in worker.data:
        return worker.data[ref.key]
    return Future(ref.key, client=get_client()).result(timeout=FETCH_TIMEOUT_S)
