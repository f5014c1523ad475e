"""CRM changes as one user may see them (reached through :meth:`planning.access.view.ScopedView.crm_changes`).

For an unscoped user this is :func:`planning.plans.detect_changes` on the whole plan, export and data.  For a
manager the inputs are cut first, so nothing of another team is even computed:

* the accounts in scope are the team's: owned by a team rep in the data the plan was made from, in a territory a
  team rep owns in the plan, or owned by a team rep in the new export (an account the CRM moved into the team);
* the plan, the export and the baseline keep those accounts only, so an account of another team that is missing
  from a manager's one-row export is not "deleted" -- it was never theirs to see;
* a rep of another team is named ``(another team)``, and so is a territory of another team (its id names its
  owner), in every column and in the detail text.

A manager may preview their team's changes; applying them needs ``edit_plans`` (:meth:`ScopedView.apply_crm_changes`).
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from planning.access.scope import team_account_ids, team_rep_ids, team_territories
from planning.access.users import User

OTHER_TEAM = "(another team)"


def rejected_ids(export) -> pd.Series:
    """Account ids the export had but rejected on validation (not counted as deleted)."""
    rej = export.rejects
    return rej["account_id"].dropna().astype(str) if "account_id" in rej else pd.Series(dtype=str)


def scoped_changes(user: User, plan, export, ds, *, arr_threshold_usd: float = 0.0):
    """:class:`planning.plans.DataChanges` of ``export`` (a validated newer account export) against ``plan`` and
    the data ``ds`` it was made from, as ``user`` may see them (see module doc)."""
    from planning.plans import detect_changes

    reps, new, base = ds.reps, export.clean, ds.accounts
    team = team_rep_ids(user, reps)
    if team is None:
        return detect_changes(plan, new, base, reps, arr_threshold_usd=arr_threshold_usd,
                              rejected_ids=rejected_ids(export))
    new_ids = new["account_id"].astype(str)
    joined = new_ids[new["owner_rep_id"].astype(str).isin(team).to_numpy()] if "owner_rep_id" in new else new_ids[:0]
    allowed = set(team_account_ids(user, reps, base, [plan])) | set(joined)
    a = plan.assignment
    mine = replace(plan, assignment=a.loc[a.index.astype(str).isin(allowed)])
    masked = reps.assign(name=reps["name"].where(reps["rep_id"].astype(str).isin(team), OTHER_TEAM))
    rej = rejected_ids(export)
    ch = detect_changes(mine, new.loc[new_ids.isin(allowed).to_numpy()],
                        base.loc[base["account_id"].astype(str).isin(allowed).to_numpy()], masked,
                        arr_threshold_usd=arr_threshold_usd, rejected_ids=rej[rej.isin(allowed)])
    df = ch.changes.loc[ch.changes["account_id"].astype(str).isin(allowed)].copy()
    _mask_territories(df, set(team_territories(user, plan, reps)))
    return replace(ch, changes=df.reset_index(drop=True))


def _mask_territories(df: pd.DataFrame, ours: set) -> None:
    """Name another team's territory ``(another team)`` in the territory columns and the detail text."""
    for col in ("plan_territory", "proposed_territory"):
        other = df[col].notna() & ~df[col].isin(ours)
        for i in df.index[other.to_numpy()]:
            df.at[i, "detail"] = str(df.at[i, "detail"]).replace(str(df.at[i, col]), OTHER_TEAM)
        df[col] = df[col].astype(object).where(~other, OTHER_TEAM)


__all__ = ["scoped_changes", "rejected_ids", "OTHER_TEAM"]
