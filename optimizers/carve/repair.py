"""Solving one part: its starting plans, the LP relaxation (the bound), then the repair ladder from the LP to an
integer plan (:mod:`optimizers.carve.ladder`: an ordered list of named strategies,
:data:`~optimizers.carve.strategies.DEFAULT_LADDER` unless ``CarveSettings.ladder`` names another)."""
from __future__ import annotations

import time

import numpy as np

from optimizers.carve.band_cost import outside
from optimizers.carve.band_mend import mend_bands
from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_stage import NO_CONTIGUITY, ContiguityStage
from optimizers.carve.ladder import LadderState, Solved, walk
from optimizers.carve.model import Cancelled, Problem, build_matrix, is_feasible, loads_of, lp_loads
from optimizers.carve.pricing import priced_lp
from optimizers.carve.rebalance import band_excess, broken_territories, rebalance
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solvers import solve_lp
from optimizers.carve.strategies import DEFAULT_LADDER


def solve_one(cs: CarveSettings, p: Problem, progress, stop, budget: Budget, stats: dict,
              warm: np.ndarray | None = None, accept_gap: float | None = None,
              contiguity: ContiguityStage = NO_CONTIGUITY) -> Solved:
    """One part within its ``budget``: its starting plans, its LP (the bound), then the repair ladder (``cs.ladder``
    or the default), which stops at the gap target, through the ``contiguity`` stage (its cuts, when territories are
    one piece).  ``warm``: a starting plan (territory per unit); ``accept_gap``: the mended rounding is kept once
    within this gap of the part's own bound ("feasible" above ``cs.mip_gap``), for a part of a carve whose gap
    target is for the whole.  The :class:`~optimizers.carve.ladder.Solved` names the strategy behind the plan."""
    tb = time.perf_counter()
    mx = build_matrix(p)
    stats["seconds_components_build"] = stats.get("seconds_components_build", 0.0) + time.perf_counter() - tb
    s = LadderState(cs, p, mx, progress, stop, stats, accept_gap=accept_gap)  # the runner names the part
    # today's plan (each unit where it moves fewest accounts) and the caller's warm start are natural incumbents;
    # the greedy plan (a Python loop: 1 s at 10,000 units) only where it pays: small models and a failed LP
    for start, source in ((warm, "warm start"), (today_plan(p), "today's plan")):
        if start is not None and len(start) == p.n_units and is_feasible(p, mx, start):
            s.offer(start, s.objective(start), source)
    if s.small or p.soft:  # greedy is deterministic: computed at most once per part
        s.with_greedy()
    if stop():
        raise Cancelled()
    lp = _lp(s, warm, budget)
    if lp.status == "infeasible":
        return Solved("infeasible", None, np.nan, np.nan, lp_infeasible=True)
    if lp.x is None:
        return _without_lp(s, lp, budget)
    if stop():
        raise Cancelled()
    s.lp, s.bound, s.x_lp = lp, lp.objective, lp.x
    # soft mode: the LP itself may break a band: over these candidate lists the bands cannot all hold (hard mode's
    # LP would be infeasible); the caller may retry the part with longer lists, the worst first
    excess = lp_band_excess(p, lp.x) if p.soft else 0.0
    ladder = cs.ladder if cs.ladder is not None else DEFAULT_LADDER
    out = contiguity.solve(s, budget, lambda b: walk(ladder, s, b))
    out.bands_broken, out.band_excess = excess > 1e-3, excess if excess > 1e-3 else 0.0
    out.lp_pairs = priced_pairs(lp, mx)
    return out


def mend_part(cs: CarveSettings, p: Problem, plan: np.ndarray, budget: Budget, stats: dict, stop) -> Solved:
    """Soft mode: ``plan`` (a part's kept plan, a book outside its band) with its books brought inside the bands
    (:func:`~optimizers.carve.band_mend.mend_bands`), or no plan when :func:`mend_wins` refuses it.  ``bound``:
    nan (the part keeps its own)."""
    mx = build_matrix(p)
    s = LadderState(cs, p, mx, lambda f, m: None, stop, stats)
    mended = mend_bands(s, plan, budget)
    obj = s.objective(mended)
    if not mend_wins(cs, p, (mended, obj), (plan, s.objective(plan))):
        return Solved("feasible", None, np.nan, np.nan)
    stats["books_mended"] = len(broken_territories(p, plan)) - len(broken_territories(p, mended))
    return Solved("feasible", mended, obj, np.nan, "bands mended")


def mend_wins(cs: CarveSettings, p: Problem, mended: tuple[np.ndarray, float], plan: tuple[np.ndarray, float]
              ) -> bool:
    """The one rule for when a mended plan (plan, objective) replaces the unmended one: its books lie less outside
    their bands in all, none further than the unmended worst, and it costs at most ``band_mend_extra_share`` more."""
    (a, obj), (b, obj0) = mended, plan
    return (band_excess(p, a, total=True) < band_excess(p, b, total=True) - 1e-12
            and band_excess(p, a) <= band_excess(p, b) + 1e-12
            and obj <= obj0 + cs.band_mend_extra_share * abs(obj0))


def _lp(s: LadderState, warm: np.ndarray | None, budget: Budget):
    """The part's LP relaxation, within the time left but soft mode's rescue share."""
    cs, p, mx, stats = s.cs, s.p, s.mx, s.stats
    s.progress(0.15, f"{s.tag}LP relaxation ({mx.A.shape[1]:,} columns, {mx.A.shape[0]:,} rows)")
    left = budget.left()
    # soft mode keeps a tenth of the time (at most 30 s) to rebalance its start should the LP not finish
    lp_time = left - (min(cs.soft_rescue_share * left, cs.soft_rescue_max_s) if p.soft else 0.0)
    if p.lp_start is not None and not s.small:
        lp = priced_lp(p, mx, lp_start_of(p, warm), lp_time, s.stop, stats)
    else:
        lp = solve_lp(mx, lp_time, s.stop)
    stats["seconds_lp"] = stats.get("seconds_lp", 0.0) + lp.seconds
    return lp


def lp_start_of(p: Problem, warm: np.ndarray | None) -> np.ndarray:
    """The pairs a priced LP over widened lists starts from (``p.lp_start``: each unit's cheapest), with the start
    plan's own pairs (so the first LP holds that plan) and every pair of the units it leaves in an over-full book:
    at 500,000×2,500 the West Coast Enterprise part over 40 candidates priced in 135 s from the narrower lists' plan
    where it took 253 s from the cheapest pairs alone."""
    start = p.lp_start
    if warm is None or len(warm) != p.n_units:
        return start
    c = p.cand
    over = (loads_of(p, warm) > p.hi * (1 + 1e-9) + 1e-9).any(axis=1)
    return start | over[warm][c.unit] | (c.terr == warm[c.unit])


def priced_pairs(lp, mx) -> np.ndarray | None:
    """The pairs a priced LP (:func:`~optimizers.carve.pricing.priced_lp`) held when it stopped, as a bool per pair
    (None: an LP over every pair).  At 500,000×2,500 Enterprise · R2's LP over 40 candidates stopped at its cap
    twice, the second from the start again: the second now goes on from the first's pairs."""
    if lp.cols is None:
        return None
    out = np.zeros(mx.n_pairs, dtype=bool)
    out[lp.cols[(lp.cols >= 0) & (lp.cols < mx.n_pairs)]] = True
    return out


def _without_lp(s: LadderState, lp, budget: Budget) -> Solved:
    """No LP in time: the best start (greedy or today's plan, whichever is cheaper), which in soft mode ignores the
    lower bands or the balance, so single improving moves fix the worst of it in the time kept for this."""
    if not s.greedy_tried:
        s.with_greedy()
    if s.best is None:
        return Solved(lp.status if lp.status != "error" else "infeasible", None, np.nan, np.nan)
    plan, source = s.best, s.best_from
    if s.p.soft:
        s.progress(0.9, f"{s.tag}LP not finished in time: rebalancing the start")
        plan, source = rebalance(s.p, s.mx, plan, budget), f"{source}, rebalanced"
    return Solved("time_limit", plan, s.objective(plan), -np.inf, source)


def lp_band_excess(p: Problem, x: np.ndarray) -> float:
    """The largest deviation outside its band, as a share of the target, of the LP's (fractional) books."""
    load, tgt = lp_loads(p, x), np.abs(p.target)
    return float(np.max(np.where(tgt > 0, outside(load, p.lo, p.hi) / np.where(tgt > 0, tgt, 1.0), 0.0), initial=0.0))


def today_plan(p: Problem) -> np.ndarray:
    """Territory per unit where it moves the fewest accounts (today's owner; ties to the cheaper pair)."""
    c = p.cand
    order = np.lexsort((p.pair_cost, p.pair_moves, c.unit))
    return c.terr[order[c.ptr[:-1]]]
