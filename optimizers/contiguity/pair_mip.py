"""Two neighbouring territories re-carved exactly: a small MIP over their units with a flow per territory, so both
stay one piece, both bands hold and the pair's cost is the least possible with every other territory fixed.

Why: the cut LP's bound is good but its point is fractional, and a plan rounded from it and polished by single
border moves and swaps (:mod:`optimizers.contiguity.contiguity`) stays ~7–12% above the bound on the demo company's
counties (a move or a swap changes one or two units; re-shaping the border between two books takes dozens).  The
whole part's MIP with flows (59,000 columns at 644 counties × 13 books) finds nothing in 30 s; two books' MIP
(~100–250 units, each a 0/1 column "in a, not b", and a single-commodity flow for each, Shirabe 2009) solves in
a fraction of a second, and a pass over every neighbouring pair is a large-neighbourhood search that only ever
lowers the cost (each MIP starts from the current plan, with its flows read off BFS trees).

How to call it:

    pc = PairCarve(adj, geo, assign, cost, metrics, lo, hi, root, movable, max_accounts, accounts)
    moved = pc.improve(budget)    # passes over neighbouring pairs until none improves or the budget ends
    pc.assign                     # the plan (one piece per territory wherever it was one piece before)
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from optimizers.carve.budget import Budget

__all__ = ["PairCarve", "MIN_GAIN", "near_border"]

MIN_GAIN = 1e-6  # relative cost drop below which a pair's new plan is not taken (solver noise)
BORDER_HOPS = 3  # a pair's MIP frees the units up to this many steps from the border between the two books
PAIR_MAX_S = 1.0  # one pair's MIP stops here (its incumbent, never worse than the plan it started from, is kept):
# the demo's and Georgia's improving pairs found their plans within ~0.5 s on a quiet machine and spent the rest of a
# 2 s cap proving them; at 0.5 s, under load ~3, Georgia ended 1.92% above its bound instead of 1.71% (a MIP cut off
# before its plan), at 1 s it held 1.71% twice at the same load


class PairCarve:
    """A plan being improved pair by pair.  ``adj``: units × units (symmetric CSR; only ``geo`` units count),
    ``cost``: units × territories (np.inf where not a candidate), ``metrics``: units × balanced metrics with bands
    ``lo``/``hi`` (territories × metrics), ``root``: per territory its root unit (−1: none; the pair MIP then
    roots it at its heaviest unit), ``movable``: units that may change territory, ``max_accounts``/``accounts``:
    the capacity per territory (np.inf: none) and the accounts per unit."""

    def __init__(self, adj: sp.csr_matrix, geo: np.ndarray, assign: np.ndarray, cost: np.ndarray,
                 metrics: np.ndarray, lo: np.ndarray, hi: np.ndarray, root: np.ndarray, movable: np.ndarray,
                 max_accounts: np.ndarray, accounts: np.ndarray):
        self.adj, self.geo, self.assign = adj.tocsr(), geo, assign.copy()
        self.cost, self.metrics, self.lo, self.hi = cost, metrics, lo, hi
        self.root, self.movable = root, movable
        self.cap, self.accounts = max_accounts, accounts
        self.mips = 0
        self.seconds_mip = 0.0

    def neighbour_pairs(self) -> list[tuple[int, int]]:
        """Territory pairs (a < b) sharing a border in the plan, the pairs with most border first."""
        coo = self.adj.tocoo()
        ta, tb = self.assign[coo.row], self.assign[coo.col]
        keep = self.geo[coo.row] & self.geo[coo.col] & (ta >= 0) & (tb >= 0) & (ta < tb)
        if not keep.any():
            return []
        pairs, counts = np.unique(np.stack([ta[keep], tb[keep]], axis=1), axis=0, return_counts=True)
        return [tuple(map(int, pairs[i])) for i in np.argsort(-counts, kind="stable")]

    def total_cost(self) -> float:
        u = np.flatnonzero(self.assign >= 0)
        return float(self.cost[u, self.assign[u]].sum())

    def improve(self, budget: Budget, max_passes: int = 20, should_stop=lambda: False) -> int:
        """Pairs re-carved in turn, pass after pass, until a pass changes nothing, ``budget`` ends or ``should_stop``
        (a cancel); the number of units whose territory changed."""
        start = self.assign.copy()
        tried: dict[tuple[int, int], bytes] = {}  # a pair whose units are as when last tried is not tried again
        for _ in range(max_passes):
            changed = False
            for a, b in self.neighbour_pairs():
                if budget.expired() or should_stop():
                    return int((self.assign != start).sum())
                key = (self.assign == a).tobytes() + (self.assign == b).tobytes()
                if tried.get((a, b)) == key:
                    continue
                changed |= self.recarve(a, b, budget)
                tried[(a, b)] = (self.assign == a).tobytes() + (self.assign == b).tobytes()
            if not changed:
                break
        return int((self.assign != start).sum())

    def _near_border(self, S: np.ndarray, y0: np.ndarray) -> np.ndarray:
        """Units of S within :data:`BORDER_HOPS` steps of the a–b border (the rest stay: a free book interior made
        each MIP a hard knapsack over the accounts band, ~1.5 s a pair on the demo)."""
        return near_border(self.adj[S][:, S].tocsr(), y0 > 0.5, BORDER_HOPS)

    def recarve(self, a: int, b: int, budget: Budget) -> bool:
        """The least-cost split of a's and b's geographic units between them, both one piece and within their
        bands (no worse than now where a band is already broken); taken when it lowers the cost."""
        import time

        S = np.flatnonzero(self.geo & ((self.assign == a) | (self.assign == b)))
        y0 = (self.assign[S] == a).astype(float)
        free = self.movable[S] & np.isfinite(self.cost[S, a]) & np.isfinite(self.cost[S, b]) & self._near_border(S, y0)
        if free.sum() < 1:
            return False
        model = _PairModel(self, S, a, b, y0, free)
        if model.rows is None:
            return False
        t0 = time.perf_counter()
        y = model.solve(min(PAIR_MAX_S, max(budget.left(), 0.05)))
        self.mips += 1
        self.seconds_mip += time.perf_counter() - t0
        if y is None:
            return False
        ca, cb = self.cost[S, a], self.cost[S, b]
        old = float(np.where(y0 > 0.5, ca, cb).sum())
        new = float(np.where(y > 0.5, ca, cb).sum())
        if new >= old - MIN_GAIN * max(abs(old), 1.0):
            return False
        self.assign[S] = np.where(y > 0.5, a, b)
        return True


class _PairModel:
    """The pair MIP: a 0/1 column y per unit of S (1 = in a), the bands of a and b as rows, and the separator cuts
    that each round's plan calls for (a piece of a or of b cut off from its root; the cut loop of
    :mod:`optimizers.contiguity.connectivity` on two territories), re-solved from the best one-piece plan so far."""

    def __init__(self, pc: PairCarve, S: np.ndarray, a: int, b: int, y0: np.ndarray, free: np.ndarray):
        n = len(S)
        self.n, self.y0 = n, y0
        self.G = pc.adj[S][:, S].tocsr()
        ra, rb = _root(pc, S, a, y0 > 0.5), _root(pc, S, b, y0 < 0.5)
        self.rows = None
        if ra < 0 or rb < 0 or y0[ra] != 1.0 or y0[rb] != 0.0:
            return  # the plan does not hold the roots where they belong: not this step's to fix
        self.ra, self.rb = ra, rb
        lo_y, hi_y = np.where(free, 0.0, y0), np.where(free, 1.0, y0)
        lo_y[ra], hi_y[ra], lo_y[rb], hi_y[rb] = 1.0, 1.0, 0.0, 0.0
        self.col_lo, self.col_hi = lo_y, hi_y
        self.c = pc.cost[S, a] - pc.cost[S, b]
        in_S = np.zeros(len(pc.assign), dtype=bool)
        in_S[S] = True
        out_a, out_b = (pc.assign == a) & ~in_S, (pc.assign == b) & ~in_S
        weights = [(pc.metrics[:, k], pc.lo[:, k], pc.hi[:, k]) for k in range(pc.metrics.shape[1])]
        if np.isfinite(pc.cap[[a, b]]).any():
            weights.append((pc.accounts.astype(float), np.full(len(pc.cap), -np.inf), pc.cap.astype(float)))
        W, rlo, rhi = [], [], []
        for w, lo, hi in weights:
            ws, tot = w[S], float(w[S].sum())
            now_a = float(ws @ y0)
            fa, fb = float(w[out_a].sum()), float(w[out_b].sum())
            # a: fa + Σ w·y within [lo, hi]; b: fb + tot − Σ w·y within [lo, hi]; each widened to hold today's load
            la, ha = min(lo[a], fa + now_a) - fa, max(hi[a], fa + now_a) - fa
            lb, hb = min(lo[b], fb + tot - now_a) - fb, max(hi[b], fb + tot - now_a) - fb
            W.append(ws)
            rlo.append(max(la, tot - hb))
            rhi.append(min(ha, tot - lb))
        self.W = np.array(W).reshape(len(W), n)
        self.rows = (np.array(rlo, dtype=float), np.array(rhi, dtype=float))
        self.cuts: list[tuple[np.ndarray, np.ndarray, float]] = []  # (columns, values, upper side)

    def _violated(self, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Separator cuts for every piece of a (y = 1) or of b (y = 0) that does not hold its root."""
        out = []
        for side, root in ((1.0, self.ra), (0.0, self.rb)):
            inside = y == side
            idx = np.flatnonzero(inside)
            lab = connected_components(self.G[idx][:, idx], directed=False)[1]
            home = lab[np.searchsorted(idx, root)]
            for k in np.unique(lab):
                if k == home:
                    continue
                P = np.zeros(self.n, dtype=bool)
                P[idx[lab == k]] = True
                N = np.flatnonzero((np.asarray(self.G[P].sum(axis=0)).ravel() > 0) & ~P)
                for i in np.flatnonzero(P):
                    cols = np.r_[i, N]
                    if side == 1.0:  # y_i ≤ Σ_N y_j
                        out.append((cols, np.r_[1.0, -np.ones(len(N))], 0.0))
                    else:  # (1 − y_i) ≤ Σ_N (1 − y_j)
                        out.append((cols, np.r_[-1.0, np.ones(len(N))], float(len(N) - 1)))
        return out

    def solve(self, time_limit: float, max_rounds: int = 30) -> np.ndarray | None:
        """y of the cheapest one-piece split found (the start when nothing better), None when HiGHS gave none."""
        import time

        import highspy

        from optimizers.carve.solvers import highs_lp, new_highs

        h = new_highs()
        h.setOptionValue("mip_rel_gap", 1e-4)
        A = sp.csc_matrix(self.W)
        h.passModel(highs_lp(self.c, A, self.col_lo, self.col_hi, self.rows[0], self.rows[1],
                             np.ones(self.n, dtype=bool)))
        end = time.perf_counter() + time_limit
        best = self.y0
        for _ in range(max_rounds):
            left = end - time.perf_counter()
            if left <= 0:
                break
            h.setOptionValue("time_limit", float(left))
            sol = highspy.HighsSolution()
            sol.col_value = list(map(float, best))
            sol.value_valid = True
            h.setSolution(sol)
            h.run()
            if h.getInfo().primal_solution_status != 2:
                break
            y = np.round(np.asarray(h.getSolution().col_value)[: self.n])
            cuts = self._violated(y)
            if not cuts:
                return y
            for cols, vals, hi in cuts:
                h.addRow(-highspy.kHighsInf, hi, len(cols), cols.astype(np.int32), vals)
        return best


def _root(pc: PairCarve, S: np.ndarray, t: int, inside: np.ndarray) -> int:
    """Local index in S of t's root: its rep's home unit, else the heaviest unit of its largest piece (−1: t
    holds no unit of S, or its root is outside S)."""
    if pc.root[t] >= 0:
        hit = np.flatnonzero(S == pc.root[t])
        return int(hit[0]) if len(hit) else -1
    idx = np.flatnonzero(inside)
    if not len(idx):
        return -1
    lab = connected_components(pc.adj[S[idx]][:, S[idx]], directed=False)[1]
    big = idx[lab == np.bincount(lab).argmax()]
    w = pc.metrics[S[big], 0] if pc.metrics.shape[1] else np.ones(len(big))
    return int(big[np.argmax(w)])


def near_border(G: sp.csr_matrix, book: np.ndarray, hops: int) -> np.ndarray:
    """The units of graph ``G`` within ``hops`` steps of a border: 1 step = a neighbour in another book
    (``book``: each unit's book, any labels), each further step one more ring of neighbours.  The free units of a
    pair's MIP and of a window's (:mod:`~optimizers.contiguity.window_moves`)."""
    coo = G.tocoo()
    near = np.zeros(G.shape[0], dtype=bool)
    near[coo.row[book[coo.row] != book[coo.col]]] = True
    for _ in range(hops - 1):
        near |= np.asarray(G[near].sum(axis=0)).ravel() > 0
    return near
