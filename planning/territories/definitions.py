"""Territory definitions: the rules a published plan keeps assigning by, derived from the plan itself.

Per territory a definition holds

* its **lane**: the segment, narrowed by the industry rule and employee band where the carve used them
  (:mod:`planning.territories.lanes`);
* its **geography**, in the carve's units for the segment (``Plan.settings["units"]``: ZIP, ZIP3, county, state):
  each unit goes to the territory holding most of the segment's accounts in it.  A segment carved account by
  account gets, per account, the coarsest unit that is *pure* (every account of the lane in it sits in one
  territory): a whole state where the state is pure, else a ZIP3 prefix where that is pure, else the 5-digit ZIP,
  which goes to its majority territory.  The pieces never overlap, so the rules reproduce the plan as far as
  geography can.  Non-US accounts are ruled by country;
* **named accounts**: the plan's accounts that their geography would send elsewhere (a pin, a lock, a parent
  family kept together, or a balance move), each with that reason.

A lane with one territory needs no geography: its **segment default** takes every account of the lane.

**Precedence** (routing, :mod:`planning.territories.routing`): a named account first; then the most specific
geography rule the account matches, ZIP → ZIP3 → county → state → country (:data:`planning.territories.keys.LEVELS`);
then the segment default.  An account nothing matches goes to the nearest eligible territory with room and is
flagged.  With every named account kept, the rules re-route the plan's own accounts to the plan's own territories
(:func:`agreement`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.plans.plan import Plan
from planning.territories.keys import LEVELS, geography_keys
from planning.territories.lanes import account_lanes, territory_lanes

GEO_UNITS = ("zip", "zip3", "county", "state")
ACCOUNT_LEVELS = ("state", "zip3", "zip")  # an account-by-account carve: coarsest pure unit first
DEFAULT_LEVEL = "segment"
RULE_COLUMNS = ["lane", "segment", "level", "value", "territory_id", "state", "accounts"]
NAMED_COLUMNS = ["account_id", "territory_id", "reason", "rule_territory_id"]
NAMED_REASONS = ("pinned", "locked", "parent family", "balance move", "no geography")


@dataclass
class TerritoryDefinitions:
    """The rules of one plan (see module doc).  ``rules``: one row per (lane, level, value) → territory_id;
    ``named``: the named-account exceptions; ``territories``: the plan's territories with their lane."""

    plan_name: str
    territories: pd.DataFrame  # index territory_id: name, region, area, segment, owner_rep_id, lane, industries, …
    rules: pd.DataFrame  # RULE_COLUMNS
    named: pd.DataFrame  # NAMED_COLUMNS
    units: dict[str, str] = field(default_factory=dict)  # segment → unit kind the rules use ('account' = mixed)

    @property
    def uses_counties(self) -> bool:
        return bool((self.rules["level"] == "county").any())

    def lookup(self) -> dict[tuple[str, str, str], str]:
        """(lane, level, value) → territory_id, for routing."""
        r = self.rules
        return dict(zip(zip(r["lane"], r["level"], r["value"]), r["territory_id"]))


def _keys_frame(plan: Plan, accounts: pd.DataFrame, lanes: pd.DataFrame, with_county: bool) -> pd.DataFrame:
    acc = accounts.drop_duplicates("account_id").copy()
    acc["account_id"] = acc["account_id"].astype(str)
    acc = acc.set_index("account_id", drop=False)
    frame = geography_keys(acc, with_county=with_county)
    frame["lane"] = account_lanes(acc, lanes)
    frame["segment"] = acc["segment"].astype("string").fillna("").to_numpy()
    frame["territory_id"] = plan.assignment.reindex(acc.index).to_numpy()
    return frame


def _majority(g: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per key value: the territory holding most accounts (ties: the lowest territory id) and the count."""
    counts = g.groupby([key, "territory_id"]).size().rename("n").reset_index()
    counts = counts.sort_values([key, "n", "territory_id"], ascending=[True, False, True], kind="stable")
    top = counts.drop_duplicates(key).set_index(key)
    top["accounts"] = g.groupby(key).size()
    return top


def _hierarchical(frame: pd.DataFrame, levels: tuple[str, ...]) -> tuple[list[pd.DataFrame], pd.Index]:
    """Rules for ``frame`` (one lane) over ``levels`` (coarse → fine; the last by majority) and the accounts
    the rules send elsewhere (the named exceptions)."""
    rules, remaining = [], frame
    for i, level in enumerate(levels):
        has = remaining.loc[remaining[level] != ""]
        if has.empty:
            continue
        last = i == len(levels) - 1
        if last:
            top = _majority(has, level)
        else:
            n_terr = has.groupby(level)["territory_id"].nunique()
            pure = n_terr.index[n_terr == 1]
            top = _majority(has.loc[has[level].isin(pure)], level) if len(pure) else None
        if top is not None and len(top):
            state = has.groupby(level)["state"].first()  # the state a unit lies in (a ZIP3 rarely spans two)
            rules.append(pd.DataFrame({"level": level, "value": top.index.astype(str),
                                       "territory_id": top["territory_id"].to_numpy(),
                                       "state": state.reindex(top.index).to_numpy(),
                                       "accounts": top["accounts"].to_numpy()}))
            covered = remaining[level].isin(top.index) & (remaining[level] != "")
            if last:
                ruled = remaining.loc[covered, level].map(top["territory_id"])
                wrong = ruled.index[ruled.to_numpy() != remaining.loc[covered, "territory_id"].to_numpy()]
                return rules, wrong.append(remaining.index[~covered])
            remaining = remaining.loc[~covered]
    return rules, remaining.index


def _lane_rules(frame: pd.DataFrame, unit: str, n_territories: int, only_territory: str | None):
    """Rules and exceptions for one lane's assigned accounts."""
    if n_territories == 1 and only_territory is not None:
        rules = [pd.DataFrame({"level": [DEFAULT_LEVEL], "value": ["*"], "territory_id": [only_territory],
                               "state": [""], "accounts": [len(frame)]})]
        return rules, frame.index[frame["territory_id"].astype(str) != only_territory]
    us = frame["country"] == ""
    rules, named = [], pd.Index([])
    if unit in GEO_UNITS:
        r, rest = _hierarchical(frame.loc[us & (frame[unit] != "")], (unit,))
        rules += r
        named = named.append(rest)
        us_rest = frame.loc[us & (frame[unit] == "")]
    else:
        us_rest = frame.loc[us]
    r, rest = _hierarchical(us_rest, ACCOUNT_LEVELS)
    rules += r
    r2, rest2 = _hierarchical(frame.loc[~us], ("country",))
    return rules + r2, named.append(rest).append(rest2)


def _reasons(ids: pd.Index, accounts: pd.DataFrame, settings: dict) -> pd.Series:
    """Why an account sits against its geography: pinned, locked, parent family, else a balance move."""
    acc = accounts.assign(account_id=accounts["account_id"].astype(str)).drop_duplicates("account_id")
    acc = acc.set_index("account_id").reindex(ids)
    pins = set(map(str, (settings.get("pins") or {}).keys()))
    locked = acc["locked"].fillna(False).astype(bool) if "locked" in acc else pd.Series(False, index=ids)
    parents = set(accounts["parent_account_id"].dropna().astype(str)) if "parent_account_id" in accounts else set()
    family = (acc["parent_account_id"].notna() if "parent_account_id" in acc else pd.Series(False, index=ids)) \
        | ids.isin(list(parents))
    return pd.Series(np.select([ids.isin(list(pins)), locked.to_numpy(bool), np.asarray(family, bool)],
                               ["pinned", "locked", "parent family"], default="balance move"), index=ids)


def derive_definitions(plan: Plan, accounts: pd.DataFrame) -> TerritoryDefinitions:
    """The definitions of ``plan`` on the accounts it was made from (see module doc)."""
    settings = plan.settings or {}
    lanes = territory_lanes(plan.territories, settings)
    units = {str(k): str(v) for k, v in (settings.get("units") or {}).items()}
    frame = _keys_frame(plan, accounts, lanes, with_county="county" in units.values())
    frame = frame.loc[frame["territory_id"].notna()]
    frame["territory_id"] = frame["territory_id"].astype(str)
    rule_parts, named_ids = [], pd.Index([])
    for lane, ln in lanes.groupby("lane"):
        seg = ln["segment"].iat[0]
        own = frame.loc[frame["lane"] == lane]
        only = str(ln.index[0]) if len(ln) == 1 else None
        rules, named = _lane_rules(own, units.get(seg, "account"), len(ln), only)
        for r in rules:
            rule_parts.append(r.assign(lane=lane, segment=seg))
        named_ids = named_ids.append(named)
    # accounts whose own lane has no territory (a pin across segments): named by construction
    named_ids = named_ids.append(frame.index[~frame["lane"].isin(set(lanes["lane"]))])
    rules = pd.concat(rule_parts, ignore_index=True) if rule_parts else pd.DataFrame(columns=RULE_COLUMNS)
    rules = rules.reindex(columns=RULE_COLUMNS)
    named_ids = pd.Index(pd.unique(named_ids.astype(str)))
    reasons = _reasons(named_ids, accounts, settings)
    nogeo = frame.reindex(named_ids)[list(LEVELS)].eq("").all(axis=1).to_numpy()
    reasons[nogeo & (reasons == "balance move").to_numpy()] = "no geography"
    # the lanes' segment, not the plan's: blank (never NA) for a territory without one (an upload without segments)
    territories = plan.territories.drop(columns="segment", errors="ignore").join(lanes)
    defs = TerritoryDefinitions(plan.name, territories, rules,
                                pd.DataFrame(columns=NAMED_COLUMNS), units)
    from planning.territories.matching import match_rules

    by_rule = match_rules(defs, frame.reindex(named_ids))["territory_id"]
    defs.named = pd.DataFrame({"account_id": named_ids, "territory_id": frame.loc[named_ids, "territory_id"].to_numpy(),
                               "reason": reasons.to_numpy(), "rule_territory_id": by_rule.to_numpy()},
                              columns=NAMED_COLUMNS)
    return defs


def agreement(defs: TerritoryDefinitions, plan: Plan, accounts: pd.DataFrame) -> dict[str, float]:
    """Share of the plan's assigned accounts the rules send to their own territory: by the geography and segment
    rules alone, and with the named accounts (1.0 when the exceptions are complete)."""
    from planning.territories.matching import match_accounts

    m = match_accounts(defs, accounts)
    own = plan.assignment.reindex(m.index)
    has = own.notna().to_numpy()
    if not has.any():
        return {"accounts": 0, "by_rules": float("nan"), "with_named": float("nan")}
    geo = (m["rule_territory_id"].to_numpy() == own.to_numpy())[has]
    full = (m["territory_id"].to_numpy() == own.to_numpy())[has]
    return {"accounts": int(has.sum()), "by_rules": float(geo.mean()), "with_named": float(full.mean())}
