"""The LP relaxation by column generation: the pairs of a wide candidate list priced in only when they pay.

Widening a part's candidate lists from k to 2k territories per unit doubles its LP (at 10,000×50 on four metrics:
201,492 columns, 14-16 s, where the 10-candidate LP is infeasible), though the LP needs a far-away territory for a
few hundred units only: those of a crowded area whose nearest books cannot hold them.  Here the LP starts from each
unit's ``k`` cheapest pairs (:func:`start_mask`) and, with the duals of its rows (``y``), prices every other pair of
the wide list,

    reduced cost(u, t) = c_ut - y_u - sum_m a_um * y_(t, m)   (unit row u, balance rows (t, m), side rows alike)

adds the pairs whose reduced cost is negative, and solves again from its basis, until no pair prices in.  The LP
over the pairs kept then equals the LP over the whole wide list, so its objective is that LP's bound.

Soft mode only (:func:`optimizers.carve.prepare.prepared` sets ``Problem.lp_start`` in soft mode alone): a soft LP
is feasible over any pairs.  In hard mode the first LP over the cheapest pairs is infeasible (that is why the list
was widened); with elastic band columns to start it, it took as long as the whole LP (10,000×50 four metrics: 24 s
against 15.7 s; docs/carving.md), so hard mode's widened lists are solved whole.
"""
from __future__ import annotations

import time

import numpy as np

from optimizers.carve.model import Cancelled, Matrix, Problem
from optimizers.carve.solvers import (
    GRACE_S,
    LPResult,
    _watch_interrupt,
    highs_lp,
    new_highs,
)

__all__ = ["start_mask", "priced_lp"]

ROUND_SHARE = 0.5  # at most this share of the units gain a pair per round (the most negative first)
PER_UNIT = 3  # pairs a unit may gain per round


def start_mask(p: Problem, k: int) -> np.ndarray:
    """Each unit's ``k`` cheapest pairs (its current owner's is the cheapest when moves cost anything)."""
    c = p.cand
    cost = p.pair_cost + np.where(c.rule_break, p.rule_break_penalty, 0.0)
    order = np.lexsort((cost, c.unit))  # by unit, cheapest first; pairs are stored by unit already
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(c.ptr[:-1], np.diff(c.ptr))
    return rank < k


def priced_lp(p: Problem, mx: Matrix, start: np.ndarray, time_limit: float, should_stop=None,
              stats: dict | None = None) -> LPResult:
    """The LP over every pair of ``p`` (soft mode; ``mx``), solved over the pairs in ``start`` plus those that price
    in.

    Returns an :class:`LPResult` in ``mx``'s column layout (pairs never priced in are 0); its ``highs`` model holds
    only the pairs used, ``cols`` maps its columns to ``mx``'s.  ``time_limit`` (seconds) covers every round."""
    import highspy

    t0 = time.perf_counter()
    stop = should_stop or (lambda: False)
    P, n_cols = mx.n_pairs, mx.A.shape[1]
    in_model = np.zeros(P, dtype=bool)
    in_model[np.flatnonzero(start[:P])] = True
    h, cols = _first_model(mx, in_model)
    until = [t0 + max(time_limit, 0.5) + GRACE_S]
    _watch_interrupt(h, stop, deadline=until)
    AT = mx.A[:, :P].T.tocsr()  # pricing: one sparse product per round
    cost = mx.c[:P]
    rounds, added, last = 0, 0, None
    ms = highspy.HighsModelStatus
    while True:
        left = t0 + time_limit - time.perf_counter()
        h.setOptionValue("time_limit", float(h.getRunTime() + max(left, 0.5)))
        h.run()
        st = h.getModelStatus()
        if st == ms.kInterrupt and stop():
            raise Cancelled()
        if st in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            return LPResult("infeasible", np.nan, None, time.perf_counter() - t0)
        if st != ms.kOptimal:
            if last is not None and st in (ms.kTimeLimit, ms.kIterationLimit, ms.kInterrupt):
                break  # out of time in a later round: the last round's LP and its bound stand
            return LPResult("time_limit" if st in (ms.kTimeLimit, ms.kIterationLimit, ms.kInterrupt) else "error",
                            np.nan, None, time.perf_counter() - t0)
        rounds += 1
        y = np.asarray(h.getSolution().row_dual)
        rc = cost - AT @ y
        tol = 1e-7 * max(1.0, float(np.abs(cost).max(initial=0.0)))
        cand = np.flatnonzero(~in_model & (rc < -tol))
        objective = float(h.getInfo().objective_function_value)
        if len(cand):
            # with every unit's row summing to one, the LP over the whole list is at least this LP less each
            # unit's most negative reduced cost (Lasdon's bound): the bound should the clock stop the pricing here
            worst = np.zeros(p.n_units)
            np.minimum.at(worst, p.cand.unit[cand], rc[cand])
            objective += float(worst.sum())
        last = (np.asarray(h.getSolution().col_value), cols.copy(), objective)
        if not len(cand) or time.perf_counter() > t0 + time_limit or stop():
            break
        cand = _entering(p, cand, rc)
        sub = mx.A[:, cand].tocsc()
        h.addCols(len(cand), cost[cand], mx.col_lo[cand], mx.col_hi[cand], sub.nnz, sub.indptr[:-1].astype(np.int32),
                  sub.indices.astype(np.int32), sub.data)
        in_model[cand] = True
        cols = np.concatenate([cols, cand])
        added += len(cand)
    sol, cols_then, objective = last
    if (mx.c >= 0).all():
        objective = max(objective, 0.0)  # no column earns: 0 bounds the LP too, and beats an early Lasdon bound
    sol = np.concatenate([sol, np.zeros(len(cols) - len(cols_then))])  # pairs added after it: 0 in that LP
    if stats is not None:
        stats["pricing_rounds"] = stats.get("pricing_rounds", 0) + rounds
        stats["pairs_priced_in"] = stats.get("pairs_priced_in", 0) + added
        stats["pairs_in_lp"] = stats.get("pairs_in_lp", 0) + int(in_model.sum())
    x = np.zeros(n_cols)
    x[cols] = sol
    return LPResult("optimal", objective, x, time.perf_counter() - t0, h, until, cols=cols)


def _first_model(mx: Matrix, in_model: np.ndarray):
    """The first round's HiGHS model: the pairs in ``in_model`` and soft mode's slacks.  Returns (model, its columns
    in ``mx``'s layout)."""
    cols = np.concatenate([np.flatnonzero(in_model), np.arange(mx.n_pairs, mx.A.shape[1])])  # the slacks stay
    h = new_highs()
    h.passModel(highs_lp(mx.c[cols], mx.A[:, cols].tocsc(), mx.col_lo[cols], mx.col_hi[cols], mx.row_lo, mx.row_hi))
    return h, cols


def _entering(p: Problem, cand: np.ndarray, rc: np.ndarray) -> np.ndarray:
    """The pairs priced in this round: the most negative reduced cost first, at most ``PER_UNIT`` per unit and
    ``ROUND_SHARE`` of the units' worth a round."""
    cand = cand[np.argsort(rc[cand], kind="stable")]
    u = p.cand.unit[cand]
    order = np.argsort(u, kind="stable")
    first = np.r_[0, np.flatnonzero(np.diff(u[order])) + 1]
    rank = np.empty(len(cand), dtype=np.int64)
    rank[order] = np.arange(len(cand)) - np.repeat(first, np.diff(np.r_[first, len(cand)]))
    return cand[rank < PER_UNIT][: max(int(ROUND_SHARE * p.n_units) * PER_UNIT, 1)]
