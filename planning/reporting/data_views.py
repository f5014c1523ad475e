"""How the Data page's tables (and the CLI's `summary`) read: the frames the core computes, prepared for a person
(display only, no figures computed here).  Headers and number formats come from the label registry (the page's
``show_table``, the CLI's ``text_tables.render``); what
the registry cannot express per column (a column whose unit changes from row to row, an infinite ratio, a person)
is written out as words here."""
from __future__ import annotations

import math

import pandas as pd

from planning.reporting import label, label_of
from planning.reporting.formats import cell, count, people, person, ratio

_RATIOS = ("max_mean", "min_mean", "max_min")
_PERCENT_CHECKS = {"Mean record completeness"}  # health checks whose figure is a percentage, not a count


def amount(value, kind: str) -> str:
    """One figure in its unit's words, as a table cell of its kind reads everywhere (formats.cell: money as whole
    dollars, counts with separators, hours with "h"); a kind without words with one decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return cell(value, kind) or f"{value:,.1f}"


def balance_view(table: pd.DataFrame) -> pd.DataFrame:
    """The balance table as words: the measure named, its average territory in its own unit (the column mixes
    dollars, hours and accounts), and a ratio with an empty book as "∞ (an empty book)" instead of "inf"."""
    if table.empty:
        return table
    out = table.copy()
    out["mean"] = [amount(v, label_of(m).kind) for m, v in zip(out["metric"], out["mean"])]
    out["metric"] = out["metric"].map(label)
    for col in _RATIOS:
        if col in out and out[col].map(lambda v: isinstance(v, float) and math.isinf(v)).any():
            out[col] = out[col].map(ratio)
    return out


def variance_message(row: pd.Series, flag: float) -> str:
    """The headline of one segment's potential balance (a row of the balance table for potential_usd)."""
    seg = row["segment"]
    if math.isinf(row["max_min"]):
        return (f"**{seg}**: a territory expected to carry a book has no potential at all, so its load cannot be "
                f"compared (largest ÷ smallest is infinite). Above {flag:.0f}× means rebalance.")
    text = (f"**{seg}**: the most loaded territory holds {ratio(row['max_min'], 1)} the potential of the least "
            "loaded (potential ÷ its capacity target).")
    return text + (f" Above {flag:.0f}× means rebalance." if row["flag_variance"] else "")


def books_view(books: pd.DataFrame) -> pd.DataFrame:
    """Books per territory with the owner as "Name (R-010)" ("Open territory" for a planned hire)."""
    out = books.copy()
    if "owner_rep_id" in out:
        names = out["owner_name"] if "owner_name" in out else pd.Series("", index=out.index)
        owner = [person(n, r) for n, r in zip(names, out["owner_rep_id"])]
        out = out.drop(columns=[c for c in ("owner_name", "owner_rep_id") if c in out])
        out.insert(1 if "territory_id" in out else 0, "owner", owner)
    return out


def health_view(summary: pd.DataFrame) -> pd.DataFrame:
    """The data-health checks with their figure in words (a count, or for completeness a percentage)."""
    out = summary.copy()
    out["result"] = [f"{v:.1f}%" if c in _PERCENT_CHECKS else count(v) for c, v in zip(out["check"], out["count"])]
    return out[["check", "result", "detail"]]


def owners(rep_ids: pd.Series, reps: pd.DataFrame) -> pd.Series:
    """Owner ids as people ("Name (R-010)"); an id not in ``reps`` stays as written, no id reads "No owner"."""
    ids = rep_ids.astype(object).where(rep_ids.notna(), None)
    lookup = people(reps).to_dict() if len(reps) else {}
    return pd.Series([("No owner" if r is None else lookup.get(str(r), str(r))) for r in ids], index=rep_ids.index,
                     dtype=object)


def with_people(frame: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its rep ids as people: ``owner_rep_id`` becomes ``owner`` ("Name (R-010)", "No owner"), and
    a list of reps (``rep_id`` and ``name``) gets one ``rep`` column in their place."""
    out = frame.copy()
    if "owner_rep_id" in out:
        owner = owners(out["owner_rep_id"], reps)
        at = out.columns.get_loc("owner_rep_id")
        out = out.drop(columns="owner_rep_id")
        out.insert(at, "owner", owner)
    if {"rep_id", "name"} <= set(out.columns):
        at = out.columns.get_loc("rep_id")
        rep = [person(n, r) for n, r in zip(out["name"], out["rep_id"])]
        out = out.drop(columns=["rep_id", "name"])
        out.insert(at, "rep", rep)
    return out
