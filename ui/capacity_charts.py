"""The Capacity Scenarios page's charts (Altair), built as Vega-Lite specs (``ui.charts.spec``) so the page caches
them with the reports behind them (ui/capacity_report.py) and draws them with ``ui.charts.draw``.  Axis titles,
legends and tooltips read the label registry (``planning.reporting.label``); the numbers come from the core's
views, already scoped to the user."""
from __future__ import annotations

import pandas as pd

from planning.capacity import MONTH_NAMES
from planning.reporting import label, usd
from ui.charts import altair_module, money_axis, spec

alt = altair_module()  # set up once per process (no per-object schema validation)
MONTHS = list(MONTH_NAMES)
MONEY_AXIS = money_axis()


# Streamlit sizes a chart with autosize "fit": its height then holds the title, the axes and a bottom legend too,
# which squeezed the half-width month charts to a ~60 px plot and cut the headcount chart's title.  With "fit-x"
# the width still fits the column and the height is the plot's own.
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


def _x():
    # month names upright: twelve fit across a half-width column, and rotated they took a third of the height
    return alt.X("month_name:O", title=label("month_name"), sort=MONTHS, axis=alt.Axis(labelAngle=0))


def _long(frame: pd.DataFrame, columns: list[str], value: str, by: str = "month_name") -> pd.DataFrame:
    """``columns`` melted into (by, series, value) with each series named by its label."""
    out = frame.melt(id_vars=[by], value_vars=columns, var_name="series", value_name=value)
    out["series"] = out["series"].map(label)
    return out


def _month_tip(value: str, fmt: str, title: str) -> list:
    return [alt.Tooltip("month_name:O", title=label("month_name")), alt.Tooltip("series:N", title="Series"),
            alt.Tooltip(f"{value}:Q", format=fmt, title=title)]


def capacity_vs_target(mon: pd.DataFrame, view: str) -> dict:
    """Monthly bars of expected capacity against the target line."""
    long = _long(mon, ["capacity_usd", "capacity_target_usd"], "usd")
    cap, tgt = label("capacity_usd"), label("capacity_target_usd")
    bars = alt.Chart(long.loc[long["series"] == cap]).mark_bar(color="#4c78a8").encode(
        x=_x(), y=alt.Y("usd:Q", title="Bookings per month", axis=MONEY_AXIS),
        tooltip=_month_tip("usd", "$,.0f", "Bookings"))
    line = alt.Chart(long.loc[long["series"] == tgt]).mark_line(color="#e45756", point=True, strokeWidth=3).encode(
        x=_x(), y=alt.Y("usd:Q", title="Bookings per month", axis=MONEY_AXIS),
        tooltip=_month_tip("usd", "$,.0f", "Bookings"))
    # the target may be derived from today's team (no targets file): the title names it as the figure, not as a
    # bookings target (planning.reporting.figures, capacity_target_usd)
    return spec((bars + line).properties(height=260, autosize=FIT_X,
                                         title=f"{view}: expected capacity (bars) against the {tgt.lower()} (line)"))


def cumulative(mon: pd.DataFrame) -> dict:
    """Cumulative capacity against the cumulative target."""
    cum = _long(mon, ["cum_capacity_usd", "cum_target_usd"], "usd")
    return spec(alt.Chart(cum).mark_line(point=True).encode(
        x=_x(), y=alt.Y("usd:Q", title="Cumulative bookings", axis=MONEY_AXIS),
        color=alt.Color("series:N", title=None, scale=alt.Scale(range=["#4c78a8", "#e45756"])),
        tooltip=_month_tip("usd", "$,.0f", "Bookings")).properties(height=260, autosize=FIT_X))


def hires(mon: pd.DataFrame) -> dict:
    """Hires by month: planned, open requisitions, backfills, needed."""
    long = _long(mon, ["hires", "open_reqs", "backfills", "hires_needed"], "heads")
    return spec(alt.Chart(long).mark_bar().encode(
        x=_x(), y=alt.Y("heads:Q", title="AEs starting"),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=0)),
        tooltip=_month_tip("heads", ".1f", "AEs")).properties(height=200, autosize=FIT_X,
                                                              title="Hires by month"))


def headcount(monthly: pd.DataFrame) -> dict:
    """Headcount by segment, month by month."""
    hc = monthly[["segment", "month_name", "headcount", "rre"]]
    return spec(alt.Chart(hc).mark_line(point=True).encode(
        x=_x(), y=alt.Y("headcount:Q", title=label("headcount")),
        color=alt.Color("segment:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("segment:N", title=label("segment")),
                 alt.Tooltip("month_name:O", title=label("month_name")),
                 alt.Tooltip("headcount:Q", format=".1f", title=label("headcount")),
                 alt.Tooltip("rre:Q", format=".1f", title=label("rre"))]).properties(
        height=200, autosize=FIT_X, title="Headcount by segment"))


def cost_by_month(mon: pd.DataFrame, view: str) -> dict:
    """AE cost and support cost per month, stacked (only built for those who may see costs)."""
    cost = _long(mon, ["ae_cost_usd", "support_cost_usd"], "usd")
    return spec(alt.Chart(cost).mark_bar().encode(
        x=_x(), y=alt.Y("usd:Q", title="Cost per month", axis=MONEY_AXIS),
        color=alt.Color("series:N", title=None), tooltip=_month_tip("usd", "$,.0f", "Cost")
    ).properties(height=200, autosize=FIT_X, title=f"{view}: {label('ae_support_cost_usd')} by month"))


def lenses(seg: pd.DataFrame) -> dict:
    """AEs today against the reps each lens needs, per segment."""
    long = _long(seg, ["aes_start", "reps_needed_bookings", "reps_needed_coverage"], "reps", by="segment")
    return spec(alt.Chart(long).mark_bar().encode(
        x=alt.X("series:N", title=None, axis=alt.Axis(labels=False)), y=alt.Y("reps:Q", title="AEs"),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=0)),
        column=alt.Column("segment:N", title=None),
        tooltip=[alt.Tooltip("segment:N", title=label("segment")), alt.Tooltip("series:N", title="Lens"),
                 alt.Tooltip("reps:Q", format=".1f", title="AEs")]).properties(width=110, height=220,
                                                                               title="Reps by lens"))


def tornado(tor: pd.DataFrame) -> dict:
    """Change in expected bookings with each driver 10% lower and higher."""
    base = float(tor["expected_bookings_usd"].iloc[0])
    tl = pd.concat([tor.assign(case="10% lower", usd=tor["low_usd"]), tor.assign(case="10% higher", usd=tor["high_usd"])])
    tl["change_usd"] = tl["usd"] - base
    return spec(alt.Chart(tl).mark_bar().encode(
        y=alt.Y("driver:N", sort=tor["driver"].tolist(), title=None, axis=alt.Axis(labelOverlap=False, labelLimit=0)),
        x=alt.X("change_usd:Q", stack=None, title=f"{label('change_usd')} vs {usd(base)}", axis=MONEY_AXIS),
        color=alt.Color("case:N", title="Driver", scale=alt.Scale(domain=["10% lower", "10% higher"],
                                                                  range=["#e45756", "#54a24b"])),
        tooltip=[alt.Tooltip("driver:N", title=label("driver")), alt.Tooltip("case:N", title="Driver"),
                 alt.Tooltip("usd:Q", format="$,.0f", title=label("expected_bookings_usd")),
                 alt.Tooltip("change_usd:Q", format="$,.0f", title=label("change_usd"))]).properties(
        height=220, title="Tornado: expected bookings with each driver 10% lower or higher"))


def compare(amounts: pd.DataFrame) -> dict:
    """Side-by-side bars per scenario of the core's compare amounts (scenario, figure, usd)."""
    return spec(alt.Chart(amounts).mark_bar().encode(
        x=alt.X("scenario:N", title=None), y=alt.Y("usd:Q", title="Annual amount", axis=MONEY_AXIS),
        color=alt.Color("scenario:N", title="Scenario"), column=alt.Column("figure:N", title=None),
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("figure:N", title="Figure"),
                 alt.Tooltip("usd:Q", format="$,.0f", title="Amount")]).properties(width=200, height=220))
