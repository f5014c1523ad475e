"""The Data page's figures, tables and charts, worked out once per dataset version and user scope and shared by
every session (``st.cache_resource``): a rerun, a second open or another user with the same scope reads them back
in microseconds instead of recomputing the health report, the duplicate check, today's books and the charts.

Every entry takes the cache key ``(version, scope)`` (:func:`key`), the session's scoped view (not hashed), then
the section's choice if it has one (a breakdown, a map segment, a metric, a level):

* ``version`` is the dataset's version (:func:`ui.state.dataset_version`: "sample", or the upload's hash);
* ``scope`` is what the view cuts by: the role (the columns it may see) and, for a manager, the team.  Two users
  with the same scope see the same rows and columns, so they share one entry; a manager never reads another
  team's or the company's entry, since the team is in the key.

What is cached is shared and read-only: callers draw it (``show_table`` and the charts copy what they send) and
never change it.  The figures come from the core (health report, breakdown, books, balance); the display frames
from ``planning.reporting.data_views``; charts are kept as the Vega-Lite spec Streamlit sends, so a rerun does not rebuild and
re-validate an Altair chart."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from planning.reporting import label
from planning.reporting.data_views import balance_view, books_view, health_view, owners, variance_message, with_people
from ui.sample_entries import kept, scope_of
from ui.tables import prepare_table

Table = tuple  # (display table as Arrow, column config), as data_page.table leaves it; draw with show_prepared

_ENTRIES = 32  # (dataset version, scope, choice) combinations kept per section
_MAPS = 12  # a map carries its dots (at most planning.reporting.map_dots.MAX_DOTS: ~0.2 MB)


def key(view) -> tuple[str, tuple[str, str | None]]:
    """The cache key of this session's Data page: (dataset version, scope)."""
    from ui import state

    return state.dataset_version(), scope_of(view.user)


def chart_spec(chart) -> dict:
    """The Vega-Lite spec (data as Arrow) Streamlit sends for an Altair ``chart``, to keep and draw with
    ``st.vega_lite_chart``: Altair's build and schema validation run once, not on every rerun."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return _convert_altair_to_vega_lite_spec(chart)


def table(frame: pd.DataFrame, overrides: dict | None = None) -> Table:
    """``frame`` as ``show_table`` sends it (:func:`ui.tables.prepare_table`), converted to Arrow once with
    Streamlit's own conversion (the bytes it sends are the same), so a rerun only copies them out."""
    shown, config = prepare_table(frame, overrides)
    try:
        from streamlit.dataframe_util import convert_pandas_df_to_arrow_table
    except ImportError:  # another Streamlit: it converts the frame on each draw, as show_table does
        return shown, config
    return convert_pandas_df_to_arrow_table(shown), config


def _entry(name: str, build, max_entries: int = _ENTRIES):
    """A section's cache entry, the one shape every section shares: ``entry(version, scope, view, *choice)`` is
    kept in memory per (dataset version, scope, choice) for every session (``st.cache_resource``; the view is not
    hashed) and, for the sample company, on disk too (:func:`ui.sample_entries.kept`); on a miss
    ``build(version, scope, view, *choice)`` works it out."""
    def entry(version: str, scope: tuple, _view, *choice):
        return kept("data", name, version, scope, choice, lambda: build(version, scope, _view, *choice))

    entry.__name__ = entry.__qualname__ = f"data_{name}"  # Streamlit keys each function's cache on its name
    entry.__doc__ = build.__doc__
    return st.cache_resource(max_entries=max_entries, show_spinner=False)(entry)


def draw_chart(spec: dict) -> None:
    st.vega_lite_chart(spec=spec, width="stretch")


def clear() -> None:
    """Forget every cached entry (tests, or after the code that builds them changed)."""
    for fn in (headline, validation, breakdown_table, map_segments, owner_points, map_chart, plan_health, book_chart,
               books_table, health):
        fn.clear()


# ------------------------------------------------------------------------------------------------- headline
@dataclass(frozen=True)
class Headline:
    accounts: int
    customers: int
    arr_usd: float
    potential_usd: float
    quota_reps: int
    rejected: int


def _headline(version: str, scope: tuple, view) -> Headline:
    from planning.reporting.figures import quota_reps

    ds = view.dataset
    acc = ds.accounts
    customers = acc["is_customer"] if "is_customer" in acc else acc["arr_usd"] > 0
    return Headline(len(acc), int(customers.sum()), float(acc["arr_usd"].sum()), float(acc["potential_usd"].sum()),
                    quota_reps(view.plan(view.current_plan())), len(ds.report.rejects_frame()))


headline = _entry("headline", _headline)


@dataclass(frozen=True)
class Validation:
    counts: Table
    errors: Table
    warnings: Table
    n_errors: int
    n_warnings: int
    issues: pd.DataFrame  # for the downloads (canonical columns)
    rejects: pd.DataFrame


def _validation(version: str, scope: tuple, view) -> Validation:
    rep = view.dataset.report
    errors, warnings = rep.issues_frame("error"), rep.warnings_frame()
    return Validation(table(rep.counts()), table(errors), table(warnings), len(errors),
                      len(warnings), rep.issues_frame(), rep.rejects_frame())


validation = _entry("validation", _validation)


# ------------------------------------------------------------------------------------------------ breakdown
def breakdown_bars(table: pd.DataFrame, by: str):
    """ARR and potential per group as horizontal bars, side by side (the breakdown table's chart)."""
    from ui.charts import altair_module, money_axis, tip

    alt = altair_module()
    long = table[[by, "arr_usd", "potential_usd"]].melt(id_vars=by, var_name="measure", value_name="usd")
    long["measure"] = long["measure"].map(label)
    long[by] = long[by].astype(str)
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y(f"{by}:N", title=label(by), sort=list(table[by].astype(str)), axis=alt.Axis(labelLimit=200)),
        yOffset=alt.YOffset("measure:N"),
        x=alt.X("usd:Q", title="USD a year", axis=money_axis()),  # $40M, not 40,000,000
        color=alt.Color("measure:N", legend=alt.Legend(orient="bottom", title=None)),
        tooltip=[tip(by), alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("usd:Q", title="USD a year",
                                                                                  format="$,.0f")],
    ).properties(height=max(320, min(900, 22 * len(table))))  # two bars a group: 31 owners need room


def _breakdown(version: str, scope: tuple, view, by: str) -> tuple[Table, dict]:
    """The account base grouped by ``by`` and its chart's spec."""
    from planning.data import breakdown

    ds = view.dataset
    frame = breakdown(ds.accounts, ds.reps, by)
    return table(frame), chart_spec(breakdown_bars(frame, by))


breakdown_table = _entry("breakdown", _breakdown)


# ------------------------------------------------------------------------------------------------------- map
@st.cache_resource(max_entries=_ENTRIES, show_spinner=False)
def map_segments(version: str, scope: tuple, _view) -> list[str]:
    """The segments the map offers (after "All")."""
    return sorted(_view.dataset.accounts["segment"].dropna().unique())


@st.cache_resource(max_entries=2, show_spinner=False)  # a copy of every account: kept only while maps are built
def owner_points(version: str, scope: tuple, _view) -> pd.DataFrame:
    """Every account, with ``owner`` as "Name (R-010)" (what the map's segments are cut from)."""
    ds = _view.dataset
    acc = ds.accounts
    return acc.assign(owner=owners(acc["owner_rep_id"], ds.reps))


@dataclass(frozen=True)
class MapChart:
    spec: dict
    placed: int  # accounts with a location (on the map)
    abroad: int
    unplaced: int
    dots: int  # what the map draws: one per account, or per owner and grid cell
    cell_deg: float | None  # the grid cell (degrees) when accounts were merged into dots


MAP_TIPS = ["owner", "accounts", "potential_usd", "arr_usd", "largest_account", "place"]


def _map_chart(version: str, scope: tuple, view, segment: str) -> MapChart:
    """The owner map of one segment ("All": every account) and how many accounts it places: at most
    planning.reporting.map_dots.MAX_DOTS dots, the owners with the most potential in a colour each."""
    from planning.reporting.map_dots import colour_groups, map_dots
    from ui.charts import accounts_map

    points = owner_points(version, scope, view)
    if segment != "All":
        points = points.loc[points["segment"] == segment]
    dots, cell = map_dots(points)
    groups, order = colour_groups(dots)
    shown = dots.assign(owner_group=groups)
    placed = points["lat"].notna()
    abroad = int((placed & points["country"].ne("US")).sum()) if "country" in points else 0
    spec = chart_spec(accounts_map(shown, "owner_group", tooltip=MAP_TIPS, size="potential_usd",
                                   colour_order=order, canvas=True))
    return MapChart(spec, int(placed.sum()), abroad, int((~placed).sum()), len(dots), cell)


map_chart = _entry("map", _map_chart, max_entries=_MAPS)


def map_note(drawn: MapChart) -> str:
    """How the map's dots read: one per account, or an owner's accounts near each other merged (a cell of
    ``cell_deg`` degrees of latitude is ~69 miles per degree)."""
    from planning.reporting.formats import count

    size = "Dot size shows potential; hover a dot for its owner and accounts."
    if drawn.cell_deg is None:
        return f"Each dot is an account. {size}"
    miles = round(drawn.cell_deg * 69 / 5) * 5 or 5
    return (f"Shown as {count(drawn.dots)} dots: one owner's accounts within about {miles} miles of each other are "
            f"one dot. {size}")


# ------------------------------------------------------------------------------------------ current plan health
@dataclass(frozen=True)
class PlanHealth:
    book: pd.DataFrame  # per territory (the user's territories)
    balance: Table  # in words (planning.reporting.data_views.balance_view)
    messages: list  # (flagged, text) per segment, on potential


def _plan_health(version: str, scope: tuple, view) -> PlanHealth:
    from planning.reporting.figures import book_balance

    ds = view.dataset
    book = view.book(view.current_plan())
    flag = ds.settings.planning.productivity_variance_flag
    balance = book_balance(book, variance_flag=flag)
    pot = balance.loc[balance["metric"] == "potential_usd"] if len(balance) else balance
    messages = [(bool(r["flag_variance"]), variance_message(r, flag)) for _, r in pot.iterrows()]
    return PlanHealth(book, table(balance_view(balance)), messages)


plan_health = _entry("plan_health", _plan_health)


def _book_chart(version: str, scope: tuple, view, metric: str) -> dict:
    from ui.charts import book_bars

    return chart_spec(book_bars(plan_health(version, scope, view).book, metric))


book_chart = _entry("book_chart", _book_chart)

_BOOK_COLUMNS = ["territory_id", "owner_name", "segment", "region", "area", "accounts", "customers", "arr_usd",
                 "potential_usd", "workload_hours", "open_pipeline_usd", "mean_distance_mi", "owner_rep_id"]


def _books(version: str, scope: tuple, view, level: str) -> tuple[pd.DataFrame, Table]:
    """Today's books read by territory, area or region: (canonical frame for the download, table in words)."""
    from planning.plans import rollup

    book = plan_health(version, scope, view).book.reset_index()
    show = book[[c for c in _BOOK_COLUMNS if c in book]]
    if level != "territory":
        show = rollup(show, level)
    return show, table(books_view(show))


books_table = _entry("books", _books)


# ------------------------------------------------------------------------------------------------ data health
@dataclass(frozen=True)
class Health:
    summary: Table
    completeness: Table
    duplicates: Table
    no_owner: Table
    idle_reps: Table
    stale: Table
    counts: dict  # rows of no_owner, idle_reps, stale (the expanders' titles)


def _health(version: str, scope: tuple, view) -> Health:
    """The data-health report (duplicates, completeness, gaps, staleness) with people named."""
    from planning.data import health as core

    ds = view.dataset
    reps = ds.reps
    report = core.health_report(ds.accounts, reps, ds.as_of, ds.settings)
    complete = {"completeness": st.column_config.ProgressColumn(label("completeness"), min_value=0, max_value=1,
                                                                format="percent")}
    counts = {"no_owner": len(report.no_owner), "idle_reps": len(report.reps_without_accounts),
              "stale": len(report.stale)}
    return Health(table(health_view(report.summary())), table(report.completeness, complete),
                  table(with_people(report.duplicates, reps)), table(report.no_owner),
                  table(with_people(report.reps_without_accounts, reps)),
                  table(with_people(report.stale, reps)), counts)


health = _entry("health", _health)
