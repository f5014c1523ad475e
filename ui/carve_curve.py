"""The Carve page's "Moves vs travel" panel: solve the curve as a job, follow it (also after a reload), and pick a
point as the result on show.  A curve is a run: its points are kept with the job, and a picked point is saved
only from the Save tab, like any carve."""
from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from jobs import job_manager, submit_frontier
from jobs.frontier_job import point_plan_name
from optimizers.carve import CarveSettings
from planning.plans.frontier import Frontier, pick_point
from planning.plans import JobRecords
from ui import carve_runs, state
from ui.access import plain
from ui.frontier import curve_view, point_caption
from ui.jobs import active_job, other_data, pick_up

FRONTIER = "carve_frontier"  # (settings key, Frontier, curve title, job id, view id) of the curve on show
FRONTIER_JOB = "carve_frontier_job_id"
FRONTIER_SHOWN = "carve_frontier_latest_shown"
RECENT_MINUTES = 15


def _adopt_curve(job: dict, records: JobRecords) -> None:
    """Show a finished curve job in this session: its points to pick from (when this server still holds them)."""
    if other_data(job):
        return
    jid, status = int(job["id"]), job["status"]
    if status == "cancelled":
        st.info(f"Curve job #{jid} was cancelled; nothing was saved.")
        return
    if status != "succeeded":
        st.error(f"No curve (job #{jid} {status}): {plain(job.get('error') or job.get('message'))}")
        return
    front = job_manager().result(jid, records)
    if not isinstance(front, Frontier):  # the server restarted since: the points were runs, not saved
        st.info(f"Curve job #{jid} finished, but this server no longer holds its points (it restarted since). "
                f"Solve the curve again to pick one.")
        return
    f_key = carve_runs.settings_key(CarveSettings.from_dict(job["settings"]["carve"]))
    title = (job.get("result") or {}).get("title") or job.get("title") or f"Curve {jid}"
    # a picked point is cached under the view's own id: job ids repeat across stores, and a cache hit on an old
    # key would show another curve's point
    st.session_state[FRONTIER] = (f_key, front, title, jid, uuid.uuid4().hex)


def curve_panel(records: JobRecords, store, user: str, ds, cs: CarveSettings, settings_key: str) -> None:
    """The expander: points slider, Solve the curve, the curve and its table, and picking a point.  ``store``
    and ``ds``: the page's view's (ui.scoped.view().store, ScopedView.carve_input())."""
    curve_running = active_job(records, user, FRONTIER_JOB, "frontier") is not None
    # open while this session works with a curve: its button pressed in this run, its job followed, its points
    # shown.  Streamlit applies a changed ``expanded`` to the open expander, so "a curve is shown or running" alone
    # closed it under the person's eyes twice: in the run of the click (the job not yet submitted) and in the run
    # that sees the job end (its points adopted only inside the expander)
    working = st.session_state.get("carve_frontier_btn") or FRONTIER_JOB in st.session_state
    with st.expander("Moves vs travel: the trade-off curve",
                     expanded=bool(FRONTIER in st.session_state or curve_running or working)):
        st.caption("A short series of carves with the settings above, from the fewest moves the bands allow (exact, "
                   "with its bound) to the shortest travel. The points run as a job that keeps running if you leave "
                   "the page; pick a point to see it here, and save it from the last tab if you want to keep it.")
        f1, f2 = st.columns([1, 3])
        n_points = f1.slider("Points", 3, 8, 5, key="carve_frontier_points")
        if f2.button("Solve the curve", key="carve_frontier_btn", disabled=curve_running):
            st.session_state[FRONTIER_JOB] = submit_frontier(
                store, ds.accounts, ds.reps, ds.plan_year, ds.as_of, cs, points=int(n_points),
                defaults=ds.settings, user=user, title=f"Curve {pd.Timestamp.now():%Y-%m-%d %H:%M:%S}",
                dataset=state.dataset_version())
        f_job = pick_up(records, user, FRONTIER_JOB, "frontier", "Moves-vs-travel curve", FRONTIER_SHOWN,
                        FRONTIER in st.session_state, RECENT_MINUTES)
        if f_job is not None:
            _adopt_curve(f_job, records)
        stored = st.session_state.get(FRONTIER)
        if stored is None:
            return
        f_key, front, title, _, view = stored
        if f_key != settings_key:
            st.caption("This curve was solved with earlier settings; solve again to apply the ones above.")
        st.info(front.headline() + (f" {front.dropped} point(s) beaten on both axes by another were dropped."
                                    if front.dropped else ""))
        picked_key = st.session_state.get(carve_runs.RESULT) or ""
        picked = int(picked_key.rsplit(":", 1)[1]) + 1 if picked_key.startswith(f"frontier:{view}:") else None
        table = curve_view(front, ds, view, picked)
        p1, p2 = st.columns([2, 1])
        choice = p1.selectbox("Point", range(len(front.points)), key="carve_frontier_pick",
                              format_func=lambda i: point_caption(table, i))
        if p2.button("Make this point the proposal", key="carve_frontier_use", type="primary"):
            i = int(choice)
            res = pick_point(front, i, point_plan_name(title, front.points[i].label))
            carve_runs.show(f"frontier:{view}:{i}", res)
            st.rerun()
