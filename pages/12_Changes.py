"""Changes: mid-year changes to a plan — a rep leaves or a rep is hired — with their options side by side.

A leaver's book is either kept whole as an open territory (to be hired; the manager covers it) or split over the
neighbouring territories of the same segment with the fewest moves; a hire's territory is carved from its
neighbours under a disruption budget.  Each option shows its disruption per rep, the books before and after, the
quotas pro-rated from the effective date and the pipeline held over; the chosen one is saved as a change version
of the plan and can be submitted for review.  The options are solved as a job (progress, Cancel).

Only a role that may edit plans makes a change; every role that may view plans sees the saved change versions, a
manager their own team's side of them (through the scoped view)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from jobs import current_user, job_manager
from jobs.change_job import submit_change
from planning.access import Permission
from planning.changes import (CHANGE_KIND, CRM_PLAN, OPTION_TITLES, ChangeError, ChangeSpec, base_plan, change_of,
                              hire, leaver, save_option, side_by_side_words)
from planning.data import quota_carriers
from planning.plans import JobRecords, StoreError
from planning.reporting import person
from ui import access, scoped, state
from ui.guards import require_data
from ui.jobs import other_data, pick_up
from ui.plain import md_escape
from ui.tables import show_table

# session keys: the running job's id; the finished options and their change; the last finished job looked up once
JOB, RESULT, LATEST_SHOWN = "chg_job", "chg_result", "chg_latest_shown"
REP_COLS = ["name", "accounts_before", "lost", "gained", "accounts_after", "arr_before_usd", "arr_after_usd",
            "relationships_broken"]
QUOTA_COLS = ["name", "potential_before_usd", "potential_after_usd", "annual_quota_usd", "quota_change_usd",
              "prorated_quota_usd", "ramped_quota_usd"]

me = access.page_user(Permission.VIEW_PLANS)
sview = scoped.view(store_optional=True)
st.title("Mid-year changes")
st.caption("A rep leaves or a rep is hired after the plan is published: see the options side by side — disruption, "
           "books before and after, quotas pro-rated from the effective date — then save one as a change version "
           "of the plan and submit it for review.")
require_data(sview.dataset)


def _saved_changes() -> None:
    """The change versions in the library; the chosen one's disruption against the plan it derives from."""
    if sview.store is None:
        st.info("The plan store is not available, so no change versions can be listed.")
        return
    plans = sview.list_plans()
    changes = plans.loc[plans["kind"] == CHANGE_KIND] if "kind" in plans else plans.iloc[0:0]
    if changes.empty:
        st.caption("No change versions saved yet.")
        return
    cols = ["name", "version", "created_at", "author"] + (["note"] if not sview.scoped else [])
    show_table(changes[cols], key="chg_saved_table")
    pick = st.selectbox("Change version", list(changes["name"]), key="chg_saved_pick")
    plan = sview.load_plan(pick)
    spec = change_of(plan)
    if spec is None:  # a later version of the plan is no longer a change
        st.caption("The latest version of this plan is not a change version.")
        return
    try:
        base, _ = base_plan(sview, spec.base_plan if spec.base_version is None else f"{spec.base_plan}@{spec.base_version}")
    except (ChangeError, StoreError) as exc:
        st.warning(f"The plan this change derives from cannot be opened: {md_escape(exc)}")
        return
    who = None
    if spec.rep_id and (sview.team is None or spec.rep_id in sview.team):
        who = person(sview.rep_names().get(spec.rep_id, spec.rep_id), spec.rep_id)
    words = spec.words(who or "A rep of another team") if spec.kind == "leave" else spec.words()
    st.markdown(f"**{md_escape(words)}** · option: {OPTION_TITLES.get(spec.option or '', spec.option)} · holdover "
                f"{spec.holdover_days} days · derived from {md_escape(spec.base_plan)}")
    report = sview.disruption(base, plan)
    c = report.company
    m1, m2, m3 = st.columns(3)
    m1.metric("Accounts moved", f"{c['accounts_moved']:,}")
    m2.metric("Relationships broken", f"{c['relationships_broken']:,}")
    m3.metric("Reps affected", f"{c['reps_affected']:,}")
    touched = report.reps.loc[(report.reps["lost"] + report.reps["gained"]) > 0]
    show_table(touched[REP_COLS], key="chg_saved_reps")


def _change_form(data):
    """The change to make → (spec, base plan) once Show options is pressed, else None."""
    names = [CRM_PLAN] + (list(sview.list_plans()["name"]) if sview.store is not None else [])
    kind = st.radio("Change", ["A rep leaves", "A rep is hired"], horizontal=True, key="chg_kind")
    with st.form("chg_form"):
        ref = st.selectbox("Derive from plan", names, key="chg_base",
                           help="The published plan the change applies to (its latest version).")
        holdover = st.number_input("Holdover (days)", min_value=0, max_value=365,
                                   value=int(data.settings.planning.holdover_days), key="chg_holdover",
                                   help="Open opportunities on a moved account stay credited to the previous owner "
                                        "this many days from the effective date.")
        year = int(data.plan_year)
        if kind == "A rep leaves":
            reps = quota_carriers(data.reps)
            # a rep's segment or region may be blank in an upload: left out, never shown as "nan"
            labels = {r.rep_id: ", ".join([person(r.name, r.rep_id)] + [v for v in (r.segment, r.region)
                                                                       if isinstance(v, str) and v.strip()])
                      for r in reps.itertuples()}
            rep = st.selectbox("Leaving rep", list(labels), format_func=labels.get, key="chg_rep")
            last = st.date_input("Last day in seat", value=pd.Timestamp(year, 3, 31).date(), key="chg_last")
            max_moves = max_arr = None
        else:
            seg = st.selectbox("Segment", list(data.settings.segments), key="chg_segment")
            regions = sorted(data.accounts["region"].dropna().astype(str).unique())
            region = st.selectbox("Region", regions, key="chg_region")
            start = st.date_input("Start date", value=pd.Timestamp(year, 5, 1).date(), key="chg_start")
            max_moves = st.number_input("Most accounts moved (0: one average book of the segment)", min_value=0,
                                        value=0, key="chg_max_moves")
            max_arr = st.number_input("Most ARR moved, USD (0: no limit)", min_value=0, value=0, step=50_000,
                                      key="chg_max_arr")
        go = st.form_submit_button("Show the options", type="primary")
    if not go:
        return None
    base, version = base_plan(sview, ref)
    if kind == "A rep leaves":
        spec = leaver(rep, last, year, base.name, version, holdover_days=int(holdover))
    else:
        spec = hire(seg, region, start, year, base.name, version, holdover_days=int(holdover),
                    max_moves=int(max_moves) or None, max_arr_moved=float(max_arr) or None)
    return spec, base


def _show_options(options, spec, base_version) -> None:
    st.subheader("Side by side")
    show_table(side_by_side_words(options), key="chg_side")
    tabs = st.tabs([o.title for o in options])
    for tab, o in zip(tabs, options):
        with tab:
            for n in o.notes:
                st.caption(md_escape(n))
            if not o.ok:
                st.warning("No plan for this option.")
                continue
            st.markdown("**Disruption per rep** — books before and after")
            show_table(o.books[REP_COLS], key=f"chg_books_{o.option}")
            st.markdown(f"**Quotas**, pro-rated from {spec.effective_date:%Y-%m-%d} "
                        f"({spec.months_after:.1f} months left in the year)")
            show_table(o.books[QUOTA_COLS], key=f"chg_quota_{o.option}")
            st.markdown(f"**Holdover**: open pipeline credited to the previous owner for {spec.holdover_days} days")
            if o.holdover.empty:
                st.caption("No moved account has open pipeline.")
            else:
                show_table(o.holdover, key=f"chg_hold_{o.option}")
            if o.solver:
                with st.expander("Solver details"):
                    s = o.solver
                    st.caption(f"{s['status']}, {s['mode']} bands, gap {s['gap']:.2%}, {s['seconds']:.1f} s")
                    show_table(s["balance"], key=f"chg_balance_{o.option}")
    _save_panel(options, spec, base_version)


def _save_panel(options, spec, base_version) -> None:
    st.subheader("Save as a change version")
    ok = [o for o in options if o.ok]
    if not ok:
        return
    default = spec.base_plan if base_version is not None else f"{spec.base_plan} – changes"
    with st.form("chg_save"):
        pick = st.radio("Option", [o.option for o in ok], format_func=OPTION_TITLES.get, key="chg_save_option")
        name = st.text_input("Plan name", value=default, key="chg_save_name",
                             help="The base plan's name adds a version to it.")
        submit = st.checkbox("Submit for review", value=False, key="chg_save_submit")
        go = st.form_submit_button("Save")
    if go:
        option = next(o for o in ok if o.option == pick)
        try:
            saved, v = save_option(sview, option, name.strip() or default, author=me.email, submit=submit)
        except Exception as exc:  # noqa: BLE001 - a store or review refusal is a message, never a trace
            st.error(f"Not saved: {md_escape(exc)}")
            return
        st.success(f"Saved as {md_escape(saved)} v{v}, effective {spec.effective_date:%Y-%m-%d}"
                   + (" — submitted for review." if submit else "."))


def _adopt(job: dict, records: JobRecords) -> None:
    """A finished change job's options, kept in this session (when this server still holds them)."""
    if other_data(job):
        return
    jid, status = int(job["id"]), job.get("status")
    if status == "cancelled":
        st.info(f"Change job #{jid} was cancelled; nothing was saved.")
        return
    options = job_manager().result(jid, records)
    asked = (job.get("settings") or {}).get("change")
    spec = ChangeSpec.from_dict(asked) if asked else None
    if status == "succeeded" and (options is None or spec is None):
        st.info(f"Change job #{jid} finished, but this server no longer holds its options (it restarted since) and "
                f"nothing was saved from it. Show the options again to see them.")
    elif status != "succeeded" or options is None:
        st.warning(md_escape(job.get("error") or job.get("message") or status or "no result"))
    else:
        st.session_state[RESULT] = (options, spec)


def _new_change() -> None:
    if not me.can(Permission.EDIT_PLANS):
        st.info("Only sales ops and admins make changes; the saved change versions are below.")
        return
    data = sview.carve_input()  # the whole company: a change balances every affected book
    if sview.store is None:
        st.error("The plan store is not available, so changes cannot run as jobs or be saved.")
        return
    records = JobRecords(sview.store.engine)
    user = current_user(me.email if me.source == "oidc" else None)
    try:
        asked = _change_form(data)
    except (ChangeError, StoreError, KeyError) as exc:
        st.error(md_escape(exc))
        return
    if asked is not None:
        spec, base = asked
        st.session_state[JOB] = submit_change(sview.store, data, base, spec, user, state.dataset_version())
        st.session_state.pop(RESULT, None)
    # the job this session started, else the user's change job still running (a reload), else their last finished
    # one: a reload or a new browser brings the options back, as Carve does
    job = pick_up(records, user, JOB, "change", "Change", LATEST_SHOWN, RESULT in st.session_state)
    if job is not None:
        _adopt(job, records)
    if RESULT in st.session_state:
        options, spec = st.session_state[RESULT]
        _show_options(options, spec, spec.base_version)


_new_change()
st.divider()
st.subheader("Saved change versions")
_saved_changes()
