"""The polish's rebalance: border moves between neighbouring territories that bring the books into their bands,
never leaving a territory in pieces.

A border move takes a unit u from territory a to a neighbour b.  When u is a cut vertex of a (removing it splits
a), the move *carries* the pieces of a it would cut off from a's main piece (the one with a's locked or pinned
units, its root among them, else its heaviest) to b with it: each such piece touched a only through u, so b stays
one piece and so does what is left of a.  Without the carried pieces a book walled in by one neighbour never
grows: on the demo company's SMB counties (1,219 × 10, ±10%) a territory grown from its rep's home ended inside a
thin band of its neighbour whose every unit on the border was a cut vertex, and stayed 60% below its band (the part
then fell back to the integer repair: 10 s instead of 3).

Moves are scored in one vectorised pass per territory (:meth:`Scores.deltas`, the change in the band score of
:class:`~optimizers.contiguity.contiguity._Balance`); the per-move Python scoring was 3 s of that part's 4 s polish.
"""
from __future__ import annotations

import numpy as np

from optimizers.carve.band_cost import outside
from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity_graph import one_piece

__all__ = ["rebalance", "carried", "deltas"]

MAX_CARRIED_SHARE = 0.5  # a move carries at most this share of the giving territory's units (a larger cut-off side
# is the territory's main piece in all but name: moving it is a re-carve, not a border move)


def deltas(bal, moved: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per move k, the change in ``bal.score`` (a ``contiguity._Balance``) of books a[k] and b[k] when the load
    ``moved[k]`` (moves × metrics) goes from a[k] to b[k]: the deviation outside the bands (weighted) plus the
    small squared deviation from target, as :meth:`_Balance.delta` gives one move."""
    from optimizers.contiguity.contiguity import OUTSIDE_WEIGHT

    def score(load: np.ndarray, t: np.ndarray) -> np.ndarray:
        sc = bal.scale[t]
        out = outside(load, bal.lo[t], bal.hi[t]) / sc
        inside = (load - bal.target[t]) / sc
        return OUTSIDE_WEIGHT * out.sum(axis=1) + (inside ** 2).sum(axis=1)

    la, lb = bal.load[a], bal.load[b]
    return score(la - moved, a) + score(lb + moved, b) - score(la, a) - score(lb, b)


def carried(r, u: int, a: int, b: int) -> list[int] | None:
    """The units that go to b when border unit u leaves a (see the module docstring): [u] when a stays one piece
    without it, else u and the pieces it cuts off from a's main piece; None when a piece cannot go (a unit fixed
    or not allowed in b), when it would carry more than :data:`MAX_CARRIED_SHARE` of a, or u is a's last unit."""
    members = r.members(a)
    rest = [w for w in members.tolist() if w != u]
    if not rest:
        return None
    if one_piece(r.nbrs, rest):
        return [u]
    pieces = _pieces(r.nbrs, rest)
    fixed = r.fixed
    weight = r.metrics[:, 0] if r.metrics.shape[1] else np.ones(len(r.assign))
    pinned = [k for k, piece in enumerate(pieces) if any(fixed[w] >= 0 for w in piece)]
    if len(pinned) > 1:
        return None  # u joins a's locked units: it stays
    main = pinned[0] if pinned else max(range(len(pieces)), key=lambda k: float(weight[pieces[k]].sum()))
    group = [u] + [w for k, piece in enumerate(pieces) if k != main for w in piece]
    if len(group) > MAX_CARRIED_SHARE * len(members):
        return None
    g = np.asarray(group)
    if not (r.movable[g].all() and r.allowed[g, b].all()):
        return None
    return group


def _pieces(nbrs: list[list[int]], members: list[int]) -> list[list[int]]:
    """``members`` split into the pieces of the graph restricted to them (a walk over neighbour lists)."""
    left, out = set(members), []
    while left:
        start = left.pop()
        piece, stack = [start], [start]
        while stack:
            for w in nbrs[stack.pop()]:
                if w in left:
                    left.remove(w)
                    piece.append(w)
                    stack.append(w)
        out.append(piece)
    return out


def rebalance(r, budget: Budget) -> None:
    """Border moves (with the pieces they carry) that lower the band score, the books furthest off first, one
    move per book and sweep, until every band holds or no move helps.  ``r``: a ``contiguity._Repair``."""
    bal = r.bal
    while not budget.expired():
        if bal.excess(bal.load, np.arange(r.T)).sum() <= 1e-9:
            return  # every band held: stop spreading load, keep moves few
        dev = np.abs(bal.load / bal.scale - np.where(bal.target > 0, 1.0, 0.0)).sum(axis=1)
        improved = False
        for t in np.argsort(-dev):
            if budget.expired():
                break
            improved |= _best_move(r, int(t))
        if not improved:
            return


def _best_move(r, t: int) -> bool:
    """The first improving move in or out of ``t`` (best score change first, then the cheaper): made, or False."""
    bal = r.bal
    moves = r.border_moves(t)
    if not moves:
        return False
    u, a, b = (np.array(col, dtype=np.int64) for col in zip(*moves))
    d = deltas(bal, r.metrics[u], a, b)
    order = np.lexsort((r.cost[u, b] - r.cost[u, a], d))
    for k in order[d[order] < -1e-9]:
        uk, ak, bk = int(u[k]), int(a[k]), int(b[k])
        group = carried(r, uk, ak, bk)
        if group is None:
            continue
        if len(group) > 1 and deltas(bal, r.metrics[group].sum(axis=0)[None], a[k:k + 1], b[k:k + 1])[0] >= -1e-9:
            continue
        ratio_a, ratio_b = bal.ratio(ak), bal.ratio(bk)
        for w in group:
            bal.move(w, ak, bk)
            r.assign[w] = bk
            why = (f"moved to {r.labels[bk]} to rebalance after the contiguity repair ({r.labels[ak]} held "
                   f"{ratio_a:.0%} of target, {r.labels[bk]} {ratio_b:.0%})" if bal.m.shape[1]
                   else f"moved to {r.labels[bk]} after the contiguity repair")
            r.reasons.setdefault(w, why)
        return True
    return False
