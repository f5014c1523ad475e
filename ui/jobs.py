"""Jobs on a page: follow a running job (progress per part, Cancel), and list the user's recent jobs.

A job is driven by the server process, not by the page: reloading or closing the browser leaves it running,
and the next visit re-attaches through the store's jobs table.  Cancel asks the job to stop (its tasks too).
"""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from planning.plans import JOB_ACTIVE, JobRecords

STATUS_ICON = {"queued": "⏳", "running": "▶️", "succeeded": "✅", "failed": "❌", "cancelled": "⏹️",
               "interrupted": "⚠️"}


def _cancel(records: JobRecords, job_id: int) -> None:
    from jobs import job_manager

    job_manager().cancel(records, job_id)


def follow(records: JobRecords, job_id: int, label: str = "Job", poll_s: float = 0.3) -> dict:
    """Show a job's progress until it ends (this script run waits; other sessions are not blocked) → its row.

    A widget click reruns the page, which simply re-attaches; only the Cancel button stops the job."""
    job = records.get(job_id) or {}
    with st.status(f"{label} #{job_id} running…", expanded=True) as box:
        st.button("Cancel", key=f"job_cancel_{job_id}", on_click=_cancel, args=(records, job_id),
                  help="Stops the job and its tasks; nothing is saved from a cancelled job.")
        bar = st.progress(0.0)
        parts_view = st.empty()
        shown = -1
        while True:
            job = records.get(job_id) or {}
            bar.progress(float(job.get("progress") or 0.0), text=job.get("message") or job.get("status", ""))
            done = int(job.get("parts_done") or 0)
            if done != shown and job.get("parts"):
                shown = done
                parts_view.dataframe(parts_frame(job), hide_index=True, width="stretch")
            if job.get("status") not in JOB_ACTIVE:
                break
            time.sleep(poll_s)
        status = job.get("status", "failed")
        engine = f" on {job['engine']}" if job.get("engine") else ""
        box.update(label=f"{label} #{job_id} {status}{engine} in {job.get('seconds', 0):.1f} s",
                   state={"succeeded": "complete", "cancelled": "complete"}.get(status, "error"),
                   expanded=status not in ("succeeded", "cancelled"))
    return job


def parts_frame(job: dict) -> pd.DataFrame:
    parts = pd.DataFrame(job.get("parts") or [], columns=["name", "status", "seconds"])
    return parts.rename(columns={"name": "part", "seconds": "seconds (solve)"})


def jobs_frame(records: JobRecords, user: str, kind: str | None = None, limit: int = 20) -> pd.DataFrame:
    """The user's recent jobs as a display table (newest first)."""
    df = records.list(user=user, kind=kind, limit=limit)
    if df.empty:
        return df
    res = df["result"].apply(lambda r: r if isinstance(r, dict) else {})
    return pd.DataFrame({
        "job": df["id"], "status": df["status"].map(lambda s: f"{STATUS_ICON.get(s, '')} {s}"),
        "title": df["title"], "parts": df["parts_done"].astype(str) + " / " + df["parts_total"].astype(str),
        "engine": df["engine"], "started (UTC)": df["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": df["seconds"].round(1), "saved as": res.map(lambda r: r.get("plan") or ""),
        "result / error": [e or m for e, m in zip(df["error"], df["message"])],
    })
