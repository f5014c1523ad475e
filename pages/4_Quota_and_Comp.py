"""Quota and Comp: set quotas on a plan, design comp plans, simulate their cost, export.

Data, plans, quotas and the cost simulation come through the scoped accessor (ui.quota_state.view()): a manager
sees their team's quotas only, and comp is for the roles that may see it.

The quota settings and the headline figures are drawn first; the sections (per-rep quotas, coverage, comp plans,
cost simulation, save and export: seven charts, three editors and a few dozen inputs in all) sit in lazy tabs after
them, and only the open tab runs and is drawn, so a page open carries what a person reads first (issue 26: the page
drew everything at once, ~170 elements and seven charts, 1.3 s to open).  Opening a tab, or changing a widget inside
one, reruns the sections alone (a fragment); a change to the quotas reruns the page."""
from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from planning.access import Permission, denial
from planning.compensation import (GAP_MODES, GAP_WORDS, METHOD_WORDS, METHODS, POOL_WORDS, POOLS, SETTING_WORDS,
                                  QuotaError)
from planning.reporting import (bookings_target, count, figure, figure_help, no_target_message, pct, person_of,
                                usd)
from ui import access
from ui import comp_sections as cs
from ui import quota_reports as qr
from ui import quota_state as qs
from ui.charts import draw
from ui.comp_sections import QuotaContext
from ui.guards import require_data
from ui.plain import md_escape
from ui.tables import column_config, rounded_as_shown, show_prepared, show_table

user = access.page_user(Permission.VIEW_QUOTA)
view = qs.view()
ds = view.dataset
st.title("Quota and Comp")
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
st.caption(f"{md_escape(ds.name)} · quotas for {ds.plan_year} · the planning defaults until you change them here")

plan = qs.selected_plan()
settings = qs.quota_settings().resolved(ds.settings)
if user.scoped:  # a manager: their team's quotas, read-only; nothing company-wide, no comp
    try:
        team = qs.quota_result(plan, settings).table.reset_index()  # the view cut it to the team
    except QuotaError as exc:
        st.error(f"Quotas could not be set: {md_escape(exc)}")
        st.stop()
    st.header(f"Your team's quotas: {md_escape(person_of(user.manager_id, ds.reps))}")
    st.metric("Team quota", usd(team["quota_usd"].sum()))
    show_table(team[["territory_id", "rep_name", "status", "segment", "region", "potential_usd", "quota_usd",
                     "quota_pct_potential", "flags"]], key="q_team")
    st.info(denial(user, Permission.VIEW_COMP))
    st.stop()
if bookings_target(ds.targets, ds.plan_year) is None:  # the targets file's only: never one derived from capacity
    st.info(no_target_message(ds.plan_year))
    st.stop()

# --- quota method -------------------------------------------------------------------------
st.header("Quotas")
# keyed widgets start from the saved settings; loading a scenario resets them (see qs.reset_widgets)
w = qs.widget_value
c1, c2, c3, c4 = st.columns([1.2, 1, 1, 1])
words = SETTING_WORDS  # label and help of each setting, as the workbook's Settings sheet names them
method = c1.radio(**words["method"], options=METHODS, key=w("qw_method", settings.method),
                  format_func=METHOD_WORDS.get, horizontal=True)
lo_def, hi_def = ds.settings.planning.quota_over_assignment_range
over = c2.slider(words["over_assignment"]["label"], 0, 40, key=w("qw_over", int(round(settings.over_assignment * 100))),
                 step=1, format="%d%%",
                 help=f"{words['over_assignment']['help']} Typical {lo_def:.0%}–{hi_def:.0%}; default "
                      f"{ds.settings.planning.quota_over_assignment:.0%}.") / 100
band = c3.slider(**words["coverage_band"], min_value=0.80, max_value=1.50,
                 key=w("qw_band", tuple(settings.coverage_band)), step=0.01, format="percent")
pool = c4.selectbox(**words["pool"], options=POOLS, key=w("qw_pool", settings.pool), format_func=POOL_WORDS.get)
weights = dict(settings.weights)
if method == "blend":
    cols = st.columns(3)
    weights = {b: col.number_input(f"Weight: {METHOD_WORDS[b]}", 0.0, 1.0, key=w(f"qw_w_{b}", float(weights.get(b, 0))),
                                   step=0.05) for col, b in zip(cols, ("potential", "history", "even"))}
d1, d2, d3 = st.columns(3)  # the two toggles one above the other: side by side, a quarter each cut their labels
ramp = d1.toggle(**words["ramp_adjust"], key=w("qw_ramp", settings.ramp_adjust))
prorate = d1.toggle(**words["prorate"], key=w("qw_prorate", settings.prorate))
ramp_gap = d2.selectbox(**words["ramp_gap"], options=GAP_MODES, key=w("qw_rampgap", settings.ramp_gap),
                        format_func=GAP_WORDS.get)
override_gap = d3.selectbox(**words["override_gap"], options=GAP_MODES, key=w("qw_ovgap", settings.override_gap),
                            format_func=GAP_WORDS.get)

new = dataclasses.replace(settings, method=method, over_assignment=over, coverage_band=band, pool=pool, weights=weights,
                          ramp_adjust=ramp, prorate=prorate, ramp_gap=ramp_gap, override_gap=override_gap)
try:
    result = qs.quota_result(plan, new)
except QuotaError as exc:
    st.error(f"Quotas could not be set: {md_escape(exc)}")
    st.stop()
qs.set_quota_settings(new)
settings = result.settings

qkey = qr.quota_key(plan, settings)
qv = qr.quota_view(qkey, user, plan, result)  # tables, coverage and charts, once per (data, plan, settings, user)
summ = qv["summary"]
m = st.columns(3) + st.columns(3)  # three a row: six cut "$28.14M" to "$28.1…" at 1,280 px
m[0].metric("Σ quotas", usd(summ["quota_usd"]))
m[1].metric(figure("bookings_target_usd").label, usd(summ["target_usd"]), help=figure_help("bookings_target_usd"))
m[2].metric(figure("quota_coverage").label, pct(summ["coverage_ratio"], 1), help=figure_help("quota_coverage"))
m[3].metric(figure("quota_reps").label, count(qv["quota_reps"]), help=figure_help("quota_reps"))
m[4].metric("Unallocated", usd(summ["unallocated_usd"]))
m[5].metric("Flagged territories", count(summ["flagged"]))


# --- the sections, one tab each -------------------------------------------------------------------
def per_rep_section(ctx: QuotaContext) -> None:
    """The per-rep quotas with their override column, and the managers' team overrides."""
    result, settings = ctx.result, ctx.result.settings
    st.caption("Type a quota in **override** to fix a rep's quota; clear it to go back to the model. "
               "The difference is " + GAP_WORDS[settings.override_gap] + ".")
    rep_over_now = qs.rep_overrides_by_territory(result)
    show = ctx.quota_view["reps"]
    base_key = qs._digest([qs.plan_fingerprint(ctx.plan), {k: v for k, v in settings.to_dict().items()
                                                             if k not in ("rep_overrides", "manager_overrides")}])
    config = column_config(show, {
        "override_usd": st.column_config.NumberColumn("Override (type a quota)", format="dollar", min_value=0),
        "capacity_factor": st.column_config.ProgressColumn("Capacity factor", format="percent", min_value=0,
                                                           max_value=1),
        "flags": st.column_config.TextColumn("Flags", width="large")})
    edited = st.data_editor(  # the read-only money rounded as shown (the grid cuts it); an empty override is blank
        rounded_as_shown(show, config), key=f"quota_editor_{base_key}", hide_index=True, width="stretch",
        height=420, disabled=[c for c in show.columns if c != "override_usd"], column_config=config, placeholder="")
    rep_over = {t: float(v) for t, v in zip(edited["territory_id"], edited["override_usd"]) if pd.notna(v)}
    with st.expander("Manager-level overrides (set a team total; the team's quotas scale to it)"):
        mgr = ctx.quota_view["managers"]
        mgr_config = column_config(mgr, {"override_usd": st.column_config.NumberColumn("Team override",
                                                                                      format="dollar", min_value=0)})
        mgr_edit = st.data_editor(rounded_as_shown(mgr, mgr_config), key=f"mgr_editor_{base_key}", hide_index=True,
                                  width="stretch", disabled=["manager_id", "manager_name", "quota_usd"],
                                  column_config=mgr_config, placeholder="")
        mgr_over = {k: float(v) for k, v in zip(mgr_edit["manager_id"], mgr_edit["override_usd"]) if pd.notna(v)}
    if rep_over != rep_over_now or mgr_over != settings.manager_overrides:
        candidate = dataclasses.replace(settings, rep_overrides=rep_over, manager_overrides=mgr_over)
        try:
            qs.quota_result(ctx.plan, candidate)
            qs.set_quota_settings(candidate)
            st.rerun()  # the whole page: the headline figures above change with the overrides
        except QuotaError as exc:
            st.error(f"Override not applied: {md_escape(exc)}")


COVERAGE_TABS = {"segment": "By segment", "region": "By region", "manager": "By manager", "quarter": "By quarter"}


def coverage_section(ctx: QuotaContext) -> None:
    """Coverage by segment, region, manager or quarter (a lazy tab each: one chart drawn at a time), the
    unallocated gaps and the fairness chart."""
    qv = ctx.quota_view
    tabs = st.tabs(list(COVERAGE_TABS.values()), key="qc_coverage_by", on_change="rerun")
    for tab, by in zip(tabs, COVERAGE_TABS):
        with tab:
            if tab.open:
                a, b = st.columns([1, 1])
                draw(qv["coverage_specs"][by], a)
                with b:
                    show_prepared(qv["coverage"][by], key=f"q_cov_{by}")
    if qv["gaps"] is not None:
        show_prepared(qv["gaps"], key="q_gaps")
    draw(qv["fairness"])


SECTIONS = {"Per-rep quotas": per_rep_section, "Coverage": coverage_section}
if user.can(Permission.VIEW_COMP):
    SECTIONS.update({"Comp plans": cs.comp_plans_section, "Cost simulation": cs.cost_section,
                     "Save and export": cs.save_and_export_section})


@st.fragment(key="qc_sections")
def sections(ctx: QuotaContext) -> None:
    """Every section one click away; only the open tab's section runs and is drawn (opening a tab, or a widget
    inside one, reruns this fragment alone: the quotas above do not change with them)."""
    tabs = st.tabs(list(SECTIONS), key="qc_section", on_change="rerun")
    for tab, draw_section in zip(tabs, SECTIONS.values()):
        with tab:
            if tab.open:
                draw_section(ctx)


sections(QuotaContext(user, view, plan, result, qkey, qv))
if not user.can(Permission.VIEW_COMP):
    st.info(denial(user, Permission.VIEW_COMP))
