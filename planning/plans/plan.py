"""The Plan: an assignment of accounts to territories, its territories, and metrics.

Today's CRM ownership, an optimizer's proposal, a hand-edited copy and a
saved version are all :class:`Plan` objects and go through the same code.

Balance figures for a metric m across comparable territories (same segment):

* ``max_mean``  – max(m) / mean(m)
* ``min_mean``  – min(m) / mean(m)
* ``max_min``   – max(m) / min(m), the *productivity variance*; > 2× means rebalance
* ``cv``        – coefficient of variation, std(m) / mean(m)
* ``worst_dev`` – max |m / target − 1| with target = mean or capacity-proportional
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning.data import geo
from planning.data.people import capacity_share, quota_carriers

BALANCE_METRICS = ("potential_usd", "arr_usd", "workload_hours", "accounts")
METRIC_LABELS = {
    "potential_usd": "Potential (annual USD)",
    "arr_usd": "Current ARR (annual USD)",
    "workload_hours": "Workload (hours/year)",
    "accounts": "Accounts",
    "open_pipeline_usd": "Open pipeline (USD)",
}
BALANCE_FIGURES = ("max_mean", "min_mean", "max_min", "cv", "worst_dev")
TERRITORY_COLUMNS = ["name", "region", "area", "segment", "owner_rep_id"]


@dataclass
class Plan:
    """An assignment ``account_id → territory_id`` plus its territories.

    ``territories`` is indexed by territory_id with columns name, region, area,
    segment and owner_rep_id (NaN for an open territory / planned hire).
    """

    name: str
    assignment: pd.Series  # index account_id, values territory_id
    territories: pd.DataFrame
    kind: str = "current"  # current | proposal | edited | saved
    settings: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self):
        self.assignment = self.assignment.astype(object).rename("territory_id")
        self.assignment.index = self.assignment.index.astype(str).rename("account_id")
        self.territories = self.territories.reindex(columns=TERRITORY_COLUMNS)
        self.territories.index = self.territories.index.astype(str).rename("territory_id")

    def owners(self) -> pd.Series:
        """account_id → owner rep_id (NaN for unassigned accounts or open territories)."""
        return self.assignment.map(self.territories["owner_rep_id"]).rename("owner_rep_id")

    def with_moves(self, moves: dict[str, str], name: str | None = None) -> "Plan":
        """A copy with some accounts moved to other territories (a hand edit)."""
        unknown = set(moves.values()) - set(self.territories.index)
        if unknown:
            raise ValueError(f"unknown territory id(s): {', '.join(sorted(unknown))}")
        missing = set(moves) - set(self.assignment.index)
        if missing:
            raise ValueError(f"unknown account id(s): {', '.join(sorted(missing)[:5])}")
        a = self.assignment.copy()
        a.loc[list(moves)] = list(moves.values())
        return dataclasses.replace(self, name=name or f"{self.name} (edited)", assignment=a, kind="edited",
                                   territories=self.territories.copy())

    def to_frame(self) -> pd.DataFrame:
        """One row per account: account_id, territory_id, owner_rep_id."""
        return pd.DataFrame({"territory_id": self.assignment, "owner_rep_id": self.owners()}).reset_index()


def _territory_names(q: pd.DataFrame) -> pd.Series:
    """ "Mid-market West – Dana Morgan"; with no segment and region, the owner's name alone."""
    where = (q["segment"].fillna("").astype(str) + " " + q["region"].fillna("").astype(str)).str.strip()
    return (where + " – " + q["name"].astype(str)).where(where != "", q["name"].astype(str))


def territories_from_reps(reps: pd.DataFrame) -> pd.DataFrame:
    """One territory per quota-carrying rep (AE / channel), named by segment, region and owner."""
    names = reps.set_index("rep_id")["name"]
    q = quota_carriers(reps)
    area = q.get("area")
    if area is None or area.isna().all():
        area = q["manager_id"].map(names)
    else:
        area = area.fillna(q["manager_id"].map(names))
    t = pd.DataFrame({
        "territory_id": "T-" + q["rep_id"].astype(str),
        "name": _territory_names(q),
        "region": q["region"],
        "area": area,
        "segment": q["segment"],
        "owner_rep_id": q["rep_id"],
    })
    return t.set_index("territory_id")


def current_plan(accounts: pd.DataFrame, reps: pd.DataFrame, territories: pd.DataFrame | None = None,
                 name: str = "Current CRM ownership") -> Plan:
    """Today's ownership as a Plan.  Accounts without an owner are left unassigned (NaN)."""
    terr = territories if territories is not None and len(territories) else territories_from_reps(reps)
    if "territory_id" in terr.columns:
        terr = terr.set_index("territory_id")
    by_owner = terr.reset_index().dropna(subset=["owner_rep_id"]).drop_duplicates("owner_rep_id")
    owner_to_terr = by_owner.set_index("owner_rep_id")["territory_id"]
    assignment = pd.Series(accounts["owner_rep_id"].map(owner_to_terr).to_numpy(), index=accounts["account_id"])
    return Plan(name=name, assignment=assignment, territories=terr, kind="current")


def metrics(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame | None = None, plan_year: int | None = None,
            settings=None) -> pd.DataFrame:
    """Per-territory book: accounts, ARR, potential, workload, pipeline, distance, capacity.

    ``mean_distance_mi`` is the account-count-weighted mean distance from the
    owner's home (or the territory centre when there is no owner location).
    """
    acc = accounts.set_index("account_id")
    terr_of = plan.assignment.reindex(acc.index)
    frame = acc.assign(territory_id=terr_of.to_numpy())
    grouped = frame.groupby("territory_id", dropna=True)
    agg = pd.DataFrame({
        "accounts": grouped.size(),
        "arr_usd": grouped["arr_usd"].sum(),
        "potential_usd": grouped["potential_usd"].sum(),
        "workload_hours": grouped["workload_hours"].sum(),
        "open_pipeline_usd": grouped["open_pipeline_usd"].sum(),
        # customers: ARR above zero, or a customer type where the export has no ARR (planning.data.enrich)
        "customers": (grouped["is_customer"].sum() if "is_customer" in frame else
                      grouped["arr_usd"].apply(lambda s: int((s > 0).sum()))),
    })
    out = plan.territories.join(agg, how="left")
    for c in ("accounts", "arr_usd", "potential_usd", "workload_hours", "open_pipeline_usd", "customers"):
        out[c] = out[c].fillna(0)
    out["accounts"] = out["accounts"].astype(int)
    out["customers"] = out["customers"].astype(int)
    if reps is not None and len(reps):
        r = reps.set_index("rep_id")
        out["owner_name"] = out["owner_rep_id"].map(r["name"])
        out["owner_status"] = out["owner_rep_id"].map(r["status"])
        if plan_year is not None:
            share = capacity_share(reps, plan_year, settings)
            share.index = reps["rep_id"].to_numpy()
            out["capacity_share"] = out["owner_rep_id"].map(share).fillna(1.0)
        home_lat, home_lon = out["owner_rep_id"].map(r["lat"]), out["owner_rep_id"].map(r["lon"])
    else:  # no people loaded: the same columns, empty, so every reader can rely on them
        out["owner_name"] = pd.Series(np.nan, index=out.index, dtype=object)
        out["owner_status"] = pd.Series(np.nan, index=out.index, dtype=object)
        if plan_year is not None:
            out["capacity_share"] = 1.0
        home_lat = home_lon = pd.Series(np.nan, index=out.index)
    # distance from home (or the territory's centroid when no home is known)
    frame = frame.dropna(subset=["territory_id", "lat", "lon"])
    cent = frame.groupby("territory_id")[["lat", "lon"]].mean()
    hl = home_lat.fillna(cent["lat"]).reindex(frame["territory_id"]).to_numpy()
    hn = home_lon.fillna(cent["lon"]).reindex(frame["territory_id"]).to_numpy()
    d = pd.Series(geo.haversine_mi(frame["lat"], frame["lon"], hl, hn), index=frame.index)
    out["mean_distance_mi"] = d.groupby(frame["territory_id"]).mean().reindex(out.index)
    out["compactness_mi"] = geo.compactness_mi(frame.reset_index()).reindex(out.index)
    return out


def balance_figures(values: pd.Series, targets: pd.Series | None = None) -> dict[str, float]:
    """The five balance figures for one metric across territories (see module doc)."""
    v = values.astype(float)
    mean = v.mean()
    if len(v) == 0 or mean == 0 or np.isnan(mean):
        return dict.fromkeys(BALANCE_FIGURES, np.nan)
    t = targets.astype(float).reindex(v.index) if targets is not None else pd.Series(mean, index=v.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = (v / t.replace(0, np.nan) - 1).abs()
    return {
        "max_mean": v.max() / mean,
        "min_mean": v.min() / mean,
        "max_min": v.max() / v.min() if v.min() > 0 else np.inf,
        "cv": v.std(ddof=0) / mean,
        "worst_dev": float(dev.max()) if dev.notna().any() else np.nan,
    }


def capacity_targets(book: pd.DataFrame, metric: str, by: str = "segment") -> pd.Series:
    """Target for each territory: the group's total split in proportion to capacity share."""
    cap = book["capacity_share"] if "capacity_share" in book else pd.Series(1.0, index=book.index)
    cap = cap.where(cap > 0, np.nan)
    total = book.groupby(by)[metric].transform("sum")
    cap_total = cap.groupby(book[by]).transform("sum")
    return total * cap / cap_total


def balance_table(book: pd.DataFrame, metrics_: tuple[str, ...] = BALANCE_METRICS, by: str = "segment",
                  capacity_weighted: bool = False, variance_flag: float = 2.0) -> pd.DataFrame:
    """Balance figures per comparable group (segment) and metric, with the >2× flag.

    ``capacity_weighted`` measures every figure on each territory's load, book ÷ a capacity-proportional
    target, instead of the book (so a ramping or leaving rep is expected to carry less); territories with
    zero capacity are left out.  With equal capacities the figures are the same either way.  This is the
    definition the headline balance figures use (planning.reporting.figures.balance).
    """
    rows = []
    for group, g in book.groupby(by, dropna=True):
        if capacity_weighted and "capacity_share" in g:
            g = g.loc[g["capacity_share"] > 0]
        if len(g) < 2:
            continue
        for m in metrics_:
            if capacity_weighted:
                with np.errstate(divide="ignore", invalid="ignore"):
                    load = g[m].astype(float) / capacity_targets(g, m, by).replace(0, np.nan)
                figs = balance_figures(load, pd.Series(1.0, index=g.index))
            else:
                figs = balance_figures(g[m])
            rows.append({by: group, "metric": m, "territories": len(g), "mean": g[m].mean(), **figs,
                         "flag_variance": bool(figs["max_min"] > variance_flag)})
    return pd.DataFrame(rows)


def productivity_variance(book: pd.DataFrame, metric: str = "potential_usd", by: str = "segment",
                          threshold: float = 2.0) -> pd.DataFrame:
    """Best vs worst comparable territory per group; ``flag`` when the ratio exceeds ``threshold``."""
    rows = []
    for group, g in book.groupby(by, dropna=True):
        g = g.loc[g["accounts"] > 0]
        if len(g) < 2:
            continue
        best, worst = g[metric].idxmax(), g[metric].idxmin()
        ratio = g[metric].max() / g[metric].min() if g[metric].min() > 0 else np.inf
        rows.append({by: group, "metric": metric, "best_territory": best, "best": g[metric].max(),
                     "worst_territory": worst, "worst": g[metric].min(), "ratio": ratio, "flag": bool(ratio > threshold)})
    return pd.DataFrame(rows)


def rollup(book: pd.DataFrame, level: str) -> pd.DataFrame:
    """Read a plan at a level of the hierarchy (region → area → territory): summed books per group."""
    if level == "territory":
        return book
    sums = ["accounts", "customers", "arr_usd", "potential_usd", "workload_hours", "open_pipeline_usd"]
    g = book.groupby(level, dropna=False)
    out = g[sums].sum()
    out.insert(0, "territories", g.size())
    out.insert(1, "open_territories", g["owner_rep_id"].apply(lambda s: int(s.isna().sum())))
    return out.reset_index()
