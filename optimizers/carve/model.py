"""The carving model as a sparse matrix, and how a plan reads against it (loads, objective, feasibility).

Columns are candidate pairs x[u,t] ∈ {0,1} plus, in soft mode, over/under slacks priced by the one band-cost model
(:mod:`optimizers.carve.band_cost`); rows are the package docstring's: every unit once, the bands, and the optional
account caps and disruption budgets.  Built directly with numpy/scipy: PuLP objects for hundreds of thousands of
columns would dominate the run.  Solving it is :mod:`optimizers.carve.solvers`; the order of the steps
:mod:`optimizers.carve.repair`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from optimizers.carve.band_cost import BandCost
from optimizers.carve.candidates import Candidates

INF = np.inf


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
    soft_tiers: tuple[tuple[float, float], ...] = ()  # soft mode: see band_cost.SOFT_TIERS; () = one linear price
    lp_start: np.ndarray | None = None  # bool per pair: the LP starts from these, the others priced in as they pay
    # (optimizers.carve.pricing); None: the LP has every pair from the start
    conn: Any = None  # contiguity asked: the units' graph and roots (optimizers.contiguity.connectivity.ConnGraph), so
    # the solve adds separator cuts (optimizers.contiguity.one_piece); None: no cuts

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


def soft_blocks(n_tiers: int, n_caps: int) -> list[int]:
    """The order of soft mode's slack blocks after the pair columns: the first tier's over- and under-slacks, the
    capacity over-slacks (-1), then the higher tiers (the order the LP's golden rows were recorded with)."""
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
        bc = BandCost(p)
        for k in soft_blocks(len(bc.prices), len(cap_rows)):
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
            col_c += [bc.pen * bc.prices[k], bc.pen * bc.prices[k]]
            col_lo.append(np.zeros(2 * nb))
            col_hi.append(np.tile(bc.widths[k], 2))
            n_cols += 2 * nb
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols))
    A.sort_indices()
    return Matrix(c=np.concatenate(col_c), A=A, col_lo=np.concatenate(col_lo), col_hi=np.concatenate(col_hi),
                  row_lo=np.concatenate(row_lo), row_hi=np.concatenate(row_hi), n_pairs=P, n_assign=U,
                  row_kind=kinds)


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
        loads, bc = loads_of(p, assign), BandCost(p)
        nb = loads.size  # each side's deviation split over the tiers, the cheapest filled first
        over = bc.fill(np.maximum(loads - p.hi, 0).reshape(-1))
        under = bc.fill(np.maximum(p.lo - loads, 0).reshape(-1))
        caps = np.flatnonzero(np.isfinite(p.max_accounts))
        col = len(hit)
        for k in soft_blocks(len(bc.prices), len(caps)):
            if k < 0:
                cnt = np.bincount(assign, weights=p.unit_accounts, minlength=p.n_terr)
                x[col: col + len(caps)] = np.maximum(cnt[caps] - p.max_accounts[caps], 0)
                col += len(caps)
                continue
            x[col: col + nb], x[col + nb: col + 2 * nb] = over[k], under[k]
            col += 2 * nb
    return x


def loads_of(p: Problem, assign: np.ndarray) -> np.ndarray:
    """T × M metric totals for an assignment (unit → territory index)."""
    T, M = p.n_terr, len(p.metric_names)
    return np.stack([np.bincount(assign, weights=p.unit_metrics[:, m], minlength=T) for m in range(M)], axis=1) \
        if M else np.zeros((T, 0))


def lp_loads(p: Problem, x: np.ndarray) -> np.ndarray:
    """T × M metric totals of an LP point ``x`` (pair columns first; fractional books)."""
    c, xp = p.cand, x[: len(p.cand.unit)]
    return np.stack([np.bincount(c.terr, weights=xp * p.unit_metrics[c.unit, m], minlength=p.n_terr)
                     for m in range(len(p.metric_names))], axis=1) if p.metric_names else np.zeros((p.n_terr, 0))


def gap_of(objective: float, bound: float) -> float:
    """The relative gap of a plan's ``objective`` above a lower ``bound`` (0 for a plan that costs nothing)."""
    return (objective - bound) / abs(objective) if objective else 0.0


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
