"""Moves that lower the objective, one unit at a time or two swapped between books: a soft-mode rebalance, and the
mending of the LP's rounding.

Used three times: on the start of a part whose LP did not finish (today's plan or the greedy one: greedy is blind to
owners and to the lower bands, today's books can be 30× apart); on the LP's rounding, whose few fractional units tip
some books just past their band; and in hard mode on that rounding too, with every breach of a band priced far above
any move (:func:`polish`): at 10,000×50 on four metrics at ±5% this mends the rounding into a plan within the bands
and 0.75% of the LP bound in under a second, where the integer repair took 20-160 s.

Each pass prices moving every unit to each of its candidate territories (pair cost plus the change in both books'
band prices: :class:`~optimizers.carve.band_cost.BandCost`, the model's own), vectorised over the pairs, then walks
the best moves of each unit, best first, and makes one if it still lowers the objective at the books' loads of that
moment (priced again exactly, one move at a time).  A book can give and take many units in one pass, so a book
2,400 accounts over its band is emptied in a few passes, not 2,400 (this module first made at most one move in and
out of each book per pass: a 500,000-account part without an LP kept books 95% off their target).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.band_cost import BandCost, outside
from optimizers.carve.model import Matrix, Problem, build_matrix, loads_of, objective_of

# hard mode's price of a band breach in :func:`polish`, as a multiple of the soft penalty (per unit of the metric;
# the soft penalty already makes 1% of a book cost 50 times moving it): any breach outweighs every move it saves
HARD_BREACH_PRICE = 100.0
# chains of two moves priced at once, at most (memory: ~150 bytes each; R7's Enterprise part at k=40 with 15 books
# out joined 2.9 million in its first pass)
CHAIN_SLICE = 500_000


def _moves(p: Problem, mx: Matrix, assign: np.ndarray):
    """Every candidate move away from where ``assign`` puts a unit: unit, to, from, and the change in pair cost (as
    the model prices pairs, with the rules' fallback surcharge)."""
    c = p.cand
    cost = mx.c[: mx.n_pairs]
    src = assign[c.unit]
    move = c.terr != src
    here = np.zeros(p.n_units)
    here[c.unit[~move]] = cost[~move]
    u = c.unit[move]
    return u, c.terr[move], src[move], cost[move] - here[u]


def rebalance(p: Problem, mx: Matrix, assign: np.ndarray, budget: Budget, passes: int = 200) -> np.ndarray:
    """``assign`` improved by single-unit moves until none helps, ``passes`` are done or ``budget`` (a
    :class:`~optimizers.carve.budget.Budget`) is spent; returned only when cheaper (soft mode only; else
    ``assign``).  The accounts cap of a book is kept as a hard limit (a move into a full book is not made)."""
    if not p.soft or p.max_moves is not None or p.max_arr_moved is not None:
        return assign  # budgets link every move: single moves cannot be priced one by one
    M = len(p.metric_names)
    bc = BandCost(p)
    cap = p.max_accounts
    has_cap = bool(np.isfinite(cap).any())
    cap_l = cap.tolist()
    n_acc = p.unit_accounts.tolist()
    um = p.unit_metrics.tolist()

    def step(a: np.ndarray, loads: np.ndarray) -> bool:
        u, t, s, pair_delta = _moves(p, mx, a)
        delta = bc.transfer(loads, s, t, p.unit_metrics[u], pair_delta)
        good = np.flatnonzero(delta < -1e-9)
        if not len(good):
            return False
        # each unit's three best moves, best first; priced again at the loads of the moment before one is made (a
        # book many units would enter first fills, and the next unit's next best book takes it)
        order = good[np.argsort(delta[good], kind="stable")]
        by_unit = np.lexsort((np.arange(len(order)), u[order]))
        rank = np.arange(len(order)) - np.searchsorted(u[order][by_unit], u[order][by_unit])
        keep = np.zeros(len(order), dtype=bool)
        keep[by_unit[rank < 3]] = True
        order = order[keep]
        load_l = loads.tolist()
        count_l = np.bincount(a, weights=p.unit_accounts, minlength=p.n_terr).tolist() if has_cap else None
        made = 0
        taken = [False] * p.n_units
        for uj, tj, sj, dj in zip(u[order].tolist(), t[order].tolist(), s[order].tolist(),
                                     pair_delta[order].tolist()):
            if taken[uj] or (has_cap and count_l[tj] + n_acc[uj] > cap_l[tj]):
                continue
            vals = um[uj]
            if bc.move(load_l, sj, tj, vals, dj) >= -1e-9:
                continue
            a[uj] = tj
            taken[uj] = True
            for m in range(M):
                load_l[tj * M + m] += vals[m]
                load_l[sj * M + m] -= vals[m]
            if has_cap:
                count_l[tj] += n_acc[uj]
                count_l[sj] -= n_acc[uj]
            made += 1
            if made % 512 == 0 and budget.expired():
                break
        return True
    return _improve(p, mx, assign, budget, passes, step)


def _improve(p: Problem, mx: Matrix, assign: np.ndarray, budget: Budget, passes: int,
             step: Callable[[np.ndarray, np.ndarray], bool]) -> np.ndarray:
    """``assign`` improved pass after pass by ``step(plan, flat loads)`` (which changes the plan in place and says
    whether it found anything to do) until a pass finds nothing or does not pay, ``passes`` are done or ``budget``
    is spent: the last cheaper plan (:func:`rebalance` and :func:`swap` alike)."""
    a = np.asarray(assign).copy()
    best, best_a = objective_of(p, mx, a), a.copy()
    for _ in range(passes):
        if budget.expired() or not step(a, loads_of(p, a).reshape(-1)):
            break
        obj = objective_of(p, mx, a)
        if obj >= best - 1e-9:
            break  # what the pass did not price (a soft accounts cap) outweighed it: keep the last better plan
        best, best_a = obj, a.copy()
    return best_a


def bands_first(p: Problem) -> tuple[Problem, Matrix]:
    """``p`` with every band priced as a soft one at :data:`HARD_BREACH_PRICE` times its penalty on one linear tier
    (and its matrix): any breach outweighs every move it saves, so moves bring broken books in first."""
    priced = dataclasses.replace(p, soft=True, soft_tiers=(), penalty=p.penalty * HARD_BREACH_PRICE)
    return priced, build_matrix(priced)


def band_excess(p: Problem, assign: np.ndarray, total: bool = False) -> float:
    """How far the plan's books lie outside their bands, as shares of their targets: the worst (``total``: their
    sum over books and metrics); 0 when every book is inside."""
    tgt = np.abs(p.target)
    share = np.where(tgt > 0, outside(loads_of(p, assign), p.lo, p.hi) / np.where(tgt > 0, tgt, 1.0), 0.0)
    return float(share.sum() if total else np.max(share, initial=0.0))


def band_price(p: Problem, plan: np.ndarray) -> float:
    """What ``plan``'s books outside their bands cost at ``p``'s prices (its band slacks; 0 when all are inside)."""
    return float(BandCost(p).cost(np.arange(p.target.size), loads_of(p, plan).reshape(-1)).sum())


def polish(p: Problem, mx: Matrix, assign: np.ndarray, budget: Budget, good_enough: float | None = None
           ) -> np.ndarray:
    """``assign`` improved by single-unit moves (see :func:`rebalance`) and swaps between two books (see
    :func:`swap`), in turn, until neither helps or ``budget`` is spent.  In hard mode the bands are priced as soft
    ones at :data:`HARD_BREACH_PRICE` times the soft penalty, on one linear tier, so the moves first bring broken
    books back inside their bands and then lower the cost without leaving them.  The result may still break a band (a move
    that mends one book may break another on another metric): the caller checks.  Stops as soon as the objective
    is at or below ``good_enough`` (the gap target against the LP bound: polishing further is time for nothing)."""
    if p.max_moves is not None or p.max_arr_moved is not None:
        return assign
    priced, pmx = (p, mx) if p.soft else bands_first(p)
    a = rebalance(priced, pmx, assign, budget)
    best = objective_of(priced, pmx, a)
    good = -np.inf if good_enough is None else good_enough
    while not budget.expired() and best > good:
        b = rebalance(priced, pmx, swap(priced, pmx, a, budget), budget)
        obj = objective_of(priced, pmx, b)
        if obj >= best - 1e-9:
            break
        a, best = b, obj
    return a


def swap(p: Problem, mx: Matrix, assign: np.ndarray, budget: Budget, per_pair: int = 16,
         passes: int = 100) -> np.ndarray:
    """``assign`` improved by swaps: a unit from book A to book B and one from B to A, which single moves cannot
    do when both books sit at a band edge (one metric, pure distance: every book at its edge, the rounding 0.73%
    above the LP bound where the gap target is 0.5%).  Each pass pairs, for every two books that can trade, the
    ``per_pair`` cheapest moves each way, prices every pair of them exactly (pair costs and both books' band
    penalties, soft mode's tiers), and makes the best ones with each book in at most one swap a pass (so the prices
    hold).  Soft mode pricing; hard mode through :func:`polish`."""
    T = p.n_terr
    cap = p.max_accounts
    bc = BandCost(p)

    def step(a: np.ndarray, loads: np.ndarray) -> bool:
        mu, mt, ms, dcost = _moves(p, mx, a)
        key = ms * T + mt
        order = np.lexsort((dcost, key))
        ks = key[order]
        start = np.searchsorted(ks, ks)
        sel = order[np.arange(len(order)) - start < per_pair]  # the cheapest moves from A to B, per (A, B)
        ks = key[sel]
        groups, first, size = np.unique(ks, return_index=True, return_counts=True)
        where = dict(zip(groups.tolist(), zip(first.tolist(), size.tolist())))
        left, right = [], []
        for g, (f0, n0) in where.items():
            A, B = divmod(g, T)
            if A > B or B * T + A not in where:
                continue
            f1, n1 = where[B * T + A]
            left.append(np.repeat(sel[f0:f0 + n0], n1))
            right.append(np.tile(sel[f1:f1 + n1], n0))
        if not left:
            return False
        i, j = np.concatenate(left), np.concatenate(right)
        A, B = ms[i], mt[i]
        # A gives u and takes v; B the reverse
        delta = bc.transfer(loads, A, B, p.unit_metrics[mu[i]] - p.unit_metrics[mu[j]], dcost[i] + dcost[j])
        ok = delta < -1e-9
        if np.isfinite(cap).any():
            counts = np.bincount(a, weights=p.unit_accounts, minlength=T)
            dn = p.unit_accounts[mu[i]] - p.unit_accounts[mu[j]]
            ok &= (counts[A] - dn <= cap[A]) & (counts[B] + dn <= cap[B])
        good = np.flatnonzero(ok)
        if not len(good):
            return False
        busy = np.zeros(T, dtype=bool)
        for g in good[np.argsort(delta[good], kind="stable")].tolist():
            ta, tb = int(A[g]), int(B[g])
            if busy[ta] or busy[tb]:
                continue
            a[mu[i[g]]], a[mu[j[g]]] = tb, ta
            busy[ta] = busy[tb] = True
        return True
    return _improve(p, mx, assign, budget, passes, step)


def broken_territories(p: Problem, assign: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Territories whose book lies outside its band on any metric."""
    loads = loads_of(p, assign)
    scale = np.maximum(1.0, np.abs(p.hi))
    return np.flatnonzero(((loads > p.hi + tol * scale) | (loads < p.lo - tol * scale)).any(axis=1))


def _top_per_group(key: np.ndarray, ranks: tuple[np.ndarray, ...], k: int) -> np.ndarray:
    """Indices of the ``k`` first of each group ``key`` by each of ``ranks`` (their union, sorted)."""
    keep = np.zeros(len(key), dtype=bool)
    for r in ranks:
        order = np.lexsort((r, key))
        ks = key[order]
        keep[order[np.arange(len(ks)) - np.searchsorted(ks, ks) < k]] = True
    return np.flatnonzero(keep)


def chains(p: Problem, mx: Matrix, assign: np.ndarray, budget: Budget, per_pair: int = 4,
           passes: int = 50) -> np.ndarray:
    """``assign`` improved by chains of two moves through a third book, one end a book outside its band: A gives
    a unit to X and X one to B.  What single moves and swaps cannot do when every book sits at an edge of both
    bands (500,000×2,500, region R7 at ±10%: a book 0.65 accounts under its band whose neighbours under target are
    all at their lower edges, and no book over target reaches it): a book over target gives X a big account and X
    gives the broken book a small one, X's count unchanged and its potential within its slack.  Each pass joins,
    on X, the moves out of or into a broken book with every move into or out of X (of each two books the
    ``per_pair`` cheapest moves and the ``per_pair`` smallest units), prices each chain exactly (both pair costs
    and the three books' band prices) and makes the best, each book in at most one chain a pass."""
    if p.max_moves is not None or p.max_arr_moved is not None:
        return assign  # budgets link every move: chains cannot be priced one by one
    T, M = p.n_terr, len(p.metric_names)
    bc = BandCost(p)
    cap = p.max_accounts
    size = (np.abs(p.unit_metrics) / np.maximum(np.abs(p.target).mean(axis=0), 1e-9)).sum(axis=1)

    def price(counts, loads: np.ndarray, ia: np.ndarray, ib: np.ndarray, mu, ms, mt, dc) -> tuple:
        """The chains (ia[k]: A → X, ib[k]: X → B) that lower the objective, and by how much (< 0)."""
        A, X, B = ms[ia], mt[ia], mt[ib]
        ok = A != B
        ia, ib, A, X, B = ia[ok], ib[ok], A[ok], X[ok], B[ok]
        va, vb = p.unit_metrics[mu[ia]], p.unit_metrics[mu[ib]]
        delta = dc[ia] + dc[ib]
        for m in range(M):
            for book, shift in ((A, -va[:, m]), (X, va[:, m] - vb[:, m]), (B, vb[:, m])):
                r = book * M + m
                delta += bc.cost(r, loads[r] + shift) - bc.cost(r, loads[r])
        good = delta < -1e-9
        if counts is not None:
            good &= counts[X] + p.unit_accounts[mu[ia]] - p.unit_accounts[mu[ib]] <= cap[X]
            good &= counts[B] + p.unit_accounts[mu[ib]] <= cap[B]
        return ia[good], ib[good], delta[good]

    def step(a: np.ndarray, loads: np.ndarray) -> bool:
        broken = np.zeros(T, dtype=bool)
        broken[broken_territories(p, a)] = True
        if not broken.any():
            return False
        mu, mt, ms, dc = _moves(p, mx, a)
        near = broken.copy()  # a chain's middle book X is one a broken book reaches or is reached from
        near[ms[broken[mt]]] = near[mt[broken[ms]]] = True
        keep = np.flatnonzero(near[ms] | near[mt])
        mu, mt, ms, dc = mu[keep], mt[keep], ms[keep], dc[keep]
        ends = broken[ms] | broken[mt]
        legs = [_top_per_group(ms * T + mt, (dc, size[mu]), per_pair // 2 if i else per_pair)
                for i in range(2)]
        first_b, any_leg = np.intersect1d(legs[0], np.flatnonzero(ends)), legs[1]
        found = []
        # the books' account counts against their caps: the same for every slice of this pass
        counts = np.bincount(a, weights=p.unit_accounts, minlength=T) if np.isfinite(cap).any() else None
        # A → X → B: (a from a broken A, b any out of X) and (a any into X, b into a broken B), priced a slice of
        # at most CHAIN_SLICE chains at a time (a part with many books out joins to tens of millions)
        for first, second in ((first_b[broken[ms[first_b]]], any_leg), (any_leg, first_b[broken[mt[first_b]]])):
            for ia, ib in _joins(mt, ms, first, second, CHAIN_SLICE):
                found.append(price(counts, loads, ia, ib, mu, ms, mt, dc))
                if budget.expired():
                    break
        if not found:
            return False
        ia, ib, delta = (np.concatenate(f) for f in zip(*found))
        if not len(ia):
            return False
        A, X, B = ms[ia], mt[ia], mt[ib]
        busy = np.zeros(T, dtype=bool)
        for g in np.argsort(delta, kind="stable").tolist():
            books = (int(A[g]), int(X[g]), int(B[g]))
            if busy[list(books)].any():
                continue
            a[mu[ia[g]]], a[mu[ib[g]]] = books[1], books[2]
            busy[list(books)] = True
        return True
    return _improve(p, mx, assign, budget, passes, step)


def _joins(into: np.ndarray, out_of: np.ndarray, first: np.ndarray, second: np.ndarray, most: int):
    """Every (i, j) of ``first`` × ``second`` with ``into[i] == out_of[j]`` (a move into a book, then one out of
    it), in slices of about ``most`` pairs (a single ``first`` with more comes alone)."""
    if not len(first) or not len(second):
        return
    sj = second[np.argsort(out_of[second], kind="stable")]
    keys = out_of[sj]
    lo, hi = np.searchsorted(keys, into[first], "left"), np.searchsorted(keys, into[first], "right")
    n = hi - lo
    ends = np.cumsum(n)
    cuts = np.unique(np.r_[np.searchsorted(ends, np.arange(most, ends[-1], most), "right"), len(first)])
    begin = 0
    for stop in cuts.tolist():
        if stop <= begin:
            continue
        k = n[begin:stop]
        offs = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
        yield np.repeat(first[begin:stop], k), sj[np.repeat(lo[begin:stop], k) + offs]
        begin = stop
