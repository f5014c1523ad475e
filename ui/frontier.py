"""The "Moves vs travel" view of the Carve page: the trade-off curve, its table, and picking a point."""
from __future__ import annotations

import altair as alt
import pandas as pd

from ui.format import pct, usd


def frontier_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The frontier table with display columns: worst band deviation over all metrics, readable labels."""
    out = table.copy()
    dev = [c for c in out if c.startswith("worst_dev_")]
    out["worst_dev"] = out[dev].max(axis=1) if dev else float("nan")
    out["travel_k_mi"] = out["travel_mi"] / 1000.0
    out["arr_moved"] = out["arr_moved_usd"].map(usd)
    out["balance"] = out["worst_dev"].map(lambda v: f"worst book {pct(v, 1)} off target")
    out["tag"] = out["point"].astype(str) + ". " + out["label"]
    return out


def frontier_chart(table: pd.DataFrame, picked: int | None = None) -> alt.LayerChart:
    """Accounts moved against total travel, one dot per point (the picked one ringed), a line joining them."""
    df = frontier_frame(table)
    df["picked"] = df["point"] == picked
    tip = [alt.Tooltip("tag:N", title="point"), alt.Tooltip("accounts_moved:Q", title="accounts moved", format=","),
           alt.Tooltip("arr_moved:N", title="ARR moved"),
           alt.Tooltip("travel_mi:Q", title="total travel (mi)", format=",.0f"),
           alt.Tooltip("balance:N", title="balance"), alt.Tooltip("status:N"),
           alt.Tooltip("gap:Q", title="gap to LP bound", format=".2%")]
    base = alt.Chart(df).encode(
        x=alt.X("travel_k_mi:Q", title="total travel, thousand miles (account → owner's home)",
                scale=alt.Scale(zero=False)),
        y=alt.Y("accounts_moved:Q", title="accounts moved", scale=alt.Scale(zero=False)))
    line = base.mark_line(color="#8da0cb")
    dots = base.mark_circle(size=140).encode(
        color=alt.Color("worst_dev:Q", title="worst book off target", scale=alt.Scale(scheme="greens", reverse=True),
                        legend=alt.Legend(format=".0%")),
        tooltip=tip)
    ring = base.transform_filter(alt.datum.picked).mark_point(size=420, color="#d62728", strokeWidth=2)
    labels = base.mark_text(align="left", dx=9, dy=-7, fontSize=11).encode(text="tag:N")
    return alt.layer(line, dots, ring, labels).properties(height=340, width="container")


def frontier_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table the page shows, one row per point."""
    df = frontier_frame(table)
    out = pd.DataFrame({"point": df["tag"], "accounts moved": df["accounts_moved"], "ARR moved": df["arr_moved"],
                        "total travel (mi)": df["travel_mi"].round(0), "worst book off target": df["worst_dev"].map(
                            lambda v: pct(v, 1)), "status": df["status"], "gap": df["gap"].map(lambda v: pct(v, 2)),
                        "seconds": df["seconds"].round(1)})
    return out
