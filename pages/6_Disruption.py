"""Disruption: what moving from plan A to plan B does to every account, rep, manager and the company.

Data, plans, the report and the review read through the scoped accessor (ui.scoped.view()): a manager's report is
their team's, the accounts leaving or joining it.

What reruns: picking plan A, plan B or the window reruns the page (the report is cached across sessions per data
version, plan pair, window and user scope).  The manager picker and everything under it is a fragment: a manager
switch reruns that part alone, on the team's report cached per manager too.  Of the report's tabs only the open one
runs (switching tabs reruns the fragment), each tab's table formatted once per team when first opened.  Typing or
adding a comment reruns the comment box, then the status line whose count it changes; the report is never recomputed
for either."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.access import AccessDenied, Permission
from planning.data import to_safe_csv
from planning.plans import DisruptionReport, StoreError, manager_summary_html
from planning.reporting import figure, figure_help, person_of, present
from ui import access, review_panel, scoped
from ui.guards import require_data
from ui.charts import accounts_map, flow_heatmap
from ui.format import count, pct, person, usd
from ui.plan_picker import check_fit, plan_page_header
from ui.sample_entries import scope_of
from ui.plan_reports import default_b, disruption_report
from ui.plain import md_escape
from ui.preview import preview_html
from ui.tables import prepare_table, show_prepared
from ui.widgets import XLSX, download_file

ALL = "All managers"
TEAM, STATUS, REVIEW = "dis_team", "dis_status", "dis_review"  # the fragments' keys


# Per manager, shared read-only by every session with the same key (the key holds the user scope): the team's
# report, each tab's table as show_table sends it, and the flow chart's spec.
@st.cache_resource(show_spinner=False, max_entries=64)
def _team_report(rk: tuple, manager: str, _report: DisruptionReport) -> DisruptionReport:
    return _report.for_manager(manager)


def _reps_table(view: DisruptionReport, names: dict) -> pd.DataFrame:
    shown = view.reps[REP_COLS].rename(columns={"name": "rep"})
    shown["rep"] = [r if pd.isna(i) else person(r, i) for r, i in zip(view.reps["name"], view.reps["rep_id"])]
    return shown


def _managers_table(view: DisruptionReport, names: dict) -> pd.DataFrame:
    shown = view.managers.copy()
    shown["manager_name"] = shown["manager_id"].map(names).fillna(shown["manager_name"])
    return shown.drop(columns=["manager_id"])


def _top_reps_table(view: DisruptionReport, names: dict) -> pd.DataFrame:
    top = view.most_disrupted_reps(10)
    top["rep"] = [person(n, i) for n, i in zip(top["name"], top["rep_id"])]
    return top[["rep", "relationships_broken", "lost", "gained", "arr_moved_usd", "pct_arr_retained"]]


def _top_customers_table(view: DisruptionReport, names: dict) -> pd.DataFrame:
    return view.most_disrupted_customers(10)[["name", "from_owner_name", "to_owner_name", "arr_usd",
                                              "open_pipeline_usd", "days_to_renewal", "relationship_broken"]]


def _moved_table(view: DisruptionReport, names: dict) -> pd.DataFrame:
    moved = view.accounts.loc[~view.accounts["change"].isin(["kept", "unassigned both"])]
    return moved.drop(columns=ACC_HIDDEN)


# each tab's table from the report (canonical columns; ``names``: manager id → "Name (M-01)")
TABLES = {"reps": _reps_table, "managers": _managers_table, "top_reps": _top_reps_table,
          "top_customers": _top_customers_table, "moved": _moved_table}


@st.cache_resource(show_spinner=False, max_entries=128)
def _table(rk: tuple, manager: str, which: str, _view: DisruptionReport, _names: dict) -> tuple:
    """One tab's table for ``rk`` and ``manager`` as show_table sends it (ui.tables.prepare_table), formatted once
    and only when its tab is first opened (``which``: a key of TABLES; ``_names`` is given by the plans in ``rk``)."""
    return prepare_table(TABLES[which](_view, _names))


@st.cache_resource(show_spinner=False, max_entries=16)
def _all_accounts(rk: tuple, manager: str, _view: DisruptionReport) -> tuple:
    return prepare_table(_view.accounts.drop(columns=ACC_HIDDEN))


@st.cache_resource(show_spinner=False, max_entries=64)
def _flows(rk: tuple, manager: str, value: str, title: str, _view: DisruptionReport):
    """(flow table as show_table sends it, the heatmap's Vega-Lite spec), or None when nothing moves.  The spec is
    written once per key, unchecked: checking an Altair chart against its schema on each draw was a tenth of a
    manager switch (tests/test_widget_reruns.py checks ui.charts.flow_heatmap's spec against the schema)."""
    flows = _view.flows(value)
    if flows.empty:
        return None
    return prepare_table(flows), flow_heatmap(flows, value, title=title).to_dict(validate=False)


@st.cache_data(show_spinner=False, max_entries=64)
def _summary_html(rk: tuple, manager: str, _report: DisruptionReport) -> str:
    return manager_summary_html(_report, manager)


@st.cache_data(show_spinner=False, max_entries=16)
def _teams(rk: tuple, _plans, _view) -> pd.DataFrame:
    """Every team holding a book in A or B (one list of a plan's managers for every page: Review lists the same)."""
    return _view.managers(_plans)


def _headline(report: DisruptionReport, view: DisruptionReport, manager: str, mgr_names: dict, window: int) -> bool:
    """The six headline figures, the company's or the team's; False when the team has nothing to show."""
    c = report.company
    k = st.columns(3) + st.columns(3)  # two rows: six in one cut "$17.68M" and their labels at 1,280 px
    if manager == ALL:
        k[0].metric(figure("accounts_moved").label, count(c["accounts_moved"]),
                    f"{pct(c['pct_accounts_moved'], 1)} of accounts", delta_color="off", delta_arrow="off",
                    help=figure_help("accounts_moved"))
        k[1].metric(figure("arr_moved_usd").label, usd(c["arr_moved_usd"]), f"{pct(c['pct_arr_moved'], 1)} of ARR",
                    delta_color="off", delta_arrow="off", help=figure_help("arr_moved_usd"))
        k[2].metric("Pipeline moved", usd(c["pipeline_moved_usd"]))
        k[3].metric(figure("relationships_broken").label, count(c["relationships_broken"]),
                    help=f"{figure_help('relationships_broken')} Window: {window} days.")
        k[4].metric("Reps affected", count(c["reps_affected"]))
        k[5].metric("Newly assigned / left unassigned",
                    f"{count(c['newly_assigned'])} / {count(c['newly_unassigned'])}", help=figure_help("newly_assigned"))
        return True
    if view.managers.empty:
        st.info(f"No account of {md_escape(mgr_names.get(manager, manager))}'s team moves between these plans.")
        return False
    m = view.managers.iloc[0]
    k[0].metric("Team accounts before", f"{int(m['accounts_before']):,}")
    k[1].metric("Kept", f"{int(m['kept']):,}", f"{int(m['moved_within_team'])} moved within team", delta_color="off",
                delta_arrow="off")
    k[2].metric("Lost / gained", f"{int(m['lost']):,} / {int(m['gained']):,}")
    k[3].metric("ARR leaving the team", usd(m["arr_out_usd"]), f"{usd(m['arr_in_usd'])} joining", delta_color="off",
                delta_arrow="off")
    k[4].metric("ARR retained", pct(m["pct_arr_retained"], 1))
    k[5].metric("Relationships broken", f"{int(m['relationships_broken']):,}")
    return True


REP_COLS = ["name", "manager_name", "segment", "accounts_before", "kept", "lost", "gained", "accounts_after",
            "arr_before_usd", "arr_out_usd", "arr_in_usd", "arr_after_usd", "pipeline_out_usd", "pipeline_in_usd",
            "pct_accounts_retained", "pct_arr_retained", "relationships_broken", "potential_change_usd",
            "workload_change_hours", "distance_before_mi", "distance_after_mi", "distance_change_mi"]
ACC_HIDDEN = ["lat", "lon", "from_holder", "to_holder", "moved"]


KEEP = "session"  # a choice inside a tab outlives the tab being closed (a widget not drawn otherwise forgets it)


def _flow_tab(rk: tuple, view: DisruptionReport, manager: str, plan_a, plan_b) -> None:
    value = st.segmented_control("Measure", ["accounts", "arr_usd", "open_pipeline_usd"], default="accounts",
                                 key="dis_flow_value", persist_state=KEEP,
                                 format_func=lambda v: present(pd.DataFrame(columns=[v])).columns[0]) or "accounts"
    flows = _flows(rk, manager, value, f"Moved accounts, {plan_a.name} → {plan_b.name}", view)
    if flows is None:
        st.info("No account changes owner.")
    else:
        st.vega_lite_chart(spec=flows[1], width="stretch")
        show_prepared(flows[0], key="dis_flows_table", height=260)


def _accounts_tab(rk: tuple, view: DisruptionReport, manager: str, table) -> None:
    show_all = st.toggle("Include accounts that stay", value=False, key="dis_all", persist_state=KEEP)
    acc = _all_accounts(rk, manager, view) if show_all else table("moved")
    st.caption(f"{len(acc[0]):,} accounts")
    show_prepared(acc, key="dis_acc_table", height=420)


def _top_tab(table) -> None:
    left, right = st.columns(2)
    left.markdown("**Most disrupted reps**")
    with left:
        show_prepared(table("top_reps"), key="dis_top_reps")
    right.markdown("**Most disrupted customers**")
    with right:
        show_prepared(table("top_customers"), key="dis_top_customers")


TABS = ["From → to flow", "Per rep", "Per manager", "Accounts", "Most disrupted", "Map"]


def _tabs(rk: tuple, view: DisruptionReport, manager: str, mgr_names: dict, plan_a, plan_b, scope) -> None:
    """The report's tabs.  Only the open tab's body runs (switching tabs reruns this fragment): a page open drew all
    six, whose tables the browser had to take in while its user saw the first, and with several people carving, each
    open waited behind the others' work on the server's interpreter."""
    def table(which: str) -> tuple:
        return _table(rk, manager, which, view, mgr_names)

    bodies = [lambda: _flow_tab(rk, view, manager, plan_a, plan_b),
              lambda: show_prepared(table("reps"), key="dis_reps_table"),
              lambda: show_prepared(table("managers"), key="dis_mgr_table"),
              lambda: _accounts_tab(rk, view, manager, table),
              lambda: _top_tab(table),
              lambda: _maps(view, manager, plan_a, plan_b, scope)]
    for tab, body in zip(st.tabs(TABS, key="dis_tab", on_change="rerun"), bodies):
        with tab:
            if tab.open:
                body()


def _maps(view: DisruptionReport, manager: str, plan_a, plan_b, scope) -> None:
    moved = view.accounts.loc[view.accounts["change"].isin(["moved", "newly assigned", "unassigned"])].copy()
    if moved.empty:
        st.info("No account changes owner.")
    else:
        # colour by impact (a handful of categories keeps the legend small and the map large)
        moved["impact"] = moved["change"].where(~moved["relationship_broken"], "relationship broken")
        moved["to_owner"] = moved["to_owner_name"].fillna("(unassigned)")
        st.altair_chart(accounts_map(moved, "impact", title="Moved accounts by impact (relationship broken or not)",
                                     tooltip=["name", "from_owner_name", "to_owner", "arr_usd", "open_pipeline_usd",
                                              "days_to_renewal"], size="arr_usd"), width="stretch")
    st.markdown("**Territories before and after**" + ("" if manager == ALL else " — this team"))
    from ui.territory_map import team_map

    team_map(plan_a, plan_b, scope.report_dataset(view.accounts["account_id"], [plan_a, plan_b]),
             view.accounts["account_id"], "dis_map")


def _exports(rk: tuple, report: DisruptionReport, view: DisruptionReport, manager: str, mgr_names: dict,
             plan_b) -> None:
    st.subheader("Export")
    e1, e2, e3 = st.columns(3)
    with e1:
        # a callable: the workbook (about 1–2 s for the sample company) is built only when clicked
        download_file("Download the whole report (Excel)", view.to_excel,
                      f"disruption_{plan_b.name}.xlsx".replace(" ", "_"), XLSX, key="dis_xlsx")
    with e2:
        download_file("Download accounts (CSV)", lambda: to_safe_csv(view.accounts.drop(columns=["lat", "lon"])),
                      "disruption_accounts.csv", "text/csv", key="dis_csv")
    if manager == ALL:
        e3.caption("Pick a manager above for a printable per-manager summary (open it in a browser, print to PDF).")
        return
    with e3:
        # a callable: the summary is written when clicked (and once per manager: it is cached)
        download_file("Printable team summary (HTML)", lambda: _summary_html(rk, manager, report).encode("utf-8"),
                      f"disruption_{manager}.html", "text/html", key="dis_html",  # with the name, cut at 1,280 px
                      help=f"{mgr_names.get(manager, manager)}: open it in a browser and print it to PDF.")
    preview = st.expander("Preview the printable summary", key="dis_preview", on_change="rerun")
    with preview:
        if preview.open:
            # the summary escapes every data value (planning.plans.manager_summary._fmt); the preview is
            # sandboxed all the same (no scripts, no same-origin access: ui/preview.py)
            preview_html(_summary_html(rk, manager, report), height=600)
        else:
            st.caption("The preview is drawn when this is open.")


def _review(scope, ref_b, view: DisruptionReport, plan_a, plan_b, teams: pd.DataFrame) -> None:
    st.subheader("Review")
    if ref_b.source != "saved":
        st.caption("Comments and approvals are on saved versions: pick a saved plan as plan B.")
        return
    st.caption(f"Comment on **{md_escape(ref_b.name)} v{ref_b.version}**, or on an account or rep in the view above; "
               "approve it or request changes for your team. Sales ops resolve comments by saving a new version.")
    moved_acc = view.accounts.loc[~view.accounts["change"].isin(["kept", "unassigned both"])]
    user = scope.user
    review_panel.review_box(scope, ref_b.name, ref_b.version, accounts=moved_acc, reps=view.reps,
                            plans=[plan_a, plan_b], managers=teams, key=REVIEW, refresh=(STATUS,),
                            then=lambda s: review_panel.comments_table(user, s))


@st.fragment(key=TEAM)
def team_view(rk: tuple, report: DisruptionReport, plan_a, plan_b, ref_b, teams: pd.DataFrame, scope) -> None:
    """The manager picker and everything under it: a manager switch reruns this alone.  ``teams``: every team
    holding a book in A or B (ScopedView.managers)."""
    user = scope.user
    mgr_options = [user.manager_id] if user.scoped else [ALL] + list(teams["manager_id"])
    mgr_names = dict(zip(teams["manager_id"], teams["label"]))
    manager = st.selectbox("Manager view", mgr_options, key="dis_manager",
                           format_func=lambda m: m if m == ALL else mgr_names.get(m, m))
    view = report if manager == ALL else _team_report(rk, manager, report)
    if not _headline(report, view, manager, mgr_names, rk[3]):
        return
    c = report.company
    if c["accounts_moved"] == 0 and c["newly_assigned"] == 0 and c["newly_unassigned"] == 0:
        st.success(f"**{md_escape(plan_a.name)}** and **{md_escape(plan_b.name)}** give every account the same owner: nothing moves.")
    _tabs(rk, view, manager, mgr_names, plan_a, plan_b, scope)
    _exports(rk, report, view, manager, mgr_names, plan_b)
    _review(scope, ref_b, view, plan_a, plan_b, teams)


@st.fragment(key=STATUS)
def status_line(store, ref_b) -> None:
    """The review status of plan B ("… · 2 open comments"): rerun with the comment box when a comment is added."""
    review_panel.show_status(store, ref_b)


def main() -> None:
    user = access.page_user(Permission.VIEW_PLANS)
    pick = plan_page_header("Disruption", "Every moved account costs relationship continuity. See what a plan does "
                                          "to each account, rep and manager before anyone signs it.")
    scope = scoped.view()
    ds, store, session, refs, labels = scope.dataset, scope.store, pick.session, pick.refs, pick.labels
    require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing

    c1, c2, c3 = st.columns([2, 2, 1])
    a_idx = c1.selectbox("Plan A (before)", range(len(refs)), format_func=lambda i: labels[i], key="dis_a")
    # plans made on another dataset are listed last, marked; B never starts on one
    b_idx = c2.selectbox("Plan B (after)", range(len(refs)), index=default_b(refs, a_idx), format_func=lambda i: labels[i],
                         key="dis_b")
    window = int(c3.number_input("Renewal window (days)", min_value=0, max_value=365,
                                 value=int(ds.settings.planning.renewal_window_days), step=15, key="dis_window",
                                 help="A moved account renewing within this many days of the data date breaks a "
                                      "relationship (90 days by default)."))
    if sum(r.usable for r in refs) < 2:
        st.info("Only today's plan exists. Make a proposal on the Carve page or save one on the Plans page, "
                "then compare it here.")
    ref_a, ref_b = refs[a_idx], refs[b_idx]
    check_fit([ref_a, ref_b])  # a plan made on another dataset stops here, saying which accounts do not match
    try:
        plan_a, plan_b = ref_a.load(session, store), ref_b.load(session, store)
    except StoreError as exc:
        st.error(f"Could not load the plan: {md_escape(exc)}")
        st.stop()
    rk = (scoped.data_key(scope), ref_a.key(session), ref_b.key(session), window, scope_of(user))
    with st.spinner("Comparing plans…"):
        try:
            report = disruption_report(rk, plan_a, plan_b, scope)  # a fresh session's is made ahead (ui.plan_reports)
        except AccessDenied as exc:
            access.show_denied(exc)
    for n in report.notes:  # both plans on changed exports: the accounts both hold, as Compare says it; never markdown
        st.caption(md_escape(f"Note: {n}"))
    if user.scoped:
        st.info(f"You see your own team, {md_escape(person_of(user.manager_id, ds.reps))}: its reps, and the accounts "
                "leaving or joining it.")
    status_line(store, ref_b)

    team_view(rk, report, plan_a, plan_b, ref_b, _teams(rk, [plan_a, plan_b], scope), scope)


main()
