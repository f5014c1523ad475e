"""A scenario sweep as a job: one task per scenario carve; each plan found is saved as its own new plan."""
from __future__ import annotations

from jobs.carve_job import save_result
from jobs.engine import EngineSettings
from jobs.manager import JobContext, manager
from jobs.sweep import SweepItem, run_sweep
from planning.plans.jobs_table import JobRecords


def sweep_work(items: list[SweepItem], store, user: str, title: str, cluster: str | None):
    def work(ctx: JobContext) -> dict:
        size = sum(len(i.accounts) * (i.settings.candidates + 1) for i in items)
        runner = ctx.runner(cluster, size, "sweep")
        ctx.progress(0.0, f"{len(items)} scenario carves", force=True)

        def done(i, point):
            ctx.progress(len(ctx.parts) / len(items), f"{point.name}: {point.status}", force=True)

        points, table = run_sweep(items, runner, done)
        saved = []
        for p in points:
            if p.result.ok:
                it = items[0]
                saved.append(save_result(store, p.result, f"{title} · {p.name}", user, it.accounts, it.reps,
                                         it.plan_year, it.defaults))
        table["saved_as"] = table["scenario"].map({p.name: f"{title} · {p.name}" for p in points if p.result.ok})
        ok = sum(p.result.ok for p in points)
        return {"status": "succeeded", "summary": f"{ok} of {len(points)} scenarios found a plan",
                "plans": saved, "table": table.to_dict(orient="records"), "result_object": table}

    return work


def submit_sweep(store, items: list[SweepItem], user: str = "", title: str = "Sweep", cluster: str | None = None,
                 engine_settings: EngineSettings | None = None) -> int:
    if not items:
        raise ValueError("a sweep needs at least one scenario")
    settings = {"scenarios": [{"name": i.name, "heads": i.heads, "carve": i.settings.to_dict()} for i in items],
                "cluster": cluster or "auto"}
    return manager().submit(JobRecords(store.engine), "sweep", title, user, settings,
                            sweep_work(items, store, user, title, cluster), engine_settings)
