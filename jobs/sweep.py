"""Scenario sweeps: one carve per capacity scenario ("carve for 40, 45 and 50 Mid-market reps"), as parallel jobs.

A scenario changes how many territories a segment has, on top of the base carve settings:

* **more** territories than today's quota reps → open territories for planned hires (start month 1), spread
  over the segment's regions in proportion to the segment's potential there (largest remainder);
* **fewer** → the reps with the smallest capacity share in the plan year (leavers, then ramping reps; ties by
  rep id) are excluded and their accounts re-carved;
* a saved **capacity scenario** → one open territory per planned hire of its hiring plan, starting in the month
  the plan says (so its capacity share is pro-rated), regions as above.

Each scenario is one task (a whole carve on a worker); the table compares them side by side.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizers.carve import CarveResult, CarveSettings
from optimizers.territory_carve import TerritoryCarver
from planning.data.defaults import Settings
from planning.data.people import capacity_share, quota_carriers


@dataclass
class SweepItem:
    """One scenario's carve: everything a worker needs, picklable."""

    name: str
    accounts: pd.DataFrame
    reps: pd.DataFrame
    plan_year: int
    as_of: pd.Timestamp
    settings: CarveSettings
    defaults: Settings
    heads: dict  # segment → territories in this scenario


@dataclass
class SweepPoint:
    name: str
    heads: dict
    result: CarveResult
    seconds: float

    @property
    def status(self) -> str:
        return self.result.status


def carve_item(item: SweepItem) -> SweepPoint:
    """Task body: the whole carve of one scenario (its own parts one after another on this worker)."""
    import time

    t0 = time.perf_counter()
    res = TerritoryCarver(item.settings, item.defaults).solve(item.accounts, item.reps, item.plan_year,
                                                               as_of=item.as_of, name=item.name)
    return SweepPoint(item.name, item.heads, res, time.perf_counter() - t0)


def current_heads(reps: pd.DataFrame, base: CarveSettings) -> dict[str, int]:
    """Territories per segment in the base carve (quota reps not excluded, plus its open territories)."""
    q = quota_carriers(reps)
    q = q.loc[~q["rep_id"].isin(base.excluded_reps)]
    heads = q["segment"].value_counts().to_dict()
    for e in base.extra_territories:
        heads[e["segment"]] = heads.get(e["segment"], 0) + 1
    return {str(k): int(v) for k, v in heads.items()}


def region_split(accounts: pd.DataFrame, segment: str, n: int) -> list[str]:
    """``n`` regions for new territories of ``segment``, in proportion to its potential by region."""
    if n <= 0:
        return []
    pot = accounts.loc[accounts["segment"] == segment].groupby("region")["potential_usd"].sum()
    pot = pot[pot > 0].sort_values(ascending=False)
    if pot.empty:
        return [None] * n
    exact = pot / pot.sum() * n
    base = np.floor(exact).astype(int)
    left = n - int(base.sum())
    order = (exact - base).sort_values(ascending=False).index[:left]
    base.loc[order] += 1
    return [r for r, k in base.items() for _ in range(int(k))]


def with_heads(base: CarveSettings, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int,
               defaults: Settings, segment: str, heads: int, start_month: int = 1) -> CarveSettings:
    """``base`` changed so ``segment`` has ``heads`` territories (see the module docstring for how)."""
    now = current_heads(reps, base).get(segment, 0)
    if heads < 1:
        raise ValueError(f"{segment}: a scenario needs at least one territory, not {heads}")
    extra, excluded = list(base.extra_territories), list(base.excluded_reps)
    if heads > now:
        extra += [{"segment": segment, "region": r, "start_month": start_month, "name": None}
                  for r in region_split(accounts, segment, heads - now)]
        extra = [{k: v for k, v in e.items() if v is not None} for e in extra]
    elif heads < now:
        q = quota_carriers(reps)
        q = q.loc[(q["segment"] == segment) & ~q["rep_id"].isin(excluded)]
        share = capacity_share(q, plan_year, defaults).to_numpy()
        order = pd.DataFrame({"rep_id": q["rep_id"].to_numpy(), "share": share}).sort_values(["share", "rep_id"])
        excluded += list(order["rep_id"].iloc[: now - heads])
    return dataclasses.replace(base, extra_territories=tuple(extra), excluded_reps=tuple(excluded))


def headcount_items(base: CarveSettings, accounts, reps, plan_year: int, as_of, defaults: Settings,
                    segment: str, counts: list[int]) -> list[SweepItem]:
    """One scenario per territory count of ``segment``."""
    if segment not in defaults.segments:
        raise ValueError(f"unknown segment {segment!r} (known: {', '.join(defaults.segments)})")
    items = []
    for n in counts:
        cs = with_heads(base, accounts, reps, plan_year, defaults, segment, int(n))
        heads = current_heads(reps, cs)
        items.append(SweepItem(f"{n} {segment} territories", accounts, reps, plan_year, pd.Timestamp(as_of), cs,
                               defaults, heads))
    return items


def capacity_items(base: CarveSettings, accounts, reps, plan_year: int, as_of, defaults: Settings,
                   scenarios: dict[str, dict]) -> list[SweepItem]:
    """One scenario per capacity scenario (name → its dict as saved): its planned hires become open territories."""
    items = []
    for name, sc in scenarios.items():
        extra = list(base.extra_territories)
        for seg, a in (sc.get("segments") or {}).items():
            plan = [int(h or 0) for h in (a.get("hiring_plan") or [])]
            for month, hires in enumerate(plan, start=1):
                for region in region_split(accounts, seg, hires):
                    e = {"segment": seg, "start_month": month}
                    if region is not None:
                        e["region"] = region
                    extra.append(e)
        cs = dataclasses.replace(base, extra_territories=tuple(extra))
        items.append(SweepItem(str(name), accounts, reps, plan_year, pd.Timestamp(as_of), cs, defaults,
                               current_heads(reps, cs)))
    return items


# The solver's own columns of a sweep table: kept in its CSV and job record, left out where people read the table
# (the "result" column says the same in words)
SOLVER_COLUMNS = ("status", "gap")


def sweep_table(points: list[SweepPoint], items: list[SweepItem] | None = None) -> pd.DataFrame:
    """Scenarios side by side: territories per segment, the result in words (the carve headline's words, without
    the moved clause, which has its own columns), accounts and ARR moved, balance, travel, time; the solver's
    status and gap stay in the table (CSV, job record) for :data:`SOLVER_COLUMNS`, not for display.

    Accounts and ARR moved are the core's figures (planning.reporting.figures.moved_between) against today's CRM
    ownership of each point's item (``items``, in the order of ``points``): unowned accounts that get an owner are
    newly assigned, not moved, as on Carve, Disruption and Compare.  Without ``items``, the carve's own moves."""
    from planning.plans.plan import current_plan
    from planning.reporting.carve_words import bands_held, carve_headline
    from planning.reporting.figures import moved_between

    rows = []
    for i, p in enumerate(points):
        r = p.result
        if r.ok and items is not None:
            it = items[i]
            moved = moved_between(current_plan(it.accounts, it.reps), r.plan, it.accounts)
        else:
            moved = {"accounts_moved": len(r.moves), "arr_moved_usd": float(r.moves["arr_usd"].sum())} if r.ok \
                else {"accounts_moved": np.nan, "arr_moved_usd": np.nan}
        row = {"scenario": p.name, **{f"territories {k}": v for k, v in sorted(p.heads.items())},
               "result": carve_headline(r.status, r.gap if r.ok else None,
                                        held=bands_held(r.balance) if r.ok else True).text,
               "status": r.status, "gap": r.gap if r.ok else np.nan,
               "accounts_moved": moved["accounts_moved"], "arr_moved_usd": moved["arr_moved_usd"],
               "worst_dev_after": float(r.balance["worst_dev_after"].max()) if r.ok else np.nan,
               "total_distance_mi": r.stats.get("total_distance_mi", np.nan) if r.ok else np.nan,
               "seconds": p.seconds, "diagnosis": "" if r.ok else (r.diagnosis or r.status)}
        rows.append(row)
    return pd.DataFrame(rows)


def run_sweep(items: list[SweepItem], runner, on_done=None) -> tuple[list[SweepPoint], pd.DataFrame]:
    points = runner(carve_item, items, on_done)
    return points, sweep_table(points, items)
