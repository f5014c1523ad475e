"""Data: load and validate CRM exports, see the account base, today's plan health and data health.

Everything is read through the scoped accessor (ui.scoped.view()): a manager sees their own team's reps and
accounts, a viewer no quota column.  The figures, tables and charts are worked out once per dataset version and
scope (ui.data_page, shared by every session).  The headline figures are drawn first, then the validation report
(the first tab: grids only, no chart); the heavy sections (the account base, the map, today's plan health, data
health: three charts, a map and a dozen grids) sit in the tabs after it, and only the open tab runs and is drawn,
so the first page after a server start carries what a person reads first.  Opening a tab reruns the tabs alone (a fragment); a choice inside a section
(a breakdown, a segment, a metric) reruns that section only."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission
from ui import access

user = access.page_user(Permission.VIEW_PLANS)
st.title("Data")  # sent before pandas and the data layer load, so the browser draws the page's frame meanwhile

from planning.plans import BALANCE_METRICS  # noqa: E402 - after the title, as above
from planning.reporting import label  # noqa: E402
from planning.reporting.figures import figure_help  # noqa: E402
from planning.reporting.formats import count, counted, person_of, usd  # noqa: E402
from ui import data_page, scoped  # noqa: E402
from ui.data_load import loader_report, upload_section  # noqa: E402
from ui.guards import data_problem  # noqa: E402
from ui.plain import md_escape  # noqa: E402
from ui.tables import show_prepared  # noqa: E402
from ui.widgets import download_csv  # noqa: E402

view = scoped.view(store=False)  # the page reads no plan store: the sidebar opens it after the page is drawn
ds = view.dataset  # a manager sees their own team's reps and accounts
key = data_page.key(view)  # (dataset version, scope): the cache entries this session reads
if user.scoped:
    st.info(f"You see your own team, {md_escape(person_of(user.manager_id, ds.reps))}: its reps and their accounts.")
st.caption(f"{md_escape(ds.name)} · as of {ds.as_of.date()} · planning {ds.plan_year}")

# --- headline figures ------------------------------------------------------------------
head = data_page.headline(*key, view)
cols = st.columns(3) + st.columns(3)  # two rows: six in one cut "$219.79M" to "$219.7…" at 1,280 px
cols[0].metric("Accounts", count(head.accounts))
cols[1].metric("Customers", count(head.customers),
               help="ARR above zero, or where ARR is blank, a customer account type / lifecycle stage.")
cols[2].metric("ARR", usd(head.arr_usd))
cols[3].metric("Potential", usd(head.potential_usd))
cols[4].metric("Quota reps", count(head.quota_reps), help=figure_help("quota_reps"))
cols[5].metric("Rejected rows", count(head.rejected))

# --- upload (only for those who may change data) ------------------------------------------
upload_section(user)
if problem := data_problem(ds):  # said at once, not only in the plan-health tab: the upload loaded too little
    st.info(problem)


# --- validation report (the first tab) ------------------------------------------------------
def validation_report(key, view) -> None:
    rep = data_page.validation(*key, view)
    show_prepared(rep.counts, key="data_counts")
    if rep.n_errors:
        st.markdown(f"**Rejected rows** — {counted(len(rep.rejects), 'row')} did not load; each keeps every value "
                    "as written.")
        show_prepared(rep.errors, key="data_issues", height=min(400, 40 + 35 * rep.n_errors))
    if rep.n_warnings:
        st.markdown(f"**Loaded with warnings** — {counted(rep.n_warnings, 'field')} blanked, placed another way or "
                    "left unassigned; each account loaded, and the value as written is kept.")
        show_prepared(rep.warnings, key="data_warnings", height=min(400, 40 + 35 * rep.n_warnings))
    if len(rep.issues):
        d1, d2 = st.columns(2)
        with d1:
            download_csv(rep.rejects, "Download rejected rows (CSV)", "rejected_rows.csv")
        with d2:
            download_csv(rep.issues, "Download all issues (CSV)", "validation_issues.csv")
    else:
        st.success("Every row loaded; no issues.")
    loader_report(view.dataset)


KEEP = "session"  # a choice inside a tab outlives the tab being closed (a widget not drawn otherwise forgets it)


# --- breakdowns --------------------------------------------------------------------------
@st.fragment
def account_base(key, view) -> None:
    by = st.segmented_control("Break down by", ["segment", "region", "industry", "owner"], default="segment",
                              format_func=label, key="data_breakdown_by", persist_state=KEEP) or "segment"
    table, spec = data_page.breakdown_table(*key, view, by)
    left, right = st.columns([3, 2])
    with left:
        show_prepared(table, key="data_breakdown")
    with right:
        data_page.draw_chart(spec)


# --- map -----------------------------------------------------------------------------------
@st.fragment
def owner_map(key, view) -> None:
    seg = st.selectbox("Segment", ["All"] + data_page.map_segments(*key, view), key="map_segment",
                       persist_state=KEEP)
    drawn = data_page.map_chart(*key, view, seg)
    data_page.draw_chart(drawn.spec)
    st.caption(f"{count(drawn.placed)} accounts on the map ({count(drawn.abroad)} outside the US)"
               + (f"; {count(drawn.unplaced)} without a location" if drawn.unplaced else "") + ". "
               + data_page.map_note(drawn))


# --- current plan health --------------------------------------------------------------------
@st.fragment
def plan_health(key, view) -> None:
    if data_problem(view.dataset):  # said above the tabs already; there is no plan to judge
        return
    ph = data_page.plan_health(*key, view)
    for flagged, text in ph.messages:  # an explicit icon: Streamlit then does not load its emoji catalogue to look
        if flagged:                      # for one at the start of the text
            st.warning(text, icon=":material/warning:")
        else:
            st.info(text, icon=":material/info:")
    metric = st.selectbox("Metric", list(BALANCE_METRICS), format_func=label, key="health_metric", persist_state=KEEP)
    data_page.draw_chart(data_page.book_chart(*key, view, metric))
    show_prepared(ph.balance, key="data_balance")
    level = st.segmented_control("Read the plan by", ["territory", "area", "region"], default="territory",
                                 format_func=label, key="health_level", persist_state=KEEP) or "territory"
    show, words = data_page.books_table(*key, view, level)
    show_prepared(words, key="data_books")
    download_csv(show, f"Download books by {level} (CSV)", f"current_books_by_{level}.csv")


# --- data health ------------------------------------------------------------------------------
@st.fragment
def data_health(key, view) -> None:
    h = data_page.health(*key, view)
    show_prepared(h.summary, key="data_health")
    h1, h2 = st.columns(2)
    with h1:
        st.markdown("**Completeness of planning fields**")
        show_prepared(h.completeness, key="data_completeness")
    with h2:
        st.markdown("**Likely duplicates**")
        show_prepared(h.duplicates, key="data_duplicates", height=260)
    with st.expander(f"Accounts without an owner ({count(h.counts['no_owner'])})"):
        show_prepared(h.no_owner, key="data_no_owner")
    with st.expander(f"Quota reps without accounts ({count(h.counts['idle_reps'])})"):
        show_prepared(h.idle_reps, key="data_idle_reps")
    with st.expander(f"Stale records ({count(h.counts['stale'])})"):
        show_prepared(h.stale, key="data_stale")


# --- the heavy sections, one tab each ------------------------------------------------------------
SECTIONS = {"Validation report": validation_report, "Account base": account_base, "Accounts by owner": owner_map,
            "Current plan health": plan_health, "Data health": data_health}


@st.fragment(key="data_sections")
def sections(key, view) -> None:
    """Every section one click away; only the open tab's section runs (switching tabs reruns this fragment alone)."""
    tabs = st.tabs(list(SECTIONS), key="data_section", on_change="rerun")
    for tab, draw in zip(tabs, SECTIONS.values()):
        with tab:
            if tab.open:
                draw(key, view)


sections(key, view)
