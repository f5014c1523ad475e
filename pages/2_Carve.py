"""Carve: balance next year's territories with the optimizer, see why each account moves, edit by hand, export."""
from __future__ import annotations

import json
import time
import uuid

import pandas as pd
import streamlit as st

from jobs import current_user, job_manager, submit_carve, submit_frontier
from optimizers.carve import (DEFAULT_TOLERANCE, UNIT_KINDS, UNIT_LABELS, CarveResult, CarveSettings,
                              crm_frame, live_balance, resolve_edits)
from optimizers.carve.frontier import Frontier, pick
from planning.access import Permission
from planning.data import potential_note, quota_carriers
from planning.plans import BALANCE_METRICS, METRIC_LABELS, JobRecords, plan_summary
from ui import access, state
from ui.guards import require_data
from ui.charts import before_after_bars
from ui.format import pct, usd
from ui.frontier import frontier_chart, frontier_table
from ui.jobs import active_job, jobs_frame, pick_up, sweep_panel
from ui.widgets import download_csv, money_config

_DEFAULTS = CarveSettings()

me = access.page_user(Permission.EDIT_PLANS)  # carving is sales ops' work
ds = state.dataset()
st.title("Carve")
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
if potential_note(ds.accounts):  # carving on estimated potential: say so where the balance is set
    st.info(potential_note(ds.accounts))
st.caption("Every account to exactly one territory, books balanced within your bands, accounts kept with their "
           "owner unless moving them buys real balance, and a reason for every move.")

PINS = "carve_pins"
RESULT = "carve_result_key"
JOB = "carve_job_id"
LATEST_SHOWN = "carve_latest_job_shown"
RECENT_MINUTES = 15  # a job that ended this recently is shown on the next visit
pins: dict[str, str] = st.session_state.setdefault(PINS, {})
reps = ds.reps
quota_reps = quota_carriers(reps)
rep_label = {r.rep_id: f"{r.name} ({r.rep_id}, {r.segment}, {r.status})" for r in quota_reps.itertuples()}
segments = list(ds.settings.segments)

# --- settings ------------------------------------------------------------------------
with st.form("carve_form"):
    c1, c2, c3 = st.columns(3)
    chosen = c1.multiselect("Balance on", list(BALANCE_METRICS), default=["potential_usd", "accounts"],
                            format_func=lambda m: METRIC_LABELS[m], key="carve_metrics")
    mode = c2.radio("Bands are", ["hard", "soft"], horizontal=True, key="carve_mode",
                    format_func=lambda m: {"hard": "hard (constraints)", "soft": "soft (penalties)"}[m],
                    help="Hard: every book must sit inside its band, or the run is infeasible with a diagnosis. "
                         "Soft: deviations are penalised, so a plan always comes back.")
    target = c3.radio("Target per territory", ["capacity", "mean"], horizontal=True, key="carve_target",
                      format_func=lambda m: {"capacity": "by capacity share", "mean": "equal books"}[m],
                      help="By capacity share: ramping reps, leavers and open requisitions get a smaller book "
                           "(months in seat × ramp, from the reps table).")
    tcols = st.columns(len(BALANCE_METRICS))
    tol = {m: tcols[i].number_input(f"Band ± % — {METRIC_LABELS[m].split(' (')[0]}", 0.0, 200.0,
                                    DEFAULT_TOLERANCE[m] * 100, 1.0, key=f"carve_tol_{m}") / 100
           for i, m in enumerate(BALANCE_METRICS)}
    with st.expander("Weights, rules and carving units"):
        w1, w2, w3 = st.columns(3)
        distance_w = w1.number_input("Distance weight (per 100 mi)", 0.0, 100.0, _DEFAULTS.distance_weight, 0.1,
                                     key="carve_dist_w")
        continuity_w = w2.number_input("Continuity weight (per moved account)", 0.0, 100.0, _DEFAULTS.continuity_weight,
                                       0.1, key="carve_cont_w",
                                       help="Raised per account by its ARR, open pipeline and how soon it renews.")
        balance_w = w3.number_input("Soft-mode balance weight", 0.0, 100.0, 1.0, 0.1, key="carve_bal_w")
        distance_to = w1.radio("Distance measured to", ["home", "centre"], horizontal=True, key="carve_dist_to",
                               format_func={"home": "rep's home", "centre": "centre of today's book"}.get)
        r1, r2, r3, r4 = st.columns(4)
        match_region = r1.checkbox("Keep accounts in their region", False, key="carve_region")
        respect_locks = r2.checkbox("Locked accounts stay", True, key="carve_locks")
        keep_families = r3.checkbox("Keep parent families together", True, key="carve_families")
        account_cap = r4.checkbox("Accounts-per-rep cap (coverage model)", False, key="carve_acc_cap")
        excluded = st.multiselect("Exclude reps (their accounts are re-carved)", list(rep_label),
                                  format_func=rep_label.get, key="carve_excluded")
        st.markdown("**Territory rules** (rules first: a territory with a rule only takes matching accounts)")
        terr_options = sorted("T-" + quota_reps["rep_id"].astype(str))
        rules_df = st.data_editor(
            pd.DataFrame({"territory_id": pd.Series(dtype=str), "industries": pd.Series(dtype=str),
                          "employees_min": pd.Series(dtype=float), "employees_max": pd.Series(dtype=float)}),
            num_rows="dynamic", key="carve_rules", hide_index=True,
            column_config={"territory_id": st.column_config.SelectboxColumn(options=terr_options),
                           "industries": st.column_config.TextColumn(help="Comma separated, e.g. Healthcare, Software"),
                           "employees_min": st.column_config.NumberColumn(min_value=0),
                           "employees_max": st.column_config.NumberColumn(min_value=0)})
        ucols = st.columns(len(segments))
        units = {s: ucols[i].selectbox(f"{s} carved as", UNIT_KINDS, key=f"carve_unit_{s}",
                                       format_func=UNIT_LABELS.get) for i, s in enumerate(segments)}
        contiguous = st.checkbox("Each geographic territory in one piece", value=_DEFAULTS.contiguous,
                                 key="carve_contiguous",
                                 help="For ZIP, ZIP3, county and state units: after the solve, pieces cut off from "
                                      "a territory go to a neighbour and the bands are restored by border moves. "
                                      "The result says how many territories are still in more than one piece.")
        st.markdown("**Over-carve:** open territories for planned hires (capacity pro-rated by start month)")
        extra_df = st.data_editor(pd.DataFrame({"segment": pd.Series(dtype=str), "region": pd.Series(dtype=str),
                                                "start_month": pd.Series(dtype=int)}),
                                  num_rows="dynamic", key="carve_extra", hide_index=True,
                                  column_config={"segment": st.column_config.SelectboxColumn(options=segments),
                                                 "region": st.column_config.SelectboxColumn(
                                                     options=sorted(set(ds.settings.regions.values()))),
                                                 "start_month": st.column_config.NumberColumn(min_value=1, max_value=12)})
    b1, b2, b3, b4 = st.columns(4)
    max_moves = b1.number_input("Most accounts moved (0 = no cap)", 0, 1_000_000, 0, 10, key="carve_max_moves")
    max_arr = b2.number_input("Most ARR moved, USD (0 = no cap)", 0.0, 1e12, 0.0, 100_000.0, key="carve_max_arr")
    time_limit = b3.slider("Time limit (s)", 5, 300, 60, 5, key="carve_time")
    solver = b4.selectbox("Solver", ["highs", "pulp-highs", "cbc"], key="carve_solver",
                          format_func={"highs": "HiGHS (highspy)", "pulp-highs": "HiGHS via PuLP",
                                       "cbc": "CBC via PuLP (fallback)"}.get)
    submitted = st.form_submit_button("Run carve", type="primary")

extras = tuple({"segment": r.segment, "region": r.region, "start_month": int(r.start_month)}
               for r in extra_df.dropna(subset=["segment"]).itertuples()
               if isinstance(r.segment, str) and pd.notna(r.start_month))
industry_rules, employee_bands = {}, {}
for r in rules_df.dropna(subset=["territory_id"]).itertuples():
    if isinstance(r.industries, str) and r.industries.strip():
        industry_rules[r.territory_id] = [x.strip() for x in r.industries.split(",") if x.strip()]
    if pd.notna(r.employees_min) or pd.notna(r.employees_max):
        employee_bands[r.territory_id] = [None if pd.isna(r.employees_min) else float(r.employees_min),
                                          None if pd.isna(r.employees_max) else float(r.employees_max)]
try:
    cs = CarveSettings(metrics=tuple(chosen), tolerance=tol, weights=dict.fromkeys(BALANCE_METRICS, balance_w),
                       mode=mode, target=target, distance_weight=distance_w, continuity_weight=continuity_w,
                       distance_to=distance_to,
                       max_moves=int(max_moves) or None, max_arr_moved=float(max_arr) or None,
                       match_region=match_region, respect_locks=respect_locks, keep_families=keep_families,
                       account_capacity=account_cap, excluded_reps=tuple(excluded), units=units, contiguous=contiguous,
                       industry_rules=industry_rules, employee_bands=employee_bands,
                       extra_territories=extras, pins=dict(pins), time_limit=float(time_limit), solver=solver)
    cs.validate()
except ValueError as exc:
    st.error(f"Settings not usable: {exc}")
    st.stop()
settings_key = json.dumps(cs.to_dict(), sort_keys=True, default=str)


@st.cache_data(show_spinner=False, max_entries=8)
def _solved(version: str, key: str, _box: dict) -> CarveResult:
    """Finished solves, keyed on the data version and every setting; a miss raises KeyError."""
    return _box["result"]


def _cached(key: str) -> CarveResult | None:
    try:
        return _solved(state.dataset_version(), key, {})
    except KeyError:
        return None


def _saved_names(job: dict) -> str:
    """The plan(s) a job saved, for a message."""
    out = job.get("result") or {}
    names = [p_["plan"] for p_ in out.get("plans") or []] or [out.get("plan", "–")]
    return ", ".join(f"“{n}”" for n in names)


def _other_data(job: dict) -> bool:
    """True (and says so) when the job ran on another dataset than the one loaded now: its result would be shown
    against the wrong accounts, so only where it is saved is named."""
    ran_on = (job.get("settings") or {}).get("dataset")
    if ran_on and ran_on != state.dataset_version():
        st.info(f"Job #{job['id']} ran on another dataset than the one loaded now; what it found, if anything, is "
                f"saved as {_saved_names(job)} (open it on the Plans page).")
        return True
    return False


def _adopt(job: dict) -> None:
    """Show a finished job's result in this session (when this server process still holds it)."""
    res = job_manager().result(int(job["id"]))
    if _other_data(job):
        return
    if job["status"] == "cancelled":
        st.info(f"Carve job #{job['id']} was cancelled; nothing was saved.")
        return
    if res is None:
        plan_name = (job.get("result") or {}).get("plan")
        if job["status"] == "succeeded" and plan_name:
            state.add_plan(state.store().load_plan(plan_name))
            st.success(f"Job #{job['id']} finished: its proposal is saved as “{plan_name}” and added to this "
                       f"session for the Disruption and Compare pages.")
        else:
            st.error(f"Carve job #{job['id']} {job['status']}: {job.get('error') or job.get('message')}")
        return
    key_ = json.dumps(res.settings.to_dict(), sort_keys=True, default=str)
    _solved(state.dataset_version(), key_, {"result": res})
    st.session_state[RESULT] = key_
    if res.ok:
        state.add_plan(res.plan)


# jobs are recorded under the signed-in user; with sign-in off, under PLANNER_USER or the OS login as before
user = current_user(me.email if me.source == "oidc" else None)
try:
    records = JobRecords(state.store().engine)
    records.mark_orphans()
except Exception as exc:  # noqa: BLE001 - without a store the page cannot run jobs; say so plainly
    st.error(f"The plan store is not available, so carves cannot run as jobs: {exc}")
    st.stop()

if submitted:
    res = _cached(settings_key)
    if res is None:
        st.session_state[JOB] = submit_carve(
            state.store(), ds.accounts, ds.reps, ds.plan_year, ds.as_of, cs, ds.settings, user=user,
            dataset=state.dataset_version())
    elif res.status != "cancelled":
        st.session_state[RESULT] = settings_key
        if res.ok:
            state.add_plan(res.plan)

# re-attach: the job this session started, else the user's carve still running (after a reload), else one that
# ended while no page followed it
job = pick_up(records, user, JOB, "carve", "Carve", LATEST_SHOWN, RESULT in st.session_state, RECENT_MINUTES)
if job is not None:
    _adopt(job)

with st.expander("Your carve jobs (they keep running when you leave this page)"):
    job_table = jobs_frame(records, user, kind="carve")
    if job_table.empty:
        st.caption("No carve jobs yet.")
    else:
        st.dataframe(job_table, hide_index=True, width="stretch")
        done = job_table.loc[job_table["status"].str.endswith("succeeded"), "job"].tolist()
        titles = dict(zip(job_table["job"], job_table["title"]))
        j1, j2 = st.columns([3, 1])
        job_pick = j1.selectbox("Finished job", done, key="carve_job_pick", disabled=not done,
                            format_func=lambda j: f"#{j} {titles.get(j, '')}")
        if j2.button("Open result", key="carve_job_open", disabled=not done):
            _adopt(records.get(int(job_pick)))


with st.expander("Scenario sweep: carve for several headcounts at once (e.g. 40, 45 and 50 Mid-market reps)"):
    sweep_panel(records, state.store(), ds, cs, user)

# --- moves vs travel ---------------------------------------------------------------------
FRONTIER = "carve_frontier"  # (settings key, Frontier, saved plan names, job id, view id) of the curve on show
FRONTIER_JOB = "carve_frontier_job_id"
FRONTIER_SHOWN = "carve_frontier_latest_shown"


def _adopt_curve(job: dict) -> None:
    """Show a finished curve job in this session: its points to pick from (when this server process still holds
    them), else where its points are saved."""
    if _other_data(job):
        return
    jid, status = int(job["id"]), job["status"]
    if status == "cancelled":
        st.info(f"Curve job #{jid} was cancelled; nothing was saved.")
        return
    if status != "succeeded":
        st.error(f"No curve (job #{jid} {status}): {job.get('error') or job.get('message')}")
        return
    front = job_manager().result(jid)
    saved = [p_["plan"] for p_ in (job.get("result") or {}).get("plans") or []]
    if not isinstance(front, Frontier):  # the server restarted since: the points are in the store
        st.success(f"Curve job #{jid} finished: its points are saved as {_saved_names(job)} (open them on the "
                   f"Plans page, or solve the curve again to pick one here).")
        return
    f_key = json.dumps(CarveSettings.from_dict(job["settings"]["carve"]).to_dict(), sort_keys=True, default=str)
    # a picked point is cached under the view's own id: job ids repeat across stores, and a cache hit on an old
    # key would show another curve's point
    st.session_state[FRONTIER] = (f_key, front, saved, jid, uuid.uuid4().hex)


# the curve's own job expands its view, so its progress (and Cancel) is in sight, also after a reload
curve_running = active_job(records, user, FRONTIER_JOB, "frontier") is not None
with st.expander("Moves vs travel: the trade-off curve", expanded=FRONTIER in st.session_state or curve_running):
    st.caption("A short series of carves with the settings above, from the fewest moves the bands allow (exact, "
               "with its bound) to the shortest travel, each warm-started from the fewest-moves plan. The points "
               "run as a job (in parallel on a cluster when one is configured) that keeps running if you leave "
               "the page, and each is saved as a plan; pick a point and it becomes the proposal.")
    f1, f2 = st.columns([1, 3])
    n_points = f1.slider("Points", 3, 8, 5, key="carve_frontier_points")
    if f2.button("Solve the curve", key="carve_frontier_btn", disabled=curve_running):
        st.session_state[FRONTIER_JOB] = submit_frontier(
            state.store(), ds.accounts, ds.reps, ds.plan_year, ds.as_of, cs, points=int(n_points),
            defaults=ds.settings, user=user, title=f"Curve {pd.Timestamp.now():%Y-%m-%d %H:%M:%S}",
            dataset=state.dataset_version())
    f_job = pick_up(records, user, FRONTIER_JOB, "frontier", "Moves-vs-travel curve", FRONTIER_SHOWN,
                    FRONTIER in st.session_state, RECENT_MINUTES)
    if f_job is not None:
        _adopt_curve(f_job)
    stored = st.session_state.get(FRONTIER)
    if stored is not None:
        f_key, front, saved, _, view = stored
        if f_key != settings_key:
            st.caption("This curve was solved with earlier settings; solve again to apply the ones above.")
        table = front.table()
        st.info(front.headline() + (f" {front.dropped} point(s) beaten on both axes by another were dropped."
                                    if front.dropped else ""))
        picked_key = st.session_state.get(RESULT) or ""
        picked = int(picked_key.rsplit(":", 1)[1]) + 1 if picked_key.startswith(f"frontier:{view}:") else None
        st.altair_chart(frontier_chart(table, picked), width="stretch")
        st.dataframe(frontier_table(table).assign(**{"saved as": saved}), hide_index=True, width="stretch")
        p1, p2 = st.columns([2, 1])
        choice = p1.selectbox("Point", range(len(front.points)), key="carve_frontier_pick",
                              format_func=lambda i: f"{i + 1}. {front.points[i].label} — "
                                                    f"{front.points[i].moves:,} moved, "
                                                    f"{front.points[i].travel_mi:,.0f} mi")
        if p2.button("Make this point the proposal", key="carve_frontier_use", type="primary"):
            chosen_res = pick(front, int(choice), saved[int(choice)])  # named as saved, so the two are one plan
            f_res_key = f"frontier:{view}:{int(choice)}"
            _solved(state.dataset_version(), f_res_key, {"result": chosen_res})
            st.session_state[RESULT] = f_res_key
            state.add_plan(chosen_res.plan)
            st.rerun()

key = st.session_state.get(RESULT)
res = _cached(key) if key else None
if res is None:
    st.info("Choose balance metrics and bands, then **Run carve**. The sample company's books differ by more than "
            "2× within segments today; a carve fixes that with as few moves as the bands allow.")
    st.stop()
if key.startswith("frontier:"):
    st.caption(f"Showing point {int(key.rsplit(':', 1)[1]) + 1} of the moves-vs-travel curve: "
               f"{res.plan.name} (saved as a plan).")
elif key != settings_key:
    st.caption("Showing the last run; the settings above have changed since. Run again to apply them.")

# --- headline ---------------------------------------------------------------------------
for w in res.warnings:
    st.warning(w)
if not res.ok:
    st.error(res.diagnosis or f"No plan: {res.status}")
    st.stop()
(st.success if res.status == "optimal" else st.warning)(
    f"**{res.status}** — gap {pct(res.gap, 2)} to the LP bound; {len(res.moves):,} accounts move. "
    f"Build {res.seconds_build:.1f} s, solve {res.seconds_solve:.1f} s.")
m = st.columns(5)
m[0].metric("Status", res.status)
m[1].metric("Gap", pct(res.gap, 2))
m[2].metric("Accounts moved", f"{len(res.moves):,}", help="Including accounts whose owner is excluded or missing.")
m[3].metric("ARR moved", usd(res.moves["arr_usd"].sum()))
worst = res.balance["worst_dev_after"].max()
m[4].metric("Worst deviation", pct(worst, 1), delta=f"{(worst - res.balance['worst_dev_before'].max()) * 100:,.0f} pts",
            delta_color="inverse")

plan = res.plan
names = ds.rep_names()
acc = ds.accounts

tab_map, tab_bal, tab_rep, tab_moves, tab_edit, tab_out = st.tabs(
    ["Map", "Balance", "Per rep", "Moved accounts", "Manual edits", "Export & save"])


with tab_map:
    from ui.territory_map import territory_map_tab

    territory_map_tab(res, ds, key, segments)

metric_names = list(res.balance["metric"])
with tab_bal:
    st.dataframe(res.balance.rename(columns={"band": "band ±"}), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in res.balance.columns if c != "metric"})
    st.caption("worst_dev = max |book ÷ target − 1|; max_min = best ÷ worst book relative to target, "
               "per segment (over 2× means rebalance).")
    metric = st.selectbox("Metric", metric_names, format_func=METRIC_LABELS.get, key="carve_bal_metric")
    seg_b = st.selectbox("Segment", segments, key="carve_bal_seg")
    sel = res.after["segment"] == seg_b
    st.altair_chart(before_after_bars(res.before.loc[sel], res.after.loc[sel], metric), width="stretch")

with tab_rep:
    cols = ["name", "segment", "owner_rep_id", "owner_name", "capacity_share", "accounts", "potential_usd", "arr_usd",
            "workload_hours", "mean_distance_mi", "compactness_mi"] + [f"target_{m_}" for m_ in metric_names]
    table = res.after[[c for c in cols if c in res.after]].copy()
    for m_ in metric_names:
        table[f"{m_} vs target"] = res.after[m_] / res.after[f"target_{m_}"].where(res.after[f"target_{m_}"] > 0)
        table[f"{m_} before"] = res.before[m_]
    st.dataframe(table.reset_index(), hide_index=True, width="stretch",
                 column_config={**money_config(["potential_usd", "arr_usd", "target_potential_usd", "target_arr_usd",
                                                "potential_usd before", "arr_usd before"]),
                                **{f"{m_} vs target": st.column_config.NumberColumn(format="percent") for m_ in metric_names}})

with tab_moves:
    st.dataframe(res.moves[["account_id", "account_name", "segment", "from_owner", "to_owner", "arr_usd",
                            "potential_usd", "reason"]], hide_index=True, width="stretch",
                 column_config=money_config(["arr_usd", "potential_usd"]))
    p1, p2 = st.columns(2)
    to_pin = p1.multiselect("Pin accounts to their proposed owner (kept on re-run)", res.moves["account_id"].tolist(),
                            key="carve_to_pin")
    if p1.button("Pin selected", disabled=not to_pin, key="carve_pin_btn"):
        pins.update({a: plan.assignment[a] for a in to_pin})
        st.rerun()
    unpin = p2.multiselect("Unpin", sorted(pins), key="carve_unpin",
                           format_func=lambda a: f"{a} → {pins.get(a, '')}")
    if p2.button("Unpin selected", disabled=not unpin, key="carve_unpin_btn"):
        for a in unpin:
            pins.pop(a, None)
        st.rerun()
    st.caption(f"{len(pins):,} pinned account(s); pins apply on the next **Run carve**.")

with tab_edit:
    st.markdown("Move accounts or whole units (`zip:94105`, `zip3:941`, `county:25017`, `state:CA`) to another territory. "
                "The balance below updates as you type; **Use as pins** keeps the moves on the next solve.")
    terr_ids = list(plan.territories.index)
    edits = st.data_editor(pd.DataFrame({"what": pd.Series(dtype=str), "to_territory": pd.Series(dtype=str)}),
                           num_rows="dynamic", hide_index=True, key="carve_edits",
                           column_config={"what": st.column_config.TextColumn("account id or unit"),
                                          "to_territory": st.column_config.SelectboxColumn("to territory",
                                                                                           options=terr_ids)})
    t0 = time.perf_counter()
    moves, problems = resolve_edits(edits, acc, plan)
    for p_ in problems:
        st.warning(p_)
    edited, book, table_e = live_balance(plan, moves, acc, ds.reps, ds.plan_year, ds.settings, tuple(metric_names),
                                         res.settings.target == "capacity", res.after["capacity_share"])
    ms_ = (time.perf_counter() - t0) * 1000
    st.caption(f"{len(moves):,} account(s) moved by hand · balance recomputed in {ms_:,.0f} ms")
    st.dataframe(table_e, hide_index=True, width="stretch")
    e1, e2 = st.columns(2)
    if e1.button("Use as pins", disabled=not moves, key="carve_edit_pins"):
        pins.update(moves)
        st.rerun()
    if e2.button("Add the edited plan to this session", disabled=not moves, key="carve_edit_add"):
        state.add_plan(edited)
        st.success(f"Added “{edited.name}” for the Disruption and Compare pages.")

with tab_out:
    crm = crm_frame(plan, ds.reps, acc, res.reasons)
    download_csv(crm, "Download CRM assignment (CSV)", "carve_assignment.csv", key="carve_dl")
    st.caption("account_id, new owner id and name, old owner, territory, reason — cells that start with =, +, - or @ "
               "are escaped so spreadsheets do not run them.")
    s1, s2 = st.columns([2, 1])
    save_name = s1.text_input("Save as", value=plan.name, key="carve_save_name")
    if s2.button("Save proposal", disabled=not res.ok, key="carve_save", type="primary"):
        try:
            headline = plan_summary(plan, ds.accounts, ds.reps, ds.plan_year, ds.settings)  # the library's columns
            v = state.store().save_plan(plan, name=save_name, note=res.summary(),
                                        summary={**headline, "status": res.status, "gap": res.gap,
                                                 "moves": len(res.moves)})
            st.success(f"Saved “{save_name}” (version {getattr(v, 'version', '?')}).")
        except Exception as exc:  # noqa: BLE001 - a store problem is shown, the proposal stays in the session
            st.error(f"Not saved: {exc}")
