"""A reason in plain words for every moved account.

"moved from A to B: A held 134% of target potential, B 71%; 12 mi from B's
home (was 40 mi from A's)".  The metric quoted is the balanced metric where
the gap between the two territories' books (before the carve) was widest.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.plans import METRIC_LABELS


def _metric_word(metric: str) -> str:
    return {"potential_usd": "potential", "arr_usd": "ARR", "workload_hours": "workload",
            "accounts": "accounts"}.get(metric, METRIC_LABELS.get(metric, metric))


def move_reasons(moves: pd.DataFrame, before_share: pd.DataFrame, terr_label: pd.Series,
                 why_forced: pd.Series) -> pd.Series:
    """Reason per moved account.

    ``moves``: account_id, from_territory, to_territory, distance_to_mi, distance_from_mi, unit_key, unit_accounts,
    pinned (bool).  ``before_share``: territory × metric, book before the carve ÷ target (1.0 = on target).
    ``why_forced``: account_id → text for accounts that had to move (owner excluded, no owner, rules).
    """
    out = {}
    metrics_ = list(before_share.columns)
    for r in moves.itertuples(index=False):
        a, b = r.from_territory, r.to_territory
        la = terr_label.get(a, a) if isinstance(a, str) else "no owner"
        lb = terr_label.get(b, b)
        dist = f"{r.distance_to_mi:,.0f} mi from {lb}'s home" if np.isfinite(r.distance_to_mi) else ""
        if np.isfinite(r.distance_from_mi) and np.isfinite(r.distance_to_mi) and isinstance(a, str):
            dist += f" (was {r.distance_from_mi:,.0f} mi from {la}'s)"
        if r.pinned:
            text = f"pinned to {lb} by you"
        elif r.account_id in why_forced.index:
            text = f"{why_forced[r.account_id]}; given to {lb}"
        elif metrics_ and a in before_share.index and b in before_share.index:
            diff = (before_share.loc[a] - before_share.loc[b]).astype(float)
            m = diff.idxmax() if diff.notna().any() else metrics_[0]
            sa, sb = before_share.at[a, m], before_share.at[b, m]
            word = _metric_word(m)
            if diff[m] > 0.02:
                text = f"moved from {la} to {lb}: {la} held {sa:.0%} of target {word}, {lb} {sb:.0%}"
            else:
                text = f"moved from {la} to {lb}: closer to {lb}'s home, books stay within their bands"
        else:
            text = f"moved from {la} to {lb}"
        if dist:
            text += f"; {dist}"
        if r.unit_accounts > 1:
            text += f" (moves together with its unit {r.unit_key.split(' | ', 1)[-1]}, {r.unit_accounts} accounts)"
        out[r.account_id] = text
    return pd.Series(out, name="reason", dtype=object)
