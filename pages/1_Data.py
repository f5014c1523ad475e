"""Data: load and validate CRM exports, see the account base, today's plan health and data health."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission, scope_dataset
from planning.data import breakdown, health_report
from planning.plans import BALANCE_METRICS, METRIC_LABELS, balance_table, metrics, productivity_variance, rollup
from ui import access, state
from ui.charts import accounts_map, book_bars
from ui.data_load import loader_report, upload_section
from ui.format import usd
from ui.guards import data_problem
from ui.widgets import download_csv, money_config

user = access.page_user(Permission.VIEW_PLANS)
st.title("Data")
ds = scope_dataset(user, state.dataset())  # a manager sees their own team's reps and accounts
if user.scoped:
    st.info(f"You see your own team ({user.manager_id}): its reps and their accounts.")
st.caption(f"{ds.name} · as of {ds.as_of.date()} · planning {ds.plan_year}")

# --- upload ----------------------------------------------------------------------------
upload_section()

# --- headline figures ------------------------------------------------------------------
acc, reps = ds.accounts, ds.reps
rejected = len(ds.report.rejects_frame())
cols = st.columns(6)
cols[0].metric("Accounts", f"{len(acc):,}")
customers = acc["is_customer"] if "is_customer" in acc else acc["arr_usd"] > 0
cols[1].metric("Customers", f"{int(customers.sum()):,}",
               help="ARR above zero, or where ARR is blank, a customer account type / lifecycle stage.")
cols[2].metric("ARR", usd(acc["arr_usd"].sum()))
cols[3].metric("Potential", usd(acc["potential_usd"].sum()))
cols[4].metric("Quota reps", f"{int(reps['role'].isin(['AE', 'Channel']).sum()):,}")
cols[5].metric("Rejected rows", f"{rejected:,}")

# --- validation report -------------------------------------------------------------------
st.subheader("Validation report")
st.dataframe(ds.report.counts(), hide_index=True, width="stretch")
issues = ds.report.issues_frame()
if len(issues):
    st.dataframe(issues, hide_index=True, width="stretch", height=min(400, 40 + 35 * len(issues)))
    d1, d2 = st.columns(2)
    with d1:
        download_csv(ds.report.rejects_frame(), "Download rejected rows (CSV)", "rejected_rows.csv")
    with d2:
        download_csv(issues, "Download all issues (CSV)", "validation_issues.csv")
else:
    st.success("Every row loaded; no issues.")
loader_report(ds)

# --- breakdowns --------------------------------------------------------------------------
st.subheader("Account base")
by = st.segmented_control("Break down by", ["segment", "region", "industry", "owner"], default="segment")
table = breakdown(acc, reps, by or "segment")
left, right = st.columns([3, 2])
left.dataframe(table, hide_index=True, width="stretch",
               column_config=money_config(["arr_usd", "potential_usd", "open_pipeline_usd"]))
right.bar_chart(table.set_index(by or "segment")[["arr_usd", "potential_usd"]], horizontal=True, height=320)

# --- map -----------------------------------------------------------------------------------
st.subheader("Accounts by owner")
seg = st.selectbox("Segment", ["All"] + sorted(acc["segment"].dropna().unique()), key="map_segment")
names = ds.rep_names()
points = acc.assign(owner=acc["owner_rep_id"].map(names).fillna("(no owner)"))
if seg != "All":
    points = points.loc[points["segment"] == seg]
tips = ["name", "owner", "segment", "arr_usd", "potential_usd"] + [c for c in ("country", "geo_precision") if c in acc]
st.altair_chart(accounts_map(points, "owner", tooltip=tips, size="potential_usd"), width="stretch")
placed = points["lat"].notna()
abroad = int((placed & points["country"].ne("US")).sum()) if "country" in points else 0
st.caption(f"{int(placed.sum()):,} accounts on the map ({abroad:,} outside the US)"
           + (f"; {int((~placed).sum()):,} without a location" if (~placed).any() else "") + ".")


# --- current plan health --------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _book(version: str):
    return metrics(ds.current_plan(), ds.accounts, ds.reps, ds.plan_year, ds.settings)


st.subheader("Current plan health")
if data_problem(ds):
    st.info(data_problem(ds))
else:
    book = _book(state.dataset_version() + (f":team:{user.manager_id}" if user.scoped else ""))
    flag = ds.settings.planning.productivity_variance_flag
    pv = productivity_variance(book, threshold=flag)
    for _, r in pv.iterrows():
        msg = (f"**{r['segment']}**: the best territory holds {r['ratio']:.1f}× the potential of the worst "
               f"({usd(r['best'])} vs {usd(r['worst'])}).")
        if r["flag"]:
            st.warning(msg + f" Above {flag:.0f}× means rebalance.")
        else:
            st.info(msg)
    metric = st.selectbox("Metric", BALANCE_METRICS, format_func=lambda m: METRIC_LABELS[m], key="health_metric")
    st.altair_chart(book_bars(book, metric), width="stretch")
    st.dataframe(balance_table(book, variance_flag=flag), hide_index=True, width="stretch")
    level = st.segmented_control("Read the plan by", ["territory", "area", "region"], default="territory", key="health_level")
    show = book.reset_index()[["territory_id", "owner_name", "segment", "region", "area", "accounts", "customers", "arr_usd",
                               "potential_usd", "workload_hours", "open_pipeline_usd", "mean_distance_mi", "owner_rep_id"]]
    if level and level != "territory":
        show = rollup(show, level)
    st.dataframe(show, hide_index=True, width="stretch",
                 column_config=money_config(["arr_usd", "potential_usd", "open_pipeline_usd"]))
    download_csv(show, f"Download books by {level or 'territory'} (CSV)", f"current_books_by_{level or 'territory'}.csv")

# --- data health ------------------------------------------------------------------------------
st.subheader("Data health")
health = health_report(acc, reps, ds.as_of, ds.settings)
st.dataframe(health.summary(), hide_index=True, width="stretch")
h1, h2 = st.columns(2)
with h1:
    st.markdown("**Completeness of planning fields**")
    st.dataframe(health.completeness, hide_index=True, width="stretch",
                 column_config={"completeness": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})
with h2:
    st.markdown("**Likely duplicates**")
    st.dataframe(health.duplicates, hide_index=True, width="stretch", height=260)
with st.expander(f"Accounts without an owner ({len(health.no_owner)})"):
    st.dataframe(health.no_owner, hide_index=True, width="stretch")
with st.expander(f"Quota reps without accounts ({len(health.reps_without_accounts)})"):
    st.dataframe(health.reps_without_accounts, hide_index=True, width="stretch")
with st.expander(f"Stale records ({len(health.stale)})"):
    st.dataframe(health.stale, hide_index=True, width="stretch")
