"""What a scoped user (a manager) may see: their team's reps, their reps' accounts, and nothing of other teams.

A manager's team is the manager's own rep id plus every rep whose ``manager_id`` is it, and (for a second-line
manager) everyone below them.  An account belongs to the team in a plan when the plan puts it in a territory a
team rep owns; in the data, when a team rep is its ``owner_rep_id``.  Every function here returns its input
unchanged for an unscoped user (admin, sales ops, finance, leadership, viewer), so shells call them always.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from planning.access.roles import Permission
from planning.access.users import AccessDenied, User, require


def team_rep_ids(user: User, reps: pd.DataFrame) -> frozenset[str] | None:
    """The rep ids a scoped user may see (None: everyone).  A manager without a team mapping is refused."""
    require(user, Permission.VIEW_PLANS)
    if not user.scoped:
        return None
    if not user.manager_id:
        raise AccessDenied(f"{user.display} has no team: an admin must map them to their manager rep id "
                           f"(Users page, or `python -m planning users set-role {user.email} manager --manager-id ID`).")
    mgr = reps.set_index(reps["rep_id"].astype(str))["manager_id"].astype(str) if "manager_id" in reps else \
        pd.Series(dtype=str)
    team = {str(user.manager_id)}
    frontier = set(team)
    while frontier:  # a second-line manager sees every team below them
        below = set(mgr.index[mgr.isin(frontier)]) - team
        team |= below
        frontier = below
    return frozenset(team)


def is_team_rep(user: User, reps: pd.DataFrame, rep_id) -> bool:
    team = team_rep_ids(user, reps)
    return team is None or str(rep_id) in team


def scope_reps(user: User, reps: pd.DataFrame) -> pd.DataFrame:
    """The reps table rows the user may see."""
    team = team_rep_ids(user, reps)
    return reps if team is None else reps.loc[reps["rep_id"].astype(str).isin(team)]


def scope_rows(user: User, frame: pd.DataFrame, reps: pd.DataFrame, rep_col: str = "owner_rep_id") -> pd.DataFrame:
    """Rows of any per-rep or per-territory table whose ``rep_col`` is a team rep (quotas, books, payouts)."""
    team = team_rep_ids(user, reps)
    if team is None:
        return frame
    col = frame.index.to_series(index=frame.index) if rep_col == frame.index.name else frame[rep_col]
    return frame.loc[col.astype(str).isin(team).to_numpy()]


def team_territories(user: User, plan, reps: pd.DataFrame) -> pd.Index | None:
    """Territory ids of ``plan`` owned by a team rep (None: every territory)."""
    team = team_rep_ids(user, reps)
    if team is None:
        return None
    owner = plan.territories["owner_rep_id"].astype(str)
    return plan.territories.index[owner.isin(team).to_numpy()]


def team_account_ids(user: User, reps: pd.DataFrame, accounts: pd.DataFrame | None = None,
                     plans: Iterable = ()) -> pd.Index | None:
    """Accounts the user may see: owned by a team rep in the data, or in a team territory in any of ``plans``."""
    team = team_rep_ids(user, reps)
    if team is None:
        return None
    ids: list = []
    if accounts is not None and "owner_rep_id" in accounts:
        ids.append(accounts.loc[accounts["owner_rep_id"].astype(str).isin(team), "account_id"].astype(str))
    for plan in plans:
        terr = team_territories(user, plan, reps)
        a = plan.assignment
        ids.append(pd.Series(a.index[a.isin(terr).to_numpy()].astype(str)))
    return pd.Index(pd.concat(ids, ignore_index=True).unique() if ids else [], dtype=object)


def scope_accounts(user: User, frame: pd.DataFrame, reps: pd.DataFrame, plans: Iterable = (),
                   id_col: str = "account_id") -> pd.DataFrame:
    """The account rows the user may see (``frame`` is the accounts table or any per-account table)."""
    plans = list(plans)
    allowed = team_account_ids(user, reps, frame if "owner_rep_id" in frame else None, plans)
    if allowed is None:
        return frame
    return frame.loc[frame[id_col].astype(str).isin(allowed).to_numpy()]


def scope_plan(user: User, plan, reps: pd.DataFrame):
    """``plan`` cut to the user's team: their territories and the accounts in them (a Plan; unchanged if unscoped)."""
    terr = team_territories(user, plan, reps)
    if terr is None:
        return plan
    from dataclasses import replace

    a = plan.assignment
    return replace(plan, assignment=a.loc[a.isin(terr).to_numpy()], territories=plan.territories.loc[terr])


def require_team(user: User, reps: pd.DataFrame, manager_id) -> None:
    """Refuse a scoped user who asks for another manager's team."""
    if manager_id is not None and not is_team_rep(user, reps, manager_id):
        raise AccessDenied(f"{user.display} may see only their own team ({user.manager_id}), not {manager_id}'s.")


def require_rep(user: User, reps: pd.DataFrame, rep_id) -> None:
    if not is_team_rep(user, reps, rep_id):
        raise AccessDenied(f"{user.display} may see only their own team's reps; {rep_id} is not in it.")


def require_account(user: User, reps: pd.DataFrame, account_id, accounts: pd.DataFrame | None = None,
                    plans: Iterable = ()) -> None:
    allowed = team_account_ids(user, reps, accounts, plans)
    if allowed is not None and str(account_id) not in set(allowed):
        raise AccessDenied(f"{user.display} may see only their own team's accounts; {account_id} is not one of them.")


def scope_dataset(user: User, ds):
    """The dataset as a scoped user may see it: their team's reps, accounts and history; no company targets and no
    validation report (its rejected rows belong to every team).  For display only: reports that compare plans
    (disruption, compare, quotas) take the full dataset and the user, and cut their output to the team."""
    team = team_rep_ids(user, ds.reps)
    if team is None:
        return ds
    from dataclasses import replace

    reps = ds.reps.loc[ds.reps["rep_id"].astype(str).isin(team)]
    accounts = ds.accounts.loc[ds.accounts["owner_rep_id"].astype(str).isin(team)]
    hist = ds.history.loc[ds.history["rep_id"].astype(str).isin(team)] if len(ds.history) else ds.history
    terr = ds.territories
    if terr is not None and "owner_rep_id" in terr:
        terr = terr.loc[terr["owner_rep_id"].astype(str).isin(team)]
    return replace(ds, name=f"{ds.name} · team {user.manager_id}", accounts=accounts, reps=reps,
                   targets=ds.targets.iloc[0:0], history=hist, territories=terr, report=type(ds.report)())
