"""Finance: quota coverage against the bookings target, and what the comp plans will cost.

Data, plans, quotas and the cost simulation come through the scoped accessor (ui.quota_state.view())."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission
from planning.compensation import CompPlanError, QuotaError, comp_sheets, labelled_sheets, plan_table, quota_sheets
from planning.reporting import count, figure, figure_help, pct, usd
from planning.reporting import figures as F
from ui.guards import require_data
from ui import quota_charts as qc
from ui import quota_state as qs
from ui import access
from ui.tables import show_table
from ui.widgets import download_excel

access.page_user(Permission.VIEW_COMP)
ds = qs.view().dataset
st.title("Finance")
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
st.caption(f"{ds.name} · {ds.plan_year} · quota settings and comp plans come from the Quota and Comp page "
           "(defaults until changed there)")

plan = qs.selected_plan()
try:
    result = qs.quota_result(plan)
except QuotaError as exc:
    st.error(f"Quotas could not be set: {exc}")
    st.stop()
plans = qs.comp_plans()
try:
    sim = qs.run_simulation_with_progress(result, plans)
except CompPlanError as exc:
    st.error(f"Cost simulation not run: {exc}")
    st.stop()

s = result.settings
summ = result.summary()
ss = sim.summary().set_index("metric")
bvt = sim.bookings_vs_target().set_index("percentile")
m = st.columns(3) + st.columns(3)  # two rows: six in one cut "Comp cost (variab…" and "99% of…" on a laptop
m[0].metric("Bookings target", usd(summ["target_usd"]))
m[1].metric("Σ quotas", usd(summ["quota_usd"]), help=f"{s.method} split, over-assignment {s.over_assignment:.0%}")
m[2].metric(figure("quota_coverage").label, pct(summ["coverage_ratio"], 1),
            help=f"{figure_help('quota_coverage')} Band {s.coverage_band[0]:.0%}–{s.coverage_band[1]:.0%}.")
m[3].metric(figure("quota_reps").label, count(F.quota_reps(plan)), help=figure_help("quota_reps"))
m[4].metric(figure("comp_cost_usd").label, usd(F.comp_cost(sim)), help=figure_help("comp_cost_usd"))
m[5].metric("Median bookings", pct(bvt.loc["P50", "bookings_vs_target"]) + " of target",
            help=f"Middle of the simulated years. 1 in 10 years below {pct(bvt.loc['P10', 'bookings_vs_target'])}, "
                 f"1 in 10 above {pct(bvt.loc['P90', 'bookings_vs_target'])}.")
st.caption(f"Cost of sales (total comp ÷ bookings): {pct(ss.loc['Cost of sales (total comp ÷ bookings)', 'mean'], 1)} "
           "on average.")

flagged = {by: result.coverage(by) for by in ("segment", "region", "quarter")}
problems = [f"{by} {row[by]}: {row['coverage_ratio']:.0%} ({row['flag']})" for by, cov in flagged.items()
            for _, row in cov.iterrows() if row[by] != "Total" and row["flag"]]
if problems:
    st.warning("Coverage outside the band — " + "; ".join(problems))
else:
    st.success(f"Coverage is inside the {s.coverage_band[0]:.0%}–{s.coverage_band[1]:.0%} band everywhere.")

st.header("Quota vs bookings target")
for by in ("segment", "region", "quarter"):
    cov = flagged[by]
    a, b = st.columns(2)
    a.altair_chart(qc.quota_vs_target(cov, by), width="stretch")
    b.altair_chart(qc.coverage_bars(cov, by, s.coverage_band), width="stretch")
    with st.expander(f"Coverage by {by} (table)"):
        show_table(cov, key=f"fin_cov_{by}")

st.header("What the comp plans cost")
with_quota = len(sim.reps)
st.caption(f"{sim.n_draws:,} simulated plan years · {sim.distribution} attainment · {count(with_quota)} of "
           f"{count(F.quota_reps(plan))} quota reps have a quota above zero this year and are simulated")
c1, c2 = st.columns(2)
c1.altair_chart(qc.distribution(sim.total_variable_cost, "Payout cost (total variable comp)", "Variable comp (USD)"),
                width="stretch")
c2.altair_chart(qc.distribution(sim.total_cost_of_sales, "Cost of sales (total comp ÷ bookings)", "Cost of sales",
                                fmt=".1%"), width="stretch")
d1, d2 = st.columns(2)
d1.altair_chart(qc.bookings_percentiles(sim.bookings_vs_target()), width="stretch")
d2.altair_chart(qc.distribution(sim.bookings, "Company bookings", "Bookings (USD)", reference=sim.target_usd),
                width="stretch")
st.metric("Probability of reaching the bookings target", pct(sim.probability_of_target()))
show_table(qs.summary_for_display(sim), key="fin_summary")
show_table(sim.bookings_vs_target(), key="fin_bvt")

st.subheader("Cost against the accelerator")
sens = sim.accelerator_sensitivity()
e1, e2 = st.columns([3, 2])
e1.altair_chart(qc.sensitivity(sens), width="stretch")
with e2:
    show_table(sens, key="fin_sens")

with st.expander("Plans in use"):
    show_table(plan_table(plans), key="fin_plans")
download_excel(labelled_sheets({**quota_sheets(result), **comp_sheets(plans, result, sim)}), "Finance workbook (Excel)",
               "finance.xlsx", key="finance_xlsx")
