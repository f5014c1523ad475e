"""`jobs` (list, show, cancel) and `sweep` (one carve per capacity scenario, as parallel tasks)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from cli.common import echo_table, uses_data
from planning.reporting import label, label_of, text_cell

jobs_app = typer.Typer(help="Long solves started from the app or the CLI: list them, show one, cancel one.",
                       no_args_is_help=True)
DbOpt = Annotated[Optional[str], typer.Option("--db", help="Plan store URL (default $DATABASE_URL or a local SQLite file).")]


def _records(db: str | None):
    from planning.plans import JobRecords, PlanStore

    return JobRecords(PlanStore(db).engine)


@jobs_app.command("list")
def list_jobs(user: Annotated[Optional[str], typer.Option(help="Only this user's jobs (default: everyone's).")] = None,
              status: Annotated[Optional[str], typer.Option(help="Only jobs in this status (queued, running, succeeded, failed, cancelled, interrupted).")] = None,
              limit: Annotated[int, typer.Option(help="Newest this many.")] = 30, db: DbOpt = None):
    """Recent jobs, newest first: who started what, status, parts done, engine, seconds, result."""
    rec = _records(db)
    rec.mark_orphans()
    df = rec.list(user=user, status=(status,) if status else None, limit=limit)
    if df.empty:
        typer.echo("(no jobs)")
        return
    res = df["result"].apply(lambda r: r if isinstance(r, dict) else {})
    echo_table(pd.DataFrame({
        "job_id": df["id"], "kind": df["kind"], "user_name": df["user_name"], "status": df["status"],
        "job_name": df["title"], "parts": df["parts_done"].astype(str) + "/" + df["parts_total"].astype(str),
        "engine": df["engine"], "started_at": df["started_at"], "seconds": df["seconds"],
        "job_result": [r.get("plan") or (e[:60] if e else m[:60]) for r, e, m in zip(res, df["error"], df["message"])],
    }))
    typer.echo("(times in UTC)")


@jobs_app.command("show")
def show_job(job_id: Annotated[int, typer.Argument(help="Job id (see `jobs list`).")], db: DbOpt = None):
    """One job: settings, status, per-part timings, result or error."""
    import json

    job = _records(db).get(job_id)
    if job is None:
        typer.secho(f"error: no job {job_id}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    fields = {"job_id": "id", "kind": "kind", "job_name": "title", "user_name": "user_name", "status": "status",
              "engine": "engine", "job_message": "message", "created_at": "created_at", "started_at": "started_at",
              "finished_at": "finished_at", "seconds": "seconds", "error": "error"}
    for name, key in fields.items():  # in the registry's words; times in UTC
        typer.echo(f"{label(name):>14}: {text_cell(job[key], label_of(name).kind)}")
    typer.echo(f"{label('parts'):>14}: {job['parts_done']} of {job['parts_total']}")
    if job["parts"]:
        echo_table(pd.DataFrame(job["parts"]))
    if job["result"].get("table"):
        echo_table(pd.DataFrame(job["result"]["table"]).drop(columns=["diagnosis"], errors="ignore"))
    # the stored result and settings as the machine keeps them (JSON with canonical names, for scripts)
    result = {k: v for k, v in job["result"].items() if k not in ("table", "traceback")}
    typer.echo(f"result (JSON): {json.dumps(result, default=str)}")
    typer.echo(f"settings (JSON): {json.dumps(job['settings'], default=str)[:2000]}")


@jobs_app.command("cancel")
def cancel_job(job_id: Annotated[int, typer.Argument(help="Job id (see `jobs list`).")], db: DbOpt = None):
    """Ask a queued or running job to stop (the process driving it stops its tasks; nothing is saved)."""
    if not _records(db).request_cancel(job_id):
        typer.secho(f"job {job_id} is not running (or does not exist)", fg=typer.colors.YELLOW)
        raise typer.Exit(1)
    typer.echo(f"cancel requested for job {job_id}")


def follow_job(rec, job_id: int) -> dict:
    """Print a job's progress until it ends; Ctrl-C cancels it."""
    from jobs import job_manager

    last = None
    try:
        while not job_manager().wait(job_id, 0.5):
            job = rec.get(job_id)
            line = f"  … {job['parts_done']}/{job['parts_total']} parts · {job['message']}"
            if line != last:
                typer.echo(line, err=True)
                last = line
    except KeyboardInterrupt:
        job_manager().cancel(rec, job_id)
        job_manager().wait(job_id, 60)
    return rec.get(job_id)


@uses_data
def sweep(segment: Annotated[Optional[str], typer.Option(help="Segment whose territory count changes, with --heads.")] = None,
          heads: Annotated[Optional[str], typer.Option(help="Territory counts to carve for, comma separated, e.g. 40,45,50 (more than today: open territories for planned hires; fewer: the reps with the smallest capacity share are left out).")] = None,
          capacity: Annotated[Optional[list[str]], typer.Option(help="A saved capacity scenario: its hiring plan becomes open territories (start month pro-rates capacity); repeatable.")] = None,
          config: Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML/TOML base carve settings (as for `carve`).")] = None,
          time_limit: Annotated[Optional[float], typer.Option(help="Time limit per scenario carve, seconds.")] = None,
          cluster: Annotated[Optional[str], typer.Option("--cluster", help="auto, local, inprocess or a Dask scheduler address (see `carve --help`).")] = None,
          workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes of the local cluster.")] = None,
          title: Annotated[str, typer.Option(help="Job title; each plan found is named 'TITLE · SCENARIO'.")] = "Sweep",
          save: Annotated[bool, typer.Option("--save", help="Save each plan found in the plan store as 'TITLE · SCENARIO' (needs a role that may change plans). Without it the sweep is a run: the table only.")] = False,
          out: Annotated[Optional[Path], typer.Option(help="Write the comparison table (CSV, canonical column names).")] = None,
          user: Annotated[Optional[str], typer.Option("--user", help="Recorded as who started the job (default: your login).")] = None,
          db: DbOpt = None, ds=None):
    """Carve once per capacity scenario, in parallel, and compare: "carve for 40, 45 and 50 Mid-market reps".

    Each scenario is one task on the engine; with --save each plan found is saved as a new plan (as the acting
    user, --as), otherwise nothing is saved. Exit status: 0 every scenario found a plan, 1 some did not (or the
    job was cancelled / failed), 2 bad input, 3 --save by a role that may not change plans."""
    from cli.carve import build_settings
    from optimizers.carve import company_carve_defaults
    from jobs import EngineSettings, capacity_items, current_user, headcount_items, submit_sweep
    from jobs.sweep import SOLVER_COLUMNS
    from planning.plans import JobRecords, PlanStore

    try:
        base = build_settings(config, company_carve_defaults(ds.settings), time_limit=time_limit)
        items = []
        if heads:
            if not segment:
                raise ValueError("--heads needs --segment")
            counts = [int(x) for x in heads.split(",") if x.strip()]
            items += headcount_items(base, ds.accounts, ds.reps, ds.plan_year, ds.as_of, ds.settings, segment,
                                     counts)
        store = PlanStore(db)
        if capacity:
            scen = {n: store.load_scenario("capacity", n) for n in capacity}
            items += capacity_items(base, ds.accounts, ds.reps, ds.plan_year, ds.as_of, ds.settings, scen)
        if not items:
            raise ValueError("give --segment with --heads, and/or --capacity NAME")
    except (ValueError, OSError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    if save:  # the saves are the acting user's: refused (exit 3) before anything runs
        from cli.common import acting_user
        from planning.access import Permission, author_name, require

        actor = acting_user(db)
        require(actor, Permission.EDIT_PLANS)
        user = user or author_name(actor)
    t0 = time.perf_counter()
    job_id = submit_sweep(store, items, user=current_user(user), title=title, cluster=cluster,
                          engine_settings=EngineSettings(workers=workers or 0), save=save,
                          dataset_name=ds.name)
    typer.echo(f"job {job_id}: {len(items)} scenario carves")
    job = follow_job(JobRecords(store.engine), job_id)
    typer.echo(f"job {job_id} {job['status']} ({job['engine'] or '–'}) in {time.perf_counter() - t0:,.1f} s")
    table = pd.DataFrame(job["result"].get("table") or [])
    if not table.empty:
        hidden = ["diagnosis", *SOLVER_COLUMNS, *([] if save else ["saved_as"])]
        echo_table(table.drop(columns=hidden, errors="ignore"))
        if out is not None:
            table.to_csv(out, index=False)
            typer.echo(f"wrote {out}")
        saved = (job["result"] or {}).get("plans") or []
        typer.echo(f"saved {len(saved)} plans: " + ", ".join(p["plan"] for p in saved) if saved
                   else "nothing saved: no scenario found a plan" if save
                   else "nothing saved (a run): add --save to keep each plan found as 'TITLE · SCENARIO'")
    if job["status"] != "succeeded":
        typer.secho(job["error"] or job["message"], fg=typer.colors.RED)
        raise typer.Exit(1)
    if table.empty or table["gap"].isna().any():  # a scenario without a plan
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
    app.command()(sweep)
