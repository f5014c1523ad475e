"""Capacity Scenarios: headcount by segment and role, month by month, what-ifs and the optimal hiring plan."""
from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from optimizers.headcount import optimize_hiring, proportional_allocation
from planning.access import Permission
from planning.capacity import (MONTH_NAMES, CapacityScenario, ScenarioError, compare_summaries, default_scenario,
                               months_of, run_scenario, scenario_from_tables, scenario_tables, tornado)
from ui import access, state
from ui.format import pct, usd
from ui.widgets import download_csv, download_excel

access.page_user(Permission.VIEW_COMPANY)  # headcount and cost are company-wide
ds = state.dataset()
version = state.dataset_version()
st.title("Capacity Scenarios")
st.caption(f"{ds.name} · as of {ds.as_of.date()} · planning {ds.plan_year} · how many AEs and support people each "
           "segment needs, when to hire them and what it costs.  Formulas: docs/capacity.md.")

KIND = "capacity"
S_SCEN, S_CUR, S_REV, S_VER, S_OPT = "cap_scenarios", "cap_current", "cap_rev", "cap_version", "cap_opt"


# --- cached pure work (keyed on the scenario's JSON and the dataset version) ----------------
@st.cache_data(show_spinner=False, max_entries=64)
def _default(ver: str) -> dict:
    return default_scenario(state.dataset()).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def _run(sc_json: str, ver: str):
    return run_scenario(CapacityScenario.from_dict(json.loads(sc_json)))


@st.cache_data(show_spinner=False, max_entries=64)
def _tornado(sc_json: str, ver: str) -> pd.DataFrame:
    return tornado(CapacityScenario.from_dict(json.loads(sc_json)))


@st.cache_data(show_spinner=False, max_entries=16)
def _optimize(sc_json: str, ver: str, objective: str, budget, cap, pipeline_cap: bool):
    sc = CapacityScenario.from_dict(json.loads(sc_json))
    res = optimize_hiring(sc, objective=objective, budget_usd=budget, max_headcount=cap,
                          cap_at_pipeline=pipeline_cap, time_limit=20)
    prop = None
    if res.ok and objective == "max_bookings":
        prop = proportional_allocation(sc, budget_usd=budget, max_headcount=cap, cap_at_pipeline=pipeline_cap)[1]
    return res, prop


def _store():
    """The plan store, or None (then scenarios live in this session only)."""
    try:
        return state.store()
    except Exception:  # noqa: BLE001 — any store problem falls back to the session, it must not break the page
        return None


# --- scenario book-keeping ------------------------------------------------------------------
if st.session_state.get(S_VER) != version:
    st.session_state[S_SCEN] = {"Baseline": _default(version)}
    st.session_state[S_CUR] = "Baseline"
    st.session_state[S_REV] = 0
    st.session_state[S_VER] = version
    st.session_state.pop(S_OPT, None)
scenarios: dict[str, dict] = st.session_state[S_SCEN]
store = _store()
stored = pd.DataFrame()
if store is not None:
    try:
        stored = store.list_scenarios(KIND)
    except Exception as exc:  # noqa: BLE001
        st.warning(f"Plan store unavailable ({exc}); scenarios are kept in this session only.")
        store = None


def _switch(name: str, payload: dict) -> None:
    scenarios[name] = payload
    st.session_state[S_CUR] = name
    st.session_state[S_REV] += 1
    st.session_state.pop(S_OPT, None)


names = list(dict.fromkeys(list(scenarios) + (stored["name"].tolist() if len(stored) else [])))
c1, c2, c3 = st.columns([2, 2, 1])
pick = c1.selectbox("Scenario", names, index=names.index(st.session_state[S_CUR]),
                    help="Scenarios of this session and those saved in the plan store.")
if pick != st.session_state[S_CUR]:
    payload = scenarios.get(pick) or store.load_scenario(KIND, pick)
    _switch(pick, payload)
    st.rerun()
current = st.session_state[S_CUR]
rev = st.session_state[S_REV]
try:
    base = CapacityScenario.from_dict(scenarios[current])
except ScenarioError as exc:
    st.error(f"Scenario {current!r} cannot be used: {exc}")
    st.stop()
if c3.button("Reset to defaults", help="Pre-fill again from the data and the domain defaults."):
    _switch(current, {**_default(version), "name": current})
    st.rerun()

# --- the editor -------------------------------------------------------------------------------
tables = scenario_tables(base)
pc = st.column_config
pctcol = lambda label, help_: pc.NumberColumn(label, format="percent", min_value=0.0, help=help_)  # noqa: E731
usdcol = lambda label, help_: pc.NumberColumn(label, format="$%.0f", min_value=0.0, help=help_)  # noqa: E731
st.subheader("Assumptions")
st.caption("Pre-filled: targets from the targets table, attainment from the median of the last quarters of history, "
           "people and ramp state from the reps table, the rest from the domain defaults. Every cell is editable.")
tabs = st.tabs(["Segments", "Ramp curves", "Hiring plan", "Support & pipeline", "Company", "People"])
edited: dict[str, pd.DataFrame] = {}
with tabs[0]:
    edited["assumptions"] = st.data_editor(
        tables["assumptions"], key=f"cap_ed_assumptions_{rev}", width="stretch", disabled=["attainment_source"],
        column_config={
            "bookings_target_usd": usdcol("Target (USD)", "Annual top-down bookings target for the plan year"),
            "quota_usd": usdcol("Quota per ramped AE", "Annual quota of one fully ramped rep"),
            "attainment": pctcol("Expected attainment", "Share of quota a ramped rep books (median of history)"),
            "annual_attrition": pctcol("Annual attrition", "Expected share of AEs leaving in a year"),
            "time_to_hire_months": pc.NumberColumn("Time to hire (months)", min_value=0, step=1),
            "cost_per_head_usd": usdcol("Cost per AE", "Fully loaded: OTE + benefits + tools, per year"),
            "earliest_start_month": pc.NumberColumn("Earliest start (1–12)", min_value=1, max_value=12, step=1),
            "max_hires_per_month": pc.NumberColumn("Max hires / month", min_value=0, step=1),
            "attainment_source": pc.TextColumn("Attainment source"),
        })
    edited["phasing"] = st.data_editor(tables["phasing"], key=f"cap_ed_phasing_{rev}", width="stretch",
                                       column_config={q: pctcol(q, f"Share of the target in {q}")
                                                      for q in tables["phasing"].columns})
with tabs[1]:
    st.caption("Productivity of a new AE in month 1, 2, … in seat. The last filled month must be 100%.")
    edited["ramp"] = st.data_editor(tables["ramp"], key=f"cap_ed_ramp_{rev}", width="stretch",
                                    column_config={c: pctcol(c, f"Ramp in month {c[1:]} in seat")
                                                   for c in tables["ramp"].columns})
with tabs[2]:
    st.caption("New AEs starting in each month (on top of today's team, open requisitions and backfills).")
    edited["hiring"] = st.data_editor(tables["hiring"], key=f"cap_ed_hiring_{rev}", width="stretch",
                                      column_config={m: pc.NumberColumn(m, min_value=0, step=1) for m in MONTH_NAMES})
with tabs[3]:
    edited["support"] = st.data_editor(
        tables["support"], key=f"cap_ed_support_{rev}", width="stretch",
        column_config={
            "sdr_per_ae": pc.NumberColumn("SDRs per AE", min_value=0.0, format="%.2f"),
            "se_per_ae": pc.NumberColumn("SEs per AE", min_value=0.0, format="%.2f"),
            "opps_per_sdr_month": pc.NumberColumn("Qualified opps / SDR / month", min_value=0.0),
            "opp_win_rate": pctcol("Opp → win", "Qualified opportunity to closed-won"),
            "avg_deal_usd": usdcol("Avg deal (USD)", "First-year bookings of a won deal"),
            "open_pipeline_usd": usdcol("Open pipeline (USD)", "Qualified pipeline open today (accounts table)"),
            "arr_usd": usdcol("ARR book (USD)", "Today's ARR; drives CSM headcount"),
            "accounts_to_cover": pc.NumberColumn("Accounts to cover", min_value=0, step=1),
            "accounts_per_rep": pc.NumberColumn("Accounts per rep", min_value=1.0, help="Coverage model"),
        })
with tabs[4]:
    k1, k2, k3, k4 = st.columns(4)
    sdr_cost = k1.number_input("SDR cost per head (USD/yr)", 0.0, value=float(base.sdr_cost_usd), step=5_000.0,
                               format="%.0f",
                               key=f"cap_sdr_{rev}")
    se_cost = k2.number_input("SE cost per head (USD/yr)", 0.0, value=float(base.se_cost_usd), step=5_000.0,
                               format="%.0f",
                              key=f"cap_se_{rev}")
    csm_cost = k3.number_input("CSM cost per head (USD/yr)", 0.0, value=float(base.csm_cost_usd), step=5_000.0,
                               format="%.0f",
                               key=f"cap_csm_{rev}")
    csm_book = k4.number_input("ARR book per CSM (USD)", 1.0, value=float(base.csm_book_usd), step=100_000.0,
                               format="%.0f", key=f"cap_book_{rev}")
    k5, k6, k7 = st.columns(3)
    backfill = k5.checkbox("Backfill leavers (after time to hire)", value=base.backfill, key=f"cap_bf_{rev}")
    freeze_opts = ["No freeze"] + list(MONTH_NAMES)
    freeze = k6.selectbox("Hiring freeze from", freeze_opts, index=base.freeze_from_month or 0,
                          key=f"cap_freeze_{rev}", help="No new hires or backfills start from this month on.")
    cov_target = k7.number_input("Pipeline coverage needed (× target)", 0.1, value=float(base.pipeline_coverage_target),
                                 step=0.5, key=f"cap_cov_{rev}")
with tabs[5]:
    st.caption("Quota carriers at the start of the plan (from the reps table): ramp counts from the start date, "
               "known leavers leave at their end date, open requisitions start at their planned date.")
    st.dataframe(pd.DataFrame([p.__dict__ for p in base.people]), hide_index=True, width="stretch")

try:
    sc = scenario_from_tables(base, edited, sdr_cost_usd=sdr_cost, se_cost_usd=se_cost, csm_cost_usd=csm_cost,
                              csm_book_usd=csm_book, backfill=backfill,
                              freeze_from_month=None if freeze == "No freeze" else freeze_opts.index(freeze),
                              pipeline_coverage_target=cov_target)
except ScenarioError as exc:
    st.error(f"Fix this assumption to see results: {exc}")
    st.stop()
sc_json = json.dumps(sc.to_dict(), sort_keys=True)
dirty = sc.to_dict() != base.to_dict()

# --- save / clone -----------------------------------------------------------------------------
with c2:
    new_name = st.text_input("Save as", value=current, help="Same name: a new version; a new name: a clone.")
s1, s2, _ = st.columns([1, 1, 3])
if s1.button("Save scenario", type="primary", disabled=not new_name.strip()):
    name = new_name.strip()
    payload = {**sc.to_dict(), "name": name}
    summary = _run(json.dumps(payload, sort_keys=True), version).summary()
    where = "this session"
    if store is not None:
        try:
            v = store.save_scenario(KIND, name, payload, note=sc.note, summary=summary)
            where = f"the plan store (version {v.version})"
        except Exception as exc:  # noqa: BLE001
            st.warning(f"Not saved to the plan store ({exc}); kept in this session.")
    _switch(name, payload)
    st.session_state["cap_saved_msg"] = f"Saved {name!r} to {where}."
    st.rerun()
if s2.button("Clone", help="Copy the edited scenario under the 'Save as' name (session only until saved)."):
    name = new_name.strip() if new_name.strip() != current else f"{current} (copy)"
    _switch(name, {**sc.to_dict(), "name": name})
    st.rerun()
if msg := st.session_state.pop("cap_saved_msg", None):
    st.success(msg)
if dirty:
    st.caption("Unsaved changes: the results below use the edited assumptions.")

# --- results ----------------------------------------------------------------------------------
res = _run(sc_json, version)
s = res.summary()
st.subheader("Plan-year results")
m = st.columns(5)
m[0].metric("Target", usd(s["target_usd"]))
m[1].metric("Expected bookings", usd(s["expected_bookings_usd"]), f"{pct(s['attainment_of_target'])} of target",
            delta_color="off")
m[2].metric("Gap to target", usd(s["gap_usd"]), help="Top-down target − bottom-up capacity")
m[3].metric("AEs Jan → Dec", f"{s['headcount_start']:.1f} → {s['headcount_end']:.1f}",
            f"{s['hires']} planned hires · {s['hires_needed']} more needed", delta_color="off")
m[4].metric("Risk", s["risk"].capitalize(), help=s["risk_reasons"])
m = st.columns(5)
m[0].metric("Cost (AEs + support)", usd(s["cost_usd"]))
m[1].metric("Cost of sales", pct(s["cost_of_sales"], 1), help="(AE + SDR + SE cost) ÷ expected bookings")
m[2].metric("Bookings per AE", usd(s["bookings_per_head_usd"]), help="Expected bookings ÷ average AEs in seat")
m[3].metric("Pipeline supports", usd(s["pipeline_capped_bookings_usd"]),
            help="Per segment the smaller of capacity and (open + SDR-sourced pipeline) × win rate")
m[4].metric("RRE Jan → Dec", f"{s['rre_start']:.1f} → {s['rre_end']:.1f}",
            help="Ramped rep equivalents: Σ ramp % × expected attainment")
for n in res.notes:
    st.warning(n)
if s["hires_needed"] > 0 and st.button(
        f"Add the {s['hires_needed']} hires needed to the hiring plan", key="cap_add_needed",
        help="Earliest month first, within the monthly hiring cap (see 'Hires by month')."):
    need = res.monthly.pivot(index="segment", columns="month", values="hires_needed")
    plan = {n: tuple(int(a + b) for a, b in zip(seg.hiring_plan, need.loc[n])) for n, seg in sc.segments.items()}
    payload = sc.to_dict()
    for n, hp in plan.items():
        payload["segments"][n]["hiring_plan"] = list(hp)
    _switch(current, payload)
    st.rerun()

seg_opts = ["All segments"] + list(sc.segments)
view = st.radio("Show", seg_opts, horizontal=True, key="cap_view")
mon = res.company_monthly().assign(segment="All segments") if view == "All segments" else \
    res.monthly.loc[res.monthly["segment"] == view]
mon = mon.assign(month_name=pd.Categorical(mon["month_name"], categories=list(MONTH_NAMES), ordered=True))
x = alt.X("month_name:O", title="Month", sort=list(MONTH_NAMES))
r1, r2 = st.tabs(["Capacity vs target", "Cumulative"])
with r1:
    long = mon.melt(id_vars=["month_name"], value_vars=["capacity_usd", "target_usd"], var_name="series",
                    value_name="usd").replace({"capacity_usd": "Expected capacity", "target_usd": "Target"})
    bars = alt.Chart(long.loc[long["series"] == "Expected capacity"]).mark_bar(color="#4c78a8").encode(
        x=x, y=alt.Y("usd:Q", title="Bookings per month (USD)", axis=alt.Axis(format="$,.2s")),
        tooltip=["month_name", alt.Tooltip("usd:Q", format="$,.0f", title="capacity")])
    line = alt.Chart(long.loc[long["series"] == "Target"]).mark_line(color="#e45756", point=True, strokeWidth=3).encode(
        x=x, y="usd:Q", tooltip=["month_name", alt.Tooltip("usd:Q", format="$,.0f", title="target")])
    st.altair_chart((bars + line).properties(height=300, title=f"{view}: expected capacity (bars) vs target (line)"),
                    width="stretch")
with r2:
    cum = mon.melt(id_vars=["month_name"], value_vars=["cum_capacity_usd", "cum_target_usd"], var_name="series",
                   value_name="usd").replace({"cum_capacity_usd": "Expected capacity", "cum_target_usd": "Target"})
    st.altair_chart(alt.Chart(cum).mark_line(point=True).encode(
        x=x, y=alt.Y("usd:Q", title="Cumulative bookings (USD)", axis=alt.Axis(format="$,.2s")),
        color=alt.Color("series:N", scale=alt.Scale(range=["#4c78a8", "#e45756"])),
        tooltip=["month_name", "series", alt.Tooltip("usd:Q", format="$,.0f")]).properties(height=300),
        width="stretch")

h1, h2 = st.columns(2)
with h1:
    hires = mon.melt(id_vars=["month_name"], value_vars=["hires", "open_reqs", "backfills", "hires_needed"],
                     var_name="kind", value_name="heads")
    hires["kind"] = hires["kind"].map({"hires": "Planned hires", "open_reqs": "Open requisitions",
                                       "backfills": "Expected backfills", "hires_needed": "Needed to close the gap"})
    st.altair_chart(alt.Chart(hires).mark_bar().encode(
        x=x, y=alt.Y("heads:Q", title="AEs starting"), color=alt.Color("kind:N", title=None,
                                                                        legend=alt.Legend(orient="bottom")),
        tooltip=["month_name", "kind", alt.Tooltip("heads:Q", format=".1f")]).properties(
        height=280, title="Hires by month"), width="stretch")
with h2:
    hc = res.monthly[["segment", "month_name", "headcount", "rre"]]
    st.altair_chart(alt.Chart(hc).mark_line(point=True).encode(
        x=x, y=alt.Y("headcount:Q", title="Expected AEs in seat"), color=alt.Color("segment:N", title=None,
                                                                                   legend=alt.Legend(orient="bottom")),
        tooltip=["segment", "month_name", alt.Tooltip("headcount:Q", format=".1f"),
                 alt.Tooltip("rre:Q", format=".1f", title="RRE")]).properties(height=280, title="Headcount by segment"),
        width="stretch")
cost = mon.melt(id_vars=["month_name"], value_vars=["ae_cost_usd", "support_cost_usd"], var_name="kind",
                value_name="usd").replace({"ae_cost_usd": "AEs", "support_cost_usd": "SDR / SE / CSM"})
st.altair_chart(alt.Chart(cost).mark_bar().encode(
    x=x, y=alt.Y("usd:Q", title="Cost per month (USD)", axis=alt.Axis(format="$,.2s")),
    color=alt.Color("kind:N", title=None), tooltip=["month_name", "kind", alt.Tooltip("usd:Q", format="$,.0f")]
).properties(height=240, title=f"{view}: cost by month"), width="stretch")

st.subheader("By segment: bookings, coverage and pipeline lenses")
seg = res.segments
show = seg[["segment", "target_usd", "expected_bookings_usd", "gap_usd", "headcount_start", "headcount_end",
            "hires_needed", "reps_needed_bookings", "reps_needed_coverage", "lenses_disagree", "pipeline_usd",
            "pipeline_coverage", "pipeline_supported_usd", "cost_usd", "attainment", "attainment_source"]]
st.dataframe(show, hide_index=True, width="stretch", column_config={
    **{c: pc.NumberColumn(c.replace("_usd", " (USD)").replace("_", " ").capitalize(), format="$%.0f")
       for c in show.columns if c.endswith("_usd")},
    "hires_needed": pc.NumberColumn("Hires needed"), "lenses_disagree": pc.CheckboxColumn("Lenses disagree"),
    "headcount_start": pc.NumberColumn("AEs Jan", format="%.1f"),
    "headcount_end": pc.NumberColumn("AEs Dec", format="%.1f"),
    "reps_needed_bookings": pc.NumberColumn("Reps: bookings lens", format="%.1f",
                                            help="target ÷ (quota × attainment), fully ramped"),
    "reps_needed_coverage": pc.NumberColumn("Reps: coverage lens", format="%.1f",
                                            help="accounts to cover ÷ accounts per rep"),
    "pipeline_coverage": pc.NumberColumn("Pipeline ÷ target", format="%.1f×"),
    "attainment": pc.NumberColumn("Attainment", format="percent")})
lens = seg.melt(id_vars=["segment"], value_vars=["headcount_start", "reps_needed_bookings", "reps_needed_coverage"],
                var_name="lens", value_name="reps").replace({"headcount_start": "Today (January)",
                                                            "reps_needed_bookings": "Bookings lens",
                                                            "reps_needed_coverage": "Coverage lens"})
l1, l2 = st.columns(2)
l1.altair_chart(alt.Chart(lens).mark_bar().encode(
    x=alt.X("lens:N", title=None, axis=alt.Axis(labels=False)), y=alt.Y("reps:Q", title="AEs"),
    color=alt.Color("lens:N", title=None, legend=alt.Legend(orient="bottom")), column=alt.Column("segment:N", title=None),
    tooltip=["segment", "lens", alt.Tooltip("reps:Q", format=".1f")]).properties(width=110, height=220,
                                                                                  title="Reps by lens"))
with l2:
    st.markdown("**Support roles by ratio**")
    st.dataframe(res.support, hide_index=True, width="stretch", column_config={
        "needed_start": pc.NumberColumn("Needed Jan", format="%.1f"),
        "needed_end": pc.NumberColumn("Needed Dec", format="%.1f"),
        "cost_usd": pc.NumberColumn("Cost (USD)", format="$%.0f")})

st.subheader("Sensitivity")
tor = _tornado(sc_json, version)
base_b = float(tor["base_usd"].iloc[0])
tl = pd.concat([tor.assign(case="−10%", usd=tor["low_usd"]), tor.assign(case="+10%", usd=tor["high_usd"])])
tl["delta_usd"] = tl["usd"] - base_b
st.altair_chart(alt.Chart(tl).mark_bar().encode(
    y=alt.Y("driver:N", sort=tor["driver"].tolist(), title=None, axis=alt.Axis(labelOverlap=False)),
    x=alt.X("delta_usd:Q", stack=None, title=f"Change in expected bookings vs {usd(base_b)} (USD)", axis=alt.Axis(format="$,.2s")),
    color=alt.Color("case:N", title="Driver at", scale=alt.Scale(domain=["−10%", "+10%"], range=["#e45756", "#54a24b"])),
    tooltip=["driver", "case", alt.Tooltip("usd:Q", format="$,.0f", title="bookings"),
             alt.Tooltip("delta_usd:Q", format="$,.0f", title="change")]).properties(
    height=220, title="Tornado: expected bookings with each driver at ±10%"), width="stretch")
st.caption("Ramp ±10% scales every ramping month's productivity (capped at 100%); attrition ±10% is relative "
           "(20% → 22%). Attainment and quota move bookings one for one.")

# --- optimal allocation -------------------------------------------------------------------------
st.subheader("Optimal hiring allocation")
st.caption("Chooses hires per segment and month (replacing the hiring plan above) within the hiring caps and "
           "earliest starts. Shadow prices come from the LP relaxation: what one more unit of a limit is worth.")
o1, o2, o3, o4 = st.columns(4)
objective = o1.radio("Objective", ["Maximise bookings", "Minimise cost of meeting target"], key="cap_obj")
obj = "max_bookings" if objective.startswith("Max") else "min_cost"
default_budget = float(sc.budget_usd or round(s["cost_usd"] * 1.15, -5))
use_budget = o2.checkbox("Budget limit", value=obj == "max_bookings", key="cap_use_budget")
budget = o2.number_input("Annual budget (USD)", 0.0, value=default_budget, step=100_000.0, key="cap_budget",
                         format="%.0f",
                         disabled=not use_budget)
use_cap = o3.checkbox("Headcount cap", value=False, key="cap_use_cap")
cap = o3.number_input("Most AEs in seat", 0.0, value=float(sc.max_headcount or round(s["headcount_start"] + 10)),
                      step=1.0, format="%.0f", key="cap_cap", disabled=not use_cap)
pipeline_cap = o4.checkbox("Count only bookings the pipeline supports", value=True, key="cap_pipe")
if o4.button("Solve", type="primary"):
    if obj == "max_bookings" and not (use_budget or use_cap):
        st.error("Maximising bookings needs a budget or a headcount cap.")
    else:
        with st.status("Solving the hiring allocation…", expanded=False) as status:
            out, prop = _optimize(sc_json, version, obj, budget if use_budget else None, cap if use_cap else None,
                                  pipeline_cap)
            status.update(label=f"Solved: {out.status}", state="complete" if out.ok else "error")
        st.session_state[S_OPT] = {"key": sc_json, "res": out, "prop": prop}
opt = st.session_state.get(S_OPT)
if opt and opt["key"] == sc_json:
    o = opt["res"]
    if not o.ok:
        st.error(f"No hiring plan ({o.status}): {o.diagnosis}. The scenario is unchanged.")
    else:
        q = st.columns(4)
        q[0].metric("Expected bookings", usd(o.expected_bookings_usd))
        q[1].metric("Cost", usd(o.cost_usd))
        q[2].metric("Hires", int(o.hires["hires"].sum()) if len(o.hires) else 0)
        q[3].metric("Gap to LP bound", pct(o.gap, 2), help=f"LP bound {usd(o.bound)}; solved in {o.seconds_solve:.2f}s")
        if opt["prop"] is not None:
            st.info(f"A split proportional to targets with the same limits books {usd(opt['prop'])}; the optimal "
                    f"plan books {usd(o.objective)} ({usd(o.objective - opt['prop'])} more).")
        st.dataframe(o.hiring_table(), width="stretch")
        st.markdown("\n".join(f"- {r}" for r in o.reasons))
        with st.expander("All shadow prices"):
            st.dataframe(o.shadow_prices, hide_index=True, width="stretch")
        if st.button("Use this hiring plan as a new scenario"):
            name = f"{current} (optimal)"
            _switch(name, {**o.plan.to_dict(), "name": name})
            st.rerun()

# --- compare ----------------------------------------------------------------------------------
st.subheader("Compare scenarios")
names = list(dict.fromkeys(list(scenarios) + (stored["name"].tolist() if len(stored) else [])))
chosen = st.multiselect("Scenarios (2–4)", names, default=names[:2] if len(names) >= 2 else names, max_selections=4,
                        key="cap_compare")
if len(chosen) < 2:
    st.caption("Save or clone a scenario to compare 2–4 of them side by side.")
else:
    summaries = {}
    for n in chosen:
        payload = scenarios.get(n) if n in scenarios else (store.load_scenario(KIND, n) if store else None)
        if n == current:
            payload = sc.to_dict()
        try:
            summaries[n] = _run(json.dumps(payload, sort_keys=True), version).summary()
        except ScenarioError as exc:
            st.warning(f"{n}: {exc}")
    table = compare_summaries(summaries)
    shown = table.astype(object)
    for label in table.index:
        vals = table.loc[label]
        if "(USD)" in label:
            shown.loc[label] = [usd(v) for v in vals]
        elif label in ("Expected ÷ target", "Cost of sales", "Bookings from this year's hires"):
            shown.loc[label] = [pct(v, 1) for v in vals]
        elif label in ("AEs in January", "AEs in December", "Expected backfills"):
            shown.loc[label] = [f"{v:.1f}" for v in vals]
    st.dataframe(shown.astype(str), width="stretch")
    comp = pd.DataFrame([{"scenario": n, "metric": lab, "usd": v[k]} for n, v in summaries.items()
                         for k, lab in (("expected_bookings_usd", "Expected bookings"), ("target_usd", "Target"),
                                        ("cost_usd", "Cost"))])
    st.altair_chart(alt.Chart(comp).mark_bar().encode(
        x=alt.X("scenario:N", title=None), y=alt.Y("usd:Q", title="USD", axis=alt.Axis(format="$,.2s")),
        color="scenario:N", column=alt.Column("metric:N", title=None),
        tooltip=["scenario", "metric", alt.Tooltip("usd:Q", format="$,.0f")]).properties(width=200, height=220))

# --- export -----------------------------------------------------------------------------------
st.subheader("Export")
e1, e2 = st.columns(2)
with e1:
    download_csv(res.hiring_plan(), "Hiring plan (CSV)", f"hiring_plan_{current}.csv", key="cap_dl_csv")
with e2:
    download_excel({"Summary": pd.DataFrame([s]), "By segment": res.segments, "Hiring plan": res.hiring_plan(),
                    "Headcount": res.headcount_table().reset_index(), "Support roles": res.support,
                    "Sensitivity": tor, "Assumptions": pd.json_normalize(sc.to_dict(), max_level=0).astype(str)},
                   "Capacity plan (Excel)", f"capacity_{current}.xlsx", key="cap_dl_xlsx")
if plan_hires := {n: months_of(v.hiring_plan) for n, v in sc.segments.items() if any(v.hiring_plan)}:
    st.caption("Planned hires: " + "; ".join(f"{n}: {', '.join(v)}" for n, v in plan_hires.items()))
