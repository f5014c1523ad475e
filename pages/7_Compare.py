"""Compare: 2–4 plans side by side (balance, disruption, quota coverage, headcount and cost) and capacity scenarios."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.access import Permission
from planning.plans import (BALANCE_METRICS, HEADLINE_BETTER, LOWER_IS_BETTER, MAX_PLANS, METRIC_LABELS, PlanComparison,
                            StoreError, best_in_row, compare_capacity, compare_plans, differs)
from ui import access, review_panel, state
from ui.guards import require_data
from ui.charts import accounts_map, field_safe
from ui.plan_picker import plan_page_header

user = access.page_user(Permission.VIEW_PLANS)
pick = plan_page_header("Compare", "Pick 2–4 plans from this session or the plan library. The best value of each "
                                   "row is highlighted; rows where the plans differ are marked ●.")
ds, store, session, refs, labels = pick.ds, pick.store, pick.session, pick.refs, pick.labels
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
# saved capacity scenarios come from the same store: skip them when it could not be read
# (capacity scenarios are company-wide: listed only for roles that may see them)
cap_saved = pd.DataFrame(columns=["name", "version"]) if pick.problem or not user.can(Permission.VIEW_COMPANY) \
    else store.list_scenarios("capacity")

c1, c2 = st.columns([3, 1])
picked = c1.multiselect("Plans to compare", range(len(refs)), default=list(range(min(2, len(refs)))),
                        format_func=lambda i: labels[i], max_selections=MAX_PLANS, key="cmp_plans")
base_idx = c2.selectbox("Disruption measured against", range(len(refs)), format_func=lambda i: labels[i],
                        key="cmp_base")


@st.cache_data(show_spinner=False, max_entries=6)
def _compare(version: str, keys: tuple[str, ...], base_key: str, who, _plans, _base, _ds) -> PlanComparison:
    # ``who`` is part of the cache key: a manager's comparison is cut to their team in the core
    return compare_plans(_plans, _ds.accounts, _ds.reps, _ds.as_of, _ds.plan_year, baseline=_base,
                         targets=_ds.targets, history=_ds.history, settings=_ds.settings, user=who)


@st.cache_data(show_spinner=False, max_entries=6)
def _capacity(version: str, names: tuple[str, ...], _payloads, _ds) -> pd.DataFrame:
    return compare_capacity(_payloads, _ds)


def highlight(wide: pd.DataFrame, better: dict[str, bool], fmt: dict | str = "{:,.3f}"):
    """Styler: best value per row in green, and a ● column for rows that differ."""
    best = best_in_row(wide, better)
    shown = wide.copy()
    shown.insert(0, "differs", differs(wide).map({True: "●", False: ""}))
    style = shown.style.apply(lambda _: best.map(lambda b: "background-color: #d8f3dc; font-weight: 600" if b else "")
                              .reindex(columns=shown.columns, fill_value=""), axis=None)
    return style.format(fmt, subset=list(wide.columns), na_rep="–")


cmp = None
if len(picked) < 2:
    st.info("Pick at least two plans. Proposals from the Carve page and plans saved on the Plans page appear here.")
else:
    chosen = [refs[i] for i in picked]
    try:
        plans = [r.load(session, store) for r in chosen]
        base = refs[base_idx].load(session, store)
    except StoreError as exc:
        st.error(f"Could not load a plan: {exc}")
        st.stop()
    with st.status("Comparing plans…", expanded=False) as status:
        cmp = _compare(state.dataset_version(), tuple(r.key(session) for r in chosen), refs[base_idx].key(session),
                       user, plans, base, ds)
        status.update(label=f"Compared {len(plans)} plans", state="complete")
    for n in cmp.notes:
        st.caption(f"Note: {n}")
    if user.scoped:
        st.info(f"Your team ({user.manager_id}) only: each plan is cut to the territories your reps own; accounts "
                "leaving the team count as leaving, and company-wide quota coverage is left out.")
    for r in chosen:
        if r.source == "saved":
            review_panel.show_status(store, r)

    st.subheader("Headline")
    fmt_rows = {"cost_usd": "${:,.0f}", "pct_accounts_moved": "{:.1%}", "pct_arr_moved": "{:.1%}",
                "quota_coverage": "{:.2f}×"}
    head = cmp.headline
    styled = highlight(head, HEADLINE_BETTER)
    for row, f in fmt_rows.items():
        styled = styled.format(f, subset=pd.IndexSlice[[row], list(head.columns)], na_rep="–")
    int_rows = ["territories", "open_territories", "headcount", "accounts_assigned", "accounts_moved",
                "relationships_broken"]
    styled = styled.format("{:,.0f}", subset=pd.IndexSlice[int_rows, list(head.columns)], na_rep="–")
    st.dataframe(styled, width="stretch", height=40 + 35 * len(head))
    st.caption("Balance rows show the worst segment (highest cv / max_min). Headcount = owned territories + open "
               "territories; cost = segment OTE × (1 + loaded cost) from the defaults, annual USD.")

    t_bal, t_dis, t_quota, t_map = st.tabs(["Balance per metric", "Disruption", "Quota coverage", "Map of moves"])
    with t_bal:
        metric = st.selectbox("Metric", list(BALANCE_METRICS), format_func=lambda m: METRIC_LABELS.get(m, m),
                              key="cmp_metric")
        wide = cmp.balance_wide(metric).reset_index(level="metric", drop=True)
        wide.index = [f"{s} · {f}" for s, f in wide.index]
        better = {i: LOWER_IS_BETTER[i.split(" · ")[1]] for i in wide.index}
        st.dataframe(highlight(wide, better), width="stretch", height=min(600, 40 + 35 * len(wide)))
        st.caption("max_mean = max/mean, min_mean = min/mean, max_min = best/worst (> 2× means rebalance), "
                   "cv = std/mean, worst_dev = max |x/mean − 1|, per segment.")
    with t_dis:
        st.dataframe(highlight(cmp.disruption, LOWER_IS_BETTER, "{:,.2f}"), width="stretch",
                     height=40 + 35 * len(cmp.disruption))
        st.caption(f"Against **{cmp.baseline_name}**; a relationship is broken when a moved account has open "
                   f"pipeline or renews within {ds.settings.planning.renewal_window_days} days.")
    with t_quota:
        if cmp.quota is None:
            st.info("Quota coverage needs bookings targets for the plan year.")
        else:
            st.dataframe(highlight(cmp.quota, {}, "{:.3f}"), width="stretch")
            long = cmp.quota.drop(index="Total", errors="ignore").reset_index().melt(
                id_vars="segment", var_name="plan", value_name="coverage_ratio")
            import altair as alt

            st.altair_chart(alt.Chart(long).mark_bar().encode(
                x=alt.X("segment:N", title=None), xOffset="plan:N",
                y=alt.Y("coverage_ratio:Q", title="Σ quotas ÷ bookings target"),
                color=alt.Color("plan:N", legend=alt.Legend(orient="top")),
                tooltip=["plan", "segment", alt.Tooltip("coverage_ratio:Q", format=".2f")]).properties(height=260),
                width="stretch")
    with t_map:
        mv = cmp.moves
        st.caption(f"{len(mv):,} accounts sit with a different owner in at least one plan "
                   f"(compared with {cmp.names[0]}).")
        if len(mv):
            safe = {c: field_safe(c) for c in mv.columns if c.startswith("owner in ")}
            st.altair_chart(accounts_map(mv.rename(columns=safe), "moved_in",
                                         title="Accounts that move, by the plans that move them",
                                         tooltip=["name", *safe.values(), "arr_usd"], size="arr_usd"), width="stretch")
            st.dataframe(mv.drop(columns=["lat", "lon"]), hide_index=True, width="stretch", height=300)

# --- capacity scenarios --------------------------------------------------------------------
st.subheader("Headcount and cost of capacity scenarios")
cap_names = list(cap_saved["name"]) if len(cap_saved) else []
cap_pick = st.multiselect("Saved capacity scenarios", cap_names, default=cap_names[:MAX_PLANS],
                          max_selections=MAX_PLANS, key="cmp_cap")
cap = None
if not user.can(Permission.VIEW_COMPANY):
    st.caption(f"Capacity scenarios are company-wide; your role ({user.role.title}) does not see them.")
elif not cap_names:
    st.caption("No capacity scenarios saved yet (save one on the Capacity Scenarios page).")
elif cap_pick:
    try:
        payloads = {n: store.load_scenario("capacity", n) for n in cap_pick}
        cap = _capacity(state.dataset_version(), tuple(f"{n}@{cap_saved.set_index('name').at[n, 'version']}"
                                                       for n in cap_pick), payloads, ds)
    except (StoreError, ValueError) as exc:
        st.error(f"Could not run the saved scenario: {exc}")
    if cap is not None:
        rows = ["headcount_start", "headcount_end", "hires", "hires_needed", "cost_usd", "expected_bookings_usd",
                "target_usd", "gap_usd", "attainment_of_target", "cost_of_sales", "risk"]
        show = cap.reindex([r for r in rows if r in cap.index])
        num = show.drop(index=["risk"], errors="ignore").apply(pd.to_numeric, errors="coerce")
        st.dataframe(highlight(num, LOWER_IS_BETTER, "{:,.2f}"), width="stretch", height=40 + 35 * len(num))
        if "risk" in show.index:
            st.caption("Risk: " + "; ".join(f"{n}: {show.at['risk', n]}" for n in show.columns))

if cmp is not None:
    st.download_button("Download the comparison (Excel)", data=lambda: cmp.to_excel(cap), file_name="plan_comparison.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="cmp_xlsx")
