"""Plans and settings as JSON-safe dicts, and back (what the store writes into a payload)."""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from planning.plans.plan import Plan


def utc_timestamp(value) -> pd.Timestamp:
    """A stored datetime as a UTC pandas Timestamp (SQLite returns naive values, which are UTC)."""
    if value is None:
        return pd.NaT
    t = pd.Timestamp(value)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def jsonable(x):
    """Make settings/summary values JSON-safe: numpy scalars, NaN → None, tuples, timestamps."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        f = float(x)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, (pd.Timestamp, datetime)):
        return x.isoformat()
    if x is None or isinstance(x, (str, int, bool)):
        return x
    if x is pd.NaT or (not isinstance(x, (list, dict)) and pd.isna(x)):
        return None
    return str(x)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A JSON-safe dict of a Plan (unassigned accounts and open territories become null)."""
    a = plan.assignment
    terr = plan.territories.reset_index()
    return {
        "name": plan.name,
        "kind": plan.kind,
        "note": plan.note,
        "settings": jsonable(plan.settings or {}),
        "assignment": {"account_id": [str(i) for i in a.index],
                       "territory_id": [None if pd.isna(v) else str(v) for v in a.to_numpy()]},
        "territories": [jsonable(r) for r in terr.to_dict(orient="records")],
    }


def plan_from_dict(d: dict[str, Any], name: str | None = None) -> Plan:
    a = d["assignment"]
    assignment = pd.Series([np.nan if v is None else v for v in a["territory_id"]], index=a["account_id"],
                           dtype=object)
    terr = pd.DataFrame.from_records(d["territories"]) if d["territories"] else pd.DataFrame(
        columns=["territory_id", "name", "region", "area", "segment", "owner_rep_id"])
    terr = terr.set_index("territory_id").astype(object).where(lambda f: f.notna(), np.nan)
    return Plan(name=name or d["name"], assignment=assignment, territories=terr, kind=d.get("kind", "saved"),
                settings=d.get("settings") or {}, note=d.get("note", ""))
