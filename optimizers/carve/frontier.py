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
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from optimizers.carve.model import Cancelled
from optimizers.carve.result import CarveResult
from optimizers.carve.settings import DEFAULT_CONTINUITY, CarveSettings
from optimizers.carve.solve import ProgressFn, TerritoryCarver
from planning.data import Settings

FRONTIER_BY = ("moves", "arr_moved")


@dataclass
class FrontierPoint:
    label: str  # "fewest moves" | "shortest travel" | "≤ 1,400 moves"
    result: CarveResult
    weight: float | None  # the continuity weight of a point between the ends (None: the fewest-moves end)

    @property
    def moves(self) -> int:
        return int(self.result.stats.get("moves_counted", len(self.result.moves)))

    @property
    def arr_moved(self) -> float:
        return float(self.result.stats.get("arr_moved_counted", 0.0))

    @property
    def travel_mi(self) -> float:
        return float(self.result.stats.get("total_distance_mi", np.nan))


@dataclass
class Frontier:
    points: list[FrontierPoint]  # fewest moves first, shortest travel last
    by: str  # moves | arr_moved
    bound: float  # no plan within the bands moves fewer accounts (less ARR) than this
    seconds: float
    dropped: int = 0  # dominated points removed
    warnings: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per point: moves, ARR moved, travel, worst band deviation per metric, status, gap, seconds."""
        rows = []
        for i, pt in enumerate(self.points):
            r = pt.result
            row = {"point": i + 1, "label": pt.label, "accounts_moved": pt.moves, "arr_moved_usd": pt.arr_moved,
                   "travel_mi": pt.travel_mi, "status": r.status, "gap": r.gap,
                   "seconds": r.seconds_build + r.seconds_solve}
            for b in r.balance.itertuples():
                row[f"worst_dev_{b.metric}"] = b.worst_dev_after
            rows.append(row)
        return pd.DataFrame(rows)

    def headline(self) -> str:
        what = "accounts" if self.by == "moves" else "USD of ARR"
        val = f"{self.bound:,.0f}"
        first = self.points[0]
        got = first.moves if self.by == "moves" else first.arr_moved
        return (f"No plan within these bands and rules moves fewer than {val} {what}; the fewest-moves plan moves "
                f"{got:,.0f}.")


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


def sweep_weights(points: int, own: float = DEFAULT_CONTINUITY) -> np.ndarray:
    """Continuity weights of the points between the ends, strongest first: geometric from 30 down to 0.3, with
    the nearest one replaced by the user's own weight so today's setting is a point on the curve."""
    n = points - 2
    if n <= 0:
        return np.array([])
    w = np.round(np.geomspace(30.0, 0.3, n), 2) if n > 1 else np.array([own])
    if own > 0:
        w[np.argmin(np.abs(np.log(w) - np.log(own)))] = own
    return np.array(sorted(set(w.tolist()), reverse=True))


def non_dominated(pts: list[FrontierPoint], by: str) -> list[FrontierPoint]:
    """Keep points no other point beats on both axes, ordered fewest moves first (travel then falls)."""
    key = (lambda q: q.moves) if by == "moves" else (lambda q: q.arr_moved)
    pts = sorted(pts, key=lambda q: (key(q), q.travel_mi))
    kept: list[FrontierPoint] = []
    for q in pts:
        if kept and q.travel_mi >= kept[-1].travel_mi - 1e-6:
            continue  # as many moves or more and no less travel than a point already kept
        kept.append(q)
    return kept


class FrontierError(RuntimeError):
    """An end of the frontier found no plan (the bands or rules are infeasible, or time ran out)."""

    def __init__(self, result: CarveResult):
        super().__init__(result.summary())
        self.result = result


def pick(front: Frontier, index: int, name: str | None = None) -> CarveResult:
    """The chosen point's result, renamed as the proposal."""
    res = front.points[index].result
    if name:
        res = dataclasses.replace(res, plan=dataclasses.replace(res.plan, name=name))
    return res
