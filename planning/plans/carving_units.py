"""Carving units: the pieces the optimizer moves.

A unit is one account (named / Enterprise coverage) or a geographic unit
(a 5-digit ZIP, a 3-digit ZIP prefix, a county or a state) whose accounts always
move together.  An account's county comes from its ``county_fips`` column or, when
blank, from its coordinates (point in polygon, :mod:`planning.data.boundaries`).  Accounts of one parent family are
merged into the same unit so a family is never split.  A family whose accounts sit in more than one geographic
unit of a segment carved by geography goes with the unit of its main place (where most of its accounts are); its
accounts elsewhere ride along (:func:`outlying_family_accounts`) and shape no territory: merged with their own
geographic units they would glue distant counties into one "piece" (a Montana territory holding a Florida county),
and the map would draw it so.  Units never mix segments: segment rules decide which
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


def _families(accounts: pd.DataFrame) -> pd.Series:
    """Per account, its family within its segment: "segment | parent id" (an account naming no parent is its own)."""
    fam = accounts["parent_account_id"].astype("string").fillna(accounts["account_id"].astype(str))
    return accounts["segment"].astype(str) + " | " + fam.astype(str)


def outlying_family_accounts(accounts: pd.DataFrame, place: pd.Series) -> pd.Series:
    """Per account (bool): its parent family has accounts in more than one ``place`` (a per-account geographic key,
    NA where it has none) within its segment, and this one is outside the family's main place (the one with most
    of its accounts; ties: the first key).  The carve puts such an account in its main place's unit and leaves it
    out of the unit graph, and the map leaves it out of the county shapes
    (:func:`planning.plans.shapes.county_owners`): one rule for both, so a territory is one piece in the carve
    exactly when it is on the map."""
    if "parent_account_id" not in accounts or accounts.empty:
        return pd.Series(False, index=accounts.index)
    return _away(place, _main_place(accounts, place))


def _away(place: pd.Series, main: pd.Series) -> pd.Series:
    """Per account: located, and not in its family's ``main`` place (:func:`_main_place`)."""
    return pd.Series(place.to_numpy(), index=main.index).ne(main).fillna(False) & place.notna().to_numpy()


def _main_place(accounts: pd.DataFrame, place: pd.Series) -> pd.Series:
    """Per account, the place where most of its family's located accounts are (NA: none located)."""
    frame = pd.DataFrame({"fam": _families(accounts).to_numpy(), "place": place.to_numpy()}, index=accounts.index)
    counts = frame.dropna().groupby(["fam", "place"]).size().reset_index(name="n")
    main = counts.sort_values(["fam", "n", "place"], ascending=[True, False, True]).drop_duplicates("fam")
    return frame["fam"].map(main.set_index("fam")["place"]).astype("string")


def build_units(accounts: pd.DataFrame, kinds: dict[str, str] | str = "account", keep_families: bool = True) -> Units:
    """Group accounts into carving units (geographic units, then parent families merged)."""
    acc = accounts.reset_index(drop=True)
    n = len(acc)
    keys = unit_keys(acc, kinds)
    if keep_families and "parent_account_id" in acc:
        geo = keys.str.split(" | ", n=1, regex=False).str[1]
        geo = geo.where(~geo.str.startswith("acct ")).astype("string")
        main = _main_place(acc, geo)  # once: the outlying accounts and the key they take both need it
        keys = keys.mask(_away(geo, main), acc["segment"].astype(str) + " | " + main)
    key_codes, _ = pd.factorize(keys)
    # graph nodes: accounts 0..n-1, then one node per unit key, then one per parent family
    n_keys = int(key_codes.max()) + 1 if n else 0
    rows, cols = [np.arange(n)], [n + key_codes]
    n_nodes = n + n_keys
    if keep_families and "parent_account_id" in acc:
        # family = the parent and every account naming it (same segment only)
        fam_codes, _ = pd.factorize(_families(acc))
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
