"""Quota setting: the finance bookings target becomes one quota per territory.

Steps (all amounts annual USD, shares and ratios fractions):

1. **Pool.** The plan-year bookings target of each pool (segment by default;
   segment × region or the whole company on request) is raised by the
   over-assignment: ``planned = target × (1 + over_assignment)``.
2. **Basis share** ``s_i`` of each territory in its pool, by method:
   territory potential, the owner's historical bookings (annualised over the
   last quarters of history; reps with under two quarters use the segment
   median), an even split, or a weighted blend of the three.
3. **Capacity** ``c_i`` = mean over the 12 plan months of (in seat × ramp):
   pro-rates mid-year starts and leavers, ramps new hires and open
   requisitions with the segment ramp curve (``capacity_override`` on the
   reps table wins).  Open territories of a carve start after the segment's
   time to hire.  ``quota_i = planned × s_i c_i / Σ s_j c_j`` (the ramp
   shortfall is re-spread), or ``planned × s_i c_i`` with the shortfall
   shown as an unallocated gap.
4. **Overrides.** Manager-level overrides set a team total (the team's other
   quotas scale to it), rep-level overrides set one quota; the difference is
   re-spread across the rest of the pool in proportion to their quotas, or
   left as an unallocated gap.
5. **Coverage** = Σ quotas ÷ finance target per segment, region, manager or
   quarter (quarterly quotas follow the target's seasonality and the rep's
   monthly capacity), flagged outside the band.  Managers have no finance
   target of their own: theirs is the target share of their territories.
6. **Fairness**: quota as a % of territory potential; the ramp-normalised
   ratio is compared with the segment median and flagged beyond the tolerance.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.compensation.coverage import QuotaResult, fairness_flags
from planning.compensation.quota_settings import QUARTERS, QuotaError, QuotaSettings
from planning.data.defaults import Settings
from planning.data.people import month_index, ramp_factor
from planning.plans.plan import Plan
from planning.reporting.figures import no_target_message, plan_year_target_rows
from planning.reporting.formats import people


# --- inputs ----------------------------------------------------------------------------------

def plan_year_targets(targets: pd.DataFrame, plan_year: int) -> pd.DataFrame:
    """The plan year's targets as segment, region, quarter, bookings_target_usd (annual rows split evenly)."""
    # the bookings target is the targets file's only (planning.reporting.figures): never one derived from capacity
    if targets is None or targets.empty:
        raise QuotaError(f"targets: {no_target_message(plan_year)}")
    t = plan_year_target_rows(targets, plan_year).copy()
    if t.empty:
        found = ", ".join(sorted(targets["period"].astype(str).str.strip().str[:4].unique())[:5])
        raise QuotaError(f"targets: no bookings target for plan year {plan_year} (periods found: {found}). "
                         f"{no_target_message(plan_year)}")
    per = t["period"].astype(str).str.strip()
    quarter = per.str.extract(r"(Q[1-4])", expand=False)
    annual = t.loc[quarter.isna()]
    t = t.assign(quarter=quarter).loc[quarter.notna()]
    if len(annual):
        split = pd.concat([annual.assign(quarter=q, bookings_target_usd=annual["bookings_target_usd"] / 4)
                           for q in QUARTERS])
        t = pd.concat([t, split], ignore_index=True)
    if (t["bookings_target_usd"] < 0).any():
        raise QuotaError("targets.bookings_target_usd: negative target")
    return (t.groupby(["segment", "region", "quarter"], as_index=False)["bookings_target_usd"].sum())


def territory_frame(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Territories with owner facts and potential (annual USD) of the plan's book."""
    terr = plan.territories.copy()
    pot = accounts["potential_usd"].groupby(plan.assignment.reindex(accounts["account_id"].astype(str)).to_numpy()).sum()
    terr["potential_usd"] = pot.reindex(terr.index).fillna(0.0).astype(float)
    r = reps.set_index("rep_id")
    owner = terr["owner_rep_id"]
    # people by name with their id ("George Adams (R-001)") in every quota table, chart and export; an id the reps
    # table does not know reads as the id
    who = people(reps)
    terr["rep_name"] = owner.map(who).fillna(owner)
    terr["status"] = owner.map(r["status"]).fillna("open territory").where(owner.notna(), "open territory")
    terr["manager_id"] = owner.map(r["manager_id"])
    terr["manager_name"] = terr["manager_id"].map(r["name"])
    terr["manager"] = terr["manager_id"].map(who).fillna(terr["manager_id"])
    terr["segment"] = terr["segment"].fillna(owner.map(r["segment"]))
    terr["region"] = terr["region"].fillna(owner.map(r["region"]))
    return terr


def monthly_capacity(terr: pd.DataFrame, reps: pd.DataFrame, plan_year: int, defaults: Settings,
                     ramp: bool = True, prorate: bool = True) -> np.ndarray:
    """(territories × 12) in-seat × ramp factor per plan month (0–1)."""
    year_start = pd.Timestamp(year=plan_year, month=1, day=1)
    r = reps.set_index("rep_id")
    owner = terr["owner_rep_id"]
    hire = pd.Series([year_start + pd.DateOffset(months=defaults.segments[s].time_to_hire_months)
                      if s in defaults.segments else year_start for s in terr["segment"]], index=terr.index)
    start = owner.map(r["start_date"]).where(owner.notna(), hire)
    start = pd.to_datetime(start).fillna(pd.Timestamp("1900-01-01"))
    end = pd.to_datetime(owner.map(r["end_date"]) if "end_date" in r else pd.Series(pd.NaT, index=terr.index))
    start_m = month_index(start, year_start).to_numpy()
    end_m = month_index(end.fillna(pd.Timestamp("2999-12-01")), year_start).to_numpy()
    months = np.arange(12)[None, :]
    in_seat = ((months >= start_m[:, None]) & (months <= end_m[:, None])).astype(float) if prorate else np.ones((len(terr), 12))
    cap = in_seat.copy()
    if ramp:
        for i, seg in enumerate(terr["segment"].to_numpy()):
            curve = defaults.segments[seg].ramp_curve if seg in defaults.segments else (1.0,)
            since = months[0] - start_m[i]
            # without pro-rating a future hire counts as in seat from January, at the start of the ramp
            cap[i] *= ramp_factor(since if prorate else np.maximum(since, 0), curve)
    if "capacity_override" in r:
        ov = owner.map(r["capacity_override"]).astype(float).to_numpy()
        cap = np.where(np.isnan(ov)[:, None], cap, ov[:, None] * np.ones((1, 12)))
    return cap


def history_bookings(history: pd.DataFrame | None, rep_ids: pd.Series, quarters: int) -> pd.DataFrame:
    """Per rep: quarters of history used and annualised bookings (mean of the last ``quarters`` × 4)."""
    if history is None or history.empty:
        return pd.DataFrame({"history_quarters": 0, "history_bookings_usd": np.nan}, index=rep_ids.dropna().unique())
    periods = sorted(history["period"].astype(str).unique())[-quarters:]
    h = history.loc[history["period"].astype(str).isin(periods)]
    g = h.groupby("rep_id")["bookings_usd"]
    return pd.DataFrame({"history_quarters": g.size(), "history_bookings_usd": g.mean() * 4})


# --- allocation ------------------------------------------------------------------------------

def _pool_keys(terr: pd.DataFrame, pool: str) -> pd.Series:
    if pool == "company":
        return pd.Series("Company", index=terr.index)
    if pool == "segment":
        return terr["segment"].astype(str)
    return terr["segment"].astype(str) + " · " + terr["region"].astype(str)


def _target_pools(tgt: pd.DataFrame, pool: str) -> pd.Series:
    annual = tgt.groupby(["segment", "region"])["bookings_target_usd"].sum().reset_index()
    return annual.groupby(_pool_keys(annual, pool).to_numpy())["bookings_target_usd"].sum()


def _shares(values: pd.Series, pools: pd.Series) -> pd.Series:
    """values / pool total; an all-zero pool splits evenly."""
    v = values.fillna(0.0).clip(lower=0)
    tot = v.groupby(pools).transform("sum")
    n = v.groupby(pools).transform("size")
    return pd.Series(np.where(tot > 0, v / tot.where(tot > 0, 1), 1.0 / n), index=v.index)


def _basis(terr: pd.DataFrame, pools: pd.Series, s: QuotaSettings) -> pd.Series:
    parts = {
        "potential": lambda: _shares(terr["potential_usd"], pools),
        "history": lambda: _shares(terr["history_basis_usd"], pools),
        "even": lambda: _shares(pd.Series(1.0, index=terr.index), pools),
    }
    if s.method != "blend":
        return parts[s.method]()
    total = sum(s.weights.values())
    return sum(parts[k]() * (w / total) for k, w in s.weights.items() if w > 0)


def _apply_overrides(terr: pd.DataFrame, q: pd.Series, pools: pd.Series, s: QuotaSettings) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Apply manager then rep overrides; return (quota, override value or NaN, gap per pool)."""
    q = q.copy()
    fixed = pd.Series(np.nan, index=terr.index)
    by_rep = {**dict(zip(terr.index, terr.index)), **{r: t for t, r in terr["owner_rep_id"].dropna().items()}}
    for key, value in s.rep_overrides.items():
        if key not in by_rep:
            raise QuotaError(f"rep_overrides[{key}]: no territory or rep with this id in the plan")
        fixed[by_rep[key]] = float(value)
    for mgr, total in s.manager_overrides.items():
        team = terr.index[terr["manager_id"] == mgr]
        if not len(team):
            raise QuotaError(f"manager_overrides[{mgr}]: no reps report to this manager in the plan")
        set_ = fixed[team].dropna()
        free = team.difference(set_.index)
        rest = float(total) - set_.sum()
        if rest < -1e-6 or (not len(free) and abs(rest) > 1e-6):
            raise QuotaError(f"manager_overrides[{mgr}]: team total {total:,.0f} does not match the rep overrides "
                             f"of the team ({set_.sum():,.0f})")
        if len(free):
            base = q[free]
            fixed[free] = rest * (base / base.sum() if base.sum() > 0 else 1.0 / len(free))
    is_fixed = fixed.notna()
    diff = (fixed[is_fixed] - q[is_fixed]).groupby(pools[is_fixed]).sum()
    q[is_fixed] = fixed[is_fixed]
    gap = pd.Series(0.0, index=pools.unique())
    for pool, d in diff.items():
        rest = pools.index[(pools == pool) & ~is_fixed]
        avail = q[rest].sum()
        if s.override_gap == "respread" and avail > 0:
            new_total = max(avail - d, 0.0)
            q[rest] = q[rest] * (new_total / avail)
            gap[pool] = -(d - (avail - new_total))
        else:
            gap[pool] = -d
    return q, fixed, gap


def quota_for_plan(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame, targets: pd.DataFrame,
                   history: pd.DataFrame | None, settings: QuotaSettings | None = None, plan_year: int | None = None,
                   defaults: Settings | None = None) -> QuotaResult:
    """Quotas for every territory of ``plan`` (see the module doc for the steps)."""
    import time

    t0 = time.perf_counter()
    defaults = defaults or Settings()
    s = (settings or QuotaSettings()).resolved(defaults)
    if plan_year is None:
        raise QuotaError("plan_year: the year being planned is required")
    tgt = plan_year_targets(targets, plan_year)
    terr = territory_frame(plan, accounts, reps)
    if terr.empty:
        raise QuotaError(f"plan {plan.name!r}: has no territories to carry quota")
    pools = _pool_keys(terr, s.pool)
    pool_target = _target_pools(tgt, s.pool)

    hist = history_bookings(history, terr["owner_rep_id"], s.history_quarters)
    owner = terr["owner_rep_id"]
    terr["history_quarters"] = owner.map(hist["history_quarters"]).fillna(0).astype(int)
    terr["history_bookings_usd"] = owner.map(hist["history_bookings_usd"])
    enough = terr["history_quarters"] >= 2
    seg_median = terr["history_bookings_usd"].where(enough).groupby(terr["segment"]).transform("median")
    terr["history_basis_usd"] = terr["history_bookings_usd"].where(enough, seg_median).fillna(0.0)

    cap_m = monthly_capacity(terr, reps, plan_year, defaults, ramp=s.ramp_adjust, prorate=s.prorate)
    seat_m = monthly_capacity(terr, reps, plan_year, defaults, ramp=False, prorate=s.prorate)
    terr["months_in_seat"] = seat_m.sum(axis=1) if s.prorate else 12.0
    terr["capacity_factor"] = cap_m.mean(axis=1)

    basis = _basis(terr, pools, s)
    planned = pools.map(pool_target).fillna(0.0) * (1 + s.over_assignment)
    full = planned * basis
    weighted = basis * terr["capacity_factor"]
    if s.ramp_gap == "respread":
        wsum = weighted.groupby(pools).transform("sum")
        q = planned * np.where(wsum > 0, weighted / wsum.where(wsum > 0, 1), 0.0)
    else:
        q = planned * weighted
    q = pd.Series(q, index=terr.index, dtype=float)
    q, override, ov_gap = _apply_overrides(terr, q, pools, s)

    terr["basis_share"] = basis
    terr["full_year_quota_usd"] = full
    terr["quota_usd"] = q
    terr["override_usd"] = override
    terr["share"] = q / q.groupby(pools).transform("sum").replace(0, np.nan)
    # the finance target each territory stands for (no over-assignment, no ramp): the manager coverage basis
    terr["target_share_usd"] = pools.map(pool_target).fillna(0.0) * basis
    terr["quota_pct_potential"] = q / terr["potential_usd"].replace(0, np.nan)
    fairness_flags(terr, s.fairness_tolerance)

    unalloc_pools = pd.DataFrame({"target_usd": pool_target, "planned_usd": pool_target * (1 + s.over_assignment)})
    unalloc_pools["allocated_usd"] = q.groupby(pools).sum().reindex(unalloc_pools.index).fillna(0.0)
    unalloc_pools["override_gap_usd"] = ov_gap.reindex(unalloc_pools.index).fillna(0.0)
    unalloc_pools["unallocated_usd"] = unalloc_pools["planned_usd"] - unalloc_pools["allocated_usd"]
    unalloc_pools.index.name = "pool"
    no_target = sorted(set(pools[planned == 0]))
    cols = ["name", "owner_rep_id", "rep_name", "status", "segment", "region", "manager_id", "manager_name",
            "manager", "potential_usd", "history_bookings_usd", "basis_share", "months_in_seat", "capacity_factor",
            "full_year_quota_usd", "override_usd", "quota_usd", "share", "target_share_usd", "quota_pct_potential",
            "fairness_ratio", "flags"]
    table = terr[cols]
    if no_target:
        table.loc[pools.isin(no_target), "flags"] = (table.loc[pools.isin(no_target), "flags"] + "; no target").str.strip("; ")
    quarterly = _quarterly(table, cap_m, tgt, s.pool)
    return QuotaResult(plan.name, plan_year, s, table, quarterly, tgt, unalloc_pools.reset_index(),
                       seconds=time.perf_counter() - t0)


def _quarterly(table: pd.DataFrame, cap_m: np.ndarray, tgt: pd.DataFrame, pool: str) -> pd.DataFrame:
    """Split each annual quota over Q1–Q4 by target seasonality × the rep's capacity in the quarter."""
    season = tgt.groupby(["segment", "quarter"])["bookings_target_usd"].sum().unstack("quarter").reindex(columns=list(QUARTERS)).fillna(0.0)
    season = season.div(season.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.25)
    cap_q = cap_m.reshape(len(table), 4, 3).mean(axis=2)
    seas = season.reindex(table["segment"]).fillna(0.25).to_numpy()
    w = seas * cap_q
    tot = w.sum(axis=1, keepdims=True)
    w = np.where(tot > 0, w / np.where(tot > 0, tot, 1), 0.25)
    qq = w * table["quota_usd"].to_numpy()[:, None]
    out = pd.DataFrame(qq, index=table.index, columns=list(QUARTERS)).reset_index().melt(
        id_vars="territory_id", var_name="quarter", value_name="quota_usd")
    return out.merge(table[["segment", "region", "manager_id"]].reset_index(), on="territory_id")
