"""A carve's result on the Carve page: the headline in the planner's words (solver terms in "Solver details"),
then the map, balance, per-territory books, moved accounts with reasons, manual edits and the CRM export.

Figures come from the core (planning.reporting.figures), so Carve says what Disruption and Compare say."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from optimizers.carve import CarveResult, resolve_edits
from planning.plans import METRIC_LABELS
from planning.reporting import carve_views
from planning.reporting.carve_words import (bands_held, carve_headline, one_piece_proof, solver_details, worst_book,
                                           worst_book_today)
from planning.reporting.figures import figure, figure_help, moved_between
from planning.reporting.formats import count, pct, usd
from ui import state
from ui.charts import before_after_bars
from ui.plain import md_escape
from ui.tables import show_table
from ui.widgets import download_csv


@st.cache_resource(show_spinner=False, max_entries=4)
def _today(version: str, _ds):
    """Today's plan of the dataset ``version``, built once and shared read-only: each finished result's figures
    built it again (0.09 of the web server's 3.1 interpreter seconds while four carves ran, 2026-12-03 18:35)."""
    return _ds.current_plan()


@st.cache_data(show_spinner=False, max_entries=16)
def _moved(version: str, key: str, _ds, _plan) -> dict:
    """Accounts and ARR moved from today's plan (the core's one definition), per dataset version and result."""
    return moved_between(_today(version, _ds), _plan, _ds.accounts)


def moved_figures(ds, key: str, plan) -> dict:
    """Accounts moved, ARR moved and newly assigned between today's plan and ``plan`` (cached per result key)."""
    return _moved(state.dataset_version(), f"{key}|{plan.name}", ds, plan)


@st.cache_data(show_spinner=False, max_entries=16)
def _views(version: str, key: str, _res: CarveResult, _ds) -> carve_views.CarveViews | None:
    return carve_views.compute_views(_res, _ds.accounts, _ds.reps, _ds.plan_year, _ds.settings)


def result_views(ds, key: str, res: CarveResult) -> carve_views.CarveViews | None:
    """The result's tables: those its job computed where the carve ran, else (a curve point, a result from before
    they travelled with it) computed here once per dataset version and result, never on every rerun."""
    if res.views is not None:
        return res.views
    return _views(state.dataset_version(), f"{key}|{res.plan.name}", res, ds)


def headline(res: CarveResult, moved: dict | None) -> None:
    """The result's headline in words, its figures, and the solver's terms in an expander."""
    held = bands_held(res.balance)
    h = carve_headline(res.status, res.gap, None if moved is None else moved["accounts_moved"], held=held,
                       one_piece=bool(res.stats.get("one_piece")))
    if not res.ok:  # the diagnosis says what stands in the way, in words
        st.error(res.diagnosis or h.text)
    else:
        {"success": st.success, "warning": st.warning}.get(h.tone, st.error)(h.text)
    proof = one_piece_proof(res.stats.get("contiguity_proof"))
    if proof is not None:  # hard mode, a plan in pieces: why no one-piece plan fits, or that it is not proven
        (st.error if proof.tone == "error" else st.warning)(md_escape(proof.text))  # rep and county names: plain
    if moved is not None:
        m = st.columns(4)
        m[0].metric("Accounts moved", count(moved["accounts_moved"]), help=figure_help("accounts_moved"))
        m[1].metric("ARR moved", usd(moved["arr_moved_usd"]), help=figure_help("arr_moved_usd"))
        m[2].metric("Newly assigned", count(moved["newly_assigned"]), help=figure_help("newly_assigned"))
        worst, before = worst_book(res.balance)
        m[3].metric(figure("worst_book_off_target").label, pct(worst, 1), delta=worst_book_today(before),
                    delta_arrow="off", delta_color="green" if worst <= before else "red",
                    help=figure_help("worst_book_off_target"))
    with st.expander("Solver details"):
        show_table(solver_details(res.status, res.gap, res.objective, res.bound, res.seconds_build,
                                  res.seconds_solve, res.plan_from, res.stats.get("bound_plain"),
                                  res.stats.get("contiguity")),
                   key="carve_solver_details")
        st.caption("The gap is how far this plan's cost could at most be from the best plan possible (the LP "
                   "bound of the same model); a smaller gap is a stronger guarantee.")


def _balance_tab(res: CarveResult, views: carve_views.CarveViews, segments: list[str]) -> None:
    metric_names = list(res.balance["metric"])
    show_table(views.bands, key="carve_bands")
    st.caption("Each metric's band (± around the target) and the worst book's deviation from its target, before "
               "and after; largest ÷ smallest compares the best-loaded book with the least (over 2× means "
               "rebalance). A blank ratio means a book was empty.")
    if len(views.segment_balance):
        show_table(views.segment_balance, key="carve_balance_segments")
        st.caption("After the carve, per segment: the same balance figures as on Compare and Disruption.")
    _balance_chart(res, metric_names, segments)


@st.fragment
def _balance_chart(res: CarveResult, metric_names: list[str], segments: list[str]) -> None:
    """Before/after bars of one metric in one segment: picking another reruns this chart, not the whole page."""
    c1, c2 = st.columns(2)
    metric = c1.selectbox("Metric", metric_names, format_func=METRIC_LABELS.get, key="carve_bal_metric")
    seg_b = c2.selectbox("Segment", segments, key="carve_bal_seg")
    sel = res.after["segment"] == seg_b
    st.altair_chart(before_after_bars(res.before.loc[sel], res.after.loc[sel], metric), width="stretch")


def _moves_tab(res: CarveResult, table: pd.DataFrame, pins: dict) -> None:
    n_moved = int((table["change"] == "moved").sum())
    st.caption(f"{count(n_moved)} accounts move to another owner; {count(len(table) - n_moved)} unowned today get "
               f"an owner (newly assigned, not counted as moved).")
    show_table(table, key="carve_moves_table")
    p1, p2 = st.columns(2)
    label = dict(zip(table["account_id"], table["account_name"].astype(str) + " (" + table["account_id"] + ")"))
    to_pin = p1.multiselect("Pin accounts to their proposed owner (kept on re-run)", table["account_id"].tolist(),
                            key="carve_to_pin", format_func=lambda a: label.get(a, a))
    if p1.button("Pin selected", disabled=not to_pin, key="carve_pin_btn"):
        pins.update({a: res.plan.assignment[a] for a in to_pin})
        st.rerun()
    unpin = p2.multiselect("Unpin", sorted(pins), key="carve_unpin", format_func=lambda a: f"{a} → {pins.get(a, '')}")
    if p2.button("Unpin selected", disabled=not unpin, key="carve_unpin_btn"):
        for a in unpin:
            pins.pop(a, None)
        st.rerun()
    st.caption(f"{len(pins):,} pinned account(s); pins apply on the next **Run carve**.")


@st.fragment
def _edit_tab(res: CarveResult, ds, baseline: pd.DataFrame, pins: dict) -> None:
    """Manual edits with their live balance: an edit reruns this tab alone (the README's ~90 ms balancer), not the
    whole page with its map and tables; the buttons that change pins rerun the page (st.rerun)."""
    plan = res.plan
    st.markdown("Move accounts or whole units (`zip:94105`, `zip3:941`, `county:25017`, `state:CA`) to another "
                "territory. The balance below updates as you type; **Use as pins** keeps the moves on the next run.")
    terr_ids = list(plan.territories.index)
    edits = st.data_editor(pd.DataFrame({"what": pd.Series(dtype=str), "to_territory": pd.Series(dtype=str)}),
                           num_rows="dynamic", hide_index=True, key="carve_edits", placeholder="",
                           column_config={"what": st.column_config.TextColumn("Account ID or unit"),
                                          "to_territory": st.column_config.SelectboxColumn("To territory",
                                                                                           options=terr_ids)})
    t0 = time.perf_counter()
    moves, problems = resolve_edits(edits, ds.accounts, plan)
    for p_ in problems:
        st.warning(p_)
    if moves:
        edited, _book, table_e = carve_views.edited_balance(res, moves, ds.accounts, ds.reps, ds.plan_year,
                                                            ds.settings)
    else:  # no edit yet: the carve's own balance, computed once with the result
        edited, table_e = plan, baseline
    ms_ = (time.perf_counter() - t0) * 1000
    st.caption(f"{len(moves):,} account(s) moved by hand · balance recomputed in {ms_:,.0f} ms")
    if len(table_e):
        table_e = table_e.assign(metric=table_e["metric"].map(METRIC_LABELS).fillna(table_e["metric"]))
        show_table(table_e.drop(columns=[c for c in ("mean",) if c in table_e]).replace([np.inf, -np.inf], np.nan),
                   key="carve_edit_balance")
    e1, e2 = st.columns(2)
    if e1.button("Use as pins", disabled=not moves, key="carve_edit_pins"):
        pins.update(moves)
        st.rerun()
    if e2.button("Add the edited plan to this session", disabled=not moves, key="carve_edit_add"):
        state.add_plan(edited)
        st.success(f"Added “{edited.name}” for the Disruption and Compare pages.")


def result_tabs(res: CarveResult, ds, key: str, segments: list[str], pins: dict, save_panel) -> None:
    """The tabs under the headline; ``save_panel()`` draws the Save and review part of the last tab.  Their tables
    are the result's own (:func:`result_views`), so a rerun only sends them."""
    views = result_views(ds, key, res)
    tab_map, tab_bal, tab_rep, tab_moves, tab_edit, tab_out = st.tabs(
        ["Map", "Balance", "Per territory", "Moved accounts", "Manual edits", "Save, review and export"])
    with tab_map:
        from ui.territory_map import territory_map_tab

        territory_map_tab(res, ds, key, segments, views)
    with tab_bal:
        _balance_tab(res, views, segments)
    with tab_rep:
        show_table(views.books, key="carve_books")
    with tab_moves:
        _moves_tab(res, views.moves, pins)
    with tab_edit:
        _edit_tab(res, ds, views.edit_balance, pins)
    with tab_out:
        save_panel()
        st.divider()
        download_csv(views.crm, "Download CRM assignment (CSV)", "carve_assignment.csv", key="carve_dl")
        st.caption("account_id, new owner id and name, old owner, territory, reason (the CRM's own column names, for "
                   "re-import) — cells that start with =, +, - or @ are escaped so spreadsheets do not run them.")
