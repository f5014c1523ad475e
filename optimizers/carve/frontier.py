"""The moves-vs-travel trade-off: a short series of carves from fewest moves to shortest travel.

1. Fewest moves (exact end): minimise accounts moved (or ARR moved) subject to the bands and rules; travel only
   breaks ties.  Its LP bound, less the tie-break, is a bound on moves alone: "no plan within these bands moves
   fewer than N accounts".
2. Shortest travel: minimise travel with no continuity cost (the last point).
3. Between them, the ordinary carve at falling continuity weights (30 … 0.5, geometric), strongest first, each
   warm-started from the point before: that plan meets every band, so it is a valid incumbent from the first
   second.  (An epsilon-constraint, "least travel with at most B moves", was tried first: its one budget row links
   every segment, so the carve cannot decompose, and on the sample company each such point ran to its 60 s limit
   at a 2.7% gap, against ~3–15 s per weighted point that decomposes by segment.)

Points dominated by another (more moves and more travel: a solve stopped at its gap) are dropped, so moves never
rise as travel falls.  Each point is a full :class:`CarveResult`; the user picks one and it becomes the proposal.
The curve's types and what reads it (the table, dropping dominated points, picking one) are
:mod:`planning.plans.frontier`'s.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pandas as pd

from optimizers.carve.model import Cancelled
from optimizers.carve.result import CarveResult
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solve import ProgressFn, TerritoryCarver
from planning.data import Settings
from planning.plans.frontier import (FRONTIER_BY, Frontier, FrontierError, FrontierPoint, non_dominated,
                                     sweep_weights)


def checked_settings(settings: CarveSettings | None, points: int, by: str) -> CarveSettings:
    """The curve's base settings, after checking its axis and point count (ValueError in plain words)."""
    if by not in FRONTIER_BY:
        raise ValueError(f"frontier by must be one of {', '.join(FRONTIER_BY)}, not {by!r}")
    if points < 2:
        raise ValueError("a frontier needs at least 2 points (fewest moves and shortest travel)")
    base = settings or CarveSettings()
    base.validate()
    return base


def frontier(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings: CarveSettings | None = None,
             points: int = 6, by: str = "moves", defaults: Settings | None = None, as_of=None,
             progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
             runner=None) -> Frontier:
    """Solve ``points`` carves along the moves–travel trade-off (each with the settings' time limit)."""
    base = checked_settings(settings, points, by)
    progress = progress or (lambda f, m: None)
    t0 = time.perf_counter()
    budget_key = "max_moves" if by == "moves" else "max_arr_moved"
    # the frontier moves along its own axis: the user's own budget on it would cut it short
    common = dict(base.to_dict(), **{budget_key: None})

    def run(i: int, label: str, warm: pd.Series | None, **over) -> CarveResult:
        cs = CarveSettings.from_dict({**common, **over})

        def prog(f, msg, i=i):
            progress((i + f) / points, f"Point {i + 1}/{points} ({label}): {msg}")
        res = TerritoryCarver(cs, defaults).solve(accounts, reps, plan_year, as_of=as_of, progress=prog,
                                                  should_stop=should_stop, runner=runner, warm=warm,
                                                  name=f"Frontier: {label}")
        if res.status == "cancelled":
            raise Cancelled()
        return res

    first = run(0, "fewest moves", None, objective=by)
    if not first.ok:
        raise FrontierError(first)
    bound = float(first.stats.get("objective_bound", np.nan))
    out = [FrontierPoint("fewest moves", first, None)]
    warm = first.plan.assignment
    inner = []
    for i, w in enumerate(sweep_weights(points, base.continuity_weight), start=1):
        label = f"continuity {w:g}"
        res = run(i, label, warm, objective="cost", continuity_weight=float(w))
        if res.ok:
            inner.append(FrontierPoint(label, res, float(w)))
            warm = res.plan.assignment
    # shortest travel: no continuity cost at all, warm from the point before (its plan meets every band)
    last = run(points - 1, "shortest travel", warm, objective="cost", continuity_weight=0.0)
    if not last.ok:
        raise FrontierError(last)
    pts = out + inner + [FrontierPoint("shortest travel", last, 0.0)]
    kept = non_dominated(pts, by)
    progress(1.0, f"{len(kept)} points on the moves–travel curve")
    return Frontier(points=kept, by=by, bound=max(bound, 0.0), seconds=time.perf_counter() - t0,
                    dropped=len(pts) - len(kept))
