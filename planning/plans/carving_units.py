"""Carving units: the pieces the optimizer moves.

A unit is one account (named / Enterprise coverage) or a geographic unit
(a 5-digit ZIP, a 3-digit ZIP prefix, a county or a state) whose accounts always
move together.  An account's county comes from its ``county_fips`` column or, when
blank, from its coordinates (point in polygon, :mod:`planning.data.boundaries`).  Accounts of one parent family are merged into the same unit so a
family is never split.  Units never mix segments: segment rules decide which
territories may take a unit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planning.data.defaults import CARVE_BY

UNIT_KINDS = CARVE_BY  # the company settings' carve-by choices (planning.data.defaults)
UNIT_LABELS = {"account": "individual accounts", "zip": "5-digit ZIP", "zip3": "3-digit ZIP prefix", "county": "county",
               "state": "state"}


def unit_keys(accounts: pd.DataFrame, kinds: dict[str, str] | str = "account") -> pd.Series:
    """Unit key per account (before parent families are merged).

    ``kinds`` is one unit kind for every segment or a ``{segment: kind}`` dict
    (segments not named carve individual accounts).
    """
    seg = accounts["segment"].astype(str)
    if isinstance(kinds, str):
        kinds = dict.fromkeys(seg.unique(), kinds)
    unknown = set(kinds.values()) - set(UNIT_KINDS)
    if unknown:
        raise ValueError(f"unknown carving unit(s): {', '.join(sorted(unknown))} (known: {', '.join(UNIT_KINDS)})")
    kind = seg.map(kinds).fillna("account")
    zip5 = accounts["postal_code"].astype("string").fillna("")
    state = accounts["state"].astype("string").fillna("")
    acc_id = accounts["account_id"].astype(str)
    county = pd.Series("", index=accounts.index, dtype="string")
    if kind.eq("county").any():
        from planning.data.boundaries import account_counties  # lazy: loads the county shapes

        county = account_counties(accounts).fillna("")
        county.index = accounts.index
    geo = np.select(
        [kind.eq("zip") & zip5.ne(""), kind.eq("zip3") & zip5.ne(""), kind.eq("county") & county.ne(""),
         kind.eq("state") & state.ne("")],
        ["zip " + zip5, "zip3 " + zip5.str[:3], "county " + county, "state " + state],
        default="acct " + acc_id,
    )
    return pd.Series(seg.to_numpy() + " | " + geo, index=accounts.index, name="unit_key")


@dataclass
class Units:
    """Accounts grouped into units.  ``of_account[i]`` is the unit index of account row i."""

    of_account: np.ndarray  # int, one per account row
    frame: pd.DataFrame  # one row per unit: key, segment, region, industry (first), employees_min/max, lat, lon, accounts

    def __len__(self) -> int:
        return len(self.frame)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per-unit sum of a per-account array."""
        return np.bincount(self.of_account, weights=np.asarray(values, dtype=float), minlength=len(self))


def build_units(accounts: pd.DataFrame, kinds: dict[str, str] | str = "account", keep_families: bool = True) -> Units:
    """Group accounts into carving units (geographic units, then parent families merged)."""
    acc = accounts.reset_index(drop=True)
    n = len(acc)
    keys = unit_keys(acc, kinds)
    key_codes, _ = pd.factorize(keys)
    # graph nodes: accounts 0..n-1, then one node per unit key, then one per parent family
    n_keys = int(key_codes.max()) + 1 if n else 0
    rows, cols = [np.arange(n)], [n + key_codes]
    n_nodes = n + n_keys
    if keep_families and "parent_account_id" in acc:
        # family = the parent and every account naming it (same segment only)
        fam = acc["parent_account_id"].astype("string").fillna(acc["account_id"].astype(str))
        fam_key = acc["segment"].astype(str) + " | " + fam.astype(str)
        fam_codes, _ = pd.factorize(fam_key)
        rows.append(np.arange(n))
        cols.append(n_nodes + fam_codes)
        n_nodes += int(fam_codes.max()) + 1 if n else 0
    r, c = np.concatenate(rows), np.concatenate(cols)
    g = coo_matrix((np.ones(len(r)), (r, c)), shape=(n_nodes, n_nodes))
    _, comp = connected_components(g, directed=False)
    of_account, _ = pd.factorize(comp[:n])
    of_account = of_account.astype(np.int64)
    w = acc["workload_hours"].fillna(0).to_numpy(float) + 1e-6
    lat, lon = acc["lat"].to_numpy(float), acc["lon"].to_numpy(float)
    has = ~(np.isnan(lat) | np.isnan(lon))
    m = len(np.unique(of_account)) if n else 0
    wsum = np.bincount(of_account, weights=w * has, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        ulat = np.bincount(of_account, weights=np.where(has, lat * w, 0), minlength=m) / wsum
        ulon = np.bincount(of_account, weights=np.where(has, lon * w, 0), minlength=m) / wsum
    by = pd.Series(of_account, index=acc.index)
    emp = acc["employees"] if "employees" in acc else pd.Series(np.nan, index=acc.index)
    first = acc[["segment", "region", "industry"]].groupby(by).first()
    frame = pd.DataFrame({
        "key": keys.groupby(by).first(),
        "segment": first["segment"],
        "region": first["region"],
        "industry": first["industry"],
        "employees_min": emp.groupby(by).min(),
        "employees_max": emp.groupby(by).max(),
        "accounts": by.groupby(by).size(),
        "lat": ulat,
        "lon": ulon,
    })
    frame.index.name = "unit"
    return Units(of_account=of_account, frame=frame)


def county_joins(accounts: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of county FIPS held together by one parent family (accounts of one parent in one segment stay in one
    unit, :func:`build_units`): the map counts such counties as one piece, as the carve does."""
    if "parent_account_id" not in accounts or accounts.empty:
        return []
    from planning.data.boundaries import account_counties

    fam = accounts["parent_account_id"].astype("string").fillna(accounts["account_id"].astype(str))
    frame = pd.DataFrame({"fam": (accounts["segment"].astype(str) + " | " + fam.astype(str)).to_numpy(),
                          "fips": account_counties(accounts).to_numpy()}).dropna().drop_duplicates()
    out = []
    for _, f in frame.groupby("fam")["fips"]:
        if len(f) > 1:
            v = f.astype(str).to_numpy()
            out.extend(zip(v[:-1], v[1:]))
    return out
