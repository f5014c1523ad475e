"""Territory definitions in words a manager reads, and as a table of rule rows.

"Mid-market West – Dana Morgan: Mid-market accounts in 41 counties of CA and NV, plus 6 named accounts"
"""
from __future__ import annotations

import pandas as pd

from planning.reporting.formats import people, person
from planning.territories.definitions import DEFAULT_LEVEL, TerritoryDefinitions

LEVEL_WORDS = {"zip": ("ZIP code", "ZIP codes"), "zip3": ("ZIP3 area", "ZIP3 areas"), "county": ("county", "counties"),
               "state": ("state", "states"), "country": ("country", "countries"), DEFAULT_LEVEL: ("segment", "segment")}
LIST_AT_MOST = 3  # name the places when there are this few, else count them


def _and(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _states(values) -> str:
    s = sorted({str(v) for v in values if isinstance(v, str) and v})
    return _and(s) if len(s) <= LIST_AT_MOST else f"{len(s)} states"


def _place(level: str, rows: pd.DataFrame) -> str:
    one, many = LEVEL_WORDS[level]
    n = len(rows)
    if level in ("state", "country"):
        names = sorted(rows["value"].astype(str))
        return (_and(names) if n <= LIST_AT_MOST else f"{n} {many} ({', '.join(names[:LIST_AT_MOST])}, …)") \
            if level == "state" else f"{'countries' if n > 1 else 'country'} {_and(names)}"
    where = _states(rows["state"])
    return f"{n} {one if n == 1 else many}" + (f" of {where}" if where else "")


def definition_sentence(territory: pd.Series, rules: pd.DataFrame, n_named: int) -> str:
    """One territory's definition (``territory``: a row of ``defs.territories``; ``rules``: its rule rows)."""
    lane = str(territory.get("lane") or territory.get("segment") or "")
    head = str(territory.get("name") or territory.name)
    lane_ = f"{lane} " if lane else ""  # a territory with no segment (an upload without one) reads without it
    if (rules["level"] == DEFAULT_LEVEL).any():
        body = f"every {lane_}account"
    elif rules.empty:
        body = f"no {lane_}geography of its own"
    else:
        parts = [_place(lv, rules.loc[rules["level"] == lv]) for lv in ("country", "state", "county", "zip3", "zip")
                 if (rules["level"] == lv).any()]
        body = f"{lane_}accounts in {_and(parts)}"
    tail = f", plus {n_named} named account{'s' if n_named != 1 else ''}" if n_named else ""
    return f"{head}: {body}{tail}"


def describe(defs: TerritoryDefinitions, reps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per territory: territory_id, name, segment (the lane), owner ("Name (R-010)"), the sentence, rule and
    named-account counts and the plan accounts its rules cover."""
    names = people(reps) if reps is not None and len(reps) else pd.Series(dtype=object)
    by_terr = dict(tuple(defs.rules.groupby("territory_id")))
    named = defs.named["territory_id"].value_counts()
    rows = []
    for tid, t in defs.territories.iterrows():
        r = by_terr.get(tid, defs.rules.iloc[0:0])
        owner = t.get("owner_rep_id")
        rows.append({"territory_id": tid, "name": t.get("name"), "segment": t.get("lane"),
                     "owner": names.get(owner, person(None, owner)) if isinstance(owner, str) else person(None, None),
                     "definition": definition_sentence(t, r, int(named.get(tid, 0))),
                     "rules": len(r), "named_accounts": int(named.get(tid, 0)),
                     "accounts": int(r["accounts"].sum()) if len(r) else 0})
    return pd.DataFrame(rows)


def rule_rows(defs: TerritoryDefinitions) -> pd.DataFrame:
    """The rules as rows a person reads: territory, lane, level in words, value, state, plan accounts; then the
    named accounts (level 'named account', value the account id, with the reason)."""
    r = defs.rules
    geo = pd.DataFrame({"territory_id": r["territory_id"], "segment": r["lane"],
                        "rule_level": r["level"].map(lambda v: LEVEL_WORDS[v][0]), "rule_value": r["value"],
                        "state": r["state"], "accounts": r["accounts"], "reason": ""})
    n = defs.named
    named = pd.DataFrame({"territory_id": n["territory_id"], "segment": n["territory_id"].map(defs.territories["lane"]),
                          "rule_level": "named account", "rule_value": n["account_id"], "state": "",
                          "accounts": 1, "reason": n["reason"]})
    out = pd.concat([named, geo], ignore_index=True) if len(named) else geo
    return out.sort_values(["territory_id"], kind="stable").reset_index(drop=True)
