"""Preloaded by every worker process of the local Dask cluster as it starts (:mod:`jobs.local_cluster` passes
this module as Dask's ``preload``, so a worker the nanny restarts gets it too).

Why: a worker's first task otherwise imports pandas, SciPy, HiGHS and the carve before it can start (~1.2 s on this
machine idle, several seconds under load), and that lands on the first user whose carve goes there.  A worker
reports ready only after this ran, so the cluster's start (in the background: :func:`jobs.engine.prestart_local`)
pays it once, not a user.
"""
from __future__ import annotations

import time

WARMED: dict[str, float] = {}  # what was warmed and in how many seconds (read by tests through client.run)


def warm() -> dict[str, float]:
    """Import what a carve task needs and build one HiGHS model (its first construction loads the library and
    prints a banner, which :func:`optimizers.carve.solvers.new_highs` swallows) → seconds per step."""
    t0 = time.perf_counter()
    import jobs.carve_job  # noqa: F401 - the task's own module: pandas, the carve, the planning core
    import jobs.runner  # noqa: F401

    t1 = time.perf_counter()
    from optimizers.carve.solvers import new_highs

    new_highs()
    t2 = time.perf_counter()
    WARMED.update(imports_s=round(t1 - t0, 3), highs_s=round(t2 - t1, 3))
    return dict(WARMED)


def dask_setup(worker=None) -> None:
    """Dask's preload hook, called in the worker process before it registers with the scheduler."""
    warm()
