"""Solving one part: greedy start, LP relaxation (the bound), bands narrowed for rounding room, and the warm-started
integer repair of the fractional units and their neighbourhood."""
from __future__ import annotations

import time

import numpy as np

from optimizers.carve.greedy import greedy_assign
from optimizers.carve.model import (Cancelled, Problem, assignment_from_x, build_matrix, columns_of_units, is_feasible,
                                    objective_of, repair_pool, resolve_tightened, solve_lp, solve_sub_mip,
                                    x_from_assignment)
from optimizers.carve.settings import CarveSettings

def solve_one(cs: CarveSettings, p: Problem, progress, stop, deadline, stats, k, n, warm: np.ndarray | None = None):
    """Solve one part by its deadline (``time.perf_counter()`` seconds); ``warm``: an optional starting plan
    (territory index per unit).  Returns status, assign, objective, bound."""
    tb = time.perf_counter()
    mx = build_matrix(p)
    stats["seconds_components_build"] = stats.get("seconds_components_build", 0.0) + time.perf_counter() - tb
    tag = f"part {k + 1}/{n}: " if n > 1 else ""
    progress(0.05, f"{tag}greedy start")
    greedy = greedy_assign(p)
    greedy_ok = is_feasible(p, mx, greedy)  # soft bands are elastic; budget rows are not
    # today's plan (each unit where it moves fewest accounts) and the caller's warm start are natural incumbents
    for start in (warm, today_plan(p)):
        if start is not None and len(start) == p.n_units and is_feasible(p, mx, start):
            if not greedy_ok or objective_of(p, mx, start) < objective_of(p, mx, greedy):
                greedy, greedy_ok = np.asarray(start), True
    if stop():
        raise Cancelled()
    progress(0.15, f"{tag}LP relaxation ({mx.A.shape[1]:,} columns, {mx.A.shape[0]:,} rows)")
    lp = solve_lp(mx, deadline - time.perf_counter(), stop)
    stats["seconds_lp"] = stats.get("seconds_lp", 0.0) + lp.seconds
    if lp.status == "infeasible":
        stats["lp_infeasible"] = True
        return "infeasible", None, np.nan, np.nan
    if lp.x is None:
        if greedy_ok:
            return "time_limit", greedy, objective_of(p, mx, greedy), -np.inf
        return lp.status if lp.status != "error" else "infeasible", None, np.nan, np.nan
    if stop():
        raise Cancelled()
    bound = lp.objective
    x_lp = lp.x
    if greedy_ok and not p.soft:
        inc = objective_of(p, mx, greedy)
        if inc <= bound + cs.mip_gap * 0.9 * abs(inc):
            # the warm start is already within the gap target of the LP bound: nothing to repair
            return "optimal", greedy, inc, min(bound, inc)
    if not p.soft and not mx.n_pairs <= cs.full_mip_max_pairs and cs.band_margin > 0:
        # narrow the bands a little, then more, until rounding the fractional units fits the real bands
        for margin in (cs.band_margin / 4, cs.band_margin / 2, cs.band_margin):
            if time.perf_counter() > deadline - 1 or stop():
                break
            progress(0.4, f"{tag}LP with bands narrowed by {margin:.0%} (room for rounding)")
            tight = resolve_tightened(lp, p, mx, 1 - margin, deadline - time.perf_counter())
            stats["seconds_lp"] += tight.seconds
            if tight.x is None:
                break
            x_lp = tight.x
            stats["band_margin_used"] = margin
            if is_feasible(p, mx, assignment_from_x(p, x_lp)):
                break
    xp = x_lp[: mx.n_pairs]
    assign = assignment_from_x(p, x_lp)
    frac_pairs = (xp > 1e-6) & (xp < 1 - 1e-6)
    frac_units = np.unique(p.cand.unit[frac_pairs])
    stats["fractional_units"] = stats.get("fractional_units", 0) + len(frac_units)
    small = mx.n_pairs <= cs.full_mip_max_pairs
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
        remaining = deadline - time.perf_counter()
        if remaining < 0.5 and best is not None:
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
        return ("time_limit" if time.perf_counter() >= deadline else "infeasible"), None, np.nan, np.nan
    return status, best, best_obj, min(bound, best_obj)


def today_plan(p: Problem) -> np.ndarray:
    """Territory per unit where it moves the fewest accounts (today's owner; ties to the cheaper pair)."""
    c = p.cand
    order = np.lexsort((p.pair_cost, p.pair_moves, c.unit))
    return c.terr[order[c.ptr[:-1]]]
