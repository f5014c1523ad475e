"""Orchestration: prepare the problem, check it, solve its parts, widen candidates where pruning was too tight,
diagnose a failure, and assemble the result."""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from optimizers.carve.decompose import solve_components
from optimizers.carve.diagnose import diagnosis_text, elastic, prechecks
from optimizers.carve.model import Cancelled, Problem
from optimizers.carve.prepare import prepare
from optimizers.carve.result import CarveResult, assemble, empty_result
from optimizers.carve.settings import CarveSettings
from planning.data import Settings

ProgressFn = Callable[[float, str], None]


class TerritoryCarver:
    """``TerritoryCarver(settings).solve(accounts, reps, plan_year=..., as_of=...) -> CarveResult``."""

    def __init__(self, settings: CarveSettings | None = None, defaults: Settings | None = None):
        self.cs = settings or CarveSettings()
        self.cs.validate()
        self.defaults = defaults or Settings()
    def prepare(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp,
                k: int | None = None):
        """Units, territories, candidates, targets and costs as a :class:`Problem` (+ context for reporting)."""
        return prepare(self.cs, self.defaults, accounts, reps, plan_year, as_of, k)

    # ---------------------------------------------------------------- solve
    def solve(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp | str | None = None,
              progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
              name: str | None = None) -> CarveResult:
        cs = self.cs
        progress = progress or (lambda f, m: None)
        stop = should_stop or (lambda: False)
        as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
        t0 = time.perf_counter()
        k = cs.candidates
        seconds_build = 0.0
        deadline = t0 + cs.time_limit
        # a share of the time limit is kept for the contiguity repair of geographic units
        end = deadline
        if cs.contiguous and set(cs.units.values()) & {"zip", "zip3", "county", "state"}:
            deadline -= cs.contiguity_share * cs.time_limit
        while True:
            tb = time.perf_counter()
            progress(0.02, f"Building carving units and candidates ({k} nearest territories per unit)")
            p, ctx = self.prepare(accounts, reps, plan_year, as_of, k)
            terr, units, acc = ctx["terr"], ctx["units"], ctx["acc"]
            seconds_build += time.perf_counter() - tb
            stats: dict[str, Any] = {"units": len(units), "accounts": len(acc), "territories": p.n_terr,
                                     "pairs": len(p.cand.unit), "candidates_k": k,
                                     "fixed_units": int((np.diff(p.cand.ptr) == 1).sum())}
            empty = empty_result(cs, ctx, seconds_build, stats)
            if stop():
                return dataclasses.replace(empty, status="cancelled", diagnosis="cancelled by the user")
            if not cs.mode == "soft":
                findings = prechecks(p, terr, units.frame, ctx["tol"])
                pruning_only = all("can reach at most" in f for f in findings)
                if findings and (k >= p.n_terr or not pruning_only):
                    return dataclasses.replace(empty, status="infeasible", diagnosis=diagnosis_text(findings),
                                               seconds_solve=time.perf_counter() - t0 - seconds_build)
                if findings:
                    k = min(p.n_terr, k * 2)  # pruning too tight for these bands: widen the candidate lists
                    continue
            try:
                expanded: dict[int, Problem] = {}

                def expand(k2: int, _k=k) -> Problem:
                    """The same instance with longer candidate lists (for a part whose LP is infeasible)."""
                    if k2 not in expanded:
                        tb2 = time.perf_counter()
                        expanded[k2] = self.prepare(accounts, reps, plan_year, as_of, k2)[0]
                        stats["seconds_components_build"] = (stats.get("seconds_components_build", 0.0)
                                                             + time.perf_counter() - tb2)
                    return expanded[k2]

                out = solve_components(cs, p, progress, stop, deadline, stats, expand, k)
            except Cancelled:
                return dataclasses.replace(empty, status="cancelled", diagnosis="cancelled by the user",
                                           seconds_solve=time.perf_counter() - t0 - seconds_build)
            more = int(np.diff(p.cand.ptr).max(initial=0)) < p.n_terr and k < p.n_terr
            if out[0] == "infeasible" and more and stats.get("lp_infeasible") and time.perf_counter() < deadline - 2:
                # the LP over the pruned pairs is infeasible: it may be the pruning, not the bands
                k = min(p.n_terr, k * 2)
                continue
            break
        seconds_build += stats.get("seconds_components_build", 0.0)
        seconds_solve = time.perf_counter() - t0 - seconds_build
        stats.pop("seconds_components_build", None)
        status, assign, objective, bound = out
        if assign is None:
            diag = ""
            if status == "infeasible":
                progress(0.9, "Diagnosing why no plan fits")
                diag = diagnosis_text(elastic(p, terr, time_limit=min(20.0, max(5.0, deadline - time.perf_counter()))))
            else:
                diag = (f"no whole-account plan found within the {cs.time_limit:.0f} s time limit; raise the time "
                        f"limit, widen the bands or use soft mode")
            return dataclasses.replace(empty, status=status, diagnosis=diag, seconds_solve=seconds_solve)
        report = None
        if cs.contiguous:  # post-solve repair, always checked and reported (optimizers.carve.contiguity)
            from optimizers.carve.contiguity import enforce

            progress(0.92, "Checking that every geographic territory is one piece")
            assign, report, objective, status = enforce(p, ctx, assign, objective, bound, status, cs,
                                                        max(5.0, end - time.perf_counter()))
            seconds_solve = time.perf_counter() - t0 - seconds_build
        progress(0.95, "Explaining moves")
        res = assemble(cs, self.defaults, p, ctx, assign, status, objective, bound, seconds_build, seconds_solve, stats,
                             plan_year, as_of, reps, name)
        if report is not None:
            from optimizers.carve.contiguity import annotate

            annotate(res, report, ctx["units"], ctx["acc"])
        progress(1.0, res.summary())
        return res



def carve(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings: CarveSettings | None = None,
          defaults: Settings | None = None, as_of=None, **kw) -> CarveResult:
    """Shortcut: ``TerritoryCarver(settings, defaults).solve(...)``."""
    return TerritoryCarver(settings, defaults).solve(accounts, reps, plan_year, as_of=as_of, **kw)
