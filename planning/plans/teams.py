"""Which first-line managers' teams a plan touches: one list for every page, export and CLI command that names
managers (Review's managers table and its "decide for" list, Disruption's manager picker).

A manager is listed when they, or a rep who reports to them (``manager_id`` in the reps table), own a territory
in any of the plans given: pass today's CRM plan with the proposal, and every team that gives or gets an account
is named.  A manager whose reps hold no book in any of the plans (in the sample
company M-08, who leads the SDRs, SEs and CSMs) is not listed: no account of their team moves, so they have
nothing to review.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from planning.reporting.formats import person

MANAGER_COLUMNS = ["manager_id", "name", "label"]


def _manager_of(reps: pd.DataFrame) -> pd.Series:
    """rep_id → the rep's direct manager id (only reps that have one)."""
    if "manager_id" not in reps:
        return pd.Series(dtype=object)
    m = reps.set_index(reps["rep_id"].astype(str))["manager_id"]
    m = m.loc[m.notna() & (m.astype(str).str.strip() != "")]
    return m.astype(str)


def plan_managers(reps: pd.DataFrame, plans: Iterable = ()) -> pd.DataFrame:
    """The managers whose team holds a book in any of ``plans``: manager_id, name, label ("Ava Harris (M-01)"),
    sorted by id.  With no plans, every manager someone reports to (the reps table alone)."""
    mgr_of = _manager_of(reps)
    plans = list(plans)
    if plans:
        holders: set[str] = set()
        for plan in plans:
            owners = plan.territories["owner_rep_id"].dropna().astype(str)
            holders |= set(owners)
        ids = sorted(set(mgr_of.reindex(sorted(holders)).dropna()) | (holders & set(mgr_of)))
    else:
        ids = sorted(set(mgr_of))
    names = reps.set_index(reps["rep_id"].astype(str))["name"] if "name" in reps else pd.Series(dtype=object)
    rows = [{"manager_id": i, "name": names.get(i, i), "label": person(names.get(i, ""), i)} for i in ids]
    return pd.DataFrame(rows, columns=MANAGER_COLUMNS)


def target_teams(target_type: str, target_id, reps: pd.DataFrame, accounts: pd.DataFrame | None = None,
                 plans: Iterable = ()) -> list[str]:
    """The managers whose team a comment's target belongs to: for a rep, their manager (or themself, when they
    are a manager); for an account, the manager of its data owner and of its owner in each of ``plans``."""
    mgr_of = _manager_of(reps)
    managers = set(mgr_of)
    owners: set[str] = set()
    tid = str(target_id)
    if target_type == "rep":
        owners.add(tid)
    elif target_type == "account":
        if accounts is not None and "owner_rep_id" in accounts:
            own = accounts.loc[accounts["account_id"].astype(str) == tid, "owner_rep_id"].dropna()
            owners |= set(own.astype(str))
        for plan in plans:
            terr = plan.assignment.get(tid)
            if terr is not None and not pd.isna(terr) and terr in plan.territories.index:
                o = plan.territories.at[terr, "owner_rep_id"]
                if not pd.isna(o):
                    owners.add(str(o))
    out = {o for o in owners if o in managers}  # a manager's own book counts as their team's
    out |= {mgr_of[o] for o in owners if o in mgr_of.index}
    return sorted(out)
