"""Jobs on a page: follow a running job (progress per part, Cancel), and list the user's recent jobs.

A job is driven by the server process, not by the page: reloading or closing the browser leaves it running,
and the next visit re-attaches through the store's jobs table.  Cancel asks the job to stop (its tasks too).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.plans import JOB_ACTIVE, JobRecords
from ui import state
from ui.plain import md_escape
from ui.tables import show_table


def _cancel(records: JobRecords, job_id: int) -> None:
    from jobs import job_manager

    job_manager().cancel(records, job_id)


def follow(records: JobRecords, job_id: int, label: str = "Job", poll_s: float = 0.5) -> dict:
    """Show a job's progress until it ends (this script run waits; other sessions are not blocked) → its row.

    Progress is read every ``poll_s`` (a job writes it at most twice a second), but a job driven by this process
    wakes the page the moment it ends (:meth:`jobs.manager.JobManager.wait_a_while`): a finish is shown at once, not
    up to a poll later, and a slower poll costs the server fewer reads of the jobs table while it is busiest.
    A widget click reruns the page, which simply re-attaches; only the Cancel button stops the job."""
    from jobs import job_manager

    job = records.get(job_id) or {}
    with st.status(f"{label} #{job_id} running…", expanded=True) as box:
        st.button("Cancel", key=f"job_cancel_{job_id}", on_click=_cancel, args=(records, job_id),
                  help="Stops the job and its tasks; nothing is saved from a cancelled job.")
        bar = st.progress(0.0)
        parts_line = st.empty()
        shown, drawn = -1, None
        while True:
            job = records.get(job_id) or {}
            now = (float(job.get("progress") or 0.0), job.get("message") or job.get("status", ""))
            if now != drawn:  # redraw only on news: every poll's message costs the server and each browser
                drawn = now
                bar.progress(now[0], text=now[1])
            done = int(job.get("parts_done") or 0)
            if done != shown and job.get("parts"):
                shown = done
                parts_line.caption(parts_progress(job))
            if job.get("status") not in JOB_ACTIVE:
                records.mark_seen(job_id)
                break
            job_manager().wait_a_while(job_id, poll_s)
        status = job.get("status", "failed")
        where = str(job.get("engine") or "")
        engine = f" {where}" if where.startswith("in ") else f" on {where}" if where else ""  # reads "succeeded in this process" / "on a Dask cluster"
        box.update(label=f"{label} #{job_id} {status}{engine} in {job.get('seconds', 0):.1f} s",
                   state={"succeeded": "complete", "cancelled": "complete"}.get(status, "error"),
                   expanded=status not in ("succeeded", "cancelled"))
        if job.get("parts"):  # the parts' table once, after the outcome is on the page (a table is the browser's
            with parts_line.container():  # heaviest element here: redrawn per finished part it held up the label)
                show_table(parts_frame(job), key=None)
    return job


def active_job(records: JobRecords, user: str, session_key: str, kind: str) -> int | None:
    """The job this session started (``st.session_state[session_key]``), else the user's running job of ``kind``
    (after a reload), else None."""
    job_id = st.session_state.get(session_key)
    if job_id is None:
        active = records.list(user=user, status=JOB_ACTIVE, kind=kind, limit=1)
        job_id = int(active["id"].iat[0]) if len(active) else None
    return None if job_id is None else int(job_id)


def other_data(job: dict) -> bool:
    """True (and says so) when the job ran on another dataset than the one loaded now: its result would be shown
    against the wrong accounts."""
    ran_on = (job.get("settings") or {}).get("dataset")
    if ran_on and ran_on != state.dataset_version():
        st.info(f"Job #{job['id']} ran on another dataset than the one loaded now; load that data again to see "
                f"its result.")
        return True
    return False


def attach(records: JobRecords, user: str, session_key: str, kind: str, label: str) -> dict | None:
    """Follow :func:`active_job` → its row when it ended, or None when there is none."""
    job_id = active_job(records, user, session_key, kind)
    if job_id is None:
        return None
    job = follow(records, job_id, label)
    st.session_state.pop(session_key, None)
    return job


def _last_finished(records: JobRecords, user: str, kind: str, recent_minutes: float) -> pd.Series | None:
    """The job a fresh session shows: a failure the user has not seen yet, if it is the newest and recent; else
    the user's last successful job of ``kind`` (seen or not, saved or not)."""
    done = records.list(user=user, kind=kind, status=("succeeded", "failed"), limit=20)
    if not len(done):
        return None
    newest = done.iloc[0]
    recent = newest["finished_at"] > pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=recent_minutes)
    if newest["status"] == "failed" and pd.isna(newest["seen_at"]) and recent:
        return newest
    ok = done.loc[done["status"] == "succeeded"]
    return ok.iloc[0] if len(ok) else None


def pick_up(records: JobRecords, user: str, session_key: str, kind: str, label: str, shown_key: str,
            have_result: bool, recent_minutes: float = 15.0) -> dict | None:
    """:func:`attach`; else, once per session and only when the page shows no result yet (a reload, a closed
    tab, a new browser), the user's last finished job of ``kind`` — its result shown again, saved or not; a
    failure only when it is the newest, unseen and ended within ``recent_minutes`` → the job's row, or None."""
    job = attach(records, user, session_key, kind, label)
    if job is not None or have_result or st.session_state.get(shown_key):
        return job
    st.session_state[shown_key] = True
    row = _last_finished(records, user, kind, recent_minutes)
    if row is None:
        return None
    job_id, when = int(row["id"]), f"{row['finished_at']:%Y-%m-%d %H:%M} UTC"
    name = label[0].lower() + label[1:]
    if pd.isna(row["seen_at"]):
        st.caption(f"Your {name} job #{job_id} finished at {when} while you were away.")
    else:
        st.caption(f"Your last {name}: job #{job_id}, finished at {when}.")
    records.mark_seen(job_id)
    return records.get(job_id)


PART_WORDS = {"optimal": "done", "feasible": "done when the time limit struck",
              "time_limit": "done when the time limit struck", "infeasible": "no plan", "cancelled": "cancelled"}


def parts_progress(job: dict) -> str:
    """One line while a job runs: parts done of the total and the latest one's outcome, in words (plain text)."""
    parts = job.get("parts") or []
    total = int(job.get("parts_total") or len(parts))
    last = parts[-1] if parts else {}
    seconds = last.get("seconds")
    took = f", {seconds:.1f} s" if isinstance(seconds, (int, float)) else ""
    said = PART_WORDS.get(str(last.get("status")), last.get("status"))
    latest = f" — latest: {last.get('name', '')} ({said}{took})" if last else ""
    return md_escape(f"Parts done: {len(parts)} of {max(total, len(parts))}{latest}")


def parts_frame(job: dict) -> pd.DataFrame:
    """A job's parts as they finish: the part, what became of it (in words) and its seconds."""
    parts = pd.DataFrame(job.get("parts") or [], columns=["name", "status", "seconds"])
    parts["status"] = parts["status"].map(lambda s: PART_WORDS.get(str(s), s))
    return parts.rename(columns={"name": "part", "seconds": "solve_seconds"})


def jobs_frame(records: JobRecords, user: str, kind: str | None = None, limit: int = 20) -> pd.DataFrame:
    """The user's recent jobs, newest first, with canonical columns (shown through ui.tables.show_table)."""
    df = records.list(user=user, kind=kind, limit=limit)
    if df.empty:
        return df
    res = df["result"].apply(lambda r: r if isinstance(r, dict) else {})
    # the status in words only: a table cell draws no icon font, and an emoji needs a font many machines lack
    return pd.DataFrame({
        "job_id": df["id"], "status": df["status"],
        "job_name": df["title"], "parts": df["parts_done"].astype(str) + " / " + df["parts_total"].astype(str),
        "engine": df["engine"], "started_at": df["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": df["seconds"].round(1), "saved_as": res.map(lambda r: r.get("plan") or "not saved"),
        "job_result": [e or m for e, m in zip(df["error"], df["message"])],
    })


SWEEP_JOB = "sweep_job_id"


def sweep_panel(records: JobRecords, store, ds, base, user: str) -> None:
    """Carve once per scenario (territory counts of a segment, or saved capacity scenarios) as a parallel job."""
    from jobs import capacity_items, headcount_items, submit_sweep
    from jobs.sweep import SOLVER_COLUMNS, current_heads

    heads = current_heads(ds.reps, base)
    segs = list(ds.settings.segments)
    with st.form("sweep_form"):
        c1, c2, c3 = st.columns([1, 2, 2])
        seg = c1.selectbox("Segment", segs, key="sweep_segment",
                           index=segs.index("Mid-market") if "Mid-market" in segs else 0)
        now = heads.get(seg, 0)
        counts = c2.text_input("Territory counts (comma separated)", key="sweep_counts",
                               placeholder=f"e.g. {max(now - 2, 1)},{now},{now + 2} (today {now})",
                               help="More than today: open territories for planned hires, spread over the regions "
                                    "by potential. Fewer: the reps with the smallest capacity share are left out.")
        try:
            saved = store.list_scenarios("capacity")
            names = sorted(saved["name"]) if len(saved) and "name" in saved else []
        except Exception:  # noqa: BLE001 - no saved scenarios to offer is not an error
            names = []
        chosen = c3.multiselect("Saved capacity scenarios (their hiring plans)", names, key="sweep_capacity")
        save = st.checkbox("Save each plan found", key="sweep_save",
                           help="Keep each scenario's plan in the plan library as 'Sweep SEGMENT · SCENARIO'. "
                                "Without it the sweep is a run: the comparison below, nothing saved.")
        go = st.form_submit_button("Run sweep")
    if go:
        try:
            items = []
            if counts.strip():
                items += headcount_items(base, ds.accounts, ds.reps, ds.plan_year, ds.as_of, ds.settings, seg,
                                         [int(x) for x in counts.split(",") if x.strip()])
            if chosen:
                items += capacity_items(base, ds.accounts, ds.reps, ds.plan_year, ds.as_of, ds.settings,
                                        {n: store.load_scenario("capacity", n) for n in chosen})
            if not items:
                raise ValueError("enter territory counts or pick a saved capacity scenario")
            st.session_state[SWEEP_JOB] = submit_sweep(store, items, user=user, title=f"Sweep {seg}", save=save,
                                                         dataset_name=ds.name)
        except ValueError as exc:
            st.error(f"Sweep not started: {md_escape(exc)}")
    attach(records, user, SWEEP_JOB, "sweep", "Sweep")
    last = records.list(user=user, kind="sweep", limit=1)
    if len(last):
        job = records.get(int(last["id"].iat[0]))
        table = pd.DataFrame((job.get("result") or {}).get("table") or [])
        if table.empty:
            st.caption(f"Last sweep #{job['id']}: {job['status']} {md_escape(job.get('error') or '')}")
        else:
            saved = (job.get("result") or {}).get("saved")
            st.markdown(f"**Sweep #{job['id']}** ({job['status']}, {job.get('seconds', 0):.0f} s, "
                        f"{job.get('engine') or '–'}): " + ("each plan found is saved under the name in *Saved as*."
                                                             if saved else "a run, nothing saved (tick *Save each "
                                                             "plan found* to keep the plans)."))
            hidden = [*SOLVER_COLUMNS, *([] if saved else ["saved_as"])]
            show_table(table.drop(columns=hidden, errors="ignore"), key="sweep_table")


COMP_JOB = "comp_sim_job_id"


def comp_sim_job(store, result, plans: dict, cfg: dict, ds, user: str, as_user=None):
    """A simulation bigger than one chunk of draws runs as a job (its chunks on the cluster when one is configured):
    a button starts it, the page follows it with progress per chunk and Cancel, and re-attaches after a reload.
    Returns the finished simulation, or None (not started yet, running elsewhere, cancelled or failed)."""
    from jobs import job_manager, submit_comp_sim

    records = JobRecords(store.engine)
    st.info(f"{int(cfg['n_draws']):,} draws is a large simulation: it runs as a job in chunks, which keeps running "
            f"if you leave the page, and gives the same numbers wherever its chunks run.")
    if st.button(f"Simulate {int(cfg['n_draws']):,} draws", key="comp_sim_job_btn", type="primary"):
        try:
            st.session_state[COMP_JOB] = submit_comp_sim(
                store, plans, result, user=user, title=f"Comp simulation {result.plan_name}",
                dataset=None, as_user=as_user, history=ds.history, defaults=ds.settings, **cfg)
        except ValueError as exc:
            st.error(f"Simulation not started: {md_escape(exc)}")
            return None
    job = attach(records, user, COMP_JOB, "comp_sim", "Comp simulation")
    if job is None:
        return None
    job_id = job.get("id")
    if job.get("status") == "cancelled":
        st.info(f"Comp simulation #{job_id} was cancelled.")
    elif job.get("status") == "failed":
        st.error(f"Comp simulation #{job_id} failed: {md_escape(job.get('error') or job.get('message'))}")
    return job_manager().result(int(job_id), records)
