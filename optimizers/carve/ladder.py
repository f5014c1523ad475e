"""The repair ladder: how one part's LP relaxation becomes an integer plan, as an ordered list of named strategies.

:func:`optimizers.carve.repair.solve_one` builds the part, solves its LP (the bound), then :func:`walk`s a ladder:
each :class:`Strategy` that ``applies`` to the :class:`LadderState` ``run``s within the part's budget and returns a
:class:`Candidate` plan or None.  The walk keeps the best plan, stops as soon as a plan is within the gap target
(``cs.mip_gap`` of the bound: "optimal") or a strategy's own rule ends it (a :class:`Candidate` with a ``status``),
skips every strategy that needs solver time once the budget is spent (the cheap ones still give a plan), and
reports which strategy produced the plan (:attr:`Solved.strategy`, "plan from" in the carve's stats).

The default ladder, in order, is :data:`optimizers.carve.strategies.DEFAULT_LADDER`.

A ladder is injectable: ``CarveSettings(ladder=(...))`` (a test passes its own strategies).  Strategies raise
:class:`~optimizers.carve.model.Cancelled` when the user cancels; any exception ends the part, as it always did.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.greedy import greedy_assign
from optimizers.carve.model import Cancelled, Matrix, Problem, assignment_from_x, gap_of, is_feasible, objective_of
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solvers import LPResult

__all__ = ["Candidate", "LadderState", "Solved", "Strategy", "describe_sources", "walk"]


@dataclass
class Candidate:
    """A plan a strategy offers: ``plan`` (territory per unit; None with ``status`` "infeasible": proven that no plan
    exists), its ``objective``, ``status`` when the strategy's own rule ends the ladder with it ("feasible",
    "time_limit", "infeasible"; None: a plan to keep if it is the best), and its ``source`` (default: the strategy)."""

    plan: np.ndarray | None
    objective: float = np.nan
    status: str | None = None
    source: str | None = None


@dataclass
class Solved:
    """What one part's solve returns (typed: nothing of it is carried in the stats dict).  Unpacks as the older
    4-tuple ``status, assign, objective, bound``."""

    status: str  # optimal | feasible | time_limit | infeasible
    assign: np.ndarray | None
    objective: float
    bound: float
    strategy: str = ""  # which strategy produced the plan ("mended rounding", "greedy", …; "" without a plan)
    lp_infeasible: bool = False  # the LP over the pruned pairs is infeasible: longer candidate lists may help
    bands_broken: bool = False  # soft mode: the LP itself breaks a band (with longer candidate lists it may not)
    band_excess: float = 0.0  # soft mode: the LP's worst book outside its band, as a share of its target
    bound_plain: float = np.nan  # contiguity cuts: the LP bound without them (``bound`` is then the LP with them)
    split: int = 0  # contiguity cuts: territories still in more than one piece in the plan
    bound_rooted: bool = False  # contiguity cuts: ``bound`` is the rooted cuts', a bound only on plans holding every
    # root (the plan does, or ``bound_rootless`` is kept for when the final plan does not)
    bound_rootless: float = np.nan  # … the part's plan misses a root: the bound on every one-piece plan
    lp_pairs: np.ndarray | None = None  # a priced LP's pairs when it stopped (bool per pair; None: not priced): a
    # second try of the part starts its LP from them instead of pricing them in again

    def __iter__(self):
        return iter((self.status, self.assign, self.objective, self.bound))


@dataclass
class LadderState:
    """One part between its LP and its plan: the problem, the LP (``x_lp`` may be replaced by a narrowed-band LP),
    the bound (raised by a whole-part MIP), and the best plan so far with where it came from."""

    cs: CarveSettings
    p: Problem
    mx: Matrix
    progress: Callable[[float, str], None]
    stop: Callable[[], bool]
    stats: dict[str, Any]
    tag: str = ""
    accept_gap: float | None = None
    lp: LPResult | None = None
    bound: float = -np.inf
    x_lp: np.ndarray | None = None
    band_margin_used: float = 0.0
    greedy_tried: bool = False
    best: np.ndarray | None = None
    best_obj: float = np.inf
    best_from: str = ""
    _rounded: tuple = field(default=(), repr=False)

    @property
    def small(self) -> bool:
        """Small enough for the whole part to be one MIP (``cs.full_mip_max_pairs``)."""
        return self.mx.n_pairs <= self.cs.full_mip_max_pairs

    def objective(self, plan: np.ndarray) -> float:
        return objective_of(self.p, self.mx, plan)

    def gap(self, objective: float) -> float:
        return gap_of(objective, self.bound)

    def offer(self, plan: np.ndarray, objective: float, source: str) -> bool:
        """Keep ``plan`` when it is the first or cheaper than the best so far."""
        if self.best is None or objective < self.best_obj:
            self.best, self.best_obj, self.best_from = np.asarray(plan), objective, source
            return True
        return False

    def with_greedy(self) -> None:
        """Offer the greedy plan (computed once per part: a Python loop, 1 s at 10,000 units) when it meets every
        band (soft: always)."""
        self.greedy_tried = True
        self.progress(0.05, f"{self.tag}greedy start")
        g = greedy_assign(self.p)
        if is_feasible(self.p, self.mx, g):
            self.offer(g, self.objective(g), "greedy")

    def rounded(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The current LP's rounding, its fractional pairs (mask) and fractional units."""
        if not self._rounded or self._rounded[0] is not self.x_lp:
            xp = self.x_lp[: self.mx.n_pairs]
            frac_pairs = (xp > 1e-6) & (xp < 1 - 1e-6)
            self._rounded = (self.x_lp, assignment_from_x(self.p, self.x_lp), frac_pairs,
                             np.unique(self.p.cand.unit[frac_pairs]))
        return self._rounded[1], self._rounded[2], self._rounded[3]


@runtime_checkable
class Strategy(Protocol):
    """One rung of the ladder: ``name`` (as a reader sees it: "plan from: mended rounding"), ``needs_time`` (skipped
    once the part's budget is spent), ``applies(state)`` and ``run(state, budget) -> Candidate | None``."""

    name: str
    needs_time: bool

    def applies(self, state: LadderState) -> bool: ...

    def run(self, state: LadderState, budget: Budget) -> Candidate | None: ...


def walk(ladder: Sequence[Strategy], state: LadderState, budget: Budget) -> Solved:
    """Walk ``ladder`` in order (see the module docstring); the part's result and the strategy behind its plan."""
    cs = state.cs
    for strategy in ladder:
        if state.stop():
            raise Cancelled()
        if (strategy.needs_time and budget.expired()) or not strategy.applies(state):
            continue
        cand = strategy.run(state, budget)
        if cand is None:
            continue
        source = cand.source or strategy.name
        if cand.plan is None:
            return Solved(cand.status or "infeasible", None, np.nan, np.nan, "")
        obj = float(cand.objective)
        if state.gap(obj) <= cs.mip_gap + 1e-9:
            return Solved("optimal", cand.plan, obj, min(state.bound, obj), source)
        if cand.status is not None:
            return Solved(cand.status, cand.plan, obj, min(state.bound, obj), source)
        state.offer(cand.plan, obj, source)
    if state.best is not None:
        return Solved("time_limit", state.best, state.best_obj, min(state.bound, state.best_obj), state.best_from)
    return Solved("time_limit" if budget.expired() else "infeasible", None, np.nan, np.nan, "")


def describe_sources(sources: Iterable[str]) -> str:
    """Where a carve's plan came from, for a reader: "mended rounding", or per part "mended rounding (5 parts),
    integer repair (1 part)" (most parts first)."""
    counts = Counter(s for s in sources if s)
    if len(counts) <= 1:
        return next(iter(counts), "")
    return ", ".join(f"{s} ({n} part{'s' if n > 1 else ''})" for s, n in counts.most_common())

