"""A scenario sweep as a job: one task per scenario carve.

Like a carve (:mod:`jobs.carve_job`), a sweep is a *run* until someone asks for its plans: the job keeps the
comparison table (and, for the user's sessions, the points with their plans), and each plan found is named
"TITLE · SCENARIO" (the table's ``proposal``), but it is written to the store only with ``save=True`` (the
CLI's ``--save``, the page's "Save each plan found").  A scenario that found no plan, or a failed or cancelled
sweep, saves nothing.
"""
from __future__ import annotations

from jobs.carve_job import save_result
from jobs.engine import EngineSettings
from jobs.manager import JobContext, manager
from jobs.sweep import SweepItem, run_sweep
from planning.plans.jobs_table import JobRecords


def plan_name(title: str, scenario: str) -> str:
    """The name a sweep scenario's plan is saved (or offered) under: "TITLE · SCENARIO"."""
    return f"{title} · {scenario}"


def sweep_work(items: list[SweepItem], store, user: str, title: str, cluster: str | None, save: bool = False,
               dataset_name: str = ""):
    """The work function of a sweep job; the plans found are saved only with ``save`` (see the module doc),
    stamped as made on ``dataset_name``."""

    def work(ctx: JobContext) -> dict:
        size = sum(len(i.accounts) * (i.settings.candidates + 1) for i in items)
        runner = ctx.runner(cluster, size, "sweep")
        ctx.progress(0.0, f"{len(items)} scenario carves", force=True)

        def done(i, point):
            ctx.progress(len(ctx.parts) / len(items), f"{point.name}: {point.status}", force=True)

        points, table = run_sweep(items, runner, done)
        found = [p for p in points if p.result.ok]
        table["proposal"] = table["scenario"].map({p.name: plan_name(title, p.name) for p in found})
        saved = []
        if save:
            from planning.plans.saving import MadeOn

            it = items[0]  # every scenario carves the same data
            data = MadeOn(dataset_name, it.accounts, it.reps, it.plan_year, it.defaults)
            saved = [save_result(store, p.result, plan_name(title, p.name), user, data) for p in found]
        table["saved_as"] = table["proposal"] if save else None
        summary = f"{len(found)} of {len(points)} scenarios found a plan"
        summary += (f"; {len(saved)} saved" if save else "; none saved (a run)") if found else ""
        return {"status": "succeeded", "summary": summary, "plans": saved, "saved": bool(save),
                "table": table.to_dict(orient="records"), "result_object": {"points": points, "table": table}}

    return work


def submit_sweep(store, items: list[SweepItem], user: str = "", title: str = "Sweep", cluster: str | None = None,
                 engine_settings: EngineSettings | None = None, save: bool = False, dataset_name: str = "") -> int:
    """Start a sweep job (returns its id); with ``save`` each plan found is saved as "TITLE · SCENARIO", made on
    ``dataset_name`` (the Dataset's name)."""
    if not items:
        raise ValueError("a sweep needs at least one scenario")
    settings = {"scenarios": [{"name": i.name, "heads": i.heads, "carve": i.settings.to_dict()} for i in items],
                "cluster": cluster or "auto", "save": bool(save)}
    return manager().submit(JobRecords(store.engine), "sweep", title, user, settings,
                            sweep_work(items, store, user, title, cluster, save, dataset_name), engine_settings)
