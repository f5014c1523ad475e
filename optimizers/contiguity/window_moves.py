"""A polished plan improved by windows: a territory and the books it touches re-carved together, exactly.

Why: on the lower 48's counties (3,107 × 50, ±5%) the part is too large for the MIP over its cuts, so its plan is
the ladder's, in pieces (48 of 50 books, 14,683), made one piece by the polish's border moves (~900 units moved,
14,100: 4.1% above the one-piece bound of 13,520) with ~20 s of the 60 s limit unused.  The moves MIP of
:mod:`optimizers.contiguity.one_piece_mip` over every border unit at once is too slow there (one neighbourhood:
60 s without closing its gap), and a pair re-carve cannot pass load round three or more books, which ±5% bands
need.  A window is small (4–8 books, ~100–200 free units) and a sweep over every book's window is a
large-neighbourhood search that only ever lowers the cost.

One window (:class:`_WindowModel`): the geographic units of the books in it; the units within :data:`BORDER_HOPS`
steps of a border between two of its books are free to take any of its books they are a candidate of, the rest
stay; the bands of its books are rows (widened to hold today's load, as in :mod:`~optimizers.contiguity.pair_mip`);
each book keeps an anchor (its root where it holds it, else its heaviest unit) and a single-commodity flow from it
keeps the book one piece (separator cuts round by round oscillated: 20–30 rounds a window, seconds each).  A
book's units all lie in the window, so one piece there is one piece in the plan; books outside it do not change.
Hard bands only: a soft carve's plan is priced by its penalties, not by the window's rows.
"""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from optimizers.carve.budget import Budget
from optimizers.carve.model import build_matrix, is_feasible
from optimizers.contiguity.one_piece import FlowRows
from optimizers.contiguity.pair_mip import near_border

__all__ = ["window_moves", "applies", "pairs_then_windows"]

BORDER_HOPS = 1  # a window frees the units up to this many steps from a border between two of its books
WINDOW_MAX_S = 1.0  # one window's MIP stops here (its start plan is kept when it found nothing cheaper)
WINDOW_GAP = 2e-3  # a window's MIP stops within this of its bound (a window moves ~2% of its cost)
MIN_GAIN = 1e-6  # relative cost drop below which a window's plan is not taken (solver noise)
MIN_LEFT_S = 0.3  # no window is started with less than this left
PAIRS_SHARE = 0.55  # :func:`pairs_then_windows`: the pair re-carves' share of the time, the windows the rest


def applies(p) -> bool:
    """Whether the windows can run on ``p``: hard bands, geographic units, no limit on moves coupling every unit."""
    return (not p.soft and getattr(p, "conn", None) is not None and p.max_moves is None
            and p.max_arr_moved is None)


def pairs_then_windows(p, assign: np.ndarray, budget: Budget, should_stop=lambda: False
                       ) -> tuple[np.ndarray, dict]:
    """``assign`` improved first by pair re-carves (:mod:`~optimizers.contiguity.pair_mip`, :data:`PAIRS_SHARE` of
    ``budget``), then by windows (:func:`window_moves`).  Why both: on the lower 48's counties (the cut LP's rounding
    made one piece, 4.33% above the one-piece bound) the windows alone reached 4.20% in 42 s; pairs (~0.5 s each,
    where a window's MIP of 4–8 books found nothing in its 1 s cap) reached 3.86% in 30 s, and the windows after
    them 3.42% in 14 more (a window then finishes the chains of three or more books that pairs cannot).  A root the
    plan does not hold roots nothing (the pair MIP then anchors that book at its heaviest unit)."""
    from optimizers.contiguity.one_piece_rounding import pair_costs
    from optimizers.contiguity.pair_mip import PairCarve

    t0, g = time.perf_counter(), p.conn
    held = np.where((g.root >= 0) & (assign[np.maximum(g.root, 0)] == np.arange(p.n_terr)), g.root, -1)
    pc = PairCarve(g.adj, g.geo, assign, pair_costs(p), p.unit_metrics, p.lo, p.hi, held, np.diff(p.cand.ptr) > 1,
                   p.max_accounts, p.unit_accounts)
    before = pc.total_cost()
    moved = pc.improve(budget.share(PAIRS_SHARE), should_stop=should_stop)
    plan = pc.assign if is_feasible(p, build_matrix(p), pc.assign) else assign
    stats = {"window_pair_mips": pc.mips, "window_pair_moved": moved if plan is pc.assign else 0,
             "window_pair_gain": before - pc.total_cost() if plan is pc.assign else 0.0,
             "seconds_window_pairs": time.perf_counter() - t0}
    out, more = window_moves(p, plan, budget, should_stop)
    return out, {**stats, **more}


def window_moves(p, assign: np.ndarray, budget: Budget, should_stop=lambda: False, *, hops: int | None = None,
                 cap_s: float | None = None, gap: float | None = None) -> tuple[np.ndarray, dict]:
    """``assign`` (every geographic book one piece, within its bands) improved window by window, sweep after
    sweep, until a sweep changes nothing or ``budget`` ends; returns (the plan, what it did: windows solved,
    windows taken, units moved, seconds).  Every plan taken is one piece per book, within the bands, cheaper.
    ``hops``, ``cap_s`` (seconds a window), ``gap`` (relative): a window's border hops, time cap and MIP gap,
    by default :data:`BORDER_HOPS`, :data:`WINDOW_MAX_S`, :data:`WINDOW_GAP` (larger for long diagnoses:
    ``benchmarks/bound_split.py``)."""
    t0 = time.perf_counter()
    cap_s = WINDOW_MAX_S if cap_s is None else cap_s
    w = _Windows(p, assign, BORDER_HOPS if hops is None else hops, WINDOW_GAP if gap is None else gap)
    tried: dict[int, tuple] = {}
    taken = solved = 0
    while not budget.expired():
        changed = False
        for seed in range(p.n_terr):
            if budget.left() < MIN_LEFT_S or should_stop():
                break
            books = w.window(seed)
            key = tuple(w.version[books])
            if len(books) < 2 or tried.get(seed) == key:
                continue
            solved += 1
            if w.recarve(books, min(cap_s, budget.left())):
                taken, changed = taken + 1, True
            tried[seed] = tuple(w.version[w.window(seed)])
        if not changed or budget.left() < MIN_LEFT_S or should_stop():
            break
    return w.assign, {"window_mips": solved, "window_taken": taken,
                      "window_moved": int((w.assign != assign).sum()), "window_gain": w.gain,
                      "seconds_windows": time.perf_counter() - t0}


class _Windows:
    """The plan being improved and what every window needs: costs, the graph, anchors, each book's version
    (bumped when the book changes, so an unchanged window is not solved again)."""

    def __init__(self, p, assign: np.ndarray, hops: int = BORDER_HOPS, gap: float = WINDOW_GAP):
        self.p, self.assign = p, assign.copy()
        self.hops, self.gap = hops, gap  # a window's border hops and MIP gap (window_moves)
        self.mx = build_matrix(p)
        c = p.cand
        self.cost = np.full((p.n_units, p.n_terr), np.inf)
        self.cost[c.unit, c.terr] = self.mx.c[: len(c.unit)]
        g = p.conn
        self.adj, self.geo, self.root = g.adj.tocsr(), g.geo, g.root
        self.movable = np.diff(c.ptr) > 1
        self.version = np.zeros(p.n_terr, dtype=np.int64)
        self.gain = 0.0  # the cost the windows taken saved

    def window(self, seed: int) -> np.ndarray:
        """The seed book and the books it touches in the plan."""
        coo = self.adj.tocoo()
        a, b = self.assign[coo.row], self.assign[coo.col]
        near = np.unique(b[(a == seed) & self.geo[coo.row] & self.geo[coo.col]])
        return np.union1d([seed], near).astype(np.int64)

    def anchors(self, S: np.ndarray, books: np.ndarray) -> np.ndarray:
        """Per book of the window, the local index in S of its anchor: its root where it holds it, else its
        heaviest unit (it stays, so the book is never emptied)."""
        out = np.full(len(books), -1)
        weight = self.p.unit_metrics[S, 0] if self.p.unit_metrics.shape[1] else np.ones(len(S))
        for k, t in enumerate(books):
            mine = np.flatnonzero(self.assign[S] == t)
            r = self.root[t]
            hit = np.flatnonzero(S[mine] == r) if r >= 0 else []
            out[k] = mine[hit[0]] if len(hit) else mine[np.argmax(weight[mine])]
        return out

    def recarve(self, books: np.ndarray, seconds: float) -> bool:
        """The window of ``books`` re-carved (see the module docstring); whether a cheaper plan was taken."""
        S = np.flatnonzero(self.geo & np.isin(self.assign, books))
        model = _WindowModel(self, S, books)
        if model.n_free == 0:
            return False
        y = model.solve(seconds)
        if y is None:
            return False
        new = self.assign.copy()
        new[S] = books[y]
        old_cost = float(self.cost[S, self.assign[S]].sum())
        new_cost = float(self.cost[S, new[S]].sum())
        if new_cost >= old_cost - MIN_GAIN * max(abs(old_cost), 1.0) or not is_feasible(self.p, self.mx, new):
            return False
        moved = np.unique(np.r_[self.assign[S][new[S] != self.assign[S]], new[S][new[S] != self.assign[S]]])
        self.version[moved] += 1
        self.assign, self.gain = new, self.gain + old_cost - new_cost
        return True


class _WindowModel:
    """One window's MIP: a 0/1 column per (unit of S, book of the window it may take), one book per unit, each
    book's bands, and a flow per book (:meth:`flows`)."""

    def __init__(self, w: _Windows, S: np.ndarray, books: np.ndarray):
        p, n = w.p, len(S)
        self.w, self.S, self.books = w, S, books
        self.G = w.adj[S][:, S].tocsr()
        local = np.searchsorted(books, w.assign[S])  # each unit's book, as an index into ``books``
        self.anchor = w.anchors(S, books)
        free = w.movable[S] & near_border(self.G, local, w.hops)
        free[self.anchor] = False
        self.n_free = int(free.sum())
        allowed = np.zeros((n, len(books)), dtype=bool)
        allowed[np.arange(n), local] = True
        allowed[free] |= np.isfinite(w.cost[np.ix_(S[free], books)])
        self.unit, self.book = np.nonzero(allowed)  # one column per allowed (unit, book)
        self.col_of = np.full((n, len(books)), -1)
        self.col_of[self.unit, self.book] = np.arange(len(self.unit))
        self.start = local
        self.c = w.cost[S[self.unit], books[self.book]]
        self.lo_col = np.where(free[self.unit], 0.0, (self.book == local[self.unit]).astype(float))
        self._rows(p, w, S, books, local)

    def _rows(self, p, w: _Windows, S: np.ndarray, books: np.ndarray, local: np.ndarray) -> None:
        """Assignment rows, then per book and metric its band (less the load of its units outside S), widened to
        hold today's load; then the capacity rows where a book has one."""
        n, k = len(S), len(self.unit)
        r, cols, vals = [self.unit], [np.arange(k)], [np.ones(k)]
        lo, hi = [np.ones(n)], [np.ones(n)]
        out = ~np.isin(np.arange(p.n_units), S)
        weights = [(p.unit_metrics[:, m], p.lo[:, m], p.hi[:, m]) for m in range(p.unit_metrics.shape[1])]
        if np.isfinite(p.max_accounts[books]).any():
            weights.append((p.unit_accounts.astype(float), np.full(p.n_terr, -np.inf), p.max_accounts))
        row = n
        for wt, blo, bhi in weights:
            for j, t in enumerate(books):
                fixed = float(wt[out & (w.assign == t)].sum())
                now = fixed + float(wt[S][local == j].sum())
                sel = self.book == j
                r.append(np.full(int(sel.sum()), row))
                cols.append(np.flatnonzero(sel))
                vals.append(wt[S[self.unit[sel]]])
                lo.append([min(blo[t], now) - fixed])
                hi.append([max(bhi[t], now) - fixed])
                row += 1
        self.A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(r), np.concatenate(cols))), shape=(row, k))
        self.row_lo, self.row_hi = np.concatenate(lo).astype(float), np.concatenate(hi).astype(float)

    def flows(self) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray, int]:
        """A single-commodity flow per book (Shirabe 2009), so every point is one piece per book without cut
        rounds (rounds of cuts ran 20–30 per window on the lower 48, seconds each): on each arc i → j between
        units the book may hold, flow f ≥ 0, at most (n−1)·x at either end; every unit but the anchor keeps
        x(i,b) of what flows in.  Returns (the rows over [x, f], their lower and upper sides, flow columns)."""
        coo = self.G.tocoo()
        k, n_f, row, rows = len(self.unit), 0, 0, FlowRows()
        self.arcs = []
        for j in range(len(self.books)):
            col = self.col_of[:, j]
            on = (col[coo.row] >= 0) & (col[coo.col] >= 0)
            ei, ej = coo.row[on], coo.col[on]
            self.arcs.append((ei, ej, k + n_f + np.arange(len(ei))))
            # f(i → j) ≤ (n−1)·x at its head and at its tail
            row = rows.add(ei, ej, col, self.anchor[j], row, k + n_f, tail_capped=np.ones(len(ei), dtype=bool))
            n_f += len(ei)
        A = sp.csc_matrix((np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))),
                          shape=(row, k + n_f))
        return A, np.concatenate(rows.lo), np.concatenate(rows.hi), n_f

    def start_flows(self, n_f: int) -> np.ndarray:
        """The flows of the start plan: along a breadth-first tree of each book from its anchor, each arc carrying
        the units below it."""
        from scipy.sparse.csgraph import breadth_first_order

        f = np.zeros(n_f)
        k = len(self.unit)
        for j, (ei, ej, cols) in enumerate(self.arcs):
            idx = np.flatnonzero(self.start == j)
            order, pred = breadth_first_order(self.G[idx][:, idx], int(np.searchsorted(idx, self.anchor[j])),
                                              directed=False)
            below = np.ones(len(idx))
            arc = {(int(a), int(b)): int(cc) for a, b, cc in zip(ei, ej, cols)}
            for node in order[::-1][:-1]:
                below[pred[node]] += below[node]
                f[arc[(int(idx[pred[node]]), int(idx[node]))] - k] = below[node]
        return f

    def solve(self, seconds: float) -> np.ndarray | None:
        """Each unit's book (an index into ``books``) of the cheapest one-piece point found in ``seconds`` (at
        worst the start), or None when HiGHS returned no point."""
        import highspy

        from optimizers.carve.solvers import highs_lp, new_highs

        k = len(self.unit)
        F, flo, fhi, n_f = self.flows()
        A = sp.vstack([sp.hstack([self.A, sp.csc_matrix((self.A.shape[0], n_f))]), F]).tocsc()
        h = new_highs()
        h.setOptionValue("mip_rel_gap", self.w.gap)
        h.setOptionValue("time_limit", float(max(seconds, 0.05)))
        is_int = np.r_[np.ones(k, dtype=bool), np.zeros(n_f, dtype=bool)]
        h.passModel(highs_lp(np.r_[self.c, np.zeros(n_f)], A, np.r_[self.lo_col, np.zeros(n_f)],
                             np.r_[np.ones(k), np.full(n_f, np.inf)], np.r_[self.row_lo, flo], np.r_[self.row_hi, fhi],
                             is_int))
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, np.r_[(self.book == self.start[self.unit]).astype(float),
                                              self.start_flows(n_f)]))
        sol.value_valid = True
        h.setSolution(sol)
        h.run()
        if h.getInfo().primal_solution_status != 2:
            return None
        on = np.asarray(h.getSolution().col_value)[:k] > 0.5
        y = np.full(len(self.S), -1, dtype=np.int64)
        y[self.unit[on]] = self.book[on]
        return y if (y >= 0).all() and self.one_piece(y) else None

    def one_piece(self, y: np.ndarray) -> bool:
        """Whether every book of the window is one piece holding its anchor at ``y`` (a check on the MIP's point)."""
        for j in range(len(self.books)):
            idx = np.flatnonzero(y == j)
            if self.anchor[j] not in idx or connected_components(self.G[idx][:, idx], directed=False)[0] != 1:
                return False
        return True
