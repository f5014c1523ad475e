"""A one-piece plan straight from the cut LP: territories grown from their roots over the LP's point, then polished,
then re-carved two neighbours at a time (:mod:`optimizers.contiguity.pair_mip`).

Why not the repair ladder: on the demo company's counties (644 × 13 and 1,212 × 10, default bands) the ladder's
integer plans ignore connectivity, so 22 of 23 territories came back in pieces, the one-piece repair MIP (cuts and
flows, 59,000 columns) found nothing in its time, and the border-move polish moved ~600 units to a plan 8–13%
above the one-piece bound in ~44 s.  Growing each territory from its root keeps it one piece by construction:

1. **Grow** (:func:`grow_from_roots`): every territory starts at its root (:mod:`optimizers.contiguity.roots`; else
   its heaviest LP unit); in turn, the territory furthest below its target (share of target, worst metric) claims
   the adjacent unclaimed unit it holds most of in the LP (then the cheapest), until it reaches its target.  Claiming in
   turn, not globally by LP weight, keeps a book from being walled in by faster neighbours (a global order left books
   40–85% off target; in turn, 1–30%).
2. **Attach**: units no territory claimed (every neighbour full) go, ring by ring, to the adjacent territory
   furthest below target, so each joins a piece it touches.
3. **Polish**: the border moves and swaps of :mod:`optimizers.contiguity.contiguity` bring every book into its band
   and lower the cost, never splitting a territory.
4. **Pairs**: with the time left (at most ``cs.one_piece_pairs_s``), neighbouring territories re-carved exactly.

Demo company, one thread, load ~3: 5.3–6.1% above the one-piece bound in ~1 s after a 1–3 s cut loop (the old path:
8–13% in ~44 s).
"""
from __future__ import annotations

import heapq

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity import make_contiguous
from optimizers.contiguity.contiguity_graph import count_pieces
from optimizers.carve.model import Problem, is_feasible, objective_of
from optimizers.contiguity.pair_mip import PairCarve

__all__ = ["grow_from_roots", "one_piece_plan", "pair_costs"]

X_DIGITS = 3  # LP weights compared to this many digits, so near-equal weights fall to the cheaper unit


def pair_costs(p: Problem) -> np.ndarray:
    """Units × territories: the model's pair cost, np.inf where the pair is not a candidate."""
    c = p.cand
    cost = np.full((p.n_units, p.n_terr), np.inf)
    cost[c.unit, c.terr] = p.pair_cost
    return cost


def grow_from_roots(p: Problem, x: np.ndarray) -> np.ndarray:
    """Steps 1–2 of the module docstring on the LP point ``x`` (pairs first): territory per unit, each territory's
    geographic units one piece; a unit outside the graph goes to its heaviest LP territory."""
    c, g = p.cand, p.conn
    cost, X = pair_costs(p), np.zeros((p.n_units, p.n_terr))
    X[c.unit, c.terr] = np.round(np.asarray(x[: len(c.unit)], dtype=float), X_DIGITS)
    assign = np.full(p.n_units, -1, dtype=np.int64)
    load = np.zeros((p.n_terr, p.unit_metrics.shape[1]))
    scale = np.where(p.target > 0, p.target, 1.0)
    adj = g.adj
    heaps: list[list] = [[] for _ in range(p.n_terr)]
    for t in range(p.n_terr):
        r = int(g.root[t]) if g.root[t] >= 0 else int(np.argmax(np.where(g.geo, X[:, t], -1.0)))
        if np.isfinite(cost[r, t]):
            heapq.heappush(heaps[t], (-X[r, t], cost[r, t], r))
    active = np.array([bool(h) for h in heaps])
    short = ((load - p.target) / scale).max(axis=1)  # how far below target each territory is (its worst metric)
    while active.any():
        t = int(np.argmin(np.where(active, short, np.inf)))
        h = heaps[t]
        while h and assign[h[0][2]] >= 0:
            heapq.heappop(h)
        if not h:
            active[t] = False
            continue
        u = heapq.heappop(h)[2]
        assign[u] = t
        load[t] += p.unit_metrics[u]
        short[t] = ((load[t] - p.target[t]) / scale[t]).max()
        if (load[t] >= p.target[t]).any():
            active[t] = False
        for v in adj.indices[adj.indptr[u]:adj.indptr[u + 1]]:
            if assign[v] < 0 and np.isfinite(cost[v, t]):
                heapq.heappush(h, (-X[v, t], cost[v, t], int(v)))
    rest = np.flatnonzero((assign < 0) & ~g.geo)
    assign[rest] = np.argmax(np.where(np.isfinite(cost[rest]), X[rest] + 1.0, -1.0), axis=1)
    _attach(p, assign, load, scale, cost, X)
    return assign


def _attach(p: Problem, assign: np.ndarray, load: np.ndarray, scale: np.ndarray, cost: np.ndarray,
            X: np.ndarray) -> None:
    """Step 2: unclaimed units, ring by ring, to the adjacent territory furthest below target (in place); a unit
    touching no territory that may take it goes to its heaviest LP territory."""
    adj = p.conn.adj
    left = np.flatnonzero(assign < 0)
    while len(left):
        placed = False
        for u in left:
            near = {int(assign[v]) for v in adj.indices[adj.indptr[u]:adj.indptr[u + 1]]
                    if assign[v] >= 0 and np.isfinite(cost[u, assign[v]])}
            if near:
                t = min(near, key=lambda k: ((load[k] + p.unit_metrics[u] - p.target[k]) / scale[k]).max())
                assign[u] = t
                load[t] += p.unit_metrics[u]
                placed = True
        left = np.flatnonzero(assign < 0)
        if not placed:
            assign[left] = np.argmax(np.where(np.isfinite(cost[left]), X[left] + 1.0, -1.0), axis=1)
            return


def one_piece_plan(p: Problem, mx, x: np.ndarray, budget: Budget, pairs_s: float, rounded: bool = False
                   ) -> tuple[np.ndarray | None, dict]:
    """Steps 1–4 on the cut LP's point ``x``: a plan with every geographic territory one piece within its bands,
    or None when the polish could not bring every book into its band (the caller falls back to the ladder); with
    what it did (``one_piece_*`` counters).  ``rounded``: step 1 is the LP's rounding instead (each unit to its
    heaviest territory, see :func:`~optimizers.contiguity.one_piece.grown_plan`), and the polish may move a root
    (keeping every root cost the lower 48's plan 4 points: 4.3% → 8.2% above the one-piece bound)."""
    import time

    from optimizers.carve.model import assignment_from_x

    t0 = time.perf_counter()
    g = p.conn
    cost = pair_costs(p)
    c = p.cand
    allowed = np.isfinite(cost)
    fixed = np.where(np.diff(c.ptr) == 1, c.terr[c.ptr[:-1]], -1)
    if not rounded:
        rooted = np.flatnonzero(g.root >= 0)
        fixed[g.root[rooted]] = rooted  # a rooted territory is one piece around its root: the polish keeps it
    start = assignment_from_x(p, x) if rounded else grow_from_roots(p, x)
    plan, rep = make_contiguous(g.adj, start, allowed, fixed, g.geo, p.unit_metrics, p.lo, p.hi, p.target, cost,
                                budget.share(0.5))
    stats = {"one_piece_rounded" if rounded else "one_piece_grown": 1, "one_piece_polish_moved": len(rep.moved_units)}
    if rep.split_after or not is_feasible(p, mx, plan):
        stats["seconds_one_piece"] = time.perf_counter() - t0
        return None, stats
    if pairs_s <= 0:
        stats["seconds_one_piece"] = time.perf_counter() - t0
        return plan, stats
    before = objective_of(p, mx, plan)
    pc = PairCarve(g.adj, g.geo, plan, cost, p.unit_metrics, p.lo, p.hi, g.root, fixed < 0, p.max_accounts,
                   p.unit_accounts)
    stats["one_piece_pair_moved"] = pc.improve(budget.child(pairs_s))
    if is_feasible(p, mx, pc.assign) and not (count_pieces(g.adj, pc.assign, p.n_terr, g.geo) > 1).any() \
            and objective_of(p, mx, pc.assign) <= before:
        plan = pc.assign
    stats.update(one_piece_pair_mips=pc.mips, seconds_one_piece=time.perf_counter() - t0)
    return plan, stats
