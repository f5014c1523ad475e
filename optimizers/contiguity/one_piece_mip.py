"""The part's MIP over its cut system: a stronger one-piece bound and, often, a cheaper one-piece plan.

Why: the cut LP's bound is weak where the bands, not contiguity, make the plan dear.  Georgia's 159 counties × 10
(±5%): the cut LP converges at 217.59 (no violated cut left), the grown plan costs 221.37 (1.71% above), yet the
same rows solved as a MIP (pairs 0/1) have optimum 218.94, and with 20 rounds of the integer points' cuts 219.67:
every one-piece plan costs at least that, so ≥ 0.95 of the 1.71 points were the LP's fractional counties meeting
the bands, not the plan.  On the demo company's Mid-market counties (644 × 13) it is the other way: the MIP's
root bound adds 0.1% but its integer points (17,500–17,730) are 4–5% cheaper than the grown plan (18,409).

What :func:`cut_mip` does, within its share of the part's time: HiGHS's MIP over the part's matrix with every
cut found so far (``s.mx``), warm-started from the best one-piece plan; each integer point is separated
(:func:`optimizers.contiguity.connectivity.separate`): a point in pieces adds its cuts and the MIP runs again, a point
in one piece that is cheaper becomes the plan (proved optimal, it is the one-piece optimum, within HiGHS's gap).

Why the bound stays a lower bound: every plan with each territory one piece (around its root, where it has one)
within the bands satisfies every row of ``s.mx``: the model's own rows, and separator cuts each valid for every
such plan (:mod:`optimizers.contiguity.connectivity`: C separates i from the root, so a one-piece t holding i holds a
unit of C).  So each such plan is a feasible point of every MIP run here, and HiGHS's dual bound (``mip_dual_bound``,
valid whenever the run stops: optimal, time limit or interrupt) is at most the cost of the best of them.  Cuts
added between runs keep this true; the part's bound is the largest dual bound seen.
"""
from __future__ import annotations

import time

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.contiguity.connectivity import add_rows, pieces_of, separate
from optimizers.carve.model import Cancelled, assignment_from_x, is_feasible, objective_of, x_from_assignment

__all__ = ["cut_mip", "MIP_MAX_PAIRS", "MIP_SHARE", "MIP_MAX_S", "MIP_LABEL"]

MIP_MAX_PAIRS = 4000  # parts up to this many pairs (Georgia: 1,590).  The demo company's Mid-market counties
# (6,449 pairs): its root node took 2–24 s by load, 10 s of MIP raised the bound 0.1% and found no cheaper one-piece
# plan (its integer points were in pieces each round), so the demo's county carve took 18 s instead of 5 s for 0.03%
MIP_SHARE = 0.75  # of the part's time left after its plan (Georgia's 8 s row: ~5 s of MIP, bound 217.6 → ~218.5)
MIP_MAX_S = 10.0  # at most this per part, so a 60 s carve of a few small parts does not spend it all here
MIP_MIN_S = 0.5  # a run shorter than this does not reach the root's bound: not started
PIECE_CUTS = 1000  # an integer point in pieces: a cut for every unit of each piece cut off
MIP_LABEL = "MIP over the contiguity cuts"  # appended to the strategy when its plan is taken


def cut_mip(s, st, solved, budget: Budget):
    """The MIP loop of the module docstring on the ladder state ``s`` (its part matrix with the cuts, ``s.mx``),
    the cut state ``st`` and the part's plan ``solved`` (a :class:`~optimizers.carve.ladder.Solved`); returns
    ``solved`` with the larger bound (``s.bound`` raised too) and, when the MIP found one, the cheaper one-piece
    plan.  Skipped (``solved`` unchanged) for parts above :data:`MIP_MAX_PAIRS` pairs, without a plan or time."""
    p = s.p
    if st is None or st.cuts_infeasible or s.mx.n_pairs > MIP_MAX_PAIRS or s.lp is None:
        return solved
    left = min(MIP_SHARE * budget.left(), MIP_MAX_S)
    if left < MIP_MIN_S:
        return solved
    t0 = time.perf_counter()
    best = solved.assign if solved.assign is not None and _one_piece(s, st, solved.assign) else None
    best_obj = objective_of(p, s.mx, best) if best is not None else np.inf
    h, stop_at = _model(s.mx), [t0 + left]
    _watch(h, s.stop, stop_at)
    rounds = 0
    while time.perf_counter() < stop_at[0] - 0.05 and not s.stop():
        x, dual = _run(h, s.mx, p, best, stop_at[0] - time.perf_counter())
        if np.isfinite(dual):
            s.bound = max(s.bound, dual)
        if x is None:
            break
        rounds += 1
        cuts = separate(st.cc, x, integral=True, per_piece=PIECE_CUTS)
        if len(cuts):
            add_rows(h, cuts, h.getNumCol())
            st.cuts += len(cuts)
            continue
        plan = assignment_from_x(p, x)
        obj = objective_of(p, s.mx, plan)
        if obj < best_obj - 1e-9 and is_feasible(p, s.mx, plan):
            best, best_obj = plan, obj
        break  # a one-piece point: the best this MIP has (its dual bound, not its objective, is the bound: HiGHS
        # stops within its relative gap, so the point may sit that far above the optimum)
    if s.stop():
        raise Cancelled()
    s.stats["one_piece_mip_rounds"] = s.stats.get("one_piece_mip_rounds", 0) + rounds
    s.stats["seconds_one_piece_mip"] = s.stats.get("seconds_one_piece_mip", 0.0) + time.perf_counter() - t0
    out = _taken(s, solved, best, best_obj)
    if best is not None and out.assign is best:
        st.split = 0  # the part's plan is one piece (the ladder's plan in pieces was replaced)
    return out


def _one_piece(s, st, plan: np.ndarray) -> bool:
    return not (pieces_of(st.cc, x_from_assignment(s.p, s.mx, plan)) > 1).any()


def _taken(s, solved, best, best_obj: float):
    """``solved`` with the MIP's plan when it is cheaper, its status and bound from the part's (raised) bound."""
    if best is not None and best is not solved.assign and best_obj < solved.objective - 1e-9:
        solved.assign, solved.objective = best, best_obj
        solved.strategy = f"{solved.strategy}, {MIP_LABEL}".lstrip(", ")
        if solved.status in ("time_limit", "feasible", "optimal"):
            solved.status = "feasible"
    if solved.assign is not None and np.isfinite(solved.objective):
        # "optimal" only for a one-piece plan (``best`` is one) within the gap target of the raised bound
        if best is solved.assign and solved.status == "feasible" and s.gap(solved.objective) <= s.cs.mip_gap + 1e-9:
            solved.status = "optimal"
        solved.bound = min(s.bound, solved.objective)
    return solved


def _model(mx):
    """A live highspy MIP of ``mx``: pair columns 0/1, the rest continuous."""
    from optimizers.carve.solvers import highs_lp, new_highs

    is_int = np.zeros(mx.A.shape[1], dtype=bool)
    is_int[: mx.n_pairs] = True
    h = new_highs()
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.passModel(highs_lp(mx.c, mx.A, mx.col_lo, mx.col_hi, mx.row_lo, mx.row_hi, is_int))
    return h


def _watch(h, should_stop, stop_at: list[float]) -> None:
    """Interrupt HiGHS on a cancel or at ``stop_at[0]`` (its own time limit counts from the first run)."""
    from optimizers.carve.solvers import _watch_interrupt

    _watch_interrupt(h, should_stop, mip=True, deadline=stop_at)


def _run(h, mx, p, best: np.ndarray | None, seconds: float) -> tuple[np.ndarray | None, float]:
    """One MIP run from ``best`` (a plan, or None): (its integer point or None, its dual bound)."""
    import highspy

    if best is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, x_from_assignment(p, mx, best)))
        sol.value_valid = True
        h.setSolution(sol)
    h.setOptionValue("time_limit", float(h.getRunTime() + max(seconds, 0.05)))
    h.run()
    info, st = h.getInfo(), h.getModelStatus()
    dual = float(info.mip_dual_bound) if st != highspy.HighsModelStatus.kInfeasible else np.nan
    if info.primal_solution_status != 2:
        return None, dual
    x = np.asarray(h.getSolution().col_value)
    x[: mx.n_pairs] = np.round(x[: mx.n_pairs])
    return x, dual
