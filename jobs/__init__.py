"""The job layer: carve parts, scenario sweeps and long solves as jobs on Dask (in this process by default).

Public names (loaded lazily, so importing ``jobs`` does not import Dask or the solvers):

* engine: :class:`EngineSettings`, :func:`resolve` (auto | local | inprocess | scheduler address), :func:`shutdown`,
  :func:`prestart_local` (the local cluster started in the background, warm), :func:`local_ready`;
* runners (the carve's runner protocol, :mod:`optimizers.carve.runners`): :class:`InProcessRunner`, :class:`DaskRunner`,
  :func:`make_runner`, :class:`PartFailed`;
* jobs that outlive the page: :func:`job_manager`, :func:`submit_carve`, :func:`submit_sweep`, :func:`carve_on`,
  :func:`current_user`, and the store's :class:`JobRecords`;
* the moves-vs-travel curve: :func:`frontier_on`, :func:`submit_frontier` (its points as tasks);
* comp simulations: :func:`simulate_on`, :func:`submit_comp_sim` (their draws in chunks as tasks);
* sweeps: :func:`headcount_items`, :func:`capacity_items`, :func:`run_sweep`, :func:`sweep_table`.
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_NAMES = {
    "EngineSettings": "jobs.engine", "resolve": "jobs.engine", "shutdown": "jobs.engine", "describe": "jobs.engine",
    "client_for": "jobs.engine", "dask_available": "jobs.engine", "prestart_local": "jobs.engine",
    "local_ready": "jobs.engine",
    "InProcessRunner": "jobs.runner", "DaskRunner": "jobs.runner", "make_runner": "jobs.runner",
    "PartFailed": "jobs.runner",
    "job_manager": "jobs.manager", "JobContext": "jobs.manager",
    "submit_carve": "jobs.carve_job", "carve_on": "jobs.carve_job",
    "submit_sweep": "jobs.sweep_job",
    "submit_frontier": "jobs.frontier_job", "frontier_on": "jobs.frontier_job",
    "submit_comp_sim": "jobs.comp_job", "simulate_on": "jobs.comp_job",
    "headcount_items": "jobs.sweep", "capacity_items": "jobs.sweep", "run_sweep": "jobs.sweep",
    "sweep_table": "jobs.sweep",
    "current_user": "jobs.user",
    "JobRecords": "planning.plans.jobs_table",
}
__all__ = sorted(_NAMES)

__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
