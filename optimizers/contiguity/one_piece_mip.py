"""The part's MIP over its cut system: a stronger one-piece bound and, often, a cheaper one-piece plan.

Why: the cut LP's bound is weak where the bands, not contiguity, make the plan dear.  Georgia's 159 counties × 10
(±5%): the cut LP converges at 217.59 (no violated cut left), the grown plan costs 221.37 (1.71% above), and the
one-piece optimum is 220.06 (proved on 3 Dec 2026: the MIP over the cuts with a flow for each territory once in
pieces, 139 s): of the 1.71 points, 1.1 were the LP's fractional counties meeting the bands, 0.6 the plan.  On the
demo company's Mid-market counties (644 × 13) the MIP's root bound adds 0.1% but its integer points
(17,500–17,730) are 4–5% cheaper than the grown plan (18,409).

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

Three things make the MIP reach that bound sooner (:func:`strengthened`), the first two true of every such plan: a
rooted territory that must hold a geographic unit holds its root (x(root,t) = 1: a one-piece plan holds its root),
and a unit of a rooted territory has a neighbour in it (x(i,t) ≤ Σ over i's neighbours j of x(j,t), the separator
cut of S = {i}, added for every pair up front); and the band rows are scaled to their target's size (potential runs
to 3·10⁶ against 0/1 columns: HiGHS warned the model was badly scaled). Georgia's 159 counties × 10, one MIP run:
218.61 after 5 s before, 218.96 (its optimum over those cuts) after 4.1 s.

Before the bound, the plan (:func:`neighbour_moves`): the same MIP with each unit allowed only its own territory
and the territories it touches, from the plan, until no cheaper one-piece plan lies within one move of every unit
at once (after a cheaper plan, only the units near its moves are freed).  Pair re-carves cannot find a chain of
moves round three or more books (each link changes two loads); Georgia's grown plan (221.37) was 12 units from the
optimum (220.06), a chain through 8 books: the first neighbourhood found 220.50 in ~1 s, the third 220.06.  Its
dual bounds are of the neighbourhood, never the part's.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.carve.model import (
    Cancelled,
    Matrix,
    assignment_from_x,
    is_feasible,
    objective_of,
    x_from_assignment,
)
from optimizers.contiguity.connectivity import CutSet, add_rows, cut_rows, pieces_of, separate, with_cuts

__all__ = ["cut_mip", "strengthened", "neighbour_moves", "MIP_MAX_PAIRS", "MIP_SHARE", "MIP_MAX_S", "MIP_LABEL",
           "MOVES_LABEL"]

MIP_MAX_PAIRS = 4000  # parts up to this many pairs (Georgia: 1,590).  The demo company's Mid-market counties
# (6,449 pairs): its root node took 2–24 s by load, 10 s of MIP raised the bound 0.1% and found no cheaper one-piece
# plan (its integer points were in pieces each round), so the demo's county carve took 18 s instead of 5 s for 0.03%
MIP_SHARE = 0.9  # of the part's time left after its plan (nothing of the part runs after it; Georgia's 8 s row: 3.3 s
# at 0.75, bound 217.6 → ~218.5)
MOVES_SHARE = 0.6  # … of which the neighbourhood MIP for the plan takes at most this share, the bound the rest: on
# Georgia the bound's MIP reaches ~218.3 in 0.5–1 s and stays there ~5 s before its tree closes at 218.96
MIP_MAX_S = 10.0  # at most this per part, so a 60 s carve of a few small parts does not spend it all here
MIP_MIN_S = 0.5  # a run shorter than this does not reach the root's bound: not started
PIECE_CUTS = 1000  # an integer point in pieces: a cut for every unit of each piece cut off
NEAR_HOPS = 2  # after a cheaper plan, the next neighbourhood frees the units this many steps from its moves
MIN_GAIN = 1e-6  # relative cost drop below which a neighbourhood's plan is not taken (solver noise)
MIP_LABEL = "MIP over the contiguity cuts"  # appended to the strategy when its plan is taken
MOVES_LABEL = "moves to touching books (MIP)"  # … when the neighbourhood MIP's plan is taken


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
    mx = strengthened(p, st.cc, s.mx)
    label, rounds = MIP_LABEL, 0
    if best is not None:  # the plan first: a cheaper incumbent also prunes the bound's search
        best, best_obj, rounds, found = neighbour_moves(s, st, mx, best, best_obj, t0 + MOVES_SHARE * left)
        mx, label = with_cuts(mx, found), MOVES_LABEL
    # a model of its own: HiGHS stops at once when run again after an interrupt
    h, stop_at = _model(mx), [t0 + left]
    _watch(h, s.stop, stop_at)
    while time.perf_counter() < stop_at[0] - 0.05 and not s.stop():
        x, dual = _run(h, mx, p, best, stop_at[0] - time.perf_counter())
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
            best, best_obj, label = plan, obj, MIP_LABEL
        break  # a one-piece point: the best this MIP has (its dual bound, not its objective, is the bound: HiGHS
        # stops within its relative gap, so the point may sit that far above the optimum)
    if s.stop():
        raise Cancelled()
    s.stats["one_piece_mip_rounds"] = s.stats.get("one_piece_mip_rounds", 0) + rounds
    s.stats["seconds_one_piece_mip"] = s.stats.get("seconds_one_piece_mip", 0.0) + time.perf_counter() - t0
    out = _taken(s, solved, best, best_obj, label)
    if best is not None and out.assign is best:
        st.split = 0  # the part's plan is one piece (the ladder's plan in pieces was replaced)
    return out


def neighbour_moves(s, st, mx: Matrix, plan: np.ndarray, obj: float, until: float
                    ) -> tuple[np.ndarray, float, int, CutSet]:
    """The cheapest one-piece plan within one move of ``plan`` for every unit at once (each unit keeps its
    territory or takes one it touches), again from each cheaper plan found, until none is cheaper or the clock
    reaches ``until`` (see the module docstring).  ``mx``: the part's matrix for the MIPs (:func:`strengthened`).
    A territory a point leaves in pieces gets the cuts of that point and from then on a flow that keeps it one
    piece exactly (:func:`~optimizers.contiguity.one_piece.with_flows`; by cuts alone Georgia's neighbourhoods came back
    in pieces five runs running).  Returns (plan, its objective, MIP runs, the cuts its points called for: valid
    for every one-piece plan, so the bound's MIP starts with them)."""
    p, runs, found_cuts = s.p, 0, CutSet.empty(st.cc.n_pairs)
    flowed, live, near = np.zeros(p.n_terr, dtype=bool), None, None
    while time.perf_counter() < until - 0.05 and not s.stop():
        allowed, found = _touching(p, plan, near), None
        while found is None and time.perf_counter() < until - 0.05 and not s.stop():
            if live is None:
                live = _flow_model(s, st, with_cuts(mx, found_cuts), flowed, plan, until)
            h, mxf = live
            _allow(h, mx, allowed)
            x, _ = _run(h, mxf, p, plan, until - time.perf_counter())  # its dual bound: the neighbourhood's
            runs += 1
            if x is None:
                break
            cuts = separate(st.cc, x, integral=True, per_piece=PIECE_CUTS)
            if not len(cuts):
                found = assignment_from_x(p, x)
                continue
            found_cuts, st.cuts = found_cuts + cuts, st.cuts + len(cuts)
            split = pieces_of(st.cc, x) > 1
            if (split & ~flowed).any():
                flowed, live = flowed | split, None
            else:
                add_rows(h, cuts, h.getNumCol())
        if found is None:
            break
        new = objective_of(p, s.mx, found)
        if new >= obj - MIN_GAIN * max(abs(obj), 1.0) or not is_feasible(p, s.mx, found):
            break
        near = _around(p, found != plan)
        plan, obj = found, new
    return plan, obj, runs, found_cuts


def _flow_model(s, st, mx: Matrix, flowed: np.ndarray, plan: np.ndarray, until: float):
    """(live MIP, its matrix): ``mx`` with a flow for each territory of ``flowed``, interrupted at ``until``."""
    from optimizers.contiguity.one_piece import with_flows

    mxf = with_flows(mx, st.cc, np.flatnonzero(flowed), x_from_assignment(s.p, mx, plan)) if flowed.any() else mx
    h = _model(mxf)
    _watch(h, s.stop, [until])
    return h, mxf


def _touching(p, plan: np.ndarray, near: np.ndarray | None = None) -> np.ndarray:
    """Per pair column: whether its territory is the unit's own in ``plan`` or, for a unit where ``near`` (None:
    every unit), one the unit touches (a unit outside the unit graph: every candidate)."""
    c, g = p.cand, p.conn
    adj = g.adj.tocoo()
    ok = np.zeros((p.n_units, p.n_terr), dtype=bool)
    ok[np.arange(p.n_units), plan] = True
    free = np.ones(p.n_units, dtype=bool) if near is None else near
    edge = free[adj.row]
    ok[adj.row[edge], plan[adj.col[edge]]] = True
    ok[~g.geo] = True
    return ok[c.unit, c.terr]


def _around(p, moved: np.ndarray) -> np.ndarray:
    """The units within :data:`NEAR_HOPS` steps of a unit where ``moved``: the next neighbourhood, after a plan
    changed there (each later run of Georgia's chain moved units next to the last run's)."""
    adj, near = p.conn.adj, moved.copy()
    for _ in range(NEAR_HOPS):
        near = near | (np.asarray(adj[near].sum(axis=0)).ravel() > 0)
    return near


def _allow(h, mx: Matrix, pairs: np.ndarray) -> None:
    """Pair columns of the live MIP ``h`` closed (upper bound 0) where not ``pairs`` (a column fixed at 1, a root,
    stays open), the others open as in ``mx``."""
    n = mx.n_pairs
    hi = np.where(pairs | (mx.col_lo[:n] > 0), mx.col_hi[:n], 0.0)
    h.changeColsBounds(n, np.arange(n, dtype=np.int32), mx.col_lo[:n].astype(float), hi.astype(float))


def strengthened(p, cc, mx: Matrix) -> Matrix:
    """``mx`` for the MIPs (see the module docstring): roots fixed where a one-piece plan must hold them, the
    degree cuts of rooted territories added, band rows scaled.  Every plan with each territory one piece around
    its root within the bands is feasible in it, so its MIP's dual bound stays a bound."""
    lo = mx.col_lo.copy()
    for t in np.flatnonzero(_holds_root(p, cc)):
        tg = cc.terrs[t]
        lo[tg.cols[tg.root]] = 1.0
    return _scaled(with_cuts(dataclasses.replace(mx, col_lo=lo), _degree_cuts(cc)))


def _holds_root(p, cc) -> np.ndarray:
    """Per territory: rooted, and every plan within the (hard) bands gives it a geographic unit, so a one-piece
    plan gives it its root: some band's lower side exceeds all its candidate units outside the graph could bring."""
    c, geo = p.cand, p.conn.geo
    rooted = np.array([tg.root >= 0 for tg in cc.terrs], dtype=bool)
    if p.soft or not rooted.any():
        return np.zeros(p.n_terr, dtype=bool)
    off = ~geo[c.unit]
    outside = np.zeros_like(p.lo, dtype=float)
    np.add.at(outside, c.terr[off], p.unit_metrics[c.unit[off]])
    return rooted & (p.lo > outside + 1e-9).any(axis=1)


def _degree_cuts(cc) -> CutSet:
    """x(i,t) ≤ Σ over i's neighbours j in t's candidate subgraph of x(j,t), for every unit i but the root of
    every rooted territory t (the separator cut of S = {i}: a one-piece t holding i and its root holds a
    neighbour of i)."""
    rows = []
    for t, tg in enumerate(cc.terrs):
        if tg.root < 0 or tg.n < 2:
            continue
        nbrs = tg.neighbours()
        rows += [(t, [int(tg.cols[i])], tg.cols[nbrs[i]].tolist(), 0.0, True) for i in range(tg.n) if i != tg.root]
    return cut_rows(cc.n_pairs, rows)


def _scaled(mx: Matrix) -> Matrix:
    """``mx`` with each row whose largest coefficient exceeds 10 (the band rows) divided by that coefficient."""
    A = mx.A.tocsr()
    big = abs(A).max(axis=1).toarray().ravel()
    f = np.where(big > 10.0, 1.0 / np.where(big > 10.0, big, 1.0), 1.0)
    A = (sp.diags(f) @ A).tocsc()
    A.sort_indices()
    return dataclasses.replace(mx, A=A, row_lo=mx.row_lo * f, row_hi=mx.row_hi * f)


def _one_piece(s, st, plan: np.ndarray) -> bool:
    return not (pieces_of(st.cc, x_from_assignment(s.p, s.mx, plan)) > 1).any()


def _taken(s, solved, best, best_obj: float, label: str = MIP_LABEL):
    """``solved`` with the MIP's plan when it is cheaper, its status and bound from the part's (raised) bound."""
    if best is not None and best is not solved.assign and best_obj < solved.objective - 1e-9:
        solved.assign, solved.objective = best, best_obj
        solved.strategy = f"{solved.strategy}, {label}".lstrip(", ")
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
