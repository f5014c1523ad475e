"""Holdover: open opportunities on a moved account stay credited to the previous owner for N days.

N is ``PlanningDefaults.holdover_days`` (90 by default, domain.md "During the year"), carried by each change
(:attr:`planning.changes.ChangeSpec.holdover_days`).  The credit passes to the new owner on
``effective date + N days`` (:attr:`ChangeSpec.holdover_ends`); an account with no open pipeline has nothing
to hold over.  The data holds open pipeline per account, so the report is per account.
"""
from __future__ import annotations

import pandas as pd

from planning.changes.spec import ChangeSpec

HOLDOVER_COLUMNS = ["account_id", "name", "from_owner_name", "to_owner_name", "open_pipeline_usd",
                    "credited_until"]


def holdover_report(report_accounts: pd.DataFrame, spec: ChangeSpec) -> pd.DataFrame:
    """The moved accounts whose open pipeline stays with the previous owner, and until when.

    ``report_accounts``: a disruption report's ``accounts`` (planning.plans.DisruptionReport).  ``credited_until``
    is the last day the previous owner holds the credit (the day before :attr:`ChangeSpec.holdover_ends`); with 0
    holdover days nothing is held over."""
    if spec.holdover_days <= 0:
        return pd.DataFrame(columns=HOLDOVER_COLUMNS)
    moved = report_accounts.loc[report_accounts["moved"].astype(bool)
                                & (report_accounts["open_pipeline_usd"].fillna(0.0) > 0)]
    out = moved.assign(credited_until=spec.holdover_ends - pd.Timedelta(days=1))
    return out[HOLDOVER_COLUMNS].sort_values("open_pipeline_usd", ascending=False).reset_index(drop=True)


def holdover_total(table: pd.DataFrame) -> float:
    """Open pipeline held over (USD)."""
    return float(table["open_pipeline_usd"].fillna(0.0).sum()) if len(table) else 0.0
