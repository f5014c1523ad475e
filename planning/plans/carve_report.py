"""What a carve's plan changes, as facts for its report: every moved account (from, to, distances, ARR) with its
reason in words (:mod:`planning.plans.move_reasons`), and the balance per metric before and after."""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data import haversine_mi
from planning.plans.move_reasons import move_reasons


def moves_with_reasons(ctx: dict, metric_names: list[str], acc_t: np.ndarray, before: pd.DataFrame, stats: dict):
    """One row per moved account (from, to, distances, ARR) with its reason in words; the counts in ``stats``.
    ``ctx``: the carve's accounts, territories, units, current territory and pinned flag per account, eligibility;
    ``acc_t``: the new territory index per account; ``before``: the books before, with ``target_<metric>``."""
    acc, terr, units, cur = ctx["acc"], ctx["terr"], ctx["units"], ctx["cur"]
    tids = np.array(terr.index)
    idx = np.flatnonzero(acc_t != cur)
    lat, lon = acc["lat"].to_numpy(float), acc["lon"].to_numpy(float)
    hl, hn = terr["home_lat"].to_numpy(float), terr["home_lon"].to_numpy(float)
    d_to = haversine_mi(lat[idx], lon[idx], hl[acc_t[idx]], hn[acc_t[idx]])
    cf = np.maximum(cur[idx], 0)
    d_from = np.where(cur[idx] >= 0, haversine_mi(lat[idx], lon[idx], hl[cf], hn[cf]), np.nan)
    ukey = units.frame["key"].to_numpy()[units.of_account[idx]]
    ukey = np.where(np.char.find(ukey.astype(str), "| acct ") >= 0, "| parent family", ukey)
    moves = pd.DataFrame({
        "account_id": acc["account_id"].astype(str).to_numpy()[idx],
        "account_name": acc["name"].to_numpy()[idx],
        "segment": acc["segment"].to_numpy()[idx],
        "from_territory": np.where(cur[idx] >= 0, tids[cf], None),
        "to_territory": tids[acc_t[idx]],
        "from_owner": acc["owner_rep_id"].to_numpy()[idx],
        "to_owner": terr["owner_rep_id"].to_numpy()[acc_t[idx]],
        "arr_usd": acc["arr_usd"].to_numpy()[idx],
        "potential_usd": acc["potential_usd"].to_numpy()[idx],
        "distance_to_mi": d_to, "distance_from_mi": d_from,
        "unit_key": ukey, "unit_accounts": units.frame["accounts"].to_numpy()[units.of_account[idx]],
        "pinned": ctx["pinned_acc"][idx],
    })
    share_before = pd.DataFrame({m: before[m] / before[f"target_{m}"].replace(0, np.nan) for m in metric_names})
    forced = {}
    owners = acc["owner_rep_id"].to_numpy()[idx]
    for a, o, c0 in zip(moves["account_id"], owners, cur[idx]):
        if c0 < 0:
            forced[a] = (f"owner {o} is not in this plan (excluded or not a quota rep)" if isinstance(o, str)
                         else "had no owner")
    elig = ctx["elig"]
    u_idx = units.of_account[idx]
    ineligible = (cur[idx] >= 0) & ~elig[u_idx, cf]
    for a, bad in zip(moves["account_id"], ineligible):
        if bad and a not in forced:
            forced[a] = "the rules no longer allow its current territory"
    reasons = move_reasons(moves, share_before, terr["label"], pd.Series(forced, dtype=object))
    moves["reason"] = moves["account_id"].map(reasons)
    moves = moves.drop(columns=["unit_key", "unit_accounts"])
    stats["moves"] = int(len(moves))
    stats["moves_counted"] = int(((cur[idx] >= 0) & ~ctx["pinned_acc"][idx]).sum())
    stats["arr_moved_counted"] = float(moves.loc[(cur[idx] >= 0) & ~ctx["pinned_acc"][idx], "arr_usd"].sum())
    stats["total_distance_mi"] = float(np.nansum(haversine_mi(lat, lon, hl[acc_t], hn[acc_t])))
    return moves, reasons


def balance_rows(bands: dict[str, float], target: np.ndarray, before: pd.DataFrame, after: pd.DataFrame,
                 tids) -> pd.DataFrame:
    """Balance per metric (``bands``: metric → band, in the order of ``target``'s columns) before and after,
    measured against the carve's own targets: worst deviation and the largest-to-smallest book ratio within a
    segment."""
    rows = []
    for m, metric in enumerate(bands):
        tgt = pd.Series(target[:, m], index=tids)
        active = tgt > 0
        dev_b = (before[metric] / tgt - 1).abs()[active]
        dev_a = (after[metric] / tgt - 1).abs()[active]
        rows.append({"metric": metric, "band": bands[metric], "worst_dev_before": float(dev_b.max()),
                     "worst_dev_after": float(dev_a.max()),
                     "max_min_before": float(_max_min((before[metric] / tgt)[active], after["segment"][active])),
                     "max_min_after": float(_max_min((after[metric] / tgt)[active], after["segment"][active]))})
    return pd.DataFrame(rows)


def _max_min(values: pd.Series, groups: pd.Series) -> float:
    """Worst best/worst ratio across comparable groups (segments)."""
    out = 1.0
    for _, v in values.groupby(groups):
        if len(v) > 1:
            out = max(out, v.max() / v.min() if v.min() > 0 else np.inf)
    return out
