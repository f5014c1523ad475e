"""Orchestration: prepare the problem, check it, solve its parts, widen candidates where pruning was too tight,
diagnose a failure, and assemble the result."""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from optimizers.carve.budget import Budget
from optimizers.carve.decompose import Runner, solve_parts
from optimizers.carve.diagnose import diagnosis_text, elastic, prechecks
from optimizers.carve.model import Cancelled, Problem
from optimizers.carve.prepare import prepare
from optimizers.carve.pricing import start_mask
from optimizers.carve.result import CarveResult, assemble, empty_result
from optimizers.carve.settings import CarveSettings
from planning.data import Settings

ProgressFn = Callable[[float, str], None]


class TerritoryCarver:
    """``TerritoryCarver(settings).solve(accounts, reps, plan_year=..., as_of=...) -> CarveResult``.

    ``clock``: what the carve's time budget reads (:class:`~optimizers.carve.budget.Budget`; a test passes a fake
    one and advances it from inside the steps)."""

    def __init__(self, settings: CarveSettings | None = None, defaults: Settings | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.cs = settings or CarveSettings()
        self.cs.validate()
        self.defaults = defaults or Settings()
        self.clock = clock

    def prepare(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp,
                k: int | None = None):
        """Units, territories, candidates, targets and costs as a :class:`Problem` (+ context for reporting).

        In soft mode with ``k`` above the settings' own (widened lists), the LP starts from each unit's
        ``candidates`` cheapest pairs and prices the others in as they pay (``column_generation``; see
        :mod:`optimizers.carve.pricing` for why not in hard mode)."""
        p, ctx = prepare(self.cs, self.defaults, accounts, reps, plan_year, as_of, k)
        if self.cs.column_generation and self.cs.mode == "soft" and k is not None and k > self.cs.candidates:
            p = dataclasses.replace(p, lp_start=start_mask(p, self.cs.candidates))
        return p, ctx

    # ---------------------------------------------------------------- solve
    def solve(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp | str | None = None,
              progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
              name: str | None = None, runner: Runner | None = None,
              warm: pd.Series | None = None) -> CarveResult:
        """The whole carve, top-down: prepare and check the problem, solve its parts (widening the candidate lists
        where pruning made the bands unreachable), then explain a failure or assemble the plan.

        ``runner``: how the independent parts are solved (default: on this process's threads, or one after
        another; the jobs layer passes its own, see :mod:`optimizers.carve.runners`).  ``warm``: a plan to start from
        (account_id → territory_id), e.g. the previous point of a frontier; used when it meets every rule."""
        run = _Run(self, accounts, reps, plan_year, as_of, progress, should_stop)
        p, ctx, stats, out = run.solve_widening(runner, warm)
        if isinstance(out, CarveResult):
            return out  # cancelled, or infeasible before any solve
        if out[1] is None:
            return run.failure(p, ctx, stats, out[0])
        return run.result(p, ctx, stats, out, name)


class _Run:
    """One carve's state: inputs, time budget and progress; each step of :meth:`TerritoryCarver.solve` is a method.

    ``budget`` is the whole carve's; ``solve_budget`` the same but for the share kept for the contiguity repair
    of geographic units (``contiguity_share``).  The diagnosis and the contiguity step may run past the end by
    ``grace_s`` at most; everything else ends with its budget."""

    def __init__(self, carver: TerritoryCarver, accounts, reps, plan_year, as_of, progress, should_stop):
        self.carver, self.cs = carver, carver.cs
        self.accounts, self.reps, self.plan_year = accounts, reps, plan_year
        self.as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
        self.progress = progress or (lambda f, m: None)
        self.stop = should_stop or (lambda: False)
        self.t0 = time.perf_counter()  # for the reported seconds (the budget decides, this only measures)
        self.budget = Budget(self.cs.time_limit, carver.clock)
        self.solve_budget = self.budget
        if self.cs.contiguous and set(self.cs.units.values()) & {"zip", "zip3", "county", "state"}:
            # a share of the time limit is kept for the contiguity repair of geographic units
            self.solve_budget = self.budget.less(self.cs.contiguity_share * self.cs.time_limit)
        self.seconds_build = 0.0

    def elapsed_solve(self) -> float:
        return time.perf_counter() - self.t0 - self.seconds_build

    def solve_widening(self, runner, warm):
        """Prepare, precheck and solve the parts; double k and start again while pruning is what blocks the bands."""
        cs, k = self.cs, self.cs.candidates
        while True:
            tb = time.perf_counter()
            self.progress(0.02, f"Building carving units and candidates ({k} nearest territories per unit)")
            p, ctx = self.carver.prepare(self.accounts, self.reps, self.plan_year, self.as_of, k)
            self.seconds_build += time.perf_counter() - tb
            stats: dict[str, Any] = {"units": len(ctx["units"]), "accounts": len(ctx["acc"]), "territories": p.n_terr,
                                     "pairs": len(p.cand.unit), "candidates_k": k,
                                     "fixed_units": int((np.diff(p.cand.ptr) == 1).sum())}
            self.empty = empty_result(cs, ctx, self.seconds_build, stats)
            if self.stop():
                return p, ctx, stats, dataclasses.replace(self.empty, status="cancelled",
                                                          diagnosis="cancelled by the user")
            if cs.mode != "soft":
                findings = prechecks(p, ctx["terr"], ctx["units"].frame, ctx["tol"])
                pruning_only = all("can reach at most" in f for f in findings)
                if findings and (k >= p.n_terr or not pruning_only):
                    return p, ctx, stats, dataclasses.replace(self.empty, status="infeasible",
                                                              diagnosis=diagnosis_text(findings),
                                                              seconds_solve=self.elapsed_solve())
                if findings:
                    k = min(p.n_terr, k * 2)  # pruning too tight for these bands: widen the candidate lists
                    continue
            try:
                out = solve_parts(cs, p, self.progress, self.stop, self.solve_budget, stats, self.expander(stats), k,
                                  runner=runner, group_labels=group_labels(cs, ctx["terr"]),
                                  warm=warm_units(warm, ctx))
            except Cancelled:
                return p, ctx, stats, dataclasses.replace(self.empty, status="cancelled",
                                                          diagnosis="cancelled by the user",
                                                          seconds_solve=self.elapsed_solve())
            more = int(np.diff(p.cand.ptr).max(initial=0)) < p.n_terr and k < p.n_terr
            if (out[0] == "infeasible" and more and stats.get("lp_infeasible")
                    and self.solve_budget.left() > cs.retry_margin_s):
                k = min(p.n_terr, k * 2)  # the LP over the pruned pairs is infeasible: maybe the pruning, not the bands
                continue
            self.seconds_build += stats.pop("seconds_components_build", 0.0)
            return p, ctx, stats, out

    def expander(self, stats: dict) -> Callable[[int], Problem]:
        """The same instance with longer candidate lists (for a part whose LP is infeasible), built once per k."""
        expanded: dict[int, Problem] = {}

        def expand(k2: int) -> Problem:
            if k2 not in expanded:
                tb = time.perf_counter()
                expanded[k2] = self.carver.prepare(self.accounts, self.reps, self.plan_year, self.as_of, k2)[0]
                stats["seconds_components_build"] = stats.get("seconds_components_build", 0.0) + time.perf_counter() - tb
            return expanded[k2]
        return expand

    def failure(self, p: Problem, ctx: dict, stats: dict, status: str) -> CarveResult:
        """No plan: say why in plain words (the elastic LP names the bands that cannot hold)."""
        seconds_solve = self.elapsed_solve()
        if status == "infeasible":
            self.progress(0.9, "Diagnosing why no plan fits")
            limit = min(self.cs.diagnosis_max_s, self.budget.extended(self.cs.grace_s).left())
            diag = diagnosis_text(elastic(p, ctx["terr"], time_limit=limit))
        else:
            diag = (f"no whole-account plan found within the {self.cs.time_limit:.0f} s time limit; raise the time "
                    f"limit, widen the bands or use soft mode")
        return dataclasses.replace(self.empty, status=status, diagnosis=diag, seconds_solve=seconds_solve)

    def result(self, p: Problem, ctx: dict, stats: dict, out, name: str | None) -> CarveResult:
        """The plan with its balance, moves and reasons (and, for a fewest-moves run, its bound on moves)."""
        status, assign, objective, bound = out
        report = None
        if self.cs.contiguous:  # post-solve repair, always checked and reported (optimizers.carve.contiguity)
            from optimizers.carve.contiguity import enforce

            self.progress(0.92, "Checking that every geographic territory is one piece")
            assign, report, objective, status = enforce(p, ctx, assign, objective, bound, status, self.cs,
                                                        self.budget.extended(self.cs.grace_s))
        seconds_solve = self.elapsed_solve()
        self.progress(0.95, "Explaining moves")
        res = assemble(self.cs, self.carver.defaults, p, ctx, assign, status, objective, bound, self.seconds_build,
                       seconds_solve, stats, self.plan_year, self.as_of, self.reps, name)
        if report is not None:
            from optimizers.carve.contiguity import annotate

            annotate(res, report, ctx["units"], ctx["acc"])
        if self.cs.objective != "cost":
            # the LP bound less the travel tie-break is a bound on moves (ARR moved) alone: no plan within these
            # bands and rules does better
            lo = (bound - 0.4) * ctx["objective_scale"]
            res.stats["objective_bound"] = max(float(np.ceil(lo - 1e-6)) if self.cs.objective == "moves" else lo, 0.0)
        self.progress(1.0, res.summary())
        return res


def group_labels(cs: CarveSettings, terr: pd.DataFrame) -> list[str]:
    """A readable group name per territory (segment, and region when accounts stay in their region)."""
    lab = terr["segment"].astype(str)
    if cs.match_region:
        lab = lab + " · " + terr["region"].astype("string").fillna("").astype(str)
    return lab.tolist()


def warm_units(warm: pd.Series | None, ctx: dict) -> np.ndarray | None:
    """Territory index per unit from an account → territory plan (None when it does not cover every unit)."""
    if warm is None:
        return None
    t_of = pd.Series(np.arange(len(ctx["terr"])), index=ctx["terr"].index)
    acc_t = ctx["acc"]["account_id"].astype(str).map(warm.astype(object)).map(t_of)
    if acc_t.isna().any():
        return None
    units = ctx["units"]
    out = np.full(len(units), -1, dtype=np.int64)
    out[units.of_account] = acc_t.to_numpy(int)
    return out


def carve(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings: CarveSettings | None = None,
          defaults: Settings | None = None, as_of=None, **kw) -> CarveResult:
    """Shortcut: ``TerritoryCarver(settings, defaults).solve(...)``."""
    return TerritoryCarver(settings, defaults).solve(accounts, reps, plan_year, as_of=as_of, **kw)
