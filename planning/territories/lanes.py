"""Lanes: which territories compete for an account before geography is read.

A territory's lane is its segment, narrowed by the industry rule and the employee band the carve gave it
(``CarveSettings.industry_rules`` / ``employee_bands``, stored in ``Plan.settings``).  An account belongs to the
most specific lane of its segment whose rules it meets (industry and band, then industry, then band, then the
plain segment); an account no lane of its segment takes has lane ``""``.  Geography rules are written per lane,
so a healthcare-only territory and a general one may share a state without their rules colliding.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _band(value) -> tuple[float, float] | None:
    if value is None or len(value) != 2:
        return None
    lo, hi = (float("nan") if v is None else float(v) for v in value)
    return (-np.inf if np.isnan(lo) else lo, np.inf if np.isnan(hi) else hi)


def lane_name(segment: str, industries: tuple[str, ...] = (), band: tuple[float, float] | None = None) -> str:
    """'Mid-market', 'Mid-market · Healthcare/Retail', 'Mid-market · 100–500 employees'."""
    out = str(segment)
    if industries:
        out += " · " + "/".join(industries)
    if band is not None:
        lo, hi = band
        if np.isinf(hi):
            out += f" · {lo:,.0f}+ employees"
        elif np.isinf(lo):
            out += f" · up to {hi:,.0f} employees"
        else:
            out += f" · {lo:,.0f}–{hi:,.0f} employees"
    return out


def territory_lanes(territories: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Per territory: segment, industries (tuple), employees_min, employees_max, lane, specificity."""
    ind_rules = settings.get("industry_rules") or {}
    bands = settings.get("employee_bands") or {}
    rows = []
    for tid, t in territories.iterrows():
        inds = tuple(sorted(str(i) for i in ind_rules.get(tid, []) or []))
        band = _band(bands.get(tid))
        seg = "" if pd.isna(t.get("segment")) else str(t.get("segment"))
        rows.append({"territory_id": tid, "segment": seg, "industries": inds,
                     "employees_min": band[0] if band else np.nan, "employees_max": band[1] if band else np.nan,
                     "lane": lane_name(seg, inds, band), "specificity": 2 * bool(inds) + bool(band)})
    return pd.DataFrame(rows, columns=["territory_id", "segment", "industries", "employees_min", "employees_max",
                                       "lane", "specificity"]).set_index("territory_id")


def account_lanes(accounts: pd.DataFrame, lanes: pd.DataFrame) -> pd.Series:
    """The lane of each account (index as ``accounts``); '' where no lane of its segment takes it."""
    out = pd.Series("", index=accounts.index, dtype=object)
    seg = accounts["segment"].astype("string").fillna("")
    ind = accounts["industry"].astype("string").fillna("") if "industry" in accounts else \
        pd.Series("", index=accounts.index, dtype="string")
    emp = pd.to_numeric(accounts["employees"], errors="coerce") if "employees" in accounts else \
        pd.Series(np.nan, index=accounts.index)
    unique = lanes.drop_duplicates("lane").sort_values("specificity", kind="stable")
    # least specific first, so a more specific lane written later wins
    for _, ln in unique.iterrows():
        ok = (seg == ln["segment"]).to_numpy(bool)
        if ln["industries"]:
            ok &= ind.isin(list(ln["industries"])).to_numpy(bool)
        if not np.isnan(ln["employees_min"]):
            ok &= ((emp >= ln["employees_min"]) & (emp <= ln["employees_max"])).to_numpy(bool)
        out[ok] = ln["lane"]
    return out
