"""Soft mode's band mend: a part's kept plan with its books brought inside their bands (the mend stage,
:func:`optimizers.carve.widen.mend`, through :func:`optimizers.carve.repair.mend_part`).

Why a stage of its own: a part stopped by its time cap returns its repair's plan unpolished, and at the soft prices a
book 0.3 accounts under its band costs less than the moves that bring it in.  At 500,000 × 2,500 (±10% on potential
and account count) the three R7 parts ended with every book at an edge of both bands: half at −10% on both metrics,
half at +10% on both, and a few one account past (186 where the band starts at 186.65).  No single move mends such a
book (its neighbours under target sit at their lower edges, those over target reach it through no candidate pair),
and no swap changes an account count.  What mends it is a *chain*: a book over target gives an account to a
neighbour at its lower edge, which gives one (of no more potential than its slack allows) to the broken book.

So after single moves and swaps come chains: of two moves through a third book, priced exactly
(:func:`~optimizers.carve.rebalance.chains`), then for books still out an integer repair that frees moves, not whole
units: the moves along the shortest chains from a book over its band to the nearest books with room for a unit (from
the nearest books with a unit to spare to a book under its band), a few per two books on such a chain
(:func:`chain_columns`; a unit's other candidates stay shut).  Offline on the three R7 parts (15, 19 and 3 books
out): every book inside in 9.9, 7.5 and 0.9 s, each MIP of a few hundred to 2,000 columns and under 1.5 s, the
objective lower than the unmended plan's.  The pool MIP it replaces freed every candidate of the units around the
broken books, 100,000 columns and more, which ran 3-5× past its time and found nothing (its smaller rounds were
proven to hold no better plan: their units had nowhere to go).  The MIP stops at the first plan without the breaches
that costs at most the gap target more than the plan's own cost (``good_enough``); else it has the time left.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.ladder import LadderState
from optimizers.carve.model import Cancelled, Problem, assignment_from_x, is_feasible, loads_of, x_from_assignment
from optimizers.carve.rebalance import band_price, bands_first, broken_territories, chains, polish, rebalance
from optimizers.carve.solvers import solve_sub_mip

__all__ = ["mend_bands", "chain_columns", "CHAIN_ROUNDS"]

# per round of the chain repair (at most CarveSettings.band_mend_rounds): (moves kept from one book to the next on a
# chain, by cost and by size each; the longest chain, in moves), widest last.  R7's last books needed two or three
# moves; a round's MIP takes under 1.5 s there
CHAIN_ROUNDS: tuple[tuple[int, int], ...] = ((2, 4), (4, 6), (8, 8), (16, 8))


def chain_columns(p: Problem, assign: np.ndarray, books: np.ndarray, per_pair: int, hops: int) -> np.ndarray:
    """The columns of a chain repair around ``books`` (territory indices): the moves along the shortest chains
    from a book over its band to the nearest books with room to take a unit, and from the nearest books with a
    unit to spare to a book under its band (at most ``hops`` moves long; every book between sits at an edge and
    passes one unit on).  Of the moves from one book to the next on such a chain, the ``per_pair`` cheapest (by
    the change in pair cost) and the ``per_pair`` smallest units (a big one in, a small one out keeps a middle
    book's potential within its slack), with the pairs their units sit in now; a unit's other candidates stay
    shut.  Pair columns only."""
    c = p.cand
    src = assign[c.unit]
    here = c.terr == src
    cost_here = np.zeros(p.n_units)
    cost_here[c.unit[here]] = p.pair_cost[here]
    move = np.flatnonzero(~here)
    ms, mt = src[move], c.terr[move]
    loads, unit = loads_of(p, assign), np.abs(p.unit_metrics).mean(axis=0)
    out_books = books[(loads[books] > p.hi[books]).any(axis=1)]
    in_books = books[(loads[books] < p.lo[books]).any(axis=1)]
    on = np.zeros(len(move), dtype=bool)
    # outward from the books over their band (to books with room), inward to those under (from books to spare)
    for start, frm, to, room in ((out_books, ms, mt, (p.hi - loads >= unit).all(axis=1)),
                                 (in_books, mt, ms, (loads - p.lo >= unit).all(axis=1))):
        on |= _shortest_chains(p.n_terr, start, frm, to, room, hops)
    pick = np.flatnonzero(on)
    key = ms[pick] * p.n_terr + mt[pick]
    dcost = p.pair_cost[move[pick]] - cost_here[c.unit[move[pick]]]
    size = (np.abs(p.unit_metrics) / np.maximum(np.abs(p.target).mean(axis=0), 1e-9)).sum(axis=1)
    chosen = np.zeros(len(pick), dtype=bool)
    for rank_by in (dcost, size[c.unit[move[pick]]]):
        order = np.lexsort((rank_by, key))
        ks = key[order]
        chosen[order[np.arange(len(ks)) - np.searchsorted(ks, ks) < per_pair]] = True
    cols = move[pick[chosen]]
    units = np.zeros(p.n_units, dtype=bool)
    units[c.unit[cols]] = True
    return np.union1d(cols, np.flatnonzero(here & units[c.unit]))


def _shortest_chains(n_terr: int, start: np.ndarray, frm: np.ndarray, to: np.ndarray, room: np.ndarray,
                     hops: int) -> np.ndarray:
    """Which arcs (``frm`` → ``to``, one per candidate move) lie on a shortest path from a book of ``start`` to a
    book with ``room``, at most ``hops`` arcs long (none when no such book is that near)."""
    depth = np.full(n_terr, -1)
    depth[start] = 0
    for d in range(hops):
        reach = np.unique(to[depth[frm] == d])
        new = reach[depth[reach] < 0]
        if not len(new):
            return np.zeros(len(frm), dtype=bool)
        depth[new] = d + 1
        if room[new].any():
            break
    else:
        return np.zeros(len(frm), dtype=bool)
    useful = np.zeros(n_terr, dtype=bool)  # books from which a book with room is reached along the layers
    useful[np.flatnonzero((depth == depth.max()) & room)] = True
    on = np.zeros(len(frm), dtype=bool)
    for d in range(int(depth.max()) - 1, -1, -1):
        arc = (depth[frm] == d) & (depth[to] == d + 1) & useful[to]
        on |= arc
        useful[frm[arc]] = True
    return on


def mend_bands(s: LadderState, plan: np.ndarray, budget: Budget) -> np.ndarray:
    """``plan`` with its books brought inside their bands as far as ``budget`` allows: with the bands priced first
    (:func:`~optimizers.carve.rebalance.bands_first`, as hard mode's polish prices them), single moves (a fifth of the
    budget), chains of two moves (60% of what is left), moves and swaps (half of what is left), each only while a
    book is out, then while books stay out the chain repair (:data:`CHAIN_ROUNDS`, each round's MIP with the time left).
    The caller weighs the result at the real prices."""
    cs = s.cs
    p, mx = bands_first(s.p)
    s = dataclasses.replace(s, p=p, mx=mx, best=None, best_obj=np.inf, _rounded=())
    # single moves first (quick), then chains, then swaps: at R7's Enterprise part (838,950 pairs) the swaps took
    # 10.5 s and mended nothing where the chains mended all 15 books in 2.7-7.4 s
    a = rebalance(p, mx, plan, budget.share(0.2))
    if len(broken_territories(p, a)):
        a = chains(p, mx, a, budget.share(0.6))
    if len(broken_territories(p, a)):
        a = polish(p, mx, a, budget.share(0.5))
    best = s.objective(a)
    broken = broken_territories(p, a)
    slack = np.arange(mx.n_pairs, mx.A.shape[1])
    for per_pair, hops in CHAIN_ROUNDS[: cs.band_mend_rounds]:
        if not len(broken) or budget.left() < cs.repair_min_cap_s or s.stop():
            break
        cols = np.concatenate([chain_columns(p, a, broken, per_pair, hops), slack])
        s.progress(0.35, f"{s.tag}chain repair of {len(broken):,} book(s) outside a band ({len(cols):,} columns)")
        # stop at the first plan without the breaches that costs at most the gap target more than this one's own
        # cost (mend_part keeps no plan that costs more); a relative gap would weigh the breaches, not the plan
        plain = best - band_price(p, a)
        x0 = x_from_assignment(p, mx, a)
        t0 = time.perf_counter()
        sub = solve_sub_mip(mx, cols, x0, budget.left(), 0.0, x0, should_stop=s.stop,
                            good_enough=plain + cs.mip_gap * abs(plain))
        s.stats["seconds_repair"] = s.stats.get("seconds_repair", 0.0) + time.perf_counter() - t0
        if s.stop():
            raise Cancelled()
        if sub.x is not None:
            b = assignment_from_x(p, sub.x)
            if is_feasible(p, mx, b) and s.objective(b) < best - 1e-9:
                a, best = b, s.objective(b)
                broken = broken_territories(p, a)
    return a

