"""The strategies of the default repair ladder (:mod:`optimizers.carve.ladder`), in order: mended rounding,
starting plan, fractional repair, neighbourhood repair, narrowed bands, LP rounding, integer repair (a growing pool
of units, the whole part when small) and greedy.  Each is a small class (``name``, ``needs_time``, ``applies``,
``run``); the rules for their time are named fields of :class:`~optimizers.carve.settings.CarveSettings`."""
from __future__ import annotations

import time

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.ladder import Candidate, LadderState
from optimizers.carve.model import (
    Cancelled,
    assignment_from_x,
    columns_of_units,
    is_feasible,
    objective_of,
    repair_pool,
    x_from_assignment,
)
from optimizers.carve.rebalance import broken_territories, polish
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solvers import resolve_tightened, solve_sub_mip

__all__ = ["DEFAULT_LADDER", "MendedRounding", "StartingPlan", "FractionalRepair", "NeighbourhoodRepair",
           "NarrowedBands", "LpRounding", "IntegerRepair", "Greedy"]


def _good_enough(cs: CarveSettings, bound: float) -> float | None:
    """The objective at which a repair may stop: within the gap target of the LP ``bound`` (None: no usable bound)."""
    return None if bound <= 0 else bound / (1 - 0.9 * cs.mip_gap)


def _sub_mip(s: LadderState, assign: np.ndarray, free: np.ndarray, time_limit_s: float, gap_abs: float | None,
             good: float | None, warm: np.ndarray | None = None):
    """Every repair's integer step: units ``free`` re-optimised with every other unit where ``assign`` puts it,
    warm from ``warm`` (a plan; default ``assign``), its seconds counted; a cancel raises."""
    x0 = x_from_assignment(s.p, s.mx, assign)
    sub = solve_sub_mip(s.mx, columns_of_units(s.p, s.mx, free), x0, time_limit_s, s.cs.mip_gap,
                        x0 if warm is None else x_from_assignment(s.p, s.mx, warm), gap_abs, should_stop=s.stop,
                        good_enough=good)
    s.stats["seconds_repair"] = s.stats.get("seconds_repair", 0.0) + sub.seconds
    if s.stop():
        raise Cancelled()
    return sub


class MendedRounding:
    """The LP's rounding mended by single moves (:func:`~optimizers.carve.rebalance.polish`); where a few books still
    break a band (a move that mends one metric breaks another), their cheapest movers and those of the books they
    reach re-optimised in a small MIP, then polished again.  Ends the ladder within the part's own ``accept_gap``
    ("feasible"), for a part of a carve whose gap target is for the whole.

    The rounding of a four-metric LP at ±5% breaks a few bands by a few accounts; at 10,000×50 the moves alone mend
    it within 0.75% of the bound in 0.8 s (weight 1), and at weight 5 leave one book out, which a 124-unit MIP mends
    in 0.3 s (0.77%).  The integer repairs that follow took 20-160 s for the same."""

    name, needs_time = "mended rounding", True

    def applies(self, s: LadderState) -> bool:
        return not s.small

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        plan = self.mended(s, budget)
        if plan is None:
            return None
        obj = s.objective(plan)
        gap = s.gap(obj)
        s.progress(0.4, f"{s.tag}mended plan {gap:.2%} from the LP bound")
        within = s.accept_gap is not None and gap <= s.accept_gap + 1e-9
        return Candidate(plan, obj, status="feasible" if within else None)

    @staticmethod
    def mended(s: LadderState, budget: Budget) -> np.ndarray | None:
        """The mended plan when it meets every row, else None."""
        cs, p, mx = s.cs, s.p, s.mx
        t0 = time.perf_counter()
        left = budget.left()
        if left < cs.mend_min_s or p.max_moves is not None or p.max_arr_moved is not None:
            return None  # budgets link every move: single moves cannot be priced one by one
        s.progress(0.3, f"{s.tag}mending the LP's rounding by single moves and swaps")
        cap = max(min(cs.mend_share * left, cs.mend_max_s), cs.mend_min_s)
        good = _good_enough(cs, s.bound)
        plan = polish(p, mx, assignment_from_x(p, s.x_lp), budget.child(cap), good)
        broken = broken_territories(p, plan)
        if len(broken) and not p.soft and not s.stop():
            sub = _around_books(s, plan, broken, cs.repair_pool, min(budget.left(), max(cs.mend_mip_min_s,
                                s.lp.seconds)), good, 0.5 * cs.mip_gap * abs(s.bound))
            if sub.x is not None:
                mended = assignment_from_x(p, sub.x)
                if is_feasible(p, mx, mended):
                    again = polish(p, mx, mended, budget.child(cap), good)
                    plan = again if is_feasible(p, mx, again) else mended
        s.stats["seconds_mend"] = s.stats.get("seconds_mend", 0.0) + time.perf_counter() - t0
        return plan if is_feasible(p, mx, plan) else None


def _around_books(s: LadderState, plan: np.ndarray, books: np.ndarray, pool: int, time_limit_s: float,
                  good: float | None, gap_abs: float | None):
    """The integer repair of ``plan`` around ``books`` (territory indices): in each, its ``pool`` cheapest movers,
    and a third as many in every book those reach (where a unit taken from a full book can be made up); the MIP
    stops within ``gap_abs`` of its bound (None: the gap target, relative)."""
    p = s.p
    free = repair_pool(p, plan, books, pool)
    near = np.unique(p.cand.terr[np.isin(p.cand.unit, free)])
    free = np.union1d(free, repair_pool(p, plan, near, max(pool // 3, 1)))
    s.progress(0.35, f"{s.tag}integer repair of {len(free):,} units around {len(books):,} book(s) outside a band")
    return _sub_mip(s, plan, free, time_limit_s, gap_abs, good)


class StartingPlan:
    """Hard mode: the best plan so far (today's plan, the caller's warm start, the greedy one), kept when already
    within the gap target of the LP bound (nothing to repair); it keeps its own source."""

    name, needs_time = "starting plan", False

    def applies(self, s: LadderState) -> bool:
        return s.best is not None and not s.p.soft

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        inc = s.best_obj
        if inc <= s.bound + s.cs.mip_gap * 0.9 * abs(inc):
            return Candidate(s.best, inc, source=s.best_from)
        return None


class _RoundingRepair:
    """A repair around a plan (:meth:`base`: the LP's rounding): ``free`` units re-optimised (a small MIP) with every
    other unit where that plan puts it, for at most ``cap`` seconds; the plan when it meets every band."""

    name, needs_time = "", True

    def applies(self, s: LadderState) -> bool:
        return not s.small

    def base(self, s: LadderState) -> np.ndarray:
        return s.rounded()[0]

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        _, frac_pairs, frac_units = s.rounded()
        assign = self.base(s)
        pool = self.pool(s, budget, assign, frac_pairs, frac_units)
        if pool is None:
            return None
        free, cap, message = pool
        left = budget.left()
        if left < s.cs.repair_min_left_s or cap < s.cs.repair_min_cap_s:
            return None
        s.progress(0.35, message)
        s.stats["first_repair_units"] = max(s.stats.get("first_repair_units", 0), len(free))
        sub = _sub_mip(s, assign, free, min(left, cap), 0.5 * s.cs.mip_gap * abs(s.bound), _good_enough(s.cs, s.bound))
        a = assignment_from_x(s.p, sub.x) if sub.x is not None else None
        return Candidate(a, s.objective(a)) if a is not None and is_feasible(s.p, s.mx, a) else None


class FractionalRepair(_RoundingRepair):
    """Every unit the LP places whole stays; only its fractional units are re-optimised (at 10,000×50 on four
    metrics at ±5%, 152 units, 0.2% from the bound).  A gamble, so it gets half the LP's time at most (a tenth of the
    time left): when the residual has no room (at 10,000×50, weight 5, it found nothing in 56 s), the next steps
    must keep their time."""

    name = "fractional repair"

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        assign, _, frac_units = s.rounded()
        if not len(frac_units):
            return Candidate(assign, s.objective(assign)) if is_feasible(s.p, s.mx, assign) else None
        return super().run(s, budget)

    def pool(self, s: LadderState, budget: Budget, assign, frac_pairs, frac_units):
        cs = s.cs
        cap = max(cs.fractional_min_s, min(cs.fractional_share * budget.left(), cs.fractional_lp_factor * s.lp.seconds))
        return frac_units, cap, f"{s.tag}integer repair of the LP's {len(frac_units):,} fractional units"


class NeighbourhoodRepair(_RoundingRepair):
    """The fractional units and, in every territory they touch, the ``cs.repair_pool`` units that are cheapest to
    move, around the LP's rounding; stopped as soon as the plan is within the gap target.  One balance metric
    only, where it is the path that works: at 10,000×50 the narrowed-band path that follows found no plan within
    0.5% in 300 s where this one needed 4-45 s (HiGHS's time varies that much from one instance to the next), so it
    gets three times the LP time (at least 20 s, at most 40% of the time left).  On several metrics it was measured
    and not kept: it solved some parts of 50,000×250 in 3-7 s but gave up on others after its cap; on the benchmark
    instances it was neutral at best against greedy in the same run (50,000×250, weights 1 / 5: 24× / 30× greedy's
    time with a 10 s cap, 36× / 34× with 20 s, 25× / 33× without it), though it helped on another seed (10,000×50
    weight 1: 120 s -> 31 s).  Worth revisiting with a cheaper first plan.

    Around the mended rounding when it gave a plan (every band held, a little above the gap target), else around
    the LP's rounding: the MIP then starts from a plan that holds every band and only has to make it cheaper.
    Around the rounding it must first find one: on real ZIP centroids with σ 1.2 potential (10,000×50) the mended
    plan was 0.55% from the bound and this MIP found nothing from the rounding in its 20 s, where from the mended
    plan it reached 0.34% in 6 s.  (A starting plan, today's or the caller's, is no base: made without the LP, it
    can lie far from the LP's plan, whose fractional books the pool is drawn from.)"""

    name = "neighbourhood repair"

    def base(self, s: LadderState) -> np.ndarray:
        return s.best if s.best is not None and s.best_from == MendedRounding.name else s.rounded()[0]

    def pool(self, s: LadderState, budget: Budget, assign, frac_pairs, frac_units):
        if len(s.p.metric_names) != 1 or not frac_pairs.any():
            return None
        cs = s.cs
        free = np.union1d(frac_units, repair_pool(s.p, assign, np.unique(s.p.cand.terr[frac_pairs]), cs.repair_pool))
        cap = min(cs.neighbourhood_share * budget.left(),
                  max(cs.neighbourhood_min_s, cs.neighbourhood_lp_factor * s.lp.seconds))
        return free, cap, f"{s.tag}integer repair of {len(free):,} units around the LP's rounding"


class NarrowedBands:
    """Hard mode: the LP re-solved with its bands narrowed a little, then more, until its rounding fits the real
    bands; replaces the state's LP solution (gives no plan itself: :class:`LpRounding` and
    :class:`IntegerRepair` start from it)."""

    name, needs_time = "narrowed bands", True

    def applies(self, s: LadderState) -> bool:
        return not s.p.soft and not s.small and s.cs.band_margin > 0

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        cs = s.cs
        for margin in (cs.band_margin / 4, cs.band_margin / 2, cs.band_margin):
            if budget.left() < cs.narrow_min_s or s.stop():
                break
            s.progress(0.4, f"{s.tag}LP with bands narrowed by {margin:.0%} (room for rounding)")
            tight = resolve_tightened(s.lp, s.p, s.mx, 1 - margin, budget.left())
            s.stats["seconds_lp"] += tight.seconds
            if tight.x is None:
                break
            s.x_lp, s.band_margin_used = tight.x, margin
            s.stats["band_margin_used"] = margin
            if is_feasible(s.p, s.mx, assignment_from_x(s.p, s.x_lp)):
                break
        return None


class LpRounding:
    """The LP's rounding (after :class:`NarrowedBands`, of the narrowed LP): in soft mode a plan to keep when it
    keeps the disruption budget (the greedy plan ignores owners and the lower bands); the plan when it meets every
    band and is within the target, or has no fractional unit left ("feasible")."""

    name, needs_time = "LP rounding", False

    def applies(self, s: LadderState) -> bool:
        return True

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        assign, _, frac_units = s.rounded()
        source = self.name + (" (bands narrowed)" if s.band_margin_used else "")
        feasible = is_feasible(s.p, s.mx, assign)
        obj = s.objective(assign) if feasible else np.inf
        if s.p.soft and feasible:
            s.offer(assign, obj, source)
        s.stats["fractional_units"] = s.stats.get("fractional_units", 0) + len(frac_units)
        if s.small or not feasible:
            return None
        if s.gap(obj) <= s.cs.mip_gap + 1e-9 or not len(frac_units):
            return Candidate(assign, obj, status="feasible", source=source)
        return None


class IntegerRepair:
    """The ladder's last solver step, ending it with its status: the fractional units of the LP's rounding and a
    pool of the cheapest movers of every territory they touch re-optimised (the rounding fixed elsewhere), the pool tripled while no plan within the gap
    target is found, the whole part on the sixth try (from the start when small: one MIP, warm from the best plan).
    The best of its plans and the one kept so far (status: optimal, feasible or time_limit); a Candidate without
    a plan when the whole part is proven infeasible; None when it found nothing."""

    name, needs_time = "integer repair", True

    def applies(self, s: LadderState) -> bool:
        return True

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        cs, p, mx, stats = s.cs, s.p, s.mx, s.stats
        assign, frac_pairs, frac_units = s.rounded()
        touched = np.unique(p.cand.terr[frac_pairs])
        pool = cs.repair_pool
        free_all = np.flatnonzero(np.diff(p.cand.ptr) > 1)
        best, best_obj, source, status = s.best, s.best_obj, s.best_from, None
        for attempt in range(6):
            free = free_all if s.small or attempt == 5 else np.union1d(frac_units, repair_pool(p, assign, touched, pool))
            remaining = budget.left()
            if (remaining < cs.part_min_s and best is not None) or budget.expired():
                break
            s.progress(0.5 + 0.08 * attempt, f"{s.tag}integer repair of {len(free):,} units (attempt {attempt + 1})")
            gap_abs = None if s.small else 0.5 * cs.mip_gap * abs(s.lp.objective)
            # an incumbent within the gap target of the whole problem's LP bound is good enough
            good = None if s.small else _good_enough(cs, s.bound)
            stats["repair_units"] = len(free)
            # warm start: the best plan when the whole part is one MIP, else the LP rounding (elastic repair)
            sub = _sub_mip(s, assign, free, remaining, gap_abs, good, warm=best if s.small and best is not None else None)
            if sub.x is not None:
                a = assignment_from_x(p, sub.x)
                obj = objective_of(p, mx, a)
                if obj < best_obj:
                    best, best_obj, source = a, obj, self.name
                if np.isfinite(sub.bound) and len(free) == len(free_all):
                    s.bound = max(s.bound, sub.bound)
                gap = s.gap(best_obj)
                status = "optimal" if gap <= cs.mip_gap + 1e-9 else ("time_limit" if sub.status == "time_limit"
                                                                      else "feasible")
                if gap <= cs.mip_gap + 1e-9 or len(free) == len(free_all) or sub.status == "time_limit":
                    break
            elif len(free) == len(free_all):
                if sub.status == "infeasible" and best is None:
                    return Candidate(None, status="infeasible")
                break
            # no plan within the target, or an infeasible neighbourhood: free more units around more territories
            touched = np.unique(np.concatenate([touched, np.unique(p.cand.terr[np.isin(p.cand.unit, free)])]))
            pool *= 3
        if status is None:
            return None
        return Candidate(best, best_obj, status=status, source=source)


class Greedy:
    """When nothing else found a plan: the greedy one (nearest books first), when it meets every band."""

    name, needs_time = "greedy", False

    def applies(self, s: LadderState) -> bool:
        return s.best is None

    def run(self, s: LadderState, budget: Budget) -> Candidate | None:
        if not s.greedy_tried:
            s.with_greedy()
        return None  # kept by the state; the ladder ends with it as "time_limit"


DEFAULT_LADDER: tuple = (MendedRounding(), StartingPlan(), FractionalRepair(), NeighbourhoodRepair(),
                         NarrowedBands(), LpRounding(), IntegerRepair(), Greedy())
