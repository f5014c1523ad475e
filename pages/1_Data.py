"""Data: load and validate CRM exports, see the account base, today's plan health and data health.

Everything is read through the scoped accessor (ui.scoped.view()): a manager sees their own team's reps and
accounts, a viewer no quota column."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission
from planning.data import breakdown, health_report
from planning.plans import BALANCE_METRICS, rollup
from planning.reporting import label, present
from planning.reporting.figures import book_balance, figure_help, quota_reps
from planning.reporting.formats import count, usd
from ui import access, scoped, state
from ui.charts import accounts_map, book_bars
from ui.data_load import loader_report, upload_section
from ui.data_views import balance_view, books_view, health_view, map_points, owners, variance_message, with_people
from ui.guards import data_problem
from ui.tables import show_table
from ui.widgets import download_csv

user = access.page_user(Permission.VIEW_PLANS)
st.title("Data")
view = scoped.view(store_optional=True)  # the page reads no plan store: it works without one
ds = view.dataset  # a manager sees their own team's reps and accounts
if user.scoped:
    st.info(f"You see your own team ({user.manager_id}): its reps and their accounts.")
st.caption(f"{ds.name} · as of {ds.as_of.date()} · planning {ds.plan_year}")

# --- upload (only for those who may change data) ------------------------------------------
upload_section(user)

# --- headline figures ------------------------------------------------------------------
acc, reps = ds.accounts, ds.reps
rejected = len(ds.report.rejects_frame())
cols = st.columns(6)
cols[0].metric("Accounts", count(len(acc)))
customers = acc["is_customer"] if "is_customer" in acc else acc["arr_usd"] > 0
cols[1].metric("Customers", count(customers.sum()),
               help="ARR above zero, or where ARR is blank, a customer account type / lifecycle stage.")
cols[2].metric("ARR", usd(acc["arr_usd"].sum()))
cols[3].metric("Potential", usd(acc["potential_usd"].sum()))
cols[4].metric("Quota reps", count(quota_reps(view.plan(view.current_plan()))), help=figure_help("quota_reps"))
cols[5].metric("Rejected rows", count(rejected))

# --- validation report -------------------------------------------------------------------
st.subheader("Validation report")
show_table(ds.report.counts(), key="data_counts")
issues = ds.report.issues_frame()
errors, warnings = ds.report.issues_frame("error"), ds.report.warnings_frame()
if len(errors):
    st.markdown(f"**Rejected rows** — {count(rejected)} rows did not load; each keeps every value as written.")
    show_table(errors, key="data_issues", height=min(400, 40 + 35 * len(errors)))
if len(warnings):
    st.markdown(f"**Loaded with warnings** — {count(len(warnings))} fields were blanked, placed another way or left "
                "unassigned; the account loaded and the value as written is kept.")
    show_table(warnings, key="data_warnings", height=min(400, 40 + 35 * len(warnings)))
if len(issues):
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
by = st.segmented_control("Break down by", ["segment", "region", "industry", "owner"], default="segment",
                          format_func=label) or "segment"
table = breakdown(acc, reps, by)
left, right = st.columns([3, 2])
with left:
    show_table(table, key="data_breakdown")
right.bar_chart(present(table.set_index(by)[["arr_usd", "potential_usd"]]).rename_axis(label(by)),
                horizontal=True, height=320, x_label=label(by), y_label="USD a year")

# --- map -----------------------------------------------------------------------------------
st.subheader("Accounts by owner")
seg = st.selectbox("Segment", ["All"] + sorted(acc["segment"].dropna().unique()), key="map_segment")
points = acc.assign(owner=owners(acc["owner_rep_id"], reps))
if seg != "All":
    points = points.loc[points["segment"] == seg]
shown, tips = map_points(points)
st.altair_chart(accounts_map(shown, label("owner"), tooltip=tips, size="potential_usd"), width="stretch")
placed = points["lat"].notna()
abroad = int((placed & points["country"].ne("US")).sum()) if "country" in points else 0
st.caption(f"{count(placed.sum())} accounts on the map ({count(abroad)} outside the US)"
           + (f"; {count((~placed).sum())} without a location" if (~placed).any() else "") + ".")


# --- current plan health --------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def _book(version: str, who, _view):
    # ``who`` (the user) is part of the cache key: a manager's book is their team's territories
    return _view.book(_view.current_plan())


st.subheader("Current plan health")
if data_problem(ds):
    st.info(data_problem(ds))
else:
    book = _book(state.dataset_version(), user, view)
    flag = ds.settings.planning.productivity_variance_flag
    balance = book_balance(book, variance_flag=flag)
    for _, r in (balance.loc[balance["metric"] == "potential_usd"] if len(balance) else balance).iterrows():
        if r["flag_variance"]:
            st.warning(variance_message(r, flag))
        else:
            st.info(variance_message(r, flag))
    metric = st.selectbox("Metric", BALANCE_METRICS, format_func=label, key="health_metric")
    st.altair_chart(book_bars(book, metric), width="stretch")
    show_table(balance_view(balance), key="data_balance")
    level = st.segmented_control("Read the plan by", ["territory", "area", "region"], default="territory",
                                 format_func=label, key="health_level") or "territory"
    show = book.reset_index()[["territory_id", "owner_name", "segment", "region", "area", "accounts", "customers",
                               "arr_usd", "potential_usd", "workload_hours", "open_pipeline_usd", "mean_distance_mi",
                               "owner_rep_id"]]
    if level != "territory":
        show = rollup(show, level)
    show_table(books_view(show), key="data_books")
    download_csv(show, f"Download books by {level} (CSV)", f"current_books_by_{level}.csv")

# --- data health ------------------------------------------------------------------------------
st.subheader("Data health")
health = health_report(acc, reps, ds.as_of, ds.settings)
show_table(health_view(health.summary()), key="data_health")
h1, h2 = st.columns(2)
with h1:
    st.markdown("**Completeness of planning fields**")
    show_table(health.completeness, key="data_completeness", overrides={"completeness": st.column_config.ProgressColumn(
        label("completeness"), min_value=0, max_value=1, format="percent")})
with h2:
    st.markdown("**Likely duplicates**")
    show_table(with_people(health.duplicates, reps), key="data_duplicates", height=260)
with st.expander(f"Accounts without an owner ({count(len(health.no_owner))})"):
    show_table(health.no_owner, key="data_no_owner")
with st.expander(f"Quota reps without accounts ({count(len(health.reps_without_accounts))})"):
    show_table(with_people(health.reps_without_accounts, reps), key="data_idle_reps")
with st.expander(f"Stale records ({count(len(health.stale))})"):
    show_table(with_people(health.stale, reps), key="data_stale")
