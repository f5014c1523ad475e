"""What a carve starts from, in the planning domain: the territories in the plan (one per quota rep kept, plus
open ones for planned hires) with their homes, and the units that locks and pins fix to one territory."""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data import Settings, capacity_share
from planning.plans.plan import territories_from_reps


def extra_capacity(extra: dict, plan_year: int, settings: Settings) -> float:
    """Capacity share of a planned hire starting in ``start_month`` (1–12) of the plan year."""
    month = int(extra.get("start_month", 1))
    if not 1 <= month <= 12:
        raise ValueError(f"start_month of an extra territory must be 1–12, not {month}")
    rep = pd.DataFrame({"segment": [extra["segment"]], "start_date": [pd.Timestamp(plan_year, month, 1)],
                        "end_date": [pd.NaT]})
    return float(capacity_share(rep, plan_year, settings).iat[0])


def build_territories(reps: pd.DataFrame, excluded_reps, extra_territories, plan_year: int,
                      settings: Settings) -> pd.DataFrame:
    """Territories in the plan: one per quota rep not ``excluded_reps``, plus over-carved open ones
    (``extra_territories``: {segment, region, start_month (1–12), name?, lat?, lon?} each)."""
    terr = territories_from_reps(reps)
    # a rep with no segment (a real upload: the title named none) still gets a territory, in a group of its own;
    # as NaN it broke the string comparisons and np.unique of the segment groups
    terr["segment"] = terr["segment"].astype(object).where(terr["segment"].notna(), "(no segment)").astype(str)
    terr = terr.loc[~terr["owner_rep_id"].isin(excluded_reps)].copy()
    r = reps.set_index("rep_id")
    share = capacity_share(reps, plan_year, settings)
    share.index = reps["rep_id"].to_numpy()
    terr["capacity_share"] = terr["owner_rep_id"].map(share).astype(float)
    terr["home_lat"] = terr["owner_rep_id"].map(r["lat"]).astype(float)
    terr["home_lon"] = terr["owner_rep_id"].map(r["lon"]).astype(float)
    rows = []
    for i, e in enumerate(extra_territories, start=1):
        if e.get("segment") not in settings.segments:
            raise ValueError(f"extra territory {i}: unknown segment {e.get('segment')!r}")
        tid = e.get("territory_id") or f"T-NEW-{i:02d}"
        rows.append({"territory_id": tid, "name": e.get("name") or f"{e['segment']} {e.get('region', '')} – open (new hire)",
                     "region": e.get("region"), "area": e.get("area"), "segment": e["segment"], "owner_rep_id": np.nan,
                     "capacity_share": extra_capacity(e, plan_year, settings),
                     "home_lat": e.get("lat", np.nan), "home_lon": e.get("lon", np.nan)})
    if rows:
        terr = pd.concat([terr, pd.DataFrame(rows).set_index("territory_id")])
    names = r["name"]
    owner = terr["owner_rep_id"]
    terr["label"] = (owner.map(names) + " (" + owner.astype("string") + ")").fillna(terr["name"]).astype(str)
    return terr


def territory_homes(distance_to: str, acc: pd.DataFrame, terr: pd.DataFrame,
                    cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each territory's home (lat, lon): its rep's home, else the centre of its current book, else the centre of its
    segment (and region) accounts; with ``distance_to="centre"`` the book's centre first.  ``cur``: the current
    territory index per account (−1: none)."""
    T = len(terr)
    w = acc["workload_hours"].fillna(0).to_numpy(float) + 1e-6
    lat, lon = acc["lat"].to_numpy(float), acc["lon"].to_numpy(float)
    has = ~(np.isnan(lat) | np.isnan(lon)) & (cur >= 0)
    book_w = np.bincount(cur[has], weights=w[has], minlength=T)
    with np.errstate(invalid="ignore", divide="ignore"):
        book_lat = np.bincount(cur[has], weights=(lat * w)[has], minlength=T) / book_w
        book_lon = np.bincount(cur[has], weights=(lon * w)[has], minlength=T) / book_w
    home_lat, home_lon = terr["home_lat"].to_numpy(float).copy(), terr["home_lon"].to_numpy(float).copy()
    if distance_to == "centre":
        home_lat = np.where(np.isnan(book_lat), home_lat, book_lat)
        home_lon = np.where(np.isnan(book_lon), home_lon, book_lon)
    for i in np.flatnonzero(np.isnan(home_lat) | np.isnan(home_lon)):
        if not np.isnan(book_lat[i]):
            home_lat[i], home_lon[i] = book_lat[i], book_lon[i]
            continue
        same = (acc["segment"] == terr["segment"].iat[i]).to_numpy()
        if isinstance(terr["region"].iat[i], str):
            same = same & (acc["region"] == terr["region"].iat[i]).to_numpy()
        ok = same & ~np.isnan(lat)
        if ok.any():
            home_lat[i], home_lon[i] = np.average(lat[ok], weights=w[ok]), np.average(lon[ok], weights=w[ok])
    return home_lat, home_lon


def fixed_units(respect_locks: bool, pins: dict, acc: pd.DataFrame, ua: np.ndarray, cur: np.ndarray, t_of: dict,
                n_units: int, warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Locks (when ``respect_locks``) and ``pins`` (account_id → territory or rep id) → the fixed territory per unit
    (−1: free; ``ua``: unit per account) and which accounts are pinned; what cannot be honoured is added to
    ``warnings``."""
    fixed = np.full(n_units, -1, dtype=np.int64)
    if respect_locks and "locked" in acc:
        locked = acc["locked"].fillna(False).astype(bool).to_numpy()
        lost = locked & (cur < 0)
        if lost.any():
            warnings.append(f"{int(lost.sum())} locked account(s) have no owner in this plan (owner excluded or "
                            f"not a quota rep); they are treated as unlocked")
        lk = np.flatnonzero(locked & (cur >= 0))
        fixed[ua[lk]] = cur[lk]
    pinned_acc = np.zeros(len(acc), dtype=bool)
    if pins:
        idx = pd.Series(np.arange(len(acc)), index=acc["account_id"].astype(str))
        bad_t = []
        for aid, target in pins.items():
            tid = target if target in t_of else f"T-{target}"
            if str(aid) not in idx.index:
                warnings.append(f"pin ignored: unknown account {aid}")
                continue
            if tid not in t_of:
                bad_t.append(str(target))
                continue
            i = idx[str(aid)]
            fixed[ua[i]] = t_of[tid]
            pinned_acc[i] = True
        if bad_t:
            warnings.append(f"pin(s) to unknown or excluded territory ignored: {', '.join(sorted(set(bad_t))[:5])}")
    return fixed, pinned_acc
