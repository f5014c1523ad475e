"""The outcome of a carve: the plan, its bound and gap, before/after books, balance, and every move with its reason."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizers.carve.model import Problem, gap_of
from optimizers.carve.settings import CarveSettings
from planning.data import Settings
from planning.plans import Plan, balance_table, crm_frame, metrics
from planning.plans.carve_report import balance_rows, moves_with_reasons

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
    # the tables the Carve page reads the result through (planning.reporting.carve_views.CarveViews), computed
    # once where the carve ran (jobs.carve_job), so the web server does not recompute them on every rerun
    views: Any = None

    @property
    def ok(self) -> bool:
        return self.plan is not None and self.status in ("optimal", "feasible", "time_limit")

    def summary(self) -> str:
        if not self.ok:
            return f"{self.status}: {self.diagnosis or 'no plan found'}"
        from planning.reporting import label  # the progress line a person reads: measures by name

        worst = ", ".join(f"{label(r.metric).lower()} ±{r.worst_dev_after:.1%}" for r in self.balance.itertuples())
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
    balance = balance_rows(ctx["tol"], p.target, before, after, tids)
    acc_mode = cs.target == "capacity"
    stats["balance_table_before"] = balance_table(before, tuple(p.metric_names), capacity_weighted=acc_mode)
    stats["balance_table_after"] = balance_table(after, tuple(p.metric_names), capacity_weighted=acc_mode)
    moves, reasons = moves_with_reasons(ctx, p.metric_names, acc_t, before, stats)
    return CarveResult(status=status, plan=plan, objective=float(objective), bound=float(bound),
                       gap=float(max(gap_of(objective, bound), 0.0)), seconds_build=seconds_build, seconds_solve=0.0,
                       before=before, after=after, balance=balance, moves=moves, reasons=reasons,
                       warnings=ctx["warnings"], stats=stats, settings=cs)
