"""Altair charts for quotas, coverage, payout curves and the comp cost simulation.

Heights are the whole chart (Streamlit fits title, legend and axes inside them).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.compensation import coverage_words
from planning.reporting import label
from ui.charts import altair_module, money_axis, spec  # noqa: F401 — spec: the pages cache the charts as specs

alt = altair_module()  # set up once per process (no per-object schema validation)

FLAG_COLORS = alt.Scale(domain=["in band", "below band", "above band", "no target"], range=["#2f6fdf", "#d9534f", "#f0ad4e", "#9aa0a6"])


def coverage_bars(cov: pd.DataFrame, by: str, band: tuple[float, float], height: int = 340) -> alt.LayerChart:
    """Coverage ratio per group with the band drawn as a shaded strip; bars outside it are coloured."""
    key = cov.columns[0]
    df = cov.loc[cov[key] != "Total"].copy()
    df["label"] = df["manager_name"].fillna(df[key]) if "manager_name" in df else df[key].astype(str)
    df["flag"] = df["flag"].fillna("").replace("", "in band")
    df["side"] = df["flag"].str.split(" (", regex=False).str[0]  # "below band (109.95%)" is coloured "below band"
    # the bar's label: whole percent, more where that would put a bar outside the band on its edge ("109.97%")
    df["bar_text"] = [coverage_words(r, band, 0) for r in df["coverage_ratio"]]
    strip = alt.Chart(pd.DataFrame({"lo": [band[0]], "hi": [band[1]]})).mark_rect(opacity=0.18, color="#2e7d32").encode(
        y="lo:Q", y2="hi:Q", tooltip=[alt.Tooltip("lo:Q", title="band from", format=".0%"), alt.Tooltip("hi:Q", title="band to", format=".0%")])
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("label:N", title=None, sort=None, axis=_group_axis(df["label"])),
        y=alt.Y("coverage_ratio:Q", title="Coverage (Σ quota ÷ target)", axis=alt.Axis(format=".0%")),
        # two columns: the four flags in one row ran past a half-page chart at 1,280 px ("no targ")
        color=alt.Color("side:N", scale=FLAG_COLORS, legend=alt.Legend(title=None, orient="top", columns=2)),
        tooltip=[alt.Tooltip("label:N", title=label(by)), _money("quota_usd"), _money("target_usd"),
                 alt.Tooltip("coverage_ratio:Q", title=label("coverage_ratio"), format=".1%"),
                 alt.Tooltip("flag:N", title=label("flag"))])
    text = bars.mark_text(dy=-6, fontSize=11, color="#333").encode(text="bar_text:N",
                                                                   color=alt.value("#333"))
    return alt.layer(strip, bars, text).properties(height=height, title=f"Coverage by {by}")


def _group_axis(labels: pd.Series) -> alt.Axis:
    """The groups' axis: names upright where up to four share a half-page chart (segments, regions, quarters),
    slanted where more do (managers), so a short name never reads sideways."""
    return alt.Axis(labelAngle=0 if labels.nunique() <= 4 else -40, labelLimit=140)


def _money(column: str) -> alt.Tooltip:
    """A money tooltip under the column's registry label, in whole dollars."""
    return alt.Tooltip(f"{column}:Q", title=label(column), format="$,.0f")


def quota_vs_target(cov: pd.DataFrame, by: str, height: int = 340) -> alt.Chart:
    """Σ quota and finance target per group, side by side."""
    key = cov.columns[0]
    df = cov.loc[cov[key] != "Total"].copy()
    df["label"] = df["manager_name"].fillna(df[key]) if "manager_name" in df else df[key].astype(str)
    long = df.melt(id_vars=["label"], value_vars=["quota_usd", "target_usd"], var_name="what", value_name="usd")
    long["what"] = long["what"].map({"quota_usd": "Σ quotas", "target_usd": "finance target"})
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("label:N", title=None, sort=None, axis=_group_axis(df["label"])), xOffset=alt.XOffset("what:N"),
        y=alt.Y("usd:Q", title="Annual USD", axis=money_axis()),
        color=alt.Color("what:N", scale=alt.Scale(domain=["Σ quotas", "finance target"], range=["#2f6fdf", "#c9ced6"]), legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("label:N", title=label(by)), alt.Tooltip("what:N", title="Figure"),
                 alt.Tooltip("usd:Q", title="Amount", format="$,.0f")]).properties(height=height,
                                                                                   title=f"Quota vs target by {by}")


def fairness_scatter(table: pd.DataFrame, height: int = 420) -> alt.Chart:
    """Quota against territory potential per rep; flagged reps drawn as open circles."""
    df = table.reset_index()
    df["label"] = df["rep_name"].fillna(df["territory_id"])
    df["fairness"] = np.where(df["flags"].str.contains("vs potential"), "outlier", "in line")
    return alt.Chart(df).mark_point(size=90, filled=True).encode(
        x=alt.X("potential_usd:Q", title="Territory potential (annual USD)", axis=money_axis()),
        y=alt.Y("quota_usd:Q", title="Quota (annual USD)", axis=money_axis()),
        color=alt.Color("segment:N", legend=alt.Legend(orient="top", title=label("segment"))),
        shape=alt.Shape("fairness:N", scale=alt.Scale(domain=["in line", "outlier"], range=["circle", "triangle-up"]),
                        legend=alt.Legend(orient="top", title="Quota vs potential")),
        tooltip=[alt.Tooltip("label:N", title=label("rep")), alt.Tooltip("segment:N", title=label("segment")),
                 _money("potential_usd"), _money("quota_usd"),
                 alt.Tooltip("quota_pct_potential:Q", title=label("quota_pct_potential"), format=".1%"),
                 alt.Tooltip("flags:N", title=label("flags"))]).properties(
        height=height, title="Quota vs potential (fairness)")


def payout_curves(curves: pd.DataFrame, height: int = 420) -> alt.LayerChart:
    """Payout as % of target variable against attainment, one line per plan, with the 100%/100% point marked."""
    lines = alt.Chart(curves).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("attainment:Q", title="Attainment (% of quota)", axis=alt.Axis(format=".0%")),
        y=alt.Y("pct_of_variable:Q", title="Payout (% of target variable)", axis=alt.Axis(format=".0%")),
        color=alt.Color("plan:N", legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("plan:N", title=label("plan")), alt.Tooltip("attainment:Q", title="Attainment",
                                                                         format=".0%"), _money("payout_usd"),
                 alt.Tooltip("pct_of_variable:Q", title=label("pct_of_variable"), format=".0%"),
                 alt.Tooltip("effective_rate:Q", title=label("effective_rate"), format=".2%")])
    ref = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4], color="#888").encode(x="x:Q")
    return alt.layer(ref, lines).properties(height=height, title="Payout curve")


def distribution(values: np.ndarray, title: str, axis_title: str, fmt: str = "$,.2s", bins: int = 40,
                 reference: float | None = None, height: int = 320) -> alt.LayerChart:
    """Histogram of simulated values with P10/P50/P90 rules (and an optional reference line, e.g. the target)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    counts, edges = np.histogram(v, bins=bins)
    df = pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "share": counts / max(len(v), 1)})
    money = fmt.startswith("$")  # money: the axis as the app writes money, the tooltip in whole dollars
    axis, tip_fmt = (money_axis(), "$,.0f") if money else (alt.Axis(format=fmt), fmt)
    hist = alt.Chart(df).mark_bar(color="#8fb3f0").encode(
        x=alt.X("lo:Q", title=axis_title, axis=axis, scale=alt.Scale(zero=False)), x2="hi:Q",
        y=alt.Y("share:Q", title="Share of draws", axis=alt.Axis(format=".0%")), y2=alt.datum(0),
        tooltip=[alt.Tooltip("lo:Q", title="From", format=tip_fmt), alt.Tooltip("hi:Q", title="To", format=tip_fmt),
                 alt.Tooltip("share:Q", title="Share of draws", format=".1%")])
    p = np.percentile(v, [10, 50, 90]) if len(v) else [np.nan] * 3
    marks = pd.DataFrame({"x": p, "label": ["P10", "P50", "P90"]})
    if reference is not None:
        marks = pd.concat([marks, pd.DataFrame({"x": [reference], "label": ["target"]})], ignore_index=True)
    rules = alt.Chart(marks).mark_rule(strokeWidth=2).encode(
        x="x:Q", color=alt.Color("label:N", scale=alt.Scale(domain=list(marks["label"]),
                                                            range=["#999", "#333", "#999", "#d9534f"][:len(marks)]),
                                 legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("label:N", title="Mark"), alt.Tooltip("x:Q", title="Value", format=tip_fmt)])
    return alt.layer(hist, rules).properties(height=height, title=title)


def bookings_percentiles(bvt: pd.DataFrame, height: int = 320) -> alt.LayerChart:
    """P10/P50/P90 company bookings as bars with the finance target as a line."""
    bars = alt.Chart(bvt).mark_bar(color="#2f6fdf").encode(
        x=alt.X("percentile:N", title=None, sort=None),
        y=alt.Y("bookings_usd:Q", title="Company bookings", axis=money_axis()),
        tooltip=[alt.Tooltip("percentile:N", title=label("percentile")), _money("bookings_usd"),
                 alt.Tooltip("bookings_vs_target:Q", title=label("bookings_vs_target"), format=".1%")])
    text = bars.mark_text(dy=-6, color="#333").encode(text=alt.Text("bookings_vs_target:Q", format=".0%"))
    target = alt.Chart(bvt.head(1)).mark_rule(color="#d9534f", strokeWidth=2, strokeDash=[6, 3]).encode(y="target_usd:Q")
    return alt.layer(bars, text, target).properties(height=height, title="Bookings vs target (red line)")


def sensitivity(sens: pd.DataFrame, height: int = 320) -> alt.Chart:
    """Mean and P90 variable cost against the accelerator multiplier."""
    long = sens.melt(id_vars="accelerator_multiplier", value_vars=["mean_variable_cost_usd", "p90_variable_cost_usd"],
                     var_name="measure", value_name="usd")
    long["measure"] = long["measure"].map({"mean_variable_cost_usd": "mean", "p90_variable_cost_usd": "P90"})
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("accelerator_multiplier:Q", title="Accelerator multiplier (× rate above the accelerator start)"),
        y=alt.Y("usd:Q", title="Variable cost", axis=money_axis(), scale=alt.Scale(zero=False)),
        color=alt.Color("measure:N", legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("accelerator_multiplier:Q", title=label("accelerator_multiplier"), format=".2f"),
                 alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("usd:Q", title="Variable cost",
                                                                        format="$,.0f")]).properties(
        height=height, title="Cost vs accelerator")
