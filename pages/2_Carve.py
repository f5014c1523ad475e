"""Carve: balance next year's territories with the optimizer, see why each account moves, edit by hand, save,
submit for review, export.

A carve is a run until someone saves it: runs join this session's plans (Disruption, Compare, the working plan)
and come back after a reload, but reach the plan library only through Save."""
from __future__ import annotations

import streamlit as st

from jobs import current_user
from planning.access import Permission
from planning.data import potential_note, quota_carriers
from planning.plans import JobRecords
from planning.reporting import person
from planning.reporting.carve_words import point_title
from ui import access, carve_runs, scoped, server_quiet, state
from ui.carve_curve import FRONTIER, curve_panel
from ui.carve_form import settings_form
from ui.carve_results import headline, moved_figures, result_tabs
from ui.carve_save import save_panel
from ui.guards import require_data
from ui.jobs import jobs_frame, pick_up, sweep_panel
from ui.plain import md_escape
from ui.tables import show_table

me = access.page_user(Permission.EDIT_PLANS)  # carving is sales ops' work
# worker processes warm before several people press Run carve, started once the server is quiet (not during the
# next pages' opens)
server_quiet.start_cluster_when_quiet()
sview = scoped.view(store_optional=True)  # without a store the page says so below, where jobs need it
ds = sview.carve_input()  # the whole company (the optimizer balances every team), for edit_plans only
st.title("Carve")
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
if potential_note(ds.accounts):  # carving on estimated potential: say so where the balance is set
    st.info(potential_note(ds.accounts))
st.caption("Every account to exactly one territory, books balanced within your bands, accounts kept with their "
           "owner unless moving them buys real balance, and a reason for every move.")

PINS = "carve_pins"
JOB = "carve_job_id"
LATEST_SHOWN = "carve_latest_job_shown"
RECENT_MINUTES = 15  # a failed job that ended this recently is shown on the next visit
pins: dict[str, str] = st.session_state.setdefault(PINS, {})
quota_reps = quota_carriers(ds.reps)
rep_label = {r.rep_id: f"{person(r.name, r.rep_id)}, {r.segment}, {r.status}" for r in quota_reps.itertuples()}
segments = list(ds.settings.segments)

cs, submitted = settings_form(ds, quota_reps, rep_label, pins)
if cs is None:
    st.stop()
settings_key = carve_runs.settings_key(cs)

# jobs are recorded under the signed-in user; with sign-in off, under PLANNER_USER or the OS login as before
user = current_user(me.email if me.source == "oidc" else None)
try:
    store = sview.store if sview.store is not None else scoped.view().store  # the second raises, saying why
    records = JobRecords(store.engine)
    records.mark_orphans()
except Exception as exc:  # noqa: BLE001 - without a store the page cannot run jobs; say so plainly
    st.error(f"The plan store is not available, so carves cannot run as jobs: {md_escape(exc)}")
    st.stop()

if submitted:  # re-attach to the user's running carve, else record a result solved before, else start one
    followed = carve_runs.run_pressed(store, ds, cs, user, state.dataset_version(), settings_key)
    if followed is not None:
        st.session_state[JOB] = followed

# re-attach: the job this session started, else the user's carve still running (after a reload), else the user's
# last finished carve (a reload, a new browser: the result comes back, saved or not)
job = pick_up(records, user, JOB, "carve", "Carve", LATEST_SHOWN, carve_runs.RESULT in st.session_state,
              RECENT_MINUTES)
if job is not None:
    carve_runs.adopt(job, records, sview)

with st.expander("Your carve jobs (they keep running when you leave this page)"):
    job_table = jobs_frame(records, user, kind="carve")
    if job_table.empty:
        st.caption("No carve jobs yet.")
    else:
        show_table(job_table, key="carve_jobs_table")
        done = job_table.loc[job_table["status"].str.endswith("succeeded"), "job_id"].tolist()
        titles = dict(zip(job_table["job_id"], job_table["job_name"]))
        j1, j2 = st.columns([3, 1])
        job_pick = j1.selectbox("Finished job", done, key="carve_job_pick", disabled=not done,
                                format_func=lambda j: f"#{j} {titles.get(j, '')}")
        if j2.button("Open result", key="carve_job_open", disabled=not done):
            carve_runs.adopt(records.get(int(job_pick)), records, sview)

with st.expander("Scenario sweep: carve for several headcounts at once (e.g. 40, 45 and 50 Mid-market reps)"):
    sweep_panel(records, store, ds, cs, user)

curve_panel(records, store, user, ds, cs, settings_key)

key = st.session_state.get(carve_runs.RESULT)
res = carve_runs.recall(key)
if res is None:
    st.info("Choose balance metrics and bands, then **Run carve**. The sample company's books differ by more than "
            "2× within segments today; a carve fixes that with as few moves as the bands allow.")
    st.stop()
if key.startswith("frontier:"):
    front = st.session_state[FRONTIER][1] if FRONTIER in st.session_state else None
    i = int(key.rsplit(":", 1)[1])
    name = point_title(front.points[i].label) if front is not None and i < len(front.points) else f"point {i + 1}"
    st.caption(f"Showing point {i + 1} of the moves-vs-travel curve: {name} (a run until you save it).")
elif key != settings_key:
    st.caption("Showing the last run; the settings above have changed since. Run again to apply them.")

# --- headline ---------------------------------------------------------------------------
for w in res.warnings:
    st.warning(w)
if not res.ok:
    headline(res, None)
    st.stop()
headline(res, moved_figures(ds, key, res.plan))
result_tabs(res, ds, key, segments, pins, lambda: save_panel(res, ds, sview, me, key))
