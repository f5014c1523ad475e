"""The territory map panel shared by the Carve and Disruption pages: before/after, one segment or all,
moved accounts highlighted, hover details, and PNG / PDF / GeoJSON downloads.  Shapes come from
:mod:`planning.plans.shapes` (county dissolve); nothing here computes business figures."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from pydeck.bindings.json_tools import default_serialize

from planning.plans import MapLayers, Plan, default_map_segment, map_kinds, map_layers, shapes_summary
from planning.reporting import contiguity_words, people
from ui import scoped, state
from ui.maps import territory_deck
from ui.plain import md_escape
from ui.tables import prepare_table, show_table
from ui.widgets import download_file

STATES_URL = "/app/static/us_states.geojson"
COUNTY_LINES_URL = "/app/static/us_counties_lines.geojson"


@st.cache_data(show_spinner="Drawing territory shapes…", max_entries=16)
def _layers(version: str, plan_key: str, segment: str, geo: tuple[str, ...], named: tuple[str, ...], _plan: Plan,
            _acc: pd.DataFrame, _book: pd.DataFrame, _names: pd.Series) -> MapLayers:
    """The shapes of the geographic segments and the accounts of the named-account ones shown (planning.plans)."""
    return map_layers(_plan.assignment, _acc, _book, _names, segment, geo, named)


def _legend_frame(named: pd.DataFrame) -> pd.DataFrame:
    """Owner legend of the named-account territories: each owner's colour on the map and book."""
    from planning.plans import colour_of

    colours = colour_of(named["territory_id"])
    legend = (named.groupby(["territory_id", "owner", "segment"], dropna=False)
              .agg(accounts=("account_id", "size")).reset_index())
    legend["colour"] = legend["territory_id"].astype(str).map(colours)
    return legend


def _legend(legend: pd.DataFrame, key: str) -> None:
    shown, config = prepare_table(legend[["colour", "owner", "territory_id", "segment", "accounts"]])
    swatch = legend["colour"].map(lambda c: f"background-color: {c}; color: {c}")
    st.dataframe(shown.style.apply(lambda _col: swatch.to_numpy(), subset=["colour"]), column_config=config,
                 hide_index=True, key=f"{key}_legend", width="stretch", height=min(36 * (len(legend) + 1) + 3, 360))


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


@st.cache_resource(show_spinner=False, max_entries=16)
def _drawn(version: str, plan_key: str, which: str, seg: str, show_pts: bool, geo: tuple[str, ...],
           named_segments: tuple[str, ...], _plan: Plan, _other: Plan, _acc: pd.DataFrame, _book: pd.DataFrame,
           _names: pd.Series, _made: MapLayers | None = None):
    """What one view of the map draws → (shapes, named accounts, the deck, the legend), built once per view: a
    rerun of the page (any widget, a finished job's redraw) only sends the deck again.  Its JSON is fixed when
    built (pydeck serialises the layers' data on every call: 0.11 s of each Carve rerun, 2026-12-03 15:14), and
    compact.  Kept as the objects themselves (cache_resource, no copy per rerun): nothing that draws them changes
    them.
    ``_made``: this view's layers made where the carve ran (planning.reporting.carve_views), when they are."""
    layers = _made if _made is not None and _made.draws(seg, geo, named_segments) else \
        _layers(version, f"{plan_key}|{which}", seg, geo, named_segments, _plan, _acc, _book, _names)
    shown = _acc if seg == "All" else _acc.loc[_acc["segment"] == seg]
    pts = _points(_plan, _other, shown, _names) if show_pts else None
    deck = territory_deck(layers.shapes, pts, STATES_URL, COUNTY_LINES_URL, named=layers.named)
    # pydeck's own to_json indents (the pure-Python encoder: 1.0 MB for the demo's Mid-market map, 0.033 CPU s);
    # the same JSON without the indent is 0.27 MB in 0.007 s, for every send to each browser that draws it
    spec = json.dumps(deck, sort_keys=True, default=default_serialize)
    deck.to_json = lambda: spec  # what st.pydeck_chart sends on each rerun
    return layers.shapes, layers.named, deck, _legend_frame(layers.named) if len(layers.named) else None


def plans_map(before: Plan, after: Plan, acc: pd.DataFrame, book_before: pd.DataFrame, book_after: pd.DataFrame,
              names: pd.Series, segments: list[str], key: str, plan_key: str, extra_note: str = "",
              units: dict[str, str] | None = None, made: MapLayers | None = None) -> None:
    """Before/after territory map with hover, moved accounts highlighted, and downloads.  ``units``: segment →
    carving unit (planning.plans.map_units); geographic segments are drawn as one shape per territory, the
    others (named accounts) as their accounts in their owner's colour with a legend.  ``made``: the After view's
    layers when they were made already (a carve's, where it ran)."""
    c1, c2, c3 = st.columns([2, 2, 3])
    options = ["All"] + segments
    seg = c1.selectbox("Segment", options, index=options.index(default_map_segment(segments)), key=f"{key}_seg",
                       help="Shapes of one segment never overlap; books of different segments share ground.")
    which = c2.radio("Show", ["After", "Before"], horizontal=True, key=f"{key}_which",
                     help="After: the proposal. Before: today's ownership, for comparison.")
    show_pts = c3.checkbox("Accounts (moved ones in red)", value=False, key=f"{key}_pts",
                           help="Dots for accounts; hover one for its name, owner and whether it moved.")
    plan, other = (after, before) if which == "After" else (before, after)
    book = book_after if which == "After" else book_before
    geo, named_segments = map_kinds(segments, units or {})
    shapes, named, deck, legend = _drawn(state.dataset_version(), plan_key, which, seg, bool(show_pts), geo,
                                         named_segments, plan, other, acc, book, names,
                                         made if which == "After" else None)

    said = [f"{which}: {shapes_summary(shapes)}." if len(shapes) else f"{which}:"]
    if len(shapes):  # the note is about the proposal ("After"): today's plan is never carved in one piece
        said.append(f"{extra_note if which == 'After' else ''} Each territory is the counties where it holds most of "
                    f"the potential; counties without accounts join their nearest territory.")
    if len(named):
        said.append(f"Named-account territories ({', '.join(sorted(set(named['segment'].astype(str))))}) are "
                    f"drawn as their accounts in their owner's colour (legend below the map).")
    st.caption(md_escape(" ".join(s for s in said if s.strip()) + " Scroll to zoom, drag to pan."))
    st.pydeck_chart(deck, key=f"{key}_deck", width="stretch")
    if len(named):
        _legend(legend, key)
    if len(shapes):
        _shape_panel(shapes, seg, plan, which, key)


def _shape_panel(shapes, seg: str, plan: Plan, which: str, key: str) -> None:
    """The shapes' table (area, compactness, pieces) and their PNG / PDF / GeoJSON downloads."""
    table = shapes.drop(columns="geometry")
    cols = [c for c in ["territory_id", "owner", "segment", "counties", "area_sq_mi", "polsby_popper", "pieces",
                        "accounts", "potential_usd", "potential_usd_vs_target", "arr_usd"] if c in table]
    with st.expander("Shapes: area, compactness (Polsby–Popper, 100% = a circle) and pieces"):
        show_table(table[cols], key=f"{key}_shapes_table")
    d1, d2, d3 = st.columns(3)
    from planning.plans import render_map, to_geojson

    download_file("Map as PNG", lambda: render_map(shapes, segment=seg, title=plan.name, fmt="png"),
                  f"territories_{which.lower()}.png", "image/png", key=f"{key}_png", where=d1)
    download_file("Map as PDF", lambda: render_map(shapes, segment=seg, title=plan.name, fmt="pdf"),
                  f"territories_{which.lower()}.pdf", "application/pdf", key=f"{key}_pdf", where=d2)
    download_file("Shapes as GeoJSON", lambda: json.dumps(to_geojson(shapes)),
                  f"territories_{which.lower()}.geojson", "application/geo+json", key=f"{key}_geojson", where=d3)


def territory_map_tab(res, ds, result_key: str, segments: list[str], views=None) -> None:
    """The Carve page's Map tab for a finished carve (``views``: its planning.reporting.carve_views.CarveViews, whose
    map layers are its first view)."""
    plan = res.plan
    before = Plan(name="today", assignment=("T-" + ds.accounts["owner_rep_id"].astype("string")).set_axis(
        ds.accounts["account_id"].astype(str).to_numpy()), territories=plan.territories, kind="current")
    cont = res.stats.get("contiguity")  # the planner's words only; the polish's figures are in Solver details
    said = contiguity_words(cont["territories"], cont["split_after"]) if cont else ""
    # the map shows one segment's shapes; the note counts every geographic territory of the carve
    note = f"In the whole carve: {said[:1].lower()}{said[1:]}" if said else ""
    from planning.data import carve_by
    from planning.plans import map_units

    plans_map(before, plan, ds.accounts, res.before, res.after, people(ds.reps), segments, "carve_map",
              result_key, note, units=map_units([plan], carve_by(ds.settings)),
              made=None if views is None else views.after_map)


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
    from planning.data import carve_by
    from planning.plans import map_units

    plans_map(plan_a, plan_b, acc, book_a, book_b, people(ds.reps), segs, key,
              f"{plan_a.name}|{plan_b.name}|{len(acc)}|{hash(tuple(sorted(acc['account_id'].astype(str))))}",
              units=map_units([plan_b, plan_a], carve_by(ds.settings)))
