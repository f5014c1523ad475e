"""Geography keys of accounts, the units territory rules are written in.

Each account gets one key per level (empty string where it has none):

* ``zip``     the 5-digit US ZIP (``postal_code``), e.g. ``30303``
* ``zip3``    its 3-digit prefix, e.g. ``303``
* ``county``  the county FIPS (``county_fips`` or placed from lat/lon; only computed when a rule uses counties,
  since placing points loads the county shapes)
* ``state``   the US state code
* ``country`` the ISO country of a non-US account (a US account's country key is empty: US accounts are ruled by
  their US geography)

Levels run from most to least specific in :data:`LEVELS`; that order is the routing precedence among geography
rules (planning.territories.definitions).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ("zip", "zip3", "county", "state", "country")  # most specific first
US = "US"


def is_us(accounts: pd.DataFrame) -> pd.Series:
    """True for a US account (blank country means the US, as in the accounts schema)."""
    if "country" not in accounts:
        return pd.Series(True, index=accounts.index)
    c = accounts["country"].astype("string").fillna("").str.strip().str.upper()
    return c.isin(["", US, "USA", "UNITED STATES"]).astype(bool)


def geography_keys(accounts: pd.DataFrame, with_county: bool = False) -> pd.DataFrame:
    """One column per level of :data:`LEVELS` (strings, '' where the account has no value at that level)."""
    us = is_us(accounts).to_numpy()
    postal = accounts["postal_code"].astype("string").fillna("").str.strip() if "postal_code" in accounts else \
        pd.Series("", index=accounts.index, dtype="string")
    zip5 = postal.str.extract(r"^(\d{5})", expand=False).fillna("")
    state = accounts["state"].astype("string").fillna("").str.strip().str.upper() if "state" in accounts else \
        pd.Series("", index=accounts.index, dtype="string")
    country = accounts["country"].astype("string").fillna("").str.strip().str.upper() if "country" in accounts else \
        pd.Series("", index=accounts.index, dtype="string")
    county = pd.Series("", index=accounts.index, dtype="string")
    if with_county and us.any():
        from planning.data.boundaries import account_counties  # lazy: loads the county shapes

        county = account_counties(accounts).fillna("")
        county.index = accounts.index
    out = pd.DataFrame({
        "zip": np.where(us, zip5, ""),
        "zip3": np.where(us, zip5.str[:3], ""),
        "county": np.where(us, county, ""),
        "state": np.where(us, state, ""),
        "country": np.where(us, "", country),
    }, index=accounts.index)
    return out.astype(object)
