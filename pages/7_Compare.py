"""Compare: 2–4 plans side by side (balance, disruption, quota coverage, headcount and cost) and capacity scenarios.

Data, plans and both comparisons read through the scoped accessor (ui.scoped.view()): a manager's comparison is
their team's, and no role sees a quota or cost figure it may not."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.access import Permission
from planning.plans import (BALANCE_METRICS, CAPACITY_COMPARE_ROWS, HEADLINE_BETTER, LOWER_IS_BETTER, MAX_PLANS, METRIC_LABELS, PlanComparison,
                            StoreError, best_in_row, differs)
from ui import access, review_panel, scoped
from ui.guards import require_data
from ui.charts import accounts_map, field_safe
from ui.plan_picker import check_fit, plan_page_header
from ui.sample_entries import scope_of
from ui.plan_reports import comparison, default_picks
from ui.tables import show_table
from planning.reporting import TABLE_FORMATS, figure, figure_help, kinds, label, row_labels
from ui.format import count, usd
from ui.plain import md_escape
from ui.widgets import XLSX, download_file

TABS, BALANCE, CAPACITY = "cmp_tabs_part", "cmp_balance_part", "cmp_capacity_part"  # the fragments' keys

user = access.page_user(Permission.VIEW_PLANS)
pick = plan_page_header("Compare", "Pick 2–4 plans from this session or the plan library. The best value of each "
                                   "row is highlighted; rows where the plans differ are marked ●.")
view = scoped.view()
ds, store, session, refs, labels = view.dataset, view.store, pick.session, pick.refs, pick.labels
require_data(ds)  # an upload where no account or no rep loaded: say so instead of failing
# saved capacity scenarios come from the same store: skip them when it could not be read
# (capacity scenarios are company-wide: listed only for roles that may see them)
cap_saved = pd.DataFrame(columns=["name", "version"]) if pick.problem or not user.can(Permission.VIEW_COMPANY) \
    else store.list_scenarios("capacity")

c1, c2 = st.columns([3, 1])
# plans made on another dataset are listed last, marked, and never picked by default
picked = c1.multiselect("Plans to compare", range(len(refs)), default=default_picks(refs),
                        format_func=lambda i: labels[i], max_selections=MAX_PLANS, key="cmp_plans")
base_idx = c2.selectbox("Disruption measured against", range(len(refs)), format_func=lambda i: labels[i],
                        key="cmp_base")


@st.cache_data(show_spinner=False, max_entries=6)
def _capacity(version: str, names: tuple[str, ...], who: tuple, _payloads, _view) -> pd.DataFrame:
    # ``who`` (role and team): the rows a role may not see (quota, cost) are dropped by the view
    return _view.compare_capacity(_payloads)


def highlight(wide: pd.DataFrame, better: dict[str, bool], fmt: dict | str = "{:,.3f}", row_kind=None):
    """Styler: best value per row in green, a ● column for rows that differ, rows read as their labels and
    formatted by their kind with the shared formats (planning.reporting.formats.TABLE_FORMATS: a figure reads as
    on every other page), ``fmt`` for rows of another kind (``row_kind``: row key → the key whose label kind
    formats it)."""
    best = best_in_row(wide, better)
    shown = wide.copy()
    shown.insert(0, "differs", differs(wide).map({True: "●", False: ""}))
    keys = list(wide.index)
    best.index = shown.index = row_labels(keys)
    best.columns = list(wide.columns)
    shown.columns = ["Differs", *wide.columns]
    style = shown.style.apply(lambda _: best.map(lambda b: "background-color: #d8f3dc; font-weight: 600" if b else "")
                              .reindex(columns=shown.columns, fill_value=""), axis=None)
    style = style.format(fmt, subset=list(wide.columns), na_rep="–")
    by_kind: dict[str, list] = {}  # one format call per kind, not per row (each call costs an indexing pass)
    for k, shown_k in zip(keys, shown.index):
        kind = kinds([row_kind(k) if row_kind else k]).popitem()[1]
        if kind in TABLE_FORMATS and not isinstance(k, tuple):
            by_kind.setdefault(kind, []).append(shown_k)
    for kind, rows in by_kind.items():
        style = style.format(TABLE_FORMATS[kind], subset=pd.IndexSlice[rows, list(wide.columns)], na_rep="–")
    return style


def _balance(cmp: PlanComparison) -> None:
    metric = st.selectbox("Metric", list(BALANCE_METRICS), format_func=lambda m: METRIC_LABELS.get(m, m),
                          key="cmp_metric")
    wide = cmp.balance_wide(metric).reset_index(level="metric", drop=True)
    figs = [f for _s, f in wide.index]
    wide.index = [f"{s} · {label(f)}" for s, f in wide.index]
    better = {i: LOWER_IS_BETTER[f] for i, f in zip(wide.index, figs)}
    figure_of = dict(zip(wide.index, figs))  # "SMB · Spread (CV)" formats as the CV it is
    st.dataframe(highlight(wide, better, "{:,.2f}", row_kind=figure_of.get), width="stretch",
                 height=min(600, 40 + 35 * len(wide)))
    st.caption(figure_help("balance_max_min") + " Spread (CV) = standard deviation ÷ mean; worst deviation = "
               "the largest gap between a book and its target.")


def _quota(cmp: PlanComparison) -> None:
    if cmp.quota is None:  # why, in the core's words (no targets file: the sentence every page says)
        st.info(md_escape(cmp.quota_note or "Quota coverage could not be computed for these plans."))
        return
    st.dataframe(highlight(cmp.quota, {}, row_kind=lambda _segment: "quota_coverage"), width="stretch")
    long = cmp.quota.drop(index="Total", errors="ignore").reset_index().melt(
        id_vars="segment", var_name="plan", value_name="coverage_ratio")
    import altair as alt

    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X("segment:N", title=None), xOffset="plan:N",
        y=alt.Y("coverage_ratio:Q", title=label("quota_coverage"), axis=alt.Axis(format=".0%")),
        color=alt.Color("plan:N", legend=alt.Legend(orient="top", title="Plan")),
        tooltip=["plan", "segment", alt.Tooltip("coverage_ratio:Q", format=".2f")]).properties(height=260),
        width="stretch")


@st.fragment(key=TABS)
def plan_tabs(cmp: PlanComparison, window: int) -> None:
    """The tabs: switching to the map reruns them alone; the balance metric reruns its tab alone."""
    t_bal, t_dis, t_quota, t_map = st.tabs(["Balance per metric", "Disruption", "Quota coverage", "Map of moves"],
                                           key="cmp_tab", on_change="rerun")
    with t_bal:
        st.fragment(_balance, key=BALANCE)(cmp)
    with t_dis:
        st.dataframe(highlight(cmp.disruption, LOWER_IS_BETTER, "{:,.2f}"), width="stretch",
                     height=40 + 35 * len(cmp.disruption))
        st.caption(f"Against **{md_escape(cmp.baseline_name)}**; a relationship is broken when a moved account has open "
                   f"pipeline or renews within {window} days.")
    with t_quota:
        _quota(cmp)
    with t_map:
        mv = cmp.moves
        st.caption(f"{len(mv):,} accounts sit with a different owner in at least one plan "
                   f"(compared with {md_escape(cmp.names[0])})." + ("" if t_map.open else " The map is drawn when this tab is open."))
        if len(mv) and t_map.open:
            safe = {c: field_safe(c) for c in mv.columns if c.startswith("owner in ")}
            st.altair_chart(accounts_map(mv.rename(columns=safe), "moved_in",
                                         title="Accounts that move, by the plans that move them",
                                         tooltip=["name", *safe.values(), "arr_usd"], size="arr_usd"), width="stretch")
            show_table(mv.drop(columns=["lat", "lon"]), key="cmp_moves_table", height=300)


def _headline(cmp: PlanComparison) -> None:
    st.subheader("Headline")
    head = cmp.headline
    others = [n for n in cmp.names if n != cmp.baseline_name] or cmp.names[-1:]
    k = st.columns(4)
    shown_name = others[0]
    k[0].metric(figure("accounts_moved").label, count(head.at["accounts_moved", shown_name]),
                help=figure_help("accounts_moved"))
    k[1].metric(figure("arr_moved_usd").label, usd(head.at["arr_moved_usd", shown_name]),
                help=figure_help("arr_moved_usd"))
    k[2].metric(figure("quota_reps").label, count(head.at["quota_reps", shown_name]), help=figure_help("quota_reps"))
    if "ae_cost_usd" in head.index:
        k[3].metric(figure("ae_cost_usd").label, usd(head.at["ae_cost_usd", shown_name]),
                    help=figure_help("ae_cost_usd"))
    st.caption(f"{md_escape(shown_name)} against {md_escape(cmp.baseline_name)}.")
    st.dataframe(highlight(head, HEADLINE_BETTER), width="stretch", height=40 + 35 * len(head))
    st.caption("Spread rows show the worst segment. Moves: accounts whose owner changes; unowned accounts that get "
               "an owner are counted as newly assigned. Balance is each territory's book against its capacity "
               "share of the segment.")


@st.fragment(key=CAPACITY)
def capacity_part(cmp: PlanComparison | None, cap_saved: pd.DataFrame) -> None:
    """Saved capacity scenarios side by side, and the Excel download (which holds them): picking scenarios reruns
    this alone."""
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
            cap = _capacity(scoped.data_key(view), tuple(f"{n}@{cap_saved.set_index('name').at[n, 'version']}"
                                                           for n in cap_pick), scope_of(user), payloads, view)
        except (StoreError, ValueError) as exc:
            st.error(f"Could not run the saved scenario: {md_escape(exc)}")
    if cap is not None:
        show = cap.reindex([r for r in CAPACITY_COMPARE_ROWS if r in cap.index])
        num = show.drop(index=["risk"], errors="ignore").apply(pd.to_numeric, errors="coerce")
        st.dataframe(highlight(num, LOWER_IS_BETTER, "{:,.2f}"), width="stretch", height=40 + 35 * len(num))
        if "risk" in show.index:
            st.caption("Risk: " + "; ".join(f"{n}: {show.at['risk', n]}" for n in show.columns))
    if cmp is not None:
        download_file("Download the comparison (Excel)", lambda: cmp.to_excel(cap), "plan_comparison.xlsx", XLSX,
                      key="cmp_xlsx")


cmp = None
if len(picked) < 2:
    st.info("Pick at least two plans. Proposals from the Carve page and plans saved on the Plans page appear here.")
else:
    chosen = [refs[i] for i in picked]
    check_fit(chosen + [refs[base_idx]])  # a plan made on another dataset stops here, saying what does not match
    try:
        plans = [r.load(session, store) for r in chosen]
        base = refs[base_idx].load(session, store)
    except StoreError as exc:
        st.error(f"Could not load a plan: {md_escape(exc)}")
        st.stop()
    with st.status("Comparing plans…", expanded=False) as status:
        # shared by every session of the same scope; a fresh session's first pick is made ahead (ui.plan_reports)
        cmp = comparison(scoped.data_key(view), tuple(r.key(session) for r in chosen), refs[base_idx].key(session),
                         scope_of(user), plans, base, view)
        status.update(label=f"Compared {len(plans)} plans", state="complete")
    for n in cmp.notes:  # accounts outside some plan, seats AE cost cannot price: as written, never markdown
        st.caption(md_escape(f"Note: {n}"))
    if user.scoped:
        st.info(f"Your team ({user.manager_id}) only: each plan is cut to the territories your reps own; accounts "
                "leaving the team count as leaving, and company-wide quota coverage is left out.")
    for r in chosen:
        if r.source == "saved":
            review_panel.show_status(store, r)
    _headline(cmp)
    plan_tabs(cmp, ds.settings.planning.renewal_window_days)

capacity_part(cmp, cap_saved)
