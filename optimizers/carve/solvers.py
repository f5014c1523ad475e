"""Solving the carving model with HiGHS (highspy): its LP relaxation and the integer repair of part of it.

The LP over all candidate pairs gives the lower bound; :func:`resolve_tightened` re-solves it warm with narrowed
bands; :func:`solve_sub_mip` re-optimises a set of columns with every other column fixed (warm-started,
interruptible, stopped once good enough).  One backend: the LP needs highspy anyway, so a PuLP model of the same
repair (PuLP's HiGHS API, or CBC "as a fallback") could never rescue a carve, and only wrote the model slower.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from optimizers.carve.model import Cancelled, Matrix, Problem

# HiGHS does not check its time limit everywhere (issues ERGO-Code/HiGHS#885, #1278): a part capped at 120 s ran
# 199 s.  Its interrupt callbacks also stop a run this long past the limit given to it, seconds.
GRACE_S = 1.0


def new_highs():
    """A quiet highspy model (no banner: :mod:`optimizers.highs_banner`)."""
    import highspy

    from optimizers.highs_banner import quiet_first_highs

    quiet_first_highs()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Never set "threads": HiGHS's task scheduler is process-global, and once any solve (PuLP's HiGHS in the
    # headcount LP, say) has started it with another count, run() fails with kError and no solution.
    return h


def highs_lp(c, A: sp.csc_matrix, col_lo, col_hi, row_lo, row_hi, is_int: np.ndarray | None = None):
    """A highspy model straight from arrays and a CSC matrix (integer columns where ``is_int``)."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = c, col_lo, col_hi
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    if is_int is not None:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in is_int]
    return lp


@dataclass
class LPResult:
    status: str  # optimal | infeasible | time_limit | error
    objective: float
    x: np.ndarray | None
    seconds: float
    highs: object = None  # the solved highspy model, for a warm re-solve
    until: list[float] | None = None  # its interrupt callback's deadline (perf_counter), moved for a re-solve
    cols: np.ndarray | None = None  # the column of the full model each of ``highs``' columns is (-1: none), when
    # it holds only some (column generation, see optimizers.carve.pricing); None: the same columns


def solve_lp(mx: Matrix, time_limit: float, should_stop: Callable[[], bool] | None = None) -> LPResult:
    """Solve the LP relaxation with highspy (no PuLP objects: this is the big model)."""
    import highspy

    t0 = time.perf_counter()
    h = new_highs()
    h.setOptionValue("time_limit", float(max(time_limit, 0.5)))
    h.passModel(highs_lp(mx.c, mx.A, mx.col_lo, mx.col_hi, mx.row_lo, mx.row_hi))
    until = [t0 + max(time_limit, 0.5) + GRACE_S]  # a re-solve of the same model moves it (resolve_tightened)
    _watch_interrupt(h, should_stop or (lambda: False), deadline=until)
    h.run()
    st = h.getModelStatus()
    ms = highspy.HighsModelStatus
    if st == ms.kOptimal:
        sol = np.asarray(h.getSolution().col_value)
        return LPResult("optimal", float(h.getInfo().objective_function_value), sol, time.perf_counter() - t0, h,
                        until)
    if st in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return LPResult("infeasible", np.nan, None, time.perf_counter() - t0)
    if st == ms.kInterrupt and should_stop is not None and should_stop():
        raise Cancelled()
    if st in (ms.kTimeLimit, ms.kIterationLimit, ms.kInterrupt):
        return LPResult("time_limit", np.nan, None, time.perf_counter() - t0)
    return LPResult("error", np.nan, None, time.perf_counter() - t0)


def resolve_tightened(lp: LPResult, p: Problem, mx: Matrix, keep: float, time_limit: float) -> LPResult:
    """Re-solve the LP (warm, from its basis) with every balance band narrowed to ``keep`` of its width.

    Rounding the few fractional units then lands inside the real bands far more often, so the integer
    repair has little or nothing left to do.  The bound still comes from the un-narrowed LP.
    """
    import highspy

    h = lp.highs
    t0 = time.perf_counter()
    T, M = p.n_terr, len(p.metric_names)
    rows = mx.n_assign + np.arange(T * M)
    tgt = p.target.reshape(-1)
    lo = tgt - keep * (tgt - p.lo.reshape(-1))
    hi = tgt + keep * (p.hi.reshape(-1) - tgt)
    # HiGHS's time_limit counts from the model's first run, not this one: without the time already spent, a
    # re-solve after a long LP stopped at once with kTimeLimit and was taken for infeasible bands
    h.setOptionValue("time_limit", float(h.getRunTime() + max(time_limit, 0.5)))
    if lp.until is not None:
        lp.until[0] = time.perf_counter() + max(time_limit, 0.5) + GRACE_S
    h.changeRowsBounds(len(rows), rows.astype(np.int32), lo, hi)
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        sol = np.asarray(h.getSolution().col_value)
        if lp.cols is not None:  # a model of some columns only: back to the full layout
            full = np.zeros(len(lp.x))
            full[lp.cols[lp.cols >= 0]] = sol[lp.cols >= 0]
            sol = full
        return LPResult("optimal", float(h.getInfo().objective_function_value), sol, time.perf_counter() - t0, h,
                        cols=lp.cols)
    return LPResult("infeasible", np.nan, None, time.perf_counter() - t0, h)


def _watch_interrupt(h, should_stop: Callable[[], bool], mip: bool = False, good_enough: float | None = None,
                     reached: list | None = None, deadline: list[float] | None = None) -> None:
    """Let HiGHS poll the stop flag so a cancel interrupts a long LP (best effort across highspy versions).

    ``good_enough``: stop the MIP as soon as its incumbent objective is at or below this value.  The carve
    measures its gap against the LP bound of the whole problem, so once an incumbent is within the gap
    target there, proving the sub-problem's own optimality is wasted time (it was most of the solve).
    """
    reached = reached if reached is not None else []
    try:
        import highspy

        def cb(callback_type, message, data_out, data_in, user_data):
            if should_stop() or (deadline is not None and time.perf_counter() > deadline[0]):
                data_in.user_interrupt = True
            elif (good_enough is not None and callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt
                  and data_out.mip_primal_bound <= good_enough):
                data_in.user_interrupt = True
                reached.append(True)

        h.setCallback(cb, None)
        h.startCallback(highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt)
        h.startCallback(highspy.cb.HighsCallbackType.kCallbackIpmInterrupt)
        if mip:
            h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
    except Exception:  # noqa: BLE001 - older highspy: the flag is still checked between phases
        pass


@dataclass
class MIPResult:
    status: str  # optimal | good_enough (stopped within the caller's target) | time_limit | infeasible | error
    x: np.ndarray | None  # full column vector (fixed columns included)
    bound: float  # best bound of this sub-problem incl. the fixed part (nan if unknown)
    seconds: float
    columns: int


def solve_sub_mip(mx: Matrix, free_cols: np.ndarray, x_fixed: np.ndarray, time_limit: float, gap: float,
                  warm: np.ndarray | None = None, gap_abs: float | None = None,
                  should_stop: Callable[[], bool] | None = None, good_enough: float | None = None) -> MIPResult:
    """Re-optimise the columns ``free_cols`` (pairs binary, slacks continuous) with the rest fixed.

    ``x_fixed`` holds values for every column; free ones are ignored.  ``gap_abs`` stops the search once the
    sub-problem is within that many objective units of its bound (the global gap is measured against the LP
    bound, so proving the sub-problem optimal beyond that buys nothing).  ``should_stop`` lets a cancel
    interrupt HiGHS.
    """
    t0 = time.perf_counter()
    free_cols = np.asarray(free_cols, dtype=np.int64)
    fixed_mask = np.ones(mx.A.shape[1], dtype=bool)
    fixed_mask[free_cols] = False
    xf = np.where(fixed_mask, x_fixed, 0.0)
    activity = mx.A @ xf
    sub = mx.A[:, free_cols].tocsr()
    used_rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sub[used_rows].tocsc()
    lo, hi = mx.row_lo[used_rows] - activity[used_rows], mx.row_hi[used_rows] - activity[used_rows]
    c = mx.c[free_cols].copy()
    col_lo, col_hi = mx.col_lo[free_cols].copy(), mx.col_hi[free_cols].copy()
    is_int = free_cols < mx.n_pairs
    n_main = len(free_cols)
    start = warm[free_cols].copy() if warm is not None else None
    const = float(mx.c @ xf)
    tl = max(float(time_limit), 1.0)
    vals, status, bound = _mip_highspy(c, sub, col_lo, col_hi, lo, hi, is_int, tl, gap, gap_abs, start,
                                       should_stop, None if good_enough is None else good_enough - const)
    if vals is None:
        return MIPResult(status, None, bound + const, time.perf_counter() - t0, n_main)
    x = xf.copy()
    v = vals[:n_main]
    x[free_cols] = np.where(free_cols < mx.n_pairs, np.round(v), v)
    return MIPResult(status, x, bound + const, time.perf_counter() - t0, n_main)


def _mip_highspy(c, A, col_lo, col_hi, row_lo, row_hi, is_int, time_limit, gap, gap_abs, start, should_stop=None,
                 good_enough=None):
    import highspy

    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(gap))
    if gap_abs is not None:
        h.setOptionValue("mip_abs_gap", float(gap_abs))
    h.passModel(highs_lp(c, A, col_lo, col_hi, row_lo, row_hi, is_int))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        sol.value_valid = True
        h.setSolution(sol)
    reached: list = []  # set when the incumbent met good_enough (an interrupt we asked for, not a time limit)
    _watch_interrupt(h, should_stop or (lambda: False), mip=True, good_enough=good_enough, reached=reached,
                     deadline=[time.perf_counter() + float(time_limit) + GRACE_S])
    h.run()
    st = h.getModelStatus()
    ms = highspy.HighsModelStatus
    info = h.getInfo()
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else np.nan
    if info.primal_solution_status == 2 or st == ms.kOptimal:
        vals = np.asarray(h.getSolution().col_value)
        return vals, "optimal" if st == ms.kOptimal else ("good_enough" if reached else "time_limit"), bound
    return None, "infeasible" if st == ms.kInfeasible else "time_limit", bound
