"""Descriptive breakdowns of the account base (counts, ARR, potential) by a dimension."""
from __future__ import annotations

import pandas as pd


def breakdown(accounts: pd.DataFrame, reps: pd.DataFrame, by: str = "segment") -> pd.DataFrame:
    """Accounts, customers, ARR, potential, pipeline and workload grouped by segment, region, industry or owner."""
    df = accounts
    key = by
    if by == "owner":  # "Liam Turner (R-010)": two reps with the same name stay two rows
        from planning.reporting.formats import people

        names = people(reps).to_dict() if len(reps) else {}
        df = accounts.assign(owner=[names.get(str(r), str(r)) if pd.notna(r) else "No owner"
                                    for r in accounts["owner_rep_id"]])
    g = df.groupby(key, dropna=False)
    out = pd.DataFrame({
        "accounts": g.size(),
        "customers": g["is_customer"].sum().astype(int) if "is_customer" in df else g["arr_usd"].apply(lambda s: int((s > 0).sum())),
        "arr_usd": g["arr_usd"].sum(),
        "potential_usd": g["potential_usd"].sum(),
        "open_pipeline_usd": g["open_pipeline_usd"].sum(),
        "workload_hours": g["workload_hours"].sum(),
    }).reset_index()
    total = out["arr_usd"].sum()
    out["arr_share"] = out["arr_usd"] / total if total else 0.0
    return out.sort_values("arr_usd", ascending=False).reset_index(drop=True)
