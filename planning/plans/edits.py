"""Manual edits on a carve proposal: resolve "move this account / ZIP / state to that territory" into
account moves, and the live balancer (books and balance figures after the edits, well under 300 ms on the
sample company).  Manual moves become pins on the next solve.
"""
from __future__ import annotations

import pandas as pd

from planning.plans.plan import Plan, balance_table, metrics

UNIT_PREFIXES = {"zip": "postal_code", "zip3": "postal_code", "county": "county_fips", "state": "state"}


def resolve_edits(edits: pd.DataFrame, accounts: pd.DataFrame, plan: Plan) -> tuple[dict[str, str], list[str]]:
    """``edits`` rows (``what``, ``to_territory``) → {account_id: territory_id} and a list of problems.

    ``what`` is an account id, ``zip:94105``, ``zip3:941``, ``county:25017`` (FIPS) or ``state:CA`` (every account in that unit moves).
    """
    moves: dict[str, str] = {}
    problems: list[str] = []
    ids = set(accounts["account_id"].astype(str))
    for i, row in enumerate(edits.itertuples(index=False), start=1):
        what = str(getattr(row, "what", "") or "").strip()
        to = str(getattr(row, "to_territory", "") or "").strip()
        if not what and not to:
            continue
        if to not in plan.territories.index:
            problems.append(f"row {i}: unknown territory {to!r}")
            continue
        if ":" in what and what.split(":", 1)[0].lower() in UNIT_PREFIXES:
            kind, value = what.split(":", 1)
            kind, value = kind.lower(), value.strip()
            if kind == "county":
                from planning.data.boundaries import account_counties  # lazy: loads the county shapes

                col = account_counties(accounts).fillna("")
            else:
                col = accounts[UNIT_PREFIXES[kind]].astype("string").fillna("")
            if kind == "zip3":
                hit = col.str[:3] == value
            elif kind == "state":
                hit = col.str.upper() == value.upper()
            else:
                hit = col == value
            chosen = accounts.loc[hit.to_numpy(), "account_id"].astype(str)
            if chosen.empty:
                problems.append(f"row {i}: no accounts in {what}")
                continue
            moves.update(dict.fromkeys(chosen, to))
        elif what in ids:
            moves[what] = to
        else:
            problems.append(f"row {i}: unknown account or unit {what!r} (use an account id, zip:…, zip3:…, county:… or state:…)")
    return moves, problems


def live_balance(plan: Plan, moves: dict[str, str], accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int,
                 settings, metric_names: tuple[str, ...], capacity_weighted: bool,
                 capacity: pd.Series | None = None) -> tuple[Plan, pd.DataFrame, pd.DataFrame]:
    """The edited plan, its per-territory book and its balance table (same figures as everywhere)."""
    edited = plan.with_moves(moves, name=f"{plan.name} (edited)") if moves else plan
    book = metrics(edited, accounts, reps, plan_year, settings)
    if capacity is not None:
        book["capacity_share"] = capacity.reindex(book.index).fillna(book.get("capacity_share", 1.0))
    table = balance_table(book, tuple(metric_names), capacity_weighted=capacity_weighted)
    return edited, book, table
