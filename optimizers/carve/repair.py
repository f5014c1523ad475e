"""Solving one part: LP relaxation (the bound), a repair of its fractional units alone, else bands narrowed for
rounding room and the warm-started integer repair of the fractional units and their neighbourhood."""
from __future__ import annotations

import time

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.greedy import greedy_assign
from optimizers.carve.model import (
    Cancelled,
    Problem,
    assignment_from_x,
    build_matrix,
    columns_of_units,
    is_feasible,
    loads_of,
    objective_of,
    repair_pool,
    x_from_assignment,
)
from optimizers.carve.pricing import priced_lp
from optimizers.carve.rebalance import broken_territories, polish, rebalance
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solvers import resolve_tightened, solve_lp, solve_sub_mip


def solve_one(cs: CarveSettings, p: Problem, progress, stop, budget: Budget, stats, k, n,
              warm: np.ndarray | None = None, accept_gap: float | None = None):
    """Solve one part within its ``budget`` (:class:`~optimizers.carve.budget.Budget`); ``warm``: an optional
    starting plan
    (territory index per unit); ``accept_gap``: the mended rounding is kept once within this gap of the part's own
    bound ("feasible" when above ``cs.mip_gap``; default ``cs.mip_gap``), for a part of a carve whose gap target is
    for the whole.  Returns status, assign, objective, bound."""
    tb = time.perf_counter()
    mx = build_matrix(p)
    stats["seconds_components_build"] = stats.get("seconds_components_build", 0.0) + time.perf_counter() - tb
    tag = f"part {k + 1}/{n}: " if n > 1 else ""
    small = mx.n_pairs <= cs.full_mip_max_pairs
    # today's plan (each unit where it moves fewest accounts) and the caller's warm start are natural incumbents;
    # the greedy plan (a Python loop: 1 s at 10,000 units) only where it pays: small models and a failed LP
    greedy, greedy_ok = None, False
    for start in (warm, today_plan(p)):
        if start is not None and len(start) == p.n_units and is_feasible(p, mx, start):
            if not greedy_ok or objective_of(p, mx, start) < objective_of(p, mx, greedy):
                greedy, greedy_ok = np.asarray(start), True
    greedy_tried = small or p.soft  # greedy is deterministic: computed at most once per part
    if greedy_tried:
        greedy, greedy_ok = _with_greedy(p, mx, greedy, greedy_ok, progress, tag)
    if stop():
        raise Cancelled()
    progress(0.15, f"{tag}LP relaxation ({mx.A.shape[1]:,} columns, {mx.A.shape[0]:,} rows)")
    left = budget.left()
    # soft mode keeps a tenth of the time (at most 30 s) to rebalance its start should the LP not finish
    lp_time = left - (min(cs.soft_rescue_share * left, cs.soft_rescue_max_s) if p.soft else 0.0)
    if p.lp_start is not None and not small:
        # widened lists: their pairs priced in as needed, from each unit's cheapest and every pair of the units the
        # start plan (the narrower lists' plan) leaves in an over-full book: at 500,000×2,500 the West Coast
        # Enterprise part over 40 candidates priced in 135 s where it took 253 s from the cheapest pairs alone
        lp_start = p.lp_start
        if warm is not None and len(warm) == p.n_units:
            over = (loads_of(p, warm) > p.hi * (1 + 1e-9) + 1e-9).any(axis=1)
            lp_start = lp_start | over[warm][p.cand.unit]
        lp = priced_lp(p, mx, lp_start, lp_time, stop, stats)
    else:
        lp = solve_lp(mx, lp_time, stop)
    stats["seconds_lp"] = stats.get("seconds_lp", 0.0) + lp.seconds
    if lp.status == "infeasible":
        stats["lp_infeasible"] = True
        return "infeasible", None, np.nan, np.nan
    if lp.x is None:
        if not greedy_tried:
            greedy, greedy_ok = _with_greedy(p, mx, greedy, greedy_ok, progress, tag)
        if greedy_ok and p.soft:
            # no LP in time: the start (greedy or today's plan, whichever is cheaper) ignores the lower bands or
            # the balance; single improving moves fix the worst of it in the time kept for this
            progress(0.9, f"{tag}LP not finished in time: rebalancing the start")
            greedy = rebalance(p, mx, greedy, budget)
        if greedy_ok:
            return "time_limit", greedy, objective_of(p, mx, greedy), -np.inf
        return lp.status if lp.status != "error" else "infeasible", None, np.nan, np.nan
    if stop():
        raise Cancelled()
    bound = lp.objective
    x_lp = lp.x
    excess = lp_band_excess(p, lp.x) if p.soft else 0.0
    if excess > 1e-3:
        # the LP itself breaks a band: over these candidate lists the bands cannot all hold (hard mode's LP would
        # be infeasible); the caller may retry the part with longer lists, the worst first
        stats["lp_bands_broken"] = True
        stats["lp_band_excess"] = excess
    if not small:
        # 0. the LP's rounding mended by single moves, and a small integer repair around any book still outside its
        #    band: at 10,000×50 on four metrics at ±5% within 0.8% of the bound a second after the LP
        plan = mended_rounding(cs, p, mx, lp.x, bound, budget, stop, stats, progress, tag, lp.seconds)
        if plan is not None:
            obj = objective_of(p, mx, plan)
            gap = (obj - bound) / abs(obj) if obj else 0.0
            progress(0.4, f"{tag}mended plan {gap:.2%} from the LP bound")
            if gap <= cs.mip_gap + 1e-9:
                return "optimal", plan, obj, min(bound, obj)
            if accept_gap is not None and gap <= accept_gap + 1e-9:
                return "feasible", plan, obj, min(bound, obj)
            if not greedy_ok or obj < objective_of(p, mx, greedy):
                greedy, greedy_ok = plan, True
    if greedy_ok and not p.soft:
        inc = objective_of(p, mx, greedy)
        if inc <= bound + cs.mip_gap * 0.9 * abs(inc):
            # the warm start is already within the gap target of the LP bound: nothing to repair
            return "optimal", greedy, inc, min(bound, inc)
    if not small:
        # 1. every unit the LP places whole stays where it is; only its fractional units are re-optimised (at
        #    10,000×50 on four metrics at ±5%: 152 units, 0.2% from the bound, where narrowing the bands first
        #    costs 1% of objective per 10% of band width)
        # 2. the fractional units and the cheapest movers of every territory they touch, around the LP's own
        #    rounding (bands as they are): at 10,000×50 on one metric 6 s to 0.37% of the bound where narrowing the
        #    bands first took 88 s (one balance metric only: see neighbourhood_repair)
        for attempt in (fractional_repair, neighbourhood_repair):
            plan = attempt(cs, p, mx, lp.x, bound, budget, stop, stats, progress, tag, lp.seconds)
            if plan is None:
                continue
            obj = objective_of(p, mx, plan)
            if obj - bound <= cs.mip_gap * abs(obj) + 1e-9:
                return "optimal", plan, obj, min(bound, obj)
            if not greedy_ok or obj < objective_of(p, mx, greedy):
                greedy, greedy_ok = plan, True
    if not p.soft and not small and cs.band_margin > 0:
        # 3. narrow the bands a little, then more, until rounding the fractional units fits the real bands
        for margin in (cs.band_margin / 4, cs.band_margin / 2, cs.band_margin):
            if budget.left() < cs.narrow_min_s or stop():
                break
            progress(0.4, f"{tag}LP with bands narrowed by {margin:.0%} (room for rounding)")
            tight = resolve_tightened(lp, p, mx, 1 - margin, budget.left())
            stats["seconds_lp"] += tight.seconds
            if tight.x is None:
                break
            x_lp = tight.x
            stats["band_margin_used"] = margin
            if is_feasible(p, mx, assignment_from_x(p, x_lp)):
                break
    xp = x_lp[: mx.n_pairs]
    assign = assignment_from_x(p, x_lp)
    if p.soft and is_feasible(p, mx, assign) and (not greedy_ok
                                                  or objective_of(p, mx, assign) < objective_of(p, mx, greedy)):
        # soft mode: the LP's rounding is a plan too, and the one to keep if the repair finds nothing in time (the
        # greedy plan fills books nearest first, ignoring owners and the lower bands); only when it keeps the
        # disruption budget, which soft mode does not price and rounding can break
        greedy, greedy_ok = assign, True
    frac_pairs = (xp > 1e-6) & (xp < 1 - 1e-6)
    frac_units = np.unique(p.cand.unit[frac_pairs])
    stats["fractional_units"] = stats.get("fractional_units", 0) + len(frac_units)
    if not small and is_feasible(p, mx, assign):
        # rounding already fits every band: done, the LP bound gives the gap
        obj = objective_of(p, mx, assign)
        gap = (obj - bound) / abs(obj) if obj else 0.0
        if gap <= cs.mip_gap + 1e-9 or not len(frac_units):
            return "optimal" if gap <= cs.mip_gap + 1e-9 else "feasible", assign, obj, min(bound, obj)
    touched = np.unique(p.cand.terr[frac_pairs])
    pool = cs.repair_pool
    free_all = np.flatnonzero(np.diff(p.cand.ptr) > 1)
    best, best_obj, status = (greedy, objective_of(p, mx, greedy), "time_limit") if greedy_ok else (None, np.inf, "infeasible")
    for attempt in range(6):
        if small or attempt == 5:
            free = free_all
        else:
            free = np.union1d(frac_units, repair_pool(p, assign, touched, pool))
        remaining = budget.left()
        if (remaining < cs.part_min_s and best is not None) or budget.expired():
            break
        progress(0.5 + 0.08 * attempt, f"{tag}integer repair of {len(free):,} units (attempt {attempt + 1})")
        cols = columns_of_units(p, mx, free)
        gap_abs = None if small else 0.5 * cs.mip_gap * abs(lp.objective)
        # warm start: the greedy plan when it is feasible (whole MIP), else the LP rounding (elastic repair)
        warm = x_from_assignment(p, mx, best if small and best is not None else assign)
        # an incumbent within the gap target of the whole problem's LP bound is good enough
        good = None if small or bound <= 0 else bound / (1 - 0.9 * cs.mip_gap)
        sub = solve_sub_mip(mx, cols, x_from_assignment(p, mx, assign), remaining, cs.mip_gap, cs.solver,
                            warm, gap_abs, should_stop=stop, good_enough=good)
        stats["repair_units"] = len(free)
        stats["seconds_repair"] = stats.get("seconds_repair", 0.0) + sub.seconds
        if stop():
            raise Cancelled()
        if sub.x is not None:
            a = assignment_from_x(p, sub.x)
            obj = objective_of(p, mx, a)
            if obj < best_obj:
                best, best_obj = a, obj
            if np.isfinite(sub.bound) and len(free) == len(free_all):
                bound = max(bound, sub.bound)
            gap = (best_obj - bound) / abs(best_obj) if best_obj else 0.0
            status = "optimal" if gap <= cs.mip_gap + 1e-9 else ("time_limit" if sub.status == "time_limit" else "feasible")
            if gap <= cs.mip_gap + 1e-9 or len(free) == len(free_all) or sub.status == "time_limit":
                break
            # a better solution may exist with a bigger neighbourhood: widen once more
            touched = np.unique(np.concatenate([touched, np.unique(p.cand.terr[np.isin(p.cand.unit, free)])]))
            pool *= 3
            continue
        if len(free) == len(free_all):
            if sub.status == "infeasible" and best is None:
                return "infeasible", None, np.nan, np.nan
            break
        # infeasible neighbourhood: free more units around more territories
        touched = np.unique(np.concatenate([touched, np.unique(p.cand.terr[np.isin(p.cand.unit, free)])]))
        pool *= 3
    if best is None:
        if not greedy_tried:
            greedy, greedy_ok = _with_greedy(p, mx, greedy, greedy_ok, progress, tag)
        if greedy_ok:  # no repair found a plan: the greedy one, when it meets every band, is still a plan
            return "time_limit", greedy, objective_of(p, mx, greedy), min(bound, objective_of(p, mx, greedy))
        return ("time_limit" if budget.expired() else "infeasible"), None, np.nan, np.nan
    return status, best, best_obj, min(bound, best_obj)


def mended_rounding(cs: CarveSettings, p: Problem, mx, x_lp: np.ndarray, bound: float, budget: Budget, stop,
                    stats: dict, progress, tag: str, lp_seconds: float) -> np.ndarray | None:
    """The LP's rounding mended by single moves (:func:`~optimizers.carve.rebalance.polish`); where a few books still
    break a band (a move that mends one metric breaks another), their cheapest movers and those of the books they
    reach re-optimised in a small MIP, then polished again.  The plan when it meets every row, else None.

    The rounding of a four-metric LP at ±5% breaks a few bands by a few accounts; at 10,000×50 the moves alone mend
    it within 0.75% of the bound in 0.8 s (weight 1), and at weight 5 leave one book out, which a 124-unit MIP mends
    in 0.3 s (0.77%).  The integer repairs that follow took 20-160 s for the same."""
    t0 = time.perf_counter()
    left = budget.left()
    if left < cs.mend_min_s or p.max_moves is not None or p.max_arr_moved is not None:
        return None  # budgets link every move: single moves cannot be priced one by one
    progress(0.3, f"{tag}mending the LP's rounding by single moves and swaps")
    cap = max(min(cs.mend_share * left, cs.mend_max_s), cs.mend_min_s)
    good = None if bound <= 0 else bound / (1 - 0.9 * cs.mip_gap)
    plan = polish(p, mx, assignment_from_x(p, x_lp), budget.child(cap), good)
    broken = broken_territories(p, plan)
    if len(broken) and not p.soft and not stop():
        free = repair_pool(p, plan, broken, cs.repair_pool)
        near = np.unique(p.cand.terr[np.isin(p.cand.unit, free)])
        free = np.union1d(free, repair_pool(p, plan, near, max(cs.repair_pool // 3, 1)))
        progress(0.35, f"{tag}integer repair of {len(free):,} units around {len(broken):,} book(s) outside a band")
        x0 = x_from_assignment(p, mx, plan)
        sub = solve_sub_mip(mx, columns_of_units(p, mx, free), x0, min(budget.left(),
                            max(cs.mend_mip_min_s, lp_seconds)), cs.mip_gap, cs.solver, x0,
                            0.5 * cs.mip_gap * abs(bound), should_stop=stop, good_enough=good)
        stats["seconds_repair"] = stats.get("seconds_repair", 0.0) + sub.seconds
        if stop():
            raise Cancelled()
        if sub.x is not None:
            mended = assignment_from_x(p, sub.x)
            if is_feasible(p, mx, mended):
                again = polish(p, mx, mended, budget.child(cap), good)
                plan = again if is_feasible(p, mx, again) else mended
    stats["seconds_mend"] = stats.get("seconds_mend", 0.0) + time.perf_counter() - t0
    return plan if is_feasible(p, mx, plan) else None


def fractional_repair(cs: CarveSettings, p: Problem, mx, x_lp: np.ndarray, bound: float, budget: Budget, stop,
                      stats: dict, progress, tag: str, lp_seconds: float) -> np.ndarray | None:
    """A plan from the LP with every whole unit fixed and only the fractional ones re-optimised (a small MIP), or
    None.  A gamble, so it gets half the LP's time at most (a tenth of the time left): when the residual has no
    room (at 10,000×50, weight 5, it found nothing in 56 s), the next steps must keep their time."""
    xp = x_lp[: mx.n_pairs]
    frac = np.unique(p.cand.unit[(xp > 1e-6) & (xp < 1 - 1e-6)])
    assign = assignment_from_x(p, x_lp)
    if not len(frac):
        return assign if is_feasible(p, mx, assign) else None
    cap = max(cs.fractional_min_s, min(cs.fractional_share * budget.left(), cs.fractional_lp_factor * lp_seconds))
    return _repair_rounding(cs, p, mx, assign, frac, bound, budget, cap, stop, stats, progress,
                            f"{tag}integer repair of the LP's {len(frac):,} fractional units")


def neighbourhood_repair(cs: CarveSettings, p: Problem, mx, x_lp: np.ndarray, bound: float, budget: Budget, stop,
                         stats: dict, progress, tag: str, lp_seconds: float) -> np.ndarray | None:
    """A plan from the LP's rounding with its fractional units and, in every territory they touch, the
    ``cs.repair_pool`` units that are cheapest to move re-optimised, or None; stopped as soon as the plan is within
    the gap target.  One balance metric only, where it is the path that works: at 10,000×50 the narrowed-band path
    that follows found no plan within 0.5% in 300 s where this one needed 4-45 s (HiGHS's time varies that much from
    one instance to the next), so it gets three times the LP time (at least 20 s, at most 40% of the time left).  On
    several metrics it was measured and not kept: it solved some parts of 50,000×250 in 3-7 s but gave up on others
    after its cap; on the benchmark instances it was neutral at best against greedy in the same run (50,000×250,
    weights 1 / 5: 24× / 30× greedy's time with a 10 s cap, 36× / 34× with 20 s, 25× / 33× without it), though it
    helped on another seed (10,000×50 weight 1: 120 s -> 31 s).  Worth revisiting with a cheaper first plan."""
    xp = x_lp[: mx.n_pairs]
    frac_pairs = (xp > 1e-6) & (xp < 1 - 1e-6)
    if len(p.metric_names) != 1 or not frac_pairs.any():
        return None
    assign = assignment_from_x(p, x_lp)
    free = np.union1d(np.unique(p.cand.unit[frac_pairs]),
                      repair_pool(p, assign, np.unique(p.cand.terr[frac_pairs]), cs.repair_pool))
    cap = min(cs.neighbourhood_share * budget.left(),
              max(cs.neighbourhood_min_s, cs.neighbourhood_lp_factor * lp_seconds))
    return _repair_rounding(cs, p, mx, assign, free, bound, budget, cap, stop, stats, progress,
                            f"{tag}integer repair of {len(free):,} units around the LP's rounding")


def _repair_rounding(cs: CarveSettings, p: Problem, mx, assign: np.ndarray, free: np.ndarray, bound: float,
                     budget: Budget, cap: float, stop, stats: dict, progress, message: str) -> np.ndarray | None:
    """Re-optimise the units ``free`` with every other unit where ``assign`` puts it, for at most ``cap`` seconds;
    the plan when it meets every band, else None."""
    left = budget.left()
    if left < cs.repair_min_left_s or cap < cs.repair_min_cap_s:
        return None
    progress(0.35, message)
    x0 = x_from_assignment(p, mx, assign)
    good = None if bound <= 0 else bound / (1 - 0.9 * cs.mip_gap)
    sub = solve_sub_mip(mx, columns_of_units(p, mx, free), x0, min(left, cap), cs.mip_gap, cs.solver, x0,
                        0.5 * cs.mip_gap * abs(bound), should_stop=stop, good_enough=good)
    stats["seconds_repair"] = stats.get("seconds_repair", 0.0) + sub.seconds
    stats["first_repair_units"] = max(stats.get("first_repair_units", 0), len(free))
    if stop():
        raise Cancelled()
    a = assignment_from_x(p, sub.x) if sub.x is not None else None
    return a if a is not None and is_feasible(p, mx, a) else None


def _with_greedy(p: Problem, mx, best: np.ndarray | None, best_ok: bool, progress, tag: str):
    """The better of ``best`` and the greedy plan, when the greedy one meets every band (soft: always)."""
    progress(0.05, f"{tag}greedy start")
    g = greedy_assign(p)
    if is_feasible(p, mx, g) and (not best_ok or objective_of(p, mx, g) < objective_of(p, mx, best)):
        return g, True
    return best, best_ok


def lp_band_excess(p: Problem, x: np.ndarray) -> float:
    """The largest deviation outside its band, as a share of the target, of the LP's (fractional) books."""
    c = p.cand
    xp = x[: len(c.unit)]
    worst = 0.0
    for m in range(len(p.metric_names)):
        load = np.bincount(c.terr, weights=xp * p.unit_metrics[c.unit, m], minlength=p.n_terr)
        out = np.maximum(np.maximum(load - p.hi[:, m], p.lo[:, m] - load), 0.0)
        tgt = np.abs(p.target[:, m])
        worst = max(worst, float(np.max(np.where(tgt > 0, out / np.where(tgt > 0, tgt, 1.0), 0.0), initial=0.0)))
    return worst


def today_plan(p: Problem) -> np.ndarray:
    """Territory per unit where it moves the fewest accounts (today's owner; ties to the cheaper pair)."""
    c = p.cand
    order = np.lexsort((p.pair_cost, p.pair_moves, c.unit))
    return c.terr[order[c.ptr[:-1]]]
