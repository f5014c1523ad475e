"""A carve as a job: its independent parts (segment × region) run on the engine; the plan is saved on success.

``carve_on(...)`` solves now (the CLI, benchmarks, sweeps); ``submit_carve(...)`` starts a job that outlives
the page and records it in the store's jobs table (the Carve page).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable

import pandas as pd

from jobs.engine import EngineSettings, describe, resolve
from jobs.manager import JobContext, manager
from jobs.runner import make_runner
from optimizers.carve import CarveResult, CarveSettings, TerritoryCarver
from planning.data.defaults import Settings
from planning.plans.jobs_table import JobRecords


def takes_runner() -> bool:
    """Whether this carve accepts a part runner (the decomposed carve's ``runner=`` hook)."""
    return "runner" in inspect.signature(TerritoryCarver.solve).parameters


def work_size(accounts: pd.DataFrame, cs: CarveSettings) -> int:
    """Candidate pairs the carve will roughly have (each account's k nearest territories plus its own)."""
    return len(accounts) * (cs.candidates + 1)


def carve_on(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, cs: CarveSettings,
             defaults: Settings | None = None, as_of=None, cluster: str | None = None, runner=None,
             progress: Callable[[float, str], None] | None = None, should_stop: Callable[[], bool] | None = None,
             name: str | None = None, engine_settings: EngineSettings | None = None) -> CarveResult:
    """The carve with its parts on ``cluster`` (auto | local | inprocess | scheduler address), or on ``runner``."""
    kw = {}
    if takes_runner():
        if runner is None:
            engine = resolve(cluster, work_size(accounts, cs), engine_settings)
            if progress is not None:
                progress(0.0, f"parts run {describe(engine)}")
            runner = make_runner(engine, should_stop, (engine_settings or EngineSettings()).retries, "carve",
                                 engine_settings)
        kw["runner"] = runner
    return TerritoryCarver(cs, defaults).solve(accounts, reps, plan_year, as_of=as_of, progress=progress,
                                               should_stop=should_stop, name=name, **kw)


def result_summary(res: CarveResult) -> dict:
    """Headline figures of a carve for the job's result reference (JSON-safe)."""
    out = {"carve_status": res.status, "gap": res.gap, "objective": res.objective, "bound": res.bound,
           "seconds_build": res.seconds_build, "seconds_solve": res.seconds_solve}
    if res.ok:
        out.update(moves=int(len(res.moves)), arr_moved_usd=float(res.moves["arr_usd"].sum()),
                   worst_dev_after=float(res.balance["worst_dev_after"].max()),
                   total_distance_mi=res.stats.get("total_distance_mi"), territories=int(len(res.plan.territories)))
    return out


def save_result(store, res: CarveResult, name: str, author: str, accounts, reps, plan_year: int,
                defaults: Settings | None, note: str = "") -> dict:
    """Save a successful carve as a plan (with the library's headline figures, as the page and CLI save it);
    returns its reference.  Never called for a failed or cancelled carve."""
    from planning.plans import plan_summary

    headline = plan_summary(res.plan, accounts, reps, plan_year, defaults or Settings())
    v = store.save_plan(res.plan, name=name, author=author, note=note or res.summary(),
                        summary={**headline, "status": res.status, "gap": res.gap, "moves": len(res.moves)})
    return {"plan": name, "version": int(getattr(v, "version", 1))}


def carve_work(accounts, reps, plan_year, as_of, cs: CarveSettings, defaults: Settings | None, store, user: str,
               save_as: str | None, cluster: str | None) -> Callable[[JobContext], dict]:
    """The work function of a carve job."""

    def work(ctx: JobContext) -> dict:
        runner = ctx.runner(cluster, work_size(accounts, cs), "carve") if takes_runner() else None
        res = carve_on(accounts, reps, plan_year, cs, defaults, as_of, runner=runner,
                       progress=lambda f, m: ctx.progress(f, m), should_stop=ctx.should_stop,
                       name=save_as, engine_settings=ctx.engine_settings)
        out = result_summary(res)
        out["result_object"] = res
        if res.status == "cancelled":
            out.update(status="cancelled", summary="cancelled by the user")
            return out
        if not res.ok:
            out.update(status="failed", summary=f"no plan: {res.status}", error=res.diagnosis or res.status)
            return out
        name = save_as or res.plan.name
        out.update(save_result(store, res, name, user, accounts, reps, plan_year, defaults))
        out.update(status="succeeded", summary=res.summary())
        return out

    return work


def submit_carve(store, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of, cs: CarveSettings,
                 defaults: Settings | None = None, user: str = "", title: str = "", save_as: str | None = None,
                 cluster: str | None = None, engine_settings: EngineSettings | None = None,
                 dataset: str | None = None) -> int:
    """Start a carve job (returns its id).  The proposal is saved as plan ``save_as`` only if it succeeds.

    ``dataset`` names the data the job ran on (the page's dataset version), so a page that re-attaches on
    other data does not show the result against the wrong accounts."""
    cs.validate()
    save_as = save_as or f"Carve {pd.Timestamp.now():%Y-%m-%d %H:%M:%S}"
    records = JobRecords(store.engine)
    settings = {"carve": cs.to_dict(), "accounts": int(len(accounts)), "reps": int(len(reps)),
                "plan_year": int(plan_year), "cluster": cluster or "auto", "save_as": save_as,
                "dataset": dataset}
    work = carve_work(accounts, reps, plan_year, as_of, cs, defaults, store, user, save_as, cluster)
    return manager().submit(records, "carve", title or save_as, user, settings, work, engine_settings)
