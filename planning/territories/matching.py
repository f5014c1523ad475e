"""Matching accounts against territory definitions, in the documented precedence (named account → most specific
geography → segment default; see :mod:`planning.territories.definitions`).  Vectorised: one dictionary look-up
per level, so 10,000 accounts match in milliseconds."""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.territories.definitions import DEFAULT_LEVEL, TerritoryDefinitions
from planning.territories.keys import LEVELS, geography_keys
from planning.territories.lanes import account_lanes

_SEP = "\x1f"


def _rule_index(defs: TerritoryDefinitions) -> pd.Series:
    r = defs.rules
    return pd.Series(r["territory_id"].to_numpy(),
                     index=(r["lane"].astype(str) + _SEP + r["level"].astype(str) + _SEP + r["value"].astype(str)))


def match_rules(defs: TerritoryDefinitions, keys: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``keys`` (geography keys of :func:`geography_keys` plus ``lane``): the territory the geography
    and segment rules give, the level and the value that matched (NaN where nothing matches)."""
    index = _rule_index(defs)
    terr = pd.Series(np.nan, index=keys.index, dtype=object)
    level = pd.Series(np.nan, index=keys.index, dtype=object)
    value = pd.Series(np.nan, index=keys.index, dtype=object)
    lane = keys["lane"].astype(str)
    for lv in (*LEVELS, DEFAULT_LEVEL):
        todo = terr.isna().to_numpy()
        if not todo.any():
            break
        v = keys.loc[todo, lv].astype(str) if lv != DEFAULT_LEVEL else pd.Series("*", index=keys.index[todo])
        hit = (lane[todo] + _SEP + lv + _SEP + v).map(index)
        ok = hit.notna() & (v != "")
        rows = hit.index[ok.to_numpy()]
        terr[rows] = hit[ok]
        level[rows] = lv
        value[rows] = v[ok]
    return pd.DataFrame({"territory_id": terr, "level": level, "value": value})


def match_accounts(defs: TerritoryDefinitions, accounts: pd.DataFrame) -> pd.DataFrame:
    """Per account (index account_id): lane, segment, the geography keys, ``rule_territory_id`` / ``level`` /
    ``value`` by the rules, and ``territory_id`` / ``matched_by`` after the named accounts (``matched_by``:
    'named', a level of LEVELS, 'segment', or NaN where nothing matched)."""
    acc = accounts.assign(account_id=accounts["account_id"].astype(str)).drop_duplicates("account_id", keep="last")
    acc = acc.set_index("account_id", drop=False)
    keys = geography_keys(acc, with_county=defs.uses_counties)
    lanes = defs.territories[["segment", "industries", "employees_min", "employees_max", "lane", "specificity"]]
    keys["lane"] = account_lanes(acc, lanes)
    keys["segment"] = acc["segment"].astype("string").fillna("").to_numpy()
    m = match_rules(defs, keys)
    out = keys.join(m.rename(columns={"territory_id": "rule_territory_id"}))
    named = defs.named.set_index(defs.named["account_id"].astype(str))["territory_id"]
    by_name = out.index.to_series().map(named)
    out["territory_id"] = by_name.where(by_name.notna(), out["rule_territory_id"])
    out["matched_by"] = np.where(by_name.notna(), "named", out["level"].astype(object))
    out.loc[out["territory_id"].isna(), "matched_by"] = np.nan
    return out
