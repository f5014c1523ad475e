"""Carve runs on the page: the result on show (kept per session, cached per dataset and settings), and adopting a
finished carve job's result — the one this session started, or after a reload the user's last finished run
(found in the jobs table; unsaved runs included, since a run is only saved when someone presses Save)."""
from __future__ import annotations

import json

import streamlit as st

from jobs import job_manager
from optimizers.carve import CarveResult
from planning.access import ScopedView
from planning.plans import JobRecords
from ui import state
from ui.access import plain
from ui.jobs import other_data

RESULT = "carve_result_key"  # session state: the key of the result on show


@st.cache_data(show_spinner=False, max_entries=8)
def _solved(version: str, key: str, _box: dict) -> CarveResult:
    """Finished solves, keyed on the data version and every setting; a miss raises KeyError."""
    return _box["result"]


def settings_key(settings) -> str:
    return json.dumps(settings.to_dict(), sort_keys=True, default=str)


def recall(key: str | None) -> CarveResult | None:
    """The result cached under ``key`` for the loaded data, or None."""
    if not key:
        return None
    try:
        return _solved(state.dataset_version(), key, {})
    except KeyError:
        return None


def show(key: str, res: CarveResult) -> None:
    """Put ``res`` on the page under ``key``; a plan found joins this session's plans (a run, not saved)."""
    _solved(state.dataset_version(), key, {"result": res})
    st.session_state[RESULT] = key
    if res.ok:
        state.add_plan(res.plan)


def start(store, ds, cs, user: str, dataset: str) -> int:
    """Run carve pressed: start the user's carve, or re-attach to the one still running and say so (the rule is
    :func:`jobs.carve_job.start_carve`'s) → the job id to follow."""
    from jobs.carve_job import start_carve

    begun = start_carve(store, ds.accounts, ds.reps, ds.plan_year, ds.as_of, cs, ds.settings, user=user,
                        dataset=dataset, dataset_name=ds.name)
    if begun.reattached:
        st.info(begun.message())
    return begun.job_id


def run_pressed(store, ds, cs, user: str, dataset: str, key: str) -> int | None:
    """Run carve pressed → the job id to follow (None: nothing to follow).

    The user's carve still running comes first: one carve per user at a time, so the press re-attaches to it and
    says so even when these settings were solved before (the solves cached here are shared by every session of
    this server, so whether they hold ``key`` depends on who ran what earlier).  Otherwise a result solved before
    with these data and settings is recorded as this user's run at once (a reload finds it), and else a carve
    starts."""
    from jobs.carve_job import record_known, running_carve

    cached = recall(key)
    if cached is None or running_carve(JobRecords(store.engine), user) is not None:
        return start(store, ds, cs, user, dataset)
    if cached.status == "cancelled":
        return None
    return record_known(store, cached, ds.accounts, ds.reps, ds.plan_year, user, dataset)


def adopt(job: dict, records: JobRecords, view: ScopedView) -> None:
    """Show a finished carve job's result in this session (when this server process still holds it); a result
    saved on request is loaded through ``view`` (ui.scoped.view())."""
    if other_data(job):
        return
    jid, status = int(job["id"]), job["status"]
    if status == "cancelled":
        st.info(f"Carve job #{jid} was cancelled; nothing was saved.")
        return
    res = job_manager().result(jid, records)
    if res is None:
        saved = (job.get("result") or {}).get("plan")  # saved on request (save_as), as the CLI's --save
        if status == "succeeded" and saved:
            state.add_plan(view.load_plan(saved))
            st.success(f"Job #{jid} finished: its proposal is saved as “{plain(saved)}” and added to this session "
                       f"for the Disruption and Compare pages.")
        elif status == "succeeded":
            st.info(f"Carve job #{jid} finished, but this server no longer holds its result (it restarted since) "
                    f"and the run was not saved. Run the carve again to see it.")
        else:
            st.error(f"Carve job #{jid} {status}: {plain(job.get('error') or job.get('message'))}")
        return
    show(settings_key(res.settings), res)
