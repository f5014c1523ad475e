"""The carving model as a sparse matrix, its LP relaxation (highspy) and the integer repair.

Columns are candidate pairs x[u,t] ∈ {0,1} (unit u goes to territory t) plus,
in soft mode, elastic slacks.  Rows:

* assignment: Σ_t x[u,t] = 1 for every unit;
* balance: lo[t,m] ≤ Σ_u metric[u,m]·x[u,t] ≤ hi[t,m] per territory and metric
  (soft mode adds over/under slacks priced per unit of deviation outside the band, in convex tiers: see
  ``SOFT_TIERS``);
* capacity (optional): accounts in t ≤ max_accounts[t];
* disruption budget (optional): accounts moved ≤ max_moves, ARR moved ≤ max_arr_moved.

The matrix is built directly with numpy/scipy (building PuLP objects for
hundreds of thousands of columns would dominate the run).  The LP relaxation
over all candidate pairs is solved with HiGHS through highspy; it gives the
lower bound.  It is then re-solved warm with slightly narrowed bands so that
rounding the few fractional units fits the real bands.  Units still
fractional, plus a small pool of cheap-to-move units in the territories they
touch, are re-optimised as a small MIP with every other unit fixed: directly
in highspy (warm-started, interruptible) or written as a PuLP model for
PuLP's HiGHS API or CBC.  Small instances free every unit: the full MIP.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pulp
import scipy.sparse as sp

from optimizers.carve.candidates import Candidates

INF = np.inf


_BANNER_SHOWN = False


def new_highs():
    """A quiet highspy model.  HiGHS prints its banner on the first construction in a process, straight to
    file descriptor 1; swallow it once so CLI output stays clean."""
    global _BANNER_SHOWN
    import highspy

    if not _BANNER_SHOWN:
        _BANNER_SHOWN = True
        try:
            sys.stdout.flush()
            saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            try:
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
        except OSError:  # no real stdout (embedded): the banner is harmless
            h = highspy.Highs()
    else:
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


# Soft mode's price of a deviation outside the band rises with its size: (width as a share of the target, multiple
# of the territory's penalty), the last tier unbounded.  With one linear price the LP is indifferent between
# spreading a region's excess over its books and putting all of it on one, and it picks a vertex: at 500,000 × 2,500
# one book ended 1,763% over target (at 100,000 × 500 one 74% under) while its neighbours sat inside their bands.
# Rising prices spread the same excess, each book a little outside its band.
SOFT_TIERS: tuple[tuple[float, float], ...] = ((0.10, 1.0), (0.40, 4.0), (float("inf"), 16.0))


# HiGHS does not check its time limit everywhere (issues ERGO-Code/HiGHS#885, #1278): a part capped at 120 s ran
# 199 s.  Its interrupt callbacks also stop a run this long past the limit given to it, seconds.
GRACE_S = 1.0


class Cancelled(Exception):
    """The user stopped the run; nothing is returned or saved."""


@dataclass
class Problem:
    """Everything the solver needs, as arrays.  Indices: units u, territories t, metrics m."""

    cand: Candidates
    metric_names: list[str]
    unit_metrics: np.ndarray  # U × M balanced metric values per unit
    unit_accounts: np.ndarray  # U, accounts per unit
    lo: np.ndarray  # T × M lower band (absolute)
    hi: np.ndarray  # T × M upper band
    target: np.ndarray  # T × M target
    pair_cost: np.ndarray  # per pair: distance + continuity cost
    pair_moves: np.ndarray  # per pair: accounts moved (budget-counted) if chosen
    pair_arr_moved: np.ndarray  # per pair: ARR moved (budget-counted) if chosen
    soft: bool
    penalty: np.ndarray  # T × M cost per unit of deviation outside the band (soft mode)
    max_accounts: np.ndarray  # T, inf when no capacity rule
    max_moves: float | None = None
    max_arr_moved: float | None = None
    capacity_penalty: float = 1_000.0  # soft mode: cost per account over capacity
    rule_break_penalty: float = 1_000.0  # soft mode: cost of a pair the rules forbid (orphan fallback)
    soft_tiers: tuple[tuple[float, float], ...] = ()  # soft mode: see SOFT_TIERS; () = one linear price

    @property
    def n_units(self) -> int:
        return len(self.cand.ptr) - 1

    @property
    def n_terr(self) -> int:
        return self.lo.shape[0]


@dataclass
class Matrix:
    """The model in column-wise form: c, A (csc), column and row bounds, integer columns."""

    c: np.ndarray
    A: sp.csc_matrix
    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    n_pairs: int
    n_assign: int  # the first n_assign rows are the assignment rows
    row_kind: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, t, m) for side rows


def tier_widths(p: Problem) -> tuple[list[np.ndarray], list[float]]:
    """Soft mode's price tiers: the width of each (absolute, per balance row, flattened t·M + m; the last one
    unbounded) and its multiple of the row's penalty."""
    tiers = p.soft_tiers or ((float("inf"), 1.0),)
    tgt = np.abs(p.target.reshape(-1))
    widths = [np.full(tgt.shape, np.inf) if not np.isfinite(w) else w * tgt for w, _ in tiers]
    widths[-1] = np.full(tgt.shape, np.inf)
    return widths, [float(m) for _, m in tiers]


def soft_blocks(n_tiers: int, n_caps: int) -> list[int]:
    """The order of soft mode's slack blocks after the pair columns: the first tier's over- and under-slacks (so
    that ``x[P:P+nb]``, ``x[P+nb:P+2nb]`` stay the first tier's, as :mod:`diagnose` reads them), the capacity
    over-slacks (-1), then the higher tiers."""
    return [0] + ([-1] if n_caps else []) + list(range(1, n_tiers))


def build_matrix(p: Problem) -> Matrix:
    """Assemble the sparse model; O(nnz) numpy work, no Python loop over pairs."""
    U, T = p.n_units, p.n_terr
    M = len(p.metric_names)
    c = p.cand
    P = len(c.unit)
    rows, cols, vals = [c.unit], [np.arange(P)], [np.ones(P)]
    row_lo, row_hi = [np.ones(U)], [np.ones(U)]
    kinds: list[tuple[str, int, int]] = []
    r0 = U
    # balance rows (t, m) at r0 + t*M + m
    for m in range(M):
        v = p.unit_metrics[c.unit, m]
        nz = v != 0
        rows.append(r0 + c.terr[nz] * M + m)
        cols.append(np.flatnonzero(nz))
        vals.append(v[nz])
    row_lo.append(p.lo.reshape(-1))
    row_hi.append(p.hi.reshape(-1))
    kinds += [("balance", t, m) for t in range(T) for m in range(M)]
    r = r0 + T * M
    cap_rows = np.flatnonzero(np.isfinite(p.max_accounts))
    cap_row_of = np.full(T, -1)
    cap_row_of[cap_rows] = r + np.arange(len(cap_rows))
    if len(cap_rows):
        sel = cap_row_of[c.terr] >= 0
        rows.append(cap_row_of[c.terr[sel]])
        cols.append(np.flatnonzero(sel))
        vals.append(p.unit_accounts[c.unit[sel]].astype(float))
        row_lo.append(np.full(len(cap_rows), -INF))
        row_hi.append(p.max_accounts[cap_rows])
        kinds += [("capacity", t, -1) for t in cap_rows]
        r += len(cap_rows)
    for name, limit, per_pair in (("moves", p.max_moves, p.pair_moves), ("arr_moved", p.max_arr_moved, p.pair_arr_moved)):
        if limit is None:
            continue
        nz = per_pair != 0
        rows.append(np.full(int(nz.sum()), r))
        cols.append(np.flatnonzero(nz))
        vals.append(per_pair[nz])
        row_lo.append(np.array([-INF]))
        row_hi.append(np.array([float(limit)]))
        kinds.append((name, -1, -1))
        r += 1
    n_rows = r
    cost = p.pair_cost + np.where(c.rule_break, p.rule_break_penalty, 0.0)
    col_c, col_lo, col_hi = [cost], [np.zeros(P)], [np.ones(P)]
    n_cols = P
    if p.soft:
        # an over- and an under-slack per balance row and price tier (the first tier's pair first, then one
        # over-slack per capacity row, then the higher tiers' pairs: see soft_layout), widths capped per tier
        nb = T * M
        bal_rows = r0 + np.arange(nb)
        pen = p.penalty.reshape(-1)
        widths, prices = tier_widths(p)
        for k in soft_blocks(len(prices), len(cap_rows)):
            if k < 0:  # the capacity rows' over-slacks
                rows.append(cap_row_of[cap_rows])
                cols.append(n_cols + np.arange(len(cap_rows)))
                vals.append(-np.ones(len(cap_rows)))
                col_c.append(np.full(len(cap_rows), p.capacity_penalty))
                col_lo.append(np.zeros(len(cap_rows)))
                col_hi.append(np.full(len(cap_rows), INF))
                n_cols += len(cap_rows)
                continue
            rows += [bal_rows, bal_rows]
            cols += [n_cols + np.arange(nb), n_cols + nb + np.arange(nb)]
            vals += [-np.ones(nb), np.ones(nb)]
            col_c += [pen * prices[k], pen * prices[k]]
            col_lo.append(np.zeros(2 * nb))
            col_hi.append(np.tile(np.where(np.isfinite(widths[k]), widths[k], INF), 2))
            n_cols += 2 * nb
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols))
    A.sort_indices()
    return Matrix(c=np.concatenate(col_c), A=A, col_lo=np.concatenate(col_lo), col_hi=np.concatenate(col_hi),
                  row_lo=np.concatenate(row_lo), row_hi=np.concatenate(row_hi), n_pairs=P, n_assign=U,
                  row_kind=kinds)


@dataclass
class LPResult:
    status: str  # optimal | infeasible | time_limit | error
    objective: float
    x: np.ndarray | None
    seconds: float
    highs: object = None  # the solved highspy model, for a warm re-solve
    until: list[float] | None = None  # its interrupt callback's deadline (perf_counter), moved for a re-solve


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
        return LPResult("optimal", float(h.getInfo().objective_function_value), sol, time.perf_counter() - t0, h)
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
                  solver: str = "highs", warm: np.ndarray | None = None, gap_abs: float | None = None,
                  should_stop: Callable[[], bool] | None = None, good_enough: float | None = None) -> MIPResult:
    """Re-optimise the columns ``free_cols`` (pairs binary, slacks continuous) with the rest fixed.

    ``x_fixed`` holds values for every column; free ones are ignored.  ``gap_abs`` stops the search once the
    sub-problem is within that many objective units of its bound (the global gap is measured against the LP
    bound, so proving the sub-problem optimal beyond that buys nothing).  ``should_stop`` lets a cancel
    interrupt HiGHS.
    Solvers: ``highs`` (highspy, with the warm start), ``pulp-highs`` (PuLP's HiGHS API), ``cbc`` (PuLP CBC).
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
    if solver == "highs":
        vals, status, bound = _mip_highspy(c, sub, col_lo, col_hi, lo, hi, is_int, tl, gap, gap_abs, start,
                                           should_stop, None if good_enough is None else good_enough - const)
    else:
        vals, status, bound = _mip_pulp(c, sub, col_lo, col_hi, lo, hi, is_int, tl, gap, gap_abs, start, solver)
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


def _mip_pulp(c, A, col_lo, col_hi, row_lo, row_hi, is_int, time_limit, gap, gap_abs, start, solver):
    """The same sub-problem written as a PuLP model (HiGHS API or CBC)."""
    prob = pulp.LpProblem("carve_repair", pulp.LpMinimize)
    xs = [pulp.LpVariable(f"x{j}", lowBound=col_lo[j], upBound=None if np.isinf(col_hi[j]) else col_hi[j],
                          cat=pulp.LpBinary if is_int[j] else pulp.LpContinuous) for j in range(A.shape[1])]
    prob += pulp.LpAffineExpression([(xs[j], float(c[j])) for j in range(len(xs))])
    R = A.tocsr()
    for r in range(R.shape[0]):
        a, b = R.indptr[r], R.indptr[r + 1]
        expr = pulp.LpAffineExpression([(xs[i], float(v)) for i, v in zip(R.indices[a:b], R.data[a:b])])
        if row_lo[r] == row_hi[r]:
            prob += expr == row_lo[r], f"r{r}"
        else:
            if np.isfinite(row_lo[r]):
                prob += expr >= row_lo[r], f"l{r}"
            if np.isfinite(row_hi[r]):
                prob += expr <= row_hi[r], f"u{r}"
    if start is not None:
        for v, s0 in zip(xs, start):
            v.setInitialValue(float(s0))
    if solver == "cbc":
        s = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap, gapAbs=gap_abs, warmStart=start is not None)
    else:
        s = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap, gapAbs=gap_abs)
    try:
        prob.solve(s)
    except pulp.PulpSolverError:
        return None, "infeasible", np.nan
    vals = np.array([v.varValue if v.varValue is not None else np.nan for v in xs], dtype=float)
    bound = np.nan
    if solver != "cbc" and getattr(prob, "solverModel", None) is not None:
        try:
            bound = float(prob.solverModel.getInfo().mip_dual_bound)
        except Exception:  # noqa: BLE001 - CBC through PuLP does not expose its bound: the LP bound stands
            bound = np.nan
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) or np.isnan(vals).any():
        return None, "infeasible" if prob.status == pulp.LpStatusInfeasible else "time_limit", bound
    return vals, "optimal" if prob.sol_status == pulp.LpSolutionOptimal else "time_limit", bound


def assignment_from_x(p: Problem, x: np.ndarray) -> np.ndarray:
    """Territory index per unit: the candidate with the largest value (integral x → the chosen one)."""
    xp = x[: len(p.cand.unit)]
    starts = p.cand.ptr[:-1]
    # argmax within each unit's slice: sort key (unit, -x)
    order = np.lexsort((-xp, p.cand.unit))
    first = order[starts]
    return p.cand.terr[first]


def x_from_assignment(p: Problem, mx: Matrix, assign: np.ndarray) -> np.ndarray:
    """Full column vector for an integral assignment; soft slacks set to the smallest feasible values."""
    x = np.zeros(mx.A.shape[1])
    hit = p.cand.terr == assign[p.cand.unit]
    x[: len(hit)] = hit.astype(float)
    if p.soft:
        loads = loads_of(p, assign)
        T, M = loads.shape
        nb = T * M
        over = np.maximum(loads - p.hi, 0).reshape(-1)
        under = np.maximum(p.lo - loads, 0).reshape(-1)
        caps = np.flatnonzero(np.isfinite(p.max_accounts))
        widths, prices = tier_widths(p)
        start = np.zeros(nb)  # the deviation the cheaper tiers already hold: the cheapest tiers fill first
        col = len(hit)
        for k in soft_blocks(len(prices), len(caps)):
            if k < 0:
                cnt = np.bincount(assign, weights=p.unit_accounts, minlength=T)
                x[col: col + len(caps)] = np.maximum(cnt[caps] - p.max_accounts[caps], 0)
                col += len(caps)
                continue
            x[col: col + nb] = np.clip(over - start, 0, widths[k])
            x[col + nb: col + 2 * nb] = np.clip(under - start, 0, widths[k])
            start = start + widths[k]
            col += 2 * nb
    return x


def loads_of(p: Problem, assign: np.ndarray) -> np.ndarray:
    """T × M metric totals for an assignment (unit → territory index)."""
    T, M = p.n_terr, len(p.metric_names)
    return np.stack([np.bincount(assign, weights=p.unit_metrics[:, m], minlength=T) for m in range(M)], axis=1) \
        if M else np.zeros((T, 0))


def objective_of(p: Problem, mx: Matrix, assign: np.ndarray) -> float:
    return float(mx.c @ x_from_assignment(p, mx, assign))


def is_feasible(p: Problem, mx: Matrix, assign: np.ndarray, tol: float = 1e-6) -> bool:
    """All rows within bounds (hard mode bands, capacity, budget) for an integral assignment."""
    x = x_from_assignment(p, mx, assign)
    act = mx.A @ x
    scale = np.maximum(1.0, np.abs(np.where(np.isfinite(mx.row_hi), mx.row_hi, 0)))
    return bool(np.all(act >= mx.row_lo - tol * scale) and np.all(act <= mx.row_hi + tol * scale))


def repair_pool(p: Problem, assign: np.ndarray, touched: np.ndarray, per_territory: int) -> np.ndarray:
    """Units worth freeing around the fractional ones: in touched territories, smallest regret first.

    Regret = cost of the unit's best other candidate − cost where it sits now;
    small regret means the unit could move at little cost if balance needs it.
    """
    c = p.cand
    here = c.terr == assign[c.unit]
    cost_here = np.zeros(p.n_units)
    cost_here[c.unit[here]] = p.pair_cost[here]
    other = np.where(here, np.inf, p.pair_cost)
    n_c = np.diff(c.ptr)
    movable = n_c > 1
    best_other = np.full(p.n_units, np.inf)
    idx = np.flatnonzero(movable)
    if len(idx):
        best_other[idx] = np.minimum.reduceat(other, c.ptr[:-1])[idx]
    regret = best_other - cost_here
    cand_units = np.flatnonzero(movable & np.isin(assign, touched))
    if not len(cand_units):
        return cand_units
    order = np.lexsort((regret[cand_units], assign[cand_units]))
    ordered = cand_units[order]
    terr_sorted = assign[ordered]
    # rank within each territory
    starts = np.r_[0, np.flatnonzero(np.diff(terr_sorted)) + 1]
    rank = np.arange(len(ordered)) - np.repeat(starts, np.diff(np.r_[starts, len(ordered)]))
    return ordered[rank < per_territory]


def columns_of_units(p: Problem, mx: Matrix, units: np.ndarray) -> np.ndarray:
    """Pair columns of the given units, plus every slack column (soft mode)."""
    c = p.cand
    sel = np.zeros(p.n_units, dtype=bool)
    sel[units] = True
    pair_cols = np.flatnonzero(sel[c.unit])
    slack = np.arange(mx.n_pairs, mx.A.shape[1])
    return np.concatenate([pair_cols, slack])
