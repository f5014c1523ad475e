"""The outcome of a carve: the plan, its bound and gap, before/after books, balance, and every move with its reason."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizers.carve.model import Problem, gap_of
from optimizers.carve.settings import CarveSettings
from planning.data import Settings, haversine_mi
from planning.plans import Plan, balance_table, crm_frame, metrics, move_reasons

@dataclass
class CarveResult:
    """Outcome of a carve.  ``plan`` is None unless a whole assignment was found."""

    status: str  # optimal | feasible | time_limit | infeasible | cancelled
    plan: Plan | None
    objective: float  # total cost of the returned plan (model units)
    bound: float  # lower bound (LP relaxation or MIP bound); objective ≥ bound
    gap: float  # (objective − bound) / objective
    seconds_build: float
    seconds_solve: float
    before: pd.DataFrame  # per-territory book before (planning.plans.plan.metrics + target columns)
    after: pd.DataFrame | None
    balance: pd.DataFrame  # per metric: band, worst_dev and max_min (of book ÷ target) before and after
    moves: pd.DataFrame  # one row per moved account with its reason
    reasons: pd.Series  # account_id → reason (moved accounts)
    diagnosis: str = ""
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    settings: CarveSettings | None = None

    @property
    def ok(self) -> bool:
        return self.plan is not None and self.status in ("optimal", "feasible", "time_limit")

    def summary(self) -> str:
        if not self.ok:
            return f"{self.status}: {self.diagnosis or 'no plan found'}"
        worst = ", ".join(f"{r.metric} ±{r.worst_dev_after:.1%}" for r in self.balance.itertuples())
        source = f"plan from: {self.plan_from}; " if self.plan_from else ""
        return (f"{self.status}: gap {self.gap:.2%}, {len(self.moves):,} accounts moved, worst deviation {worst}; "
                f"{source}build {self.seconds_build:.1f}s, solve {self.seconds_solve:.1f}s")

    @property
    def plan_from(self) -> str:
        """Which strategy of the repair ladder produced the plan (per part when they differ), e.g. "mended
        rounding" (optimizers.carve.ladder); "" without a plan."""
        return str(self.stats.get("plan_from", "")) if self.plan is not None else ""

    def crm_export(self, reps: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
        """CRM-ready assignment: account_id, name, new owner id/name, old owner id/name, territory, reason."""
        return crm_frame(self.plan, reps, accounts, self.reasons)


def empty_result(cs: CarveSettings, ctx, seconds_build: float) -> CarveResult:
    return CarveResult(status="infeasible", plan=None, objective=np.nan, bound=np.nan, gap=np.nan,
                       seconds_build=seconds_build, seconds_solve=0.0, before=pd.DataFrame(), after=None,
                       balance=pd.DataFrame(), moves=pd.DataFrame(columns=["account_id", "reason"]),
                       reasons=pd.Series(dtype=object), warnings=list(ctx["warnings"]), settings=cs)


def assemble(cs: CarveSettings, defaults: Settings, p: Problem, ctx, assign, status, objective, bound, seconds_build,
             plan_year, as_of, reps, name) -> CarveResult:
    """The plan of ``assign`` (territory per unit) with its books before and after, balance, moves and reasons."""
    acc, terr, units, cur = ctx["acc"], ctx["terr"], ctx["units"], ctx["cur"]
    stats: dict = {}
    tids = np.array(terr.index)
    acc_t = assign[units.of_account]
    plan = Plan(name=name or f"Carve {pd.Timestamp.now():%Y-%m-%d %H:%M}",
                assignment=pd.Series(tids[acc_t], index=acc["account_id"].astype(str).to_numpy()),
                territories=terr[["name", "region", "area", "segment", "owner_rep_id"]].copy(),
                kind="proposal", settings=cs.to_dict(),
                note=f"{status}; gap {gap_of(objective, bound):.2%}")
    caps = terr["capacity_share"]
    before_plan = Plan(name="before", assignment=pd.Series(np.where(cur >= 0, tids[np.maximum(cur, 0)], None),
                                                           index=plan.assignment.index),
                       territories=plan.territories, kind="current")
    before = metrics(before_plan, acc, reps, plan_year, defaults)
    after = metrics(plan, acc, reps, plan_year, defaults)
    for book in (before, after):
        book["capacity_share"] = caps.reindex(book.index).astype(float)
        for m, metric in enumerate(p.metric_names):
            book[f"target_{metric}"] = p.target[:, m]
    balance = balance_rows(cs, p, before, after, tids)
    acc_mode = cs.target == "capacity"
    stats["balance_table_before"] = balance_table(before, tuple(p.metric_names), capacity_weighted=acc_mode)
    stats["balance_table_after"] = balance_table(after, tuple(p.metric_names), capacity_weighted=acc_mode)
    moves, reasons = moves_with_reasons(p, ctx, acc_t, before, stats)
    return CarveResult(status=status, plan=plan, objective=float(objective), bound=float(bound),
                       gap=float(max(gap_of(objective, bound), 0.0)), seconds_build=seconds_build, seconds_solve=0.0,
                       before=before, after=after, balance=balance, moves=moves, reasons=reasons,
                       warnings=ctx["warnings"], stats=stats, settings=cs)


def moves_with_reasons(p: Problem, ctx, acc_t: np.ndarray, before: pd.DataFrame, stats: dict):
    """One row per moved account (from, to, distances, ARR) with its reason in words; the counts in ``stats``."""
    acc, terr, units, cur = ctx["acc"], ctx["terr"], ctx["units"], ctx["cur"]
    tids = np.array(terr.index)
    idx = np.flatnonzero(acc_t != cur)
    lat, lon = acc["lat"].to_numpy(float), acc["lon"].to_numpy(float)
    hl, hn = terr["home_lat"].to_numpy(float), terr["home_lon"].to_numpy(float)
    d_to = haversine_mi(lat[idx], lon[idx], hl[acc_t[idx]], hn[acc_t[idx]])
    cf = np.maximum(cur[idx], 0)
    d_from = np.where(cur[idx] >= 0, haversine_mi(lat[idx], lon[idx], hl[cf], hn[cf]), np.nan)
    ukey = units.frame["key"].to_numpy()[units.of_account[idx]]
    ukey = np.where(np.char.find(ukey.astype(str), "| acct ") >= 0, "| parent family", ukey)
    moves = pd.DataFrame({
        "account_id": acc["account_id"].astype(str).to_numpy()[idx],
        "account_name": acc["name"].to_numpy()[idx],
        "segment": acc["segment"].to_numpy()[idx],
        "from_territory": np.where(cur[idx] >= 0, tids[cf], None),
        "to_territory": tids[acc_t[idx]],
        "from_owner": acc["owner_rep_id"].to_numpy()[idx],
        "to_owner": terr["owner_rep_id"].to_numpy()[acc_t[idx]],
        "arr_usd": acc["arr_usd"].to_numpy()[idx],
        "potential_usd": acc["potential_usd"].to_numpy()[idx],
        "distance_to_mi": d_to, "distance_from_mi": d_from,
        "unit_key": ukey, "unit_accounts": units.frame["accounts"].to_numpy()[units.of_account[idx]],
        "pinned": ctx["pinned_acc"][idx],
    })
    share_before = pd.DataFrame({m: before[m] / before[f"target_{m}"].replace(0, np.nan) for m in p.metric_names})
    forced = {}
    owners = acc["owner_rep_id"].to_numpy()[idx]
    for a, o, c0 in zip(moves["account_id"], owners, cur[idx]):
        if c0 < 0:
            forced[a] = (f"owner {o} is not in this plan (excluded or not a quota rep)" if isinstance(o, str)
                         else "had no owner")
    elig = ctx["elig"]
    u_idx = units.of_account[idx]
    ineligible = (cur[idx] >= 0) & ~elig[u_idx, cf]
    for a, bad in zip(moves["account_id"], ineligible):
        if bad and a not in forced:
            forced[a] = "the rules no longer allow its current territory"
    reasons = move_reasons(moves, share_before, terr["label"], pd.Series(forced, dtype=object))
    moves["reason"] = moves["account_id"].map(reasons)
    moves = moves.drop(columns=["unit_key", "unit_accounts"])
    stats["moves"] = int(len(moves))
    stats["moves_counted"] = int(((cur[idx] >= 0) & ~ctx["pinned_acc"][idx]).sum())
    stats["arr_moved_counted"] = float(moves.loc[(cur[idx] >= 0) & ~ctx["pinned_acc"][idx], "arr_usd"].sum())
    stats["total_distance_mi"] = float(np.nansum(haversine_mi(lat, lon, hl[acc_t], hn[acc_t])))
    return moves, reasons



def balance_rows(cs: CarveSettings, p: Problem, before: pd.DataFrame, after: pd.DataFrame, tids) -> pd.DataFrame:
    """Balance per metric before and after, measured against the model's own targets: worst deviation and the
    largest-to-smallest book ratio within a segment."""
    rows = []
    for m, metric in enumerate(p.metric_names):
        tgt = pd.Series(p.target[:, m], index=tids)
        active = tgt > 0
        dev_b = (before[metric] / tgt - 1).abs()[active]
        dev_a = (after[metric] / tgt - 1).abs()[active]
        rows.append({"metric": metric, "band": cs.tol(metric), "worst_dev_before": float(dev_b.max()),
                     "worst_dev_after": float(dev_a.max()),
                     "max_min_before": float(_max_min((before[metric] / tgt)[active], after["segment"][active])),
                     "max_min_after": float(_max_min((after[metric] / tgt)[active], after["segment"][active]))})
    return pd.DataFrame(rows)


def _max_min(values: pd.Series, groups: pd.Series) -> float:
    """Worst best/worst ratio across comparable groups (segments)."""
    out = 1.0
    for _, v in values.groupby(groups):
        if len(v) > 1:
            out = max(out, v.max() / v.min() if v.min() > 0 else np.inf)
    return out
