"""A reason in plain words for every moved account of a carve (planning.plans.carve_report gives the facts).

"moved from A to B: A held 134% of target potential, B 71%; 12 mi from B's
home (was 40 mi from A's)".  The metric quoted is the balanced metric where
the gap between the two territories' books (before the carve) was widest.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.plans.plan import METRIC_LABELS


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
    metrics_ = list(before_share.columns)
    # per-row pandas lookups (.loc, .at, idxmax) took ~5 s for 4,000 moves: work on plain arrays instead
    share = before_share.to_numpy(float) if metrics_ else np.zeros((len(before_share), 0))
    pos = {t: i for i, t in enumerate(before_share.index)}
    labels = terr_label.to_dict()
    forced = why_forced.to_dict()
    cols = {k: moves[k].tolist() for k in ("account_id", "from_territory", "to_territory", "distance_to_mi",
                                           "distance_from_mi", "unit_key", "unit_accounts", "pinned")}
    out = {}
    for aid, a, b, d_to, d_from, ukey, n_acc, pinned in zip(*cols.values()):
        la = labels.get(a, a) if isinstance(a, str) else "no owner"
        lb = labels.get(b, b)
        dist = f"{d_to:,.0f} mi from {lb}'s home" if np.isfinite(d_to) else ""
        if np.isfinite(d_from) and np.isfinite(d_to) and isinstance(a, str):
            dist += f" (was {d_from:,.0f} mi from {la}'s)"
        if pinned:
            text = f"pinned to {lb} by you"
        elif aid in forced:
            text = f"{forced[aid]}; given to {lb}"
        elif metrics_ and a in pos and b in pos:
            diff = share[pos[a]] - share[pos[b]]
            j = int(np.nanargmax(diff)) if not np.isnan(diff).all() else 0
            m = metrics_[j]
            sa, sb = share[pos[a], j], share[pos[b], j]
            word = _metric_word(m)
            if diff[j] > 0.02:
                text = f"moved from {la} to {lb}: {la} held {sa:.0%} of target {word}, {lb} {sb:.0%}"
            else:
                text = f"moved from {la} to {lb}: closer to {lb}'s home, books stay within their bands"
        else:
            text = f"moved from {la} to {lb}"
        if dist:
            text += f"; {dist}"
        if n_acc > 1:
            text += f" (moves together with its unit {ukey.split(' | ', 1)[-1]}, {n_acc} accounts)"
        out[aid] = text
    return pd.Series(out, name="reason", dtype=object)
