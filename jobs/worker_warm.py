"""Preloaded by every worker process of the local Dask cluster as it starts (:mod:`jobs.local_cluster` passes
this module as Dask's ``preload``, so a worker the nanny restarts gets it too).

Why: a worker's first task otherwise imports pandas, SciPy, HiGHS and the carve before it can start (~1.2 s on this
machine idle, several seconds under load), and that lands on the first user whose carve goes there.  Imports are
not all of it: a process's first carve also pays for code paths run once (pandas' and SciPy's lazy imports, the
first sparse LP, the plan's metrics), ~0.2 CPU s of the demo's account carve's ~1.0 (profiled 2026-12-02: 1.17 CPU s
cold, 0.94 warm; the county default since 2026-12-03 takes ~5 CPU s, most of it the contiguity cut loop).  So the
warm-up also carves the demo's smallest segment (180 accounts: ~0.3 CPU s warm, ~0.8 cold).
A worker reports ready only after this ran, so the cluster's start (in the background:
:func:`jobs.engine.prestart_local`) pays it once, not a user.
"""
from __future__ import annotations

import time

WARMED: dict[str, float] = {}  # what was warmed and in how many seconds (read by tests through client.run)
WARM_CARVE_LIMIT_S = 30.0  # the warm-up carve's time limit (it takes well under a second)


def warm_carve() -> str:
    """Carve the demo's smallest segment, one part on this thread, as a carve task would → the carve's status."""
    from jobs.carve_job import carve_on
    from jobs.runner import InProcessRunner
    from optimizers.carve import CarveSettings
    from planning.data.dataset import load_sample

    ds = load_sample()
    segment = ds.accounts["segment"].value_counts().idxmin()
    accounts = ds.accounts.loc[ds.accounts["segment"] == segment]
    reps = ds.reps.loc[ds.reps["segment"] == segment]
    res = carve_on(accounts, reps, ds.plan_year, CarveSettings(time_limit=WARM_CARVE_LIMIT_S), ds.settings,
                   ds.as_of, runner=InProcessRunner(None, workers=1))
    return res.status


def warm() -> dict[str, float]:
    """Import what a carve task needs, build one HiGHS model (its first construction loads the library and
    prints a banner, which :func:`optimizers.carve.solvers.new_highs` swallows) and carve a small slice of the demo
    → seconds per step.  A failed warm-up carve is only noted (``carve_failed``): the worker still serves."""
    t0 = time.perf_counter()
    import jobs.carve_job  # noqa: F401 - the task's own module: pandas, the carve, the planning core
    import jobs.runner  # noqa: F401

    t1 = time.perf_counter()
    from optimizers.carve.solvers import new_highs

    new_highs()
    t2 = time.perf_counter()
    try:
        warm_carve()
    except Exception:  # noqa: BLE001 - a warm-up must never keep a worker from starting
        WARMED["carve_failed"] = 1.0
    t3 = time.perf_counter()
    WARMED.update(imports_s=round(t1 - t0, 3), highs_s=round(t2 - t1, 3), carve_s=round(t3 - t2, 3))
    return dict(WARMED)


def lower_priority() -> int:
    """Lower this worker process's OS priority to the niceness its cluster was started with (env
    PLANNER_WORKER_NICE, set by :mod:`jobs.local_cluster`; see :attr:`jobs.engine.EngineSettings.worker_nice`)
    → the niceness now.  A niceness is only ever raised, so a restarted worker asks for no more than it has."""
    import os

    want = os.environ.get("PLANNER_WORKER_NICE", "").strip()
    now = os.nice(0)
    if want.isdigit() and int(want) > now:
        now = os.nice(min(int(want), 19) - now)
    WARMED["nice"] = float(now)
    return now


def dask_setup(worker=None) -> None:
    """Dask's preload hook, called in the worker process before it registers with the scheduler: its priority
    lowered first, so even the warm-up never takes a core from the web server."""
    lower_priority()
    warm()
