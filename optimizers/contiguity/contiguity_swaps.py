"""Border swaps: the polish's last step, lowering the plan's cost while every band and every piece holds.

The polish (:mod:`optimizers.contiguity.contiguity`) ends with single border moves to a cheaper neighbour that leave
every band no worse.  Within tight bands (±5%) most such moves push one book past its band, so the plan keeps
units that cost more where they are.  A *swap* moves a border unit u from a to its neighbour b and a border unit
v from b to a at once: the loads change by m(v) − m(u) only, so two units of similar size trade places when that
is cheaper (travel + continuity), the bands still hold and both territories stay one piece.

Swaps are tried best gain first, per pair of neighbouring territories, within a time budget; every swap is
exact (the pair costs are the model's), so the objective only falls and the bound stays valid.
"""
from __future__ import annotations

import numpy as np

from optimizers.carve.band_cost import outside
from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity_graph import cut_vertices, one_piece

__all__ = ["border_swaps", "cheaper_moves"]

MAX_PER_SIDE = 20  # border units per side of a territory pair considered, the best gains first


def _gains(r, a: int, b: int) -> list[tuple[float, int]]:
    """(cost change of moving u from a to b, u) for movable units of a touching b, best first (ties by unit)."""
    eu, ev = r.edge_u, r.edge_v
    u = np.unique(eu[(r.assign[eu] == a) & (r.assign[ev] == b)])
    u = u[r.movable[u] & r.allowed[u, b]]
    g = r.cost[u, b] - r.cost[u, a]
    order = np.lexsort((u, g))[:MAX_PER_SIDE]
    return list(zip(g[order].tolist(), u[order].tolist()))


class _Side:
    """One territory of a pair being swapped: whether it stays one piece when it gives ``out`` and takes ``into``
    (exact).  A unit that is no cut vertex leaves the rest in one piece, and a unit touching that rest joins it, so
    most candidates need no walk; the others (or a territory already in pieces) are walked as before."""

    def __init__(self, nbrs: list[list[int]], members: list[int]):
        self.nbrs, self.members, self.inside = nbrs, members, set(members)
        self._cut: set[int] | None | bool = False  # not computed yet (None: the territory is in pieces)

    def keeps_piece(self, out: int, into: int) -> bool:
        if self._cut is False:
            self._cut = cut_vertices(self.nbrs, self.members)
        if self._cut is not None and out not in self._cut and (
                len(self.inside) == 1 or any(w != out and w in self.inside for w in self.nbrs[into])):
            return True
        return one_piece(self.nbrs, [w for w in self.members if w != out] + [into])


def _try_pair(r, a: int, b: int, label_of) -> bool:
    """The best swap between neighbouring territories a and b that lowers the cost, keeps both bands (no worse
    than now) and both one piece; done (True) or none found."""
    out_a, out_b = _gains(r, a, b), _gains(r, b, a)
    if not out_a or not out_b:
        return False
    bal, t = r.bal, np.array([a, b])
    now = bal.load[t]
    excess_now = bal.excess(now, t).sum()
    (ga, us), (gb, vs) = (np.array(x, dtype=float).T for x in (out_a, out_b))
    iu, iv = np.nonzero(ga[:, None] + gb[None, :] < -1e-9)
    u_all, v_all, gain = us[iu].astype(np.int64), vs[iv].astype(np.int64), ga[iu] + gb[iv]
    # every swap's two books at once (what bal.excess gives one swap at a time): the bands no worse than now
    d = r.metrics[v_all] - r.metrics[u_all]
    new = np.stack([now[0] + d, now[1] - d], axis=1)  # swaps × 2 books × metrics
    excess = (outside(new, bal.lo[t], bal.hi[t]) / bal.scale[t]).sum(axis=(1, 2))
    ok = np.flatnonzero(excess <= excess_now + 1e-12)
    order = ok[np.lexsort((v_all[ok], u_all[ok], gain[ok]))]
    ma, mb = r.members(a).tolist(), r.members(b).tolist()
    side_a, side_b = _Side(r.nbrs, ma), _Side(r.nbrs, mb)
    for u, v in zip(u_all[order].tolist(), v_all[order].tolist()):
        if not (side_a.keeps_piece(u, v) and side_b.keeps_piece(v, u)):
            continue
        bal.move(u, a, b)
        bal.move(v, b, a)
        r.assign[u], r.assign[v] = b, a
        for w, to, frm in ((u, b, a), (v, a, b)):
            r.reasons.setdefault(w, f"moved to {label_of(to)} in a swap with {label_of(frm)} after the contiguity "
                                    f"repair: closer or fewer relationships broken, both books within their bands")
        return True
    return False


def border_swaps(r, budget: Budget, max_rounds: int = 50) -> int:
    """Swaps over every pair of neighbouring territories of the repair ``r`` (a ``contiguity._Repair``) until
    none lowers the cost, ``max_rounds`` passes, or ``budget`` ends; returns the swaps made."""
    done = 0
    for _ in range(max_rounds):
        ta, tb = r.assign[r.edge_u], r.assign[r.edge_v]
        keep = (ta >= 0) & (tb >= 0) & (ta < tb)
        pairs = sorted(set(zip(ta[keep].tolist(), tb[keep].tolist())))
        made = 0
        for a, b in pairs:
            if budget.expired():
                return done + made
            made += _try_pair(r, a, b, lambda t: r.labels[t])
        done += made
        if not made:
            break
    return done


def cheaper_moves(r) -> list[tuple[float, int, int, int]]:
    """(cost change, unit, from, to) of every movable unit of the repair ``r`` (a ``contiguity._Repair``) to a
    bordering territory it costs less with, the largest saving first (ties by unit, then territory); vectorised
    over the graph's edges (a loop over units and their neighbours was most of the polish's ``cheaper`` step)."""
    assign, cost = r.assign, r.cost
    u, v = r.edge_u, r.edge_v
    a, b = assign[u], assign[v]
    ok = r.movable[u] & (a != b) & (a >= 0) & (b >= 0)
    u, a, b = u[ok], a[ok], b[ok]
    ok = r.allowed[u, b] & (cost[u, b] < cost[u, a] - 1e-9)
    key = np.unique(np.stack([u[ok], b[ok]], axis=1), axis=0)
    if not len(key):
        return []
    u, b = key[:, 0], key[:, 1]
    a = assign[u]
    d = cost[u, b] - cost[u, a]
    order = np.lexsort((b, a, u, d))
    return list(zip(d[order].tolist(), u[order].tolist(), a[order].tolist(), b[order].tolist()))
