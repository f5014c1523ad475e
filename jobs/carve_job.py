"""A carve as a job: its independent parts (segment × region) run on the engine.

``carve_on(...)`` solves now (the CLI, benchmarks, sweeps); ``submit_carve(...)`` starts a job that outlives
the page and records it in the store's jobs table (the Carve page).

A carve is a *run* until someone saves it: the job keeps its record (status, headline figures, the name its
proposal would be saved under) and the full result stays with the job manager for the user's sessions, but no plan
is written to the store unless the caller asks (``save_as``, as the CLI's ``--save``) or a person presses Save.
A failed or cancelled run never saves anything, so it can never replace a saved plan.
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
from planning.reporting.carve_words import bands_held, carve_headline


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
               save_as: str | None, cluster: str | None, name: str | None = None) -> Callable[[JobContext], dict]:
    """The work function of a carve job: the proposal is named ``save_as or name`` and saved only with
    ``save_as`` (an explicit request); otherwise it stays a run (see the module doc)."""

    def work(ctx: JobContext) -> dict:
        runner = ctx.runner(cluster, work_size(accounts, cs), "carve") if takes_runner() else None
        res = carve_on(accounts, reps, plan_year, cs, defaults, as_of, runner=runner,
                       progress=lambda f, m: ctx.progress(f, m), should_stop=ctx.should_stop,
                       name=save_as or name, engine_settings=ctx.engine_settings)
        out = result_summary(res)
        out["result_object"] = res
        if res.status == "cancelled":
            out.update(status="cancelled", summary="cancelled by the user")
            return out
        if not res.ok:
            out.update(status="failed", summary=carve_headline(res.status, res.gap).text,
                       error=res.diagnosis or res.status)
            return out
        out["proposal"] = res.plan.name  # what Save offers as its name
        if save_as:
            out.update(save_result(store, res, save_as, user, accounts, reps, plan_year, defaults))
        out.update(status="succeeded", summary=carve_headline(res.status, res.gap, held=bands_held(res.balance)).text)
        return out

    return work


def submit_carve(store, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of, cs: CarveSettings,
                 defaults: Settings | None = None, user: str = "", title: str = "", save_as: str | None = None,
                 cluster: str | None = None, engine_settings: EngineSettings | None = None,
                 dataset: str | None = None) -> int:
    """Start a carve job (returns its id).  Its proposal is a run named ``title`` (default "Carve <time>");
    with ``save_as`` it is also saved as that plan, only if it succeeds.

    ``dataset`` names the data the job ran on (the page's dataset version), so a page that re-attaches on
    other data does not show the result against the wrong accounts."""
    cs.validate()
    name = save_as or title or f"Carve {pd.Timestamp.now():%Y-%m-%d %H:%M:%S}"
    records = JobRecords(store.engine)
    settings = {"carve": cs.to_dict(), "accounts": int(len(accounts)), "reps": int(len(reps)),
                "plan_year": int(plan_year), "cluster": cluster or "auto", "save_as": save_as,
                "proposal": name, "dataset": dataset}
    work = carve_work(accounts, reps, plan_year, as_of, cs, defaults, store, user, save_as, cluster, name)
    return manager().submit(records, "carve", title or name, user, settings, work, engine_settings)


def record_known(store, res: CarveResult, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int,
                 user: str = "", dataset: str | None = None) -> int:
    """Record a carve whose result is already known (the same data and settings were solved before, e.g. by
    another session) as this user's job, succeeded at once, so their later sessions find it like any run.
    Nothing is solved and nothing is saved; returns the job id."""
    settings = {"carve": res.settings.to_dict() if res.settings is not None else {}, "accounts": int(len(accounts)),
                "reps": int(len(reps)), "plan_year": int(plan_year), "cluster": "cached", "save_as": None,
                "proposal": res.plan.name if res.plan is not None else None, "dataset": dataset}
    out = result_summary(res)
    out.update(status="succeeded" if res.ok else "failed", proposal=settings["proposal"], result_object=res,
               summary=carve_headline(res.status, res.gap, held=bands_held(res.balance)).text,
               error="" if res.ok else (res.diagnosis or res.status))
    return manager().submit(JobRecords(store.engine), "carve", settings["proposal"] or "Carve", user, settings,
                            lambda ctx: dict(out))
