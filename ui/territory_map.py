"""The territory map panel shared by the Carve and Disruption pages: before/after, one segment or all,
moved accounts highlighted, hover details, and PNG / PDF / GeoJSON downloads.  Shapes come from
:mod:`planning.plans.shapes` (county dissolve); nothing here computes business figures."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from planning.plans import Plan, shapes_summary
from planning.reporting import people
from ui import scoped, state
from ui.maps import territory_deck
from ui.tables import show_table
from ui.widgets import download_file

STATES_URL = "/app/static/us_states.geojson"
COUNTY_LINES_URL = "/app/static/us_counties_lines.geojson"


def _with_targets(book: pd.DataFrame) -> pd.DataFrame:
    """Equal-split targets per segment where the book has none (saved plans carry no carve targets)."""
    if any(c.startswith("target_") for c in book.columns):
        return book
    out = book.copy()
    for m in ("potential_usd", "arr_usd", "accounts"):
        if m in out:
            out[f"target_{m}"] = out.groupby("segment")[m].transform("mean")
    return out


@st.cache_data(show_spinner="Drawing territory shapes…", max_entries=16)
def _shapes(version: str, plan_key: str, segment: str, _plan: Plan, _acc: pd.DataFrame, _book: pd.DataFrame):
    from planning.plans import territory_book, territory_shapes

    acc = _acc if segment == "All" else _acc.loc[_acc["segment"] == segment]
    return territory_shapes(_plan.assignment, acc, book=territory_book(_with_targets(_book)))


def _points(plan: Plan, other: Plan | None, acc: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """Accounts to draw; ``names``: rep_id → "Name (R-010)" (planning.reporting.people)."""
    pts = acc[["account_id", "name", "segment", "lat", "lon"]].copy()
    owner_of = plan.territories["owner_rep_id"]
    now = plan.assignment.reindex(pts["account_id"]).map(owner_of)
    pts["owner"] = now.map(names).fillna(now).fillna("Open territory").to_numpy()
    if other is not None:
        was = other.assignment.reindex(pts["account_id"]).map(other.territories["owner_rep_id"])
        pts["moved"] = (was.astype(object).fillna("") != now.astype(object).fillna("")).to_numpy()
        pts["owner_before"] = was.map(names).fillna(was).fillna("no owner").to_numpy()
    return pts


def plans_map(before: Plan, after: Plan, acc: pd.DataFrame, book_before: pd.DataFrame, book_after: pd.DataFrame,
              names: pd.Series, segments: list[str], key: str, plan_key: str, default_segment: str | None = None,
              extra_note: str = "") -> None:
    """Before/after territory map with hover, moved accounts highlighted, and downloads."""
    c1, c2, c3 = st.columns([2, 2, 3])
    options = ["All"] + segments
    default = default_segment if default_segment in options else options[0]
    seg = c1.selectbox("Segment", options, index=options.index(default), key=f"{key}_seg",
                       help="Shapes of one segment never overlap; books of different segments share ground.")
    which = c2.radio("Show", ["After", "Before"], horizontal=True, key=f"{key}_which",
                     help="After: the proposal. Before: today's ownership, for comparison.")
    show_pts = c3.checkbox("Accounts (moved ones in red)", value=False, key=f"{key}_pts",
                           help="Dots for accounts; hover one for its name, owner and whether it moved.")
    plan, other = (after, before) if which == "After" else (before, after)
    book = book_after if which == "After" else book_before
    shapes = _shapes(state.dataset_version(), f"{plan_key}|{which}", seg, plan, acc, book)
    shown = acc if seg == "All" else acc.loc[acc["segment"] == seg]
    pts = _points(plan, other, shown, names) if show_pts else None

    st.caption(f"{which}: {shapes_summary(shapes)}. {extra_note} Each territory is the counties where it holds most "
               f"of the potential; counties without accounts join their nearest territory. Scroll to zoom, drag to pan.")
    st.pydeck_chart(territory_deck(shapes, pts, STATES_URL, COUNTY_LINES_URL), key=f"{key}_deck",
                    width="stretch")
    table = shapes.drop(columns="geometry")
    cols = [c for c in ["territory_id", "owner", "segment", "counties", "area_sq_mi", "polsby_popper", "pieces",
                        "accounts", "potential_usd", "potential_usd_vs_target", "arr_usd"] if c in table]
    with st.expander("Shapes: area, compactness (Polsby–Popper, 1 = circle) and pieces"):
        show_table(table[cols], key=f"{key}_shapes_table")
    d1, d2, d3 = st.columns(3)
    from planning.plans import render_map, to_geojson

    download_file("Map as PNG", lambda: render_map(shapes, segment=seg, title=plan.name, fmt="png"),
                  f"territories_{which.lower()}.png", "image/png", key=f"{key}_png", where=d1)
    download_file("Map as PDF", lambda: render_map(shapes, segment=seg, title=plan.name, fmt="pdf"),
                  f"territories_{which.lower()}.pdf", "application/pdf", key=f"{key}_pdf", where=d2)
    download_file("Shapes as GeoJSON", lambda: json.dumps(to_geojson(shapes)),
                  f"territories_{which.lower()}.geojson", "application/geo+json", key=f"{key}_geojson", where=d3)


def territory_map_tab(res, ds, result_key: str, segments: list[str]) -> None:
    """The Carve page's Map tab for a finished carve."""
    plan = res.plan
    before = Plan(name="today", assignment=("T-" + ds.accounts["owner_rep_id"].astype("string")).set_axis(
        ds.accounts["account_id"].astype(str).to_numpy()), territories=plan.territories, kind="current")
    note = res.stats.get("contiguity", {}).get("summary", "")
    note = (note[:1].upper() + note[1:] + ".") if note else ""
    plans_map(before, plan, ds.accounts, res.before, res.after, people(ds.reps), segments, "carve_map",
              result_key,
              "Mid-market" if "Mid-market" in segments else None, note)


def team_map(plan_a: Plan, plan_b: Plan, ds, account_ids: pd.Series, key: str) -> None:
    """The Disruption page's map for one manager's team (the accounts in ``account_ids``; ``ds``: the dataset the
    user was given for them, ScopedView.report_dataset)."""
    acc = ds.accounts.loc[ds.accounts["account_id"].astype(str).isin(set(account_ids.astype(str)))]
    if acc.empty:
        st.info("No accounts to draw.")
        return
    view = scoped.view(store_optional=True)  # the books of just these accounts, as the user may see them
    book_a = view.book(plan_a, account_ids, (plan_a, plan_b))
    book_b = view.book(plan_b, account_ids, (plan_a, plan_b))
    segs = sorted(acc["segment"].dropna().astype(str).unique())
    plans_map(plan_a, plan_b, acc, book_a, book_b, people(ds.reps), segs, key,
              f"{plan_a.name}|{plan_b.name}|{len(acc)}|{hash(tuple(sorted(acc['account_id'].astype(str))))}",
              "Mid-market" if "Mid-market" in segs else None)
