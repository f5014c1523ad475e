"""The "Moves vs travel" view of the Carve page: the trade-off curve, its table, and picking a point.

Points are named for the trade-off ("Fewest moves", "Balanced", "Shortest travel"); accounts and ARR moved are
the core's figures (planning.reporting.figures) against today's plan, so a point reads the same before and after
it is picked, and on Disruption.  A curve is a run: nothing is saved until someone saves the picked point."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.plans.frontier import Frontier
from planning.reporting import label
from planning.reporting.carve_words import curve_points
from planning.reporting.figures import moved_between
from planning.reporting.formats import count, pct, usd
from ui import state
from ui.charts import altair_module, draw, spec
from ui.tables import show_table

alt = altair_module()  # set up once per process (no per-object schema validation)


@st.cache_data(show_spinner=False, max_entries=8)
def _moved(version: str, view: str, _front: Frontier, _current, _accounts) -> pd.DataFrame:
    rows = [moved_between(_current, pt.result.plan, _accounts) for pt in _front.points]
    return pd.DataFrame(rows)[["accounts_moved", "arr_moved_usd"]]


def curve_table(front: Frontier, ds, view: str) -> pd.DataFrame:
    """One row per point, canonical columns: point, label, accounts_moved, arr_moved_usd (the core's figures),
    travel_mi, worst_dev, and the solver's status, gap and seconds."""
    return curve_points(front.table(), _moved(state.dataset_version(), view, front, ds.current_plan(), ds.accounts))


def point_caption(table: pd.DataFrame, i: int) -> str:
    """ "2. Balanced — 1,388 moved, 2,310,000 mi" for the point picker."""
    r = table.iloc[i]
    return f"{i + 1}. {r['label']} — {count(r['accounts_moved'])} moved, {r['travel_mi']:,.0f} mi"


def frontier_chart(table: pd.DataFrame, picked: int | None = None) -> alt.LayerChart:
    """Accounts moved against total travel, one dot per point (the picked one ringed), a line joining them."""
    df = table.copy()
    df["travel_k_mi"] = df["travel_mi"] / 1000.0
    df["arr_moved"] = df["arr_moved_usd"].map(usd)
    df["balance"] = df["worst_dev"].map(lambda v: f"worst book {pct(v, 1)} off target")
    df["tag"] = df["point"].astype(str) + ". " + df["label"]
    df["picked"] = df["point"] == picked
    tip = [alt.Tooltip("tag:N", title=label("point")),
           alt.Tooltip("accounts_moved:Q", title=label("accounts_moved"), format=","),
           alt.Tooltip("arr_moved:N", title=label("arr_moved_usd")),
           alt.Tooltip("travel_mi:Q", title=label("travel_mi"), format=",.0f"),
           alt.Tooltip("balance:N", title="Balance")]
    base = alt.Chart(df).encode(
        x=alt.X("travel_k_mi:Q", title="Total travel, thousand miles (account → owner's home)",
                scale=alt.Scale(zero=False)),
        y=alt.Y("accounts_moved:Q", title=label("accounts_moved"), scale=alt.Scale(zero=False)))
    line = base.mark_line(color="#8da0cb")
    dots = base.mark_circle(size=140).encode(
        color=alt.Color("worst_dev:Q", title="Worst book off target", scale=alt.Scale(scheme="greens", reverse=True),
                        legend=alt.Legend(format=".0%")),
        tooltip=tip)
    ring = base.transform_filter(alt.datum.picked).mark_point(size=420, color="#d62728", strokeWidth=2)
    labels = base.mark_text(align="left", dx=9, dy=-7, fontSize=11).encode(text="tag:N")
    return alt.layer(line, dots, ring, labels).properties(height=340, width="container")


def curve_view(front: Frontier, ds, view: str, picked: int | None) -> pd.DataFrame:
    """Draw the curve's chart, its table (the solver's terms in "Solver details") → the table."""
    table = curve_table(front, ds, view)
    draw(spec(frontier_chart(table, picked)))
    named = table.assign(point=table["point"].astype(str) + ". " + table["label"])
    show_table(named[["point", "accounts_moved", "arr_moved_usd", "travel_mi", "worst_dev"]], key="carve_curve_table")
    with st.expander("Solver details"):
        show_table(named[["point", "status", "gap", "seconds"]], key="carve_curve_solver")
    return table
