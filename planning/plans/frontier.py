"""The moves-vs-travel curve as a user reads it: its points (each a carve's result), the table and headline, the
weights between its ends, the points no other beats on both axes, and the one the user picks
(:func:`jobs.frontier_job.frontier_on` solves it, in this process or as tasks on a cluster).

1. Fewest moves (exact end): minimise accounts moved (or ARR moved) subject to the bands and rules; travel only
   breaks ties.  Its LP bound, less the tie-break, is a bound on moves alone: "no plan within these bands moves
   fewer than N accounts".
2. Shortest travel: minimise travel with no continuity cost (the last point).
3. Between them, the ordinary carve at falling continuity weights (30 … 0.3, geometric, the user's own among them),
   each warm-started from the fewest-moves plan: that plan meets every band, so it is a valid incumbent from the
   first second.  (An epsilon-constraint, "least travel with at most B moves", was tried first: its one budget row
   links every segment, so the carve cannot decompose, and on the sample company each such point ran to its 60 s
   limit at a 2.7% gap, against ~3–15 s per weighted point that decomposes by segment.)

Points dominated by another (more moves and more travel: a solve stopped at its gap) are dropped, so moves never
rise as travel falls.  Each point is a full carve result; the user picks one and it becomes the proposal.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

FRONTIER_BY = ("moves", "arr_moved")


@dataclass
class FrontierPoint:
    label: str  # "fewest moves" | "shortest travel" | "≤ 1,400 moves"
    result: Any  # optimizers.carve.CarveResult
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


def sweep_weights(points: int, own: float) -> np.ndarray:
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

    def __init__(self, result: Any):
        super().__init__(result.summary())
        self.result = result


def pick_point(front: Frontier, index: int, name: str | None = None) -> Any:
    """The chosen point's result, renamed as the proposal."""
    res = front.points[index].result
    if name:
        res = dataclasses.replace(res, plan=dataclasses.replace(res.plan, name=name))
    return res
