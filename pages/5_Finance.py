"""Finance: quota coverage against the bookings target, and what the comp plans will cost.

Data, plans, quotas and the cost simulation come through the scoped accessor (ui.quota_state.view())."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission
from planning.compensation import DISTRIBUTION_WORDS, METHOD_WORDS, CompPlanError, QuotaError
from planning.reporting import bookings_target, count, figure, figure_help, no_target_message, pct, usd
from ui.charts import draw
from ui.guards import require_data
from ui import quota_reports as qr
from ui import quota_state as qs
from ui import access
from ui.plain import md_escape
from ui.tables import show_prepared
from ui.widgets import download_excel

user = access.page_user(Permission.VIEW_COMP)
ds = qs.view().dataset
st.title("Finance")
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
st.caption(f"{md_escape(ds.name)} · {ds.plan_year} · quota settings and comp plans come from the Quota and Comp page "
           "(defaults until changed there)")

if bookings_target(ds.targets, ds.plan_year) is None:  # the targets file's only: never one derived from capacity
    st.info(no_target_message(ds.plan_year))
    st.stop()
plan = qs.selected_plan()
try:
    result = qs.quota_result(plan)
except QuotaError as exc:
    st.error(f"Quotas could not be set: {md_escape(exc)}")
    st.stop()
plans = qs.comp_plans()
try:
    sim = qs.run_simulation_with_progress(result, plans)
except CompPlanError as exc:
    st.error(f"Cost simulation not run: {md_escape(exc)}")
    st.stop()

s = result.settings
qkey, skey = qr.quota_key(plan, s), qs.sim_key(result, plans, qs.sim_config())
fv = qr.finance_view(qkey, skey, user, plan, result, sim)  # every figure and chart, once per input
summ, ss, bvt = fv["quota"], fv["summary"], fv["bvt"].set_index("percentile")
m = st.columns(3) + st.columns(3)  # two rows: six in one cut "Comp cost (variab…" and "99% of…" on a laptop
m[0].metric(figure("bookings_target_usd").label, usd(summ["target_usd"]), help=figure_help("bookings_target_usd"))
m[1].metric("Σ quotas", usd(summ["quota_usd"]), help=f"{METHOD_WORDS[s.method]} split, over-assignment {s.over_assignment:.0%}")
m[2].metric(figure("quota_coverage").label, pct(summ["coverage_ratio"], 1),
            help=f"{figure_help('quota_coverage')} Band {result.band_words()}.")
m[3].metric(figure("quota_reps").label, count(fv["quota_reps"]), help=figure_help("quota_reps"))
m[4].metric(figure("comp_cost_usd").label, usd(fv["comp_cost"]), help=figure_help("comp_cost_usd"))
m[5].metric("Median bookings", pct(bvt.loc["P50", "bookings_vs_target"]) + " of target",
            help=f"Middle of the simulated years. 1 in 10 years below {pct(bvt.loc['P10', 'bookings_vs_target'])}, "
                 f"1 in 10 above {pct(bvt.loc['P90', 'bookings_vs_target'])}.")
st.caption(f"Cost of sales (total comp ÷ bookings): {pct(ss.loc['Cost of sales (total comp ÷ bookings)', 'mean'], 1)} "
           "on average.")

if fv["problems"]:
    st.warning(f"Coverage outside the {result.band_words()} band — " + "; ".join(md_escape(x) for x in fv["problems"]))
else:
    st.success(f"Coverage is inside the {result.band_words()} band everywhere.")

st.header("Quota vs bookings target")
for by, cov in fv["coverage"].items():
    a, b = st.columns(2)
    draw(fv["quota_vs_target"][by], a)
    draw(fv["coverage_specs"][by], b)
    with st.expander(f"Coverage by {by} (table)"):
        show_prepared(cov, key=f"fin_cov_{by}")

st.header("What the comp plans cost")
charts = fv["charts"]
model = DISTRIBUTION_WORDS[fv["distribution"]].lower()
st.caption(f"{fv['n_draws']:,} simulated plan years · attainment from the {model} · "
           f"{count(fv['reps_simulated'])} of {count(fv['quota_reps'])} quota reps have a quota above zero this year "
           "and are simulated")
c1, c2 = st.columns(2)
draw(charts["variable_cost"], c1)
draw(charts["cost_of_sales"], c2)
d1, d2 = st.columns(2)
draw(charts["bvt"], d1)
draw(charts["bookings"], d2)
st.metric("Probability of reaching the bookings target", pct(fv["probability"]))
show_prepared(fv["display"], key="fin_summary")
show_prepared(fv["bvt_table"], key="fin_bvt")

st.subheader("Cost against the accelerator")
e1, e2 = st.columns([3, 2])
draw(charts["sensitivity"], e1)
with e2:
    show_prepared(fv["sensitivity_table"], key="fin_sens")

with st.expander("Plans in use"):
    show_prepared(qr.payout_view(qr.plans_json(plans), qs.key_version(qkey))["table"], key="fin_plans")
download_excel(qr.export_sheets(qkey, skey, user, result, plans, sim)["workbook"], "Finance workbook (Excel)",
               "finance.xlsx", key="finance_xlsx")
