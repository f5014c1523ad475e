"""A large comp simulation as a job: its draws in chunks (each with a stream of its own) on the engine.

The chunks are fixed by the draw count and ``chunk_draws`` alone (:func:`planning.compensation.chunk_rng`), so
the numbers are identical in this process and on any number of workers.  In-process by default; a local Dask
cluster or a scheduler address when asked (``cluster``).  A simulation is not a plan: its headline figures go to
the job's row in the store, and the full result stays with the server process that ran it.
"""
from __future__ import annotations

from collections.abc import Callable

from jobs.engine import EngineSettings, describe, resolve
from jobs.manager import JobContext, manager
from jobs.runner import make_runner
from planning.compensation import CHUNK_DRAWS, CompSimResult, simulate_cost
from planning.plans.jobs_table import JobRecords


def simulate_on(plans: dict, quotas, cluster: str | None = None, runner=None,
                progress: Callable[[float, str], None] | None = None, should_stop: Callable[[], bool] | None = None,
                engine_settings: EngineSettings | None = None, chunk_draws: int = CHUNK_DRAWS,
                **kw) -> CompSimResult:
    """:func:`~planning.compensation.simulate_cost` with its chunks on ``cluster`` (inprocess by default, local, or
    a scheduler address) or on ``runner``; ``kw`` are simulate_cost's own arguments."""
    if runner is None:
        es = engine_settings or EngineSettings()
        engine = resolve(cluster, None, es)  # in this process unless a cluster is asked for (or configured)
        if progress is not None:
            progress(0.0, f"draws run {describe(engine)}")
        runner = make_runner(engine, should_stop, es.retries, "draws", es)
    prog = (lambda f: progress(f, f"{f:.0%} of the draws")) if progress is not None else None
    return simulate_cost(plans, quotas, runner=runner, progress=prog, chunk_draws=chunk_draws, **kw)


def sim_summary(res: CompSimResult) -> dict:
    """Headline figures of a simulation for the job's row (JSON-safe)."""
    s = res.summary()
    return {"draws": int(res.n_draws), "seed": int(res.seed), "distribution": res.distribution,
            "reps": int(len(res.reps)), "probability_of_target": res.probability_of_target(),
            "summary_table": s.to_dict(orient="records")}


def comp_sim_work(plans: dict, quotas, cluster: str | None, chunk_draws: int, kw: dict) -> Callable[[JobContext], dict]:
    def work(ctx: JobContext) -> dict:
        runner = ctx.runner(cluster, None, "draws")
        res = simulate_on(plans, quotas, runner=runner, progress=lambda f, m: ctx.progress(f, m),
                          should_stop=ctx.should_stop, chunk_draws=chunk_draws, **kw)
        mean_cost = float(res.total_variable_cost.mean())
        return {"status": "succeeded", **sim_summary(res), "result_object": res,
                "summary": f"{res.n_draws:,} draws: mean variable cost {mean_cost:,.0f} USD, "
                           f"P(bookings ≥ target) {res.probability_of_target():.0%}"}

    return work


def submit_comp_sim(store, plans: dict, quotas, user: str = "", title: str = "Comp simulation",
                    cluster: str | None = None, engine_settings: EngineSettings | None = None,
                    chunk_draws: int = CHUNK_DRAWS, dataset: str | None = None, as_user=None, **kw) -> int:
    """Start a comp simulation job (returns its id) recorded under ``user``; ``kw`` are :func:`simulate_cost`'s
    arguments (n_draws, seed, distribution, history, defaults, correlation, early_churn_share); ``as_user`` (a
    :class:`planning.access.User`) must be allowed to see comp."""
    from planning.compensation import plans_to_dict, simulation_spec

    if as_user is not None:
        kw["user"] = as_user
    spec = simulation_spec(plans, quotas, chunk_draws=chunk_draws, **kw)  # fail now, not in the job
    settings = {"plans": plans_to_dict(plans), "draws": spec.n_draws, "seed": spec.seed,
                "distribution": spec.distribution, "correlation": spec.correlation,
                "early_churn_share": spec.early_churn_share, "chunk_draws": spec.chunk_draws,
                "chunks": spec.n_chunks, "reps": int(len(spec.quotas)), "cluster": cluster or "auto",
                "dataset": dataset}
    return manager().submit(JobRecords(store.engine), "comp_sim", title, user, settings,
                            comp_sim_work(plans, quotas, cluster, chunk_draws, kw), engine_settings)
