"""Capacity Scenarios: headcount by segment and role, month by month, what-ifs and the optimal hiring plan."""
from __future__ import annotations

import json

import streamlit as st

from planning.access import AccessDenied, Permission
from planning.capacity import (MONTH_NAMES, CapacityScenario, ScenarioError, apply_tables, can, months_of,
                               scenario_tables, with_needed_hires)
from planning.reporting import figure
from ui import access, capacity_report as report, scoped, state
from ui.charts import draw
from ui.editors import editor_config
from ui.format import usd
from ui.plain import md_escape
from ui.tables import show_prepared, show_table
from ui.widgets import download_csv, download_excel

user = access.page_user(Permission.VIEW_COMPANY)  # headcount and cost are company-wide
show_cost = can(user, Permission.VIEW_COMP)
sview = scoped.view(store_optional=True)  # scenarios live in the session when the store cannot be opened
ds = sview.dataset
version = state.dataset_version()
st.title("Capacity Scenarios")
st.caption(f"{md_escape(ds.name)} · as of {ds.as_of.date()} · planning {ds.plan_year} · how many AEs and support people each "
           "segment needs, when to hire them" + (" and what it costs" if show_cost else "") + ".")

KIND = "capacity"
S_SCEN, S_CUR, S_REV, S_VER, S_OPT, S_OK = "cap_scenarios", "cap_current", "cap_rev", "cap_version", "cap_opt", "cap_ok"


# --- cached work: the scenario's reports and charts live in ui/capacity_report.py, keyed on the scenario's JSON,
# the dataset version and the user; this script only draws them ----------------------------------------------
def _default(ver: str) -> dict:
    return report.default_scenario(ver, user, sview)


def _store():
    """The plan store as the user sees it, or None (then scenarios live in this session only)."""
    return sview.store


# --- scenario book-keeping ------------------------------------------------------------------
if st.session_state.get(S_VER) != version:
    st.session_state[S_SCEN] = {"Baseline": _default(version)}
    st.session_state[S_CUR] = "Baseline"
    st.session_state[S_REV] = 0
    st.session_state[S_VER] = version
    st.session_state.pop(S_OPT, None)
scenarios: dict[str, dict] = st.session_state[S_SCEN]
store = _store()
stored_names: list[str] = []
if store is not None:
    try:
        stored = store.list_scenarios(KIND)
        stored_names = stored["name"].tolist() if len(stored) else []
    except Exception as exc:  # noqa: BLE001
        st.warning(f"Plan store unavailable ({md_escape(exc)}); scenarios are kept in this session only.")
        store = None


def _switch(name: str, payload: dict) -> None:
    scenarios[name] = payload
    st.session_state[S_CUR] = name
    st.session_state[S_REV] += 1
    st.session_state.pop(S_OPT, None)


names = list(dict.fromkeys(list(scenarios) + stored_names))
c1, c2, c3 = st.columns([2, 2, 1])
pick = c1.selectbox("Scenario", names, index=names.index(st.session_state[S_CUR]),
                    help="Scenarios of this session and those saved in the plan store.")
if pick != st.session_state[S_CUR]:
    _switch(pick, scenarios.get(pick) or store.load_scenario(KIND, pick))
    st.rerun()
current, rev = st.session_state[S_CUR], st.session_state[S_REV]
try:
    base = CapacityScenario.from_dict(scenarios[current])
except ScenarioError as exc:
    st.error(f"Scenario '{md_escape(current)}' cannot be used: {md_escape(exc)}")
    st.stop()
if c3.button("Reset to defaults", help="Pre-fill again from the data and the planning defaults."):
    _switch(current, {**_default(version), "name": current})
    st.rerun()

# --- the editor -------------------------------------------------------------------------------
tables = scenario_tables(base, user)
st.subheader("Assumptions")
st.caption("Pre-filled: targets from the targets file (a segment it has none for plans against today's team "
           "capacity, stated under the results), attainment from the median of the last quarters of history, "
           "people and ramp state from the reps table, the rest from the planning defaults. Every cell is editable; "
           "type percentages as percentages (70 is 70%) and money in dollars.")
tabs = st.tabs(["Segments", "Ramp curves", "Hiring plan", "Support & pipeline", "Company", "People"])
TAB_OF = {"assumptions": 0, "phasing": 0, "ramp": 1, "hiring": 2, "support": 3, "company": 4}
edited = {}


def _editor(name: str, **kwargs):
    edited[name] = st.data_editor(tables[name], key=f"cap_ed_{name}_{rev}", width="stretch", placeholder="",
                                  column_config=editor_config(name, tables[name], kwargs.pop("disabled", ())),
                                  **kwargs)


with tabs[0]:
    _editor("assumptions", disabled=("attainment_source",))
    _editor("phasing")
with tabs[1]:
    st.caption("Productivity of a new AE in month 1, 2, … in seat. The last filled month must be 100%.")
    _editor("ramp")
with tabs[2]:
    st.caption("New AEs starting in each month (on top of today's team, open requisitions and backfills).")
    _editor("hiring")
with tabs[3]:
    _editor("support")
with tabs[4]:
    company = {}
    if show_cost:
        k1, k2, k3 = st.columns(3)
        for col, (field, text) in zip((k1, k2, k3), (("sdr_cost_usd", "SDR"), ("se_cost_usd", "SE"),
                                                      ("csm_cost_usd", "CSM"))):
            company[field] = col.number_input(f"{text} cost per head (USD a year)", value=float(getattr(base, field)),
                                              step=5_000.0, format="%.0f", key=f"cap_{field}_{rev}")
    k4, k5, k6, k7 = st.columns(4)
    company["csm_book_usd"] = k4.number_input("ARR book per CSM (USD)", value=float(base.csm_book_usd),
                                              step=100_000.0, format="%.0f", key=f"cap_book_{rev}")
    company["backfill"] = k5.checkbox("Backfill leavers", value=base.backfill, key=f"cap_bf_{rev}",
                                      help="A leaver's seat is filled again after the segment's time to hire; the "
                                           "new AE ramps from the start.")
    freeze_opts = ["No freeze"] + list(MONTH_NAMES)
    freeze = k6.selectbox("Hiring freeze from", freeze_opts, index=base.freeze_from_month or 0,
                          key=f"cap_freeze_{rev}", help="No new hires or backfills start from this month on.")
    company["freeze_from_month"] = None if freeze == "No freeze" else freeze_opts.index(freeze)
    company["pipeline_coverage_target"] = k7.number_input(
        "Pipeline coverage needed (× target)", value=float(base.pipeline_coverage_target), step=0.5,
        key=f"cap_cov_{rev}")
with tabs[5]:
    st.caption("Quota carriers at the start of the plan (from the reps table): ramp counts from the start date, "
               "known leavers leave at their end date, open requisitions start at their planned date.")
    show_prepared(report.people(report.scenario_json(base), version), key="cap_people")

edit, problems = apply_tables(base, edited, **company)
for name, i in TAB_OF.items():  # each message under the table it belongs to
    if mine := [p.text for p in problems if p.table == name]:
        with tabs[i]:
            st.error("Fix this value to update the results:  \n" + "  \n".join(f"• {md_escape(t)}" for t in mine))
last = st.session_state.get(S_OK)
if edit is not None:
    sc = edit
    st.session_state[S_OK] = {"key": [current, rev], "scenario": sc.to_dict()}
else:
    sc = CapacityScenario.from_dict(last["scenario"]) if last and last["key"] == [current, rev] else base
sc_json = report.scenario_json(sc)
dirty = sc_json != report.scenario_json(base)

# --- save / clone -----------------------------------------------------------------------------
with c2:
    new_name = st.text_input("Save as", value=current, help="Same name: a new version; a new name: a clone.")
s1, s2, _ = st.columns([1, 1, 3])
if s1.button("Save scenario", type="primary", disabled=not new_name.strip() or bool(problems)):
    name = new_name.strip()
    payload = {**sc.to_dict(), "name": name}
    shown = md_escape(name)  # the user's words, never markdown
    msg = ("success", f"Kept '{shown}' in this session (no plan store).")
    if store is not None:
        try:
            v = store.save_scenario(KIND, name, payload, note=sc.note,
                                    summary=report.run(json.dumps(payload, sort_keys=True), version).summary())
            msg = ("success", f"Saved '{shown}' to the plan store (version {v.version}).")
        except AccessDenied as exc:
            msg = ("error", f"Not saved: {md_escape(exc)}")
        except Exception as exc:  # noqa: BLE001 — the store failed: the scenario stays in this session
            msg = ("warning", f"Not saved to the plan store ({md_escape(exc)}); kept '{shown}' in this session only.")
    if msg[0] != "error":
        _switch(name, payload)
    st.session_state["cap_saved_msg"] = msg
    st.rerun()
if s2.button("Clone", help="Copy the edited scenario under the 'Save as' name (session only until saved).",
             disabled=bool(problems)):
    name = new_name.strip() if new_name.strip() != current else f"{current} (copy)"
    _switch(name, {**sc.to_dict(), "name": name})
    st.rerun()
if saved := st.session_state.pop("cap_saved_msg", None):
    getattr(st, saved[0])(saved[1])
if problems:
    st.error(f"{len(problems)} value{'s' if len(problems) > 1 else ''} to fix (see the message under the table). "
             "The results below are from the last valid assumptions.")
elif dirty:
    st.caption("Unsaved changes: the results below use the edited assumptions.")

# --- results ----------------------------------------------------------------------------------
rep_ = report.overview(sc_json, version, user)
st.subheader("Plan-year results")
derived = report.target_note(sc_json, version, user, ds)
for i in range(0, len(rep_.metrics), 4):  # four a row: five cut "30.0 → 29.7" to "30.0 → 2…" at 1,280 px
    for col, m in zip(st.columns(4), rep_.metrics[i:i + 4]):
        # the capacity target's help says why it is derived, when it is
        help_ = " ".join(x for x in (m.help, derived) if x) if m.name == "capacity_target_usd" else m.help
        # the delta is a note ("80% of target"), not a change: no arrow, which read "↑ 80%" below target
        col.metric(m.label, m.value, m.delta, help=help_ or None, delta_color="off", delta_arrow="off")
if derived:
    st.warning(derived)
if left_out := report.scope_note(version, user, ds):
    st.warning(md_escape(left_out))  # names as written in the upload: plain text
for n in rep_.notes:
    st.warning(n)
need = int(rep_.summary["hires_needed"])
if need > 0 and st.button(f"Add the {need} hires needed to the hiring plan", key="cap_add_needed",
                          help="Earliest month first, within the monthly hiring cap (see 'Hires by month')."):
    _switch(current, with_needed_hires(sc, report.run(sc_json, version)).to_dict())
    st.rerun()


@st.fragment
def _monthly_charts(sc_json: str, segments: list[str]) -> None:
    """The month-by-month charts; picking a segment reruns only this."""
    view = st.radio("Show", ["All segments"] + segments, horizontal=True, key="cap_view")
    specs = report.monthly(sc_json, version, user, None if view == "All segments" else view, show_cost)
    r1, r2 = st.tabs(["Capacity vs target", "Cumulative"])
    draw(specs["capacity"], r1)
    draw(specs["cumulative"], r2)
    h1, h2 = st.columns(2)
    draw(specs["hires"], h1)
    draw(specs["headcount"], h2)
    if "cost" in specs:
        draw(specs["cost"])


_monthly_charts(sc_json, list(sc.segments))
st.subheader("By segment: bookings, coverage and pipeline lenses")
show_prepared(rep_.segments, key="cap_segments")
draw(rep_.lenses, width=None)
st.markdown("**Support roles by ratio**")
show_prepared(rep_.support, key="cap_support")

st.subheader("Sensitivity")
draw(rep_.tornado)
st.caption("Ramp 10% faster or slower scales every ramping month's productivity (capped at 100%); attrition moves "
           "relative to itself (20% → 22%). " + ("Attainment and quota move" if can(user, Permission.VIEW_QUOTA)
                                                 else "Attainment moves") + " bookings one for one.")


# --- optimal allocation -------------------------------------------------------------------------
@st.fragment
def _optimal(sc_json: str, summary: dict, budget_usd, max_headcount, blocked: bool) -> None:
    """The hiring optimizer: its settings and result rerun only this part; using its plan reruns the page."""
    st.subheader("Optimal hiring allocation")
    st.caption("Chooses hires per segment and month (replacing the hiring plan above) within the hiring caps and "
               "earliest starts, and says in words what each limit costs the plan.")
    o1, o2, o3, o4 = st.columns(4)
    objectives = ["Maximise bookings", "Minimise cost of meeting target"] if show_cost else ["Maximise bookings"]
    objective = o1.radio("Objective", objectives, key="cap_obj")
    obj = "max_bookings" if objective.startswith("Max") else "min_cost"
    budget = None
    if show_cost:
        use_budget = o2.checkbox("Budget limit", value=obj == "max_bookings", key="cap_use_budget")
        budget = o2.number_input("Annual budget (USD)", 0.0, value=float(budget_usd or round(
            summary["cost_usd"] * 1.15, -5)), step=100_000.0, format="%.0f", key="cap_budget",
            disabled=not use_budget)
        budget = budget if use_budget else None
    use_cap = o3.checkbox("Headcount cap", value=not show_cost, key="cap_use_cap")
    cap = o3.number_input("Most AEs in seat", 0.0, value=float(max_headcount or round(
        summary["headcount_start"] + 10)), step=1.0, format="%.0f", key="cap_cap", disabled=not use_cap)
    pipeline_cap = o4.checkbox("Pipeline caps bookings", value=True, key="cap_pipe",
                               help="Count only the bookings that qualified pipeline (open + SDR-sourced) × win rate "
                                    "supports, per segment.")
    if o4.button("Solve", type="primary", disabled=blocked):
        if obj == "max_bookings" and budget is None and not use_cap:
            st.error("Maximising bookings needs " + ("a budget or " if show_cost else "") + "a headcount cap.")
        else:
            with st.status("Finding the best hiring plan…", expanded=False) as status:
                out, prop = report.optimize(sc_json, version, obj, budget, cap if use_cap else None, pipeline_cap)
                status.update(label="Hiring plan found" if out.ok else "No hiring plan within these limits",
                              state="complete" if out.ok else "error")
            st.session_state[S_OPT] = {"key": sc_json, "res": out, "prop": prop}
    opt = st.session_state.get(S_OPT)
    if opt and opt["key"] == sc_json:
        _optimal_result(opt["res"], opt["prop"])


def _optimal_result(o, prop) -> None:
    if not o.ok:
        st.error(f"No hiring plan: {md_escape(o.diagnosis)}. The scenario is unchanged.")
        return
    q = st.columns(3)
    q[0].metric("Expected bookings", usd(o.expected_bookings_usd))
    q[1].metric("Hires", int(o.hires["hires"].sum()) if len(o.hires) else 0)
    if show_cost:
        q[2].metric(figure("ae_support_cost_usd").label, usd(o.cost_usd), help=figure("ae_support_cost_usd").help)
    if prop is not None:
        st.info(f"A split proportional to targets with the same limits books {usd(prop)}; the optimal "
                f"plan books {usd(o.objective)} ({usd(o.objective - prop)} more).")
    show_table(o.hiring_table().reset_index(names="segment"), key="cap_opt_hires")
    st.markdown("\n".join(f"- {r}" for r in o.explain(show_cost)))
    with st.expander("Solver details"):
        st.caption(f"Status: {o.status} · gap to the LP bound {o.gap:.2%} (LP bound {usd(o.bound)}) · built in "
                   f"{o.seconds_build:.2f} s, solved in {o.seconds_solve:.2f} s. Shadow prices are the LP "
                   "relaxation's duals: what one more unit of each limit is worth.")
        sp = o.shadow_prices.rename(columns={"month": "month_name"})
        if not show_cost:
            sp = sp.loc[~sp["kind"].isin(["budget", "target"])]
        show_table(sp[["meaning", "segment", "month_name", "shadow_price", "shadow_unit", "binding"]], key="cap_shadow")
    if st.button("Use this hiring plan as a new scenario"):
        name = f"{current} (optimal)"
        _switch(name, {**o.plan.to_dict(), "name": name})
        st.rerun()


_optimal(sc_json, rep_.summary, sc.budget_usd, sc.max_headcount, bool(problems))


# --- compare ----------------------------------------------------------------------------------
@st.fragment
def _compare(sc_json: str) -> None:
    """Scenarios side by side; picking them reruns only this part."""
    st.subheader("Compare scenarios")
    names = list(dict.fromkeys(list(scenarios) + stored_names))
    chosen = st.multiselect("Scenarios (2–4)", names, default=names[:2] if len(names) >= 2 else names,
                            max_selections=4, key="cap_compare")
    if len(chosen) < 2:
        st.caption("Save or clone a scenario to compare 2–4 of them side by side.")
        return
    payloads = []
    for n in chosen:
        payload = scenarios.get(n) or (store.load_scenario(KIND, n) if store else None)
        payloads.append((n, sc_json if n == current else json.dumps(payload, sort_keys=True)))
    table, chart, unusable = report.comparison(tuple(payloads), version, user)
    for n, text in unusable:
        st.warning(f"{md_escape(n)}: {md_escape(text)}")
    show_prepared(table, key="cap_compare_table", hide_index=False)
    draw(chart, width=None)


_compare(sc_json)

# --- export -----------------------------------------------------------------------------------
st.subheader("Export")
e1, e2 = st.columns(2)
with e1:
    download_csv(rep_.hiring, "Hiring plan (CSV)", f"hiring_plan_{current}.csv", key="cap_dl_csv")
with e2:
    download_excel(rep_.sheets, "Capacity plan (Excel)", f"capacity_{current}.xlsx", key="cap_dl_xlsx")
if plan_hires := {n: months_of(v.hiring_plan) for n, v in sc.segments.items() if any(v.hiring_plan)}:
    st.caption("Planned hires: " + "; ".join(f"{md_escape(n)}: {', '.join(v)}" for n, v in plan_hires.items()))
