"""Border swaps: the polish's last step, lowering the plan's cost while every band and every piece holds.

The polish (:mod:`optimizers.carve.contiguity`) ends with single border moves to a cheaper neighbour that leave
every band no worse.  Within tight bands (±5%) most such moves push one book past its band, so the plan keeps
units that cost more where they are.  A *swap* moves a border unit u from a to its neighbour b and a border unit
v from b to a at once: the loads change by m(v) − m(u) only, so two units of similar size trade places when that
is cheaper (travel + continuity), the bands still hold and both territories stay one piece.

Swaps are tried best gain first, per pair of neighbouring territories, within a time budget; every swap is
exact (the pair costs are the model's), so the objective only falls and the bound stays valid.
"""
from __future__ import annotations

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_graph import pieces

__all__ = ["border_swaps"]

MAX_PER_SIDE = 20  # border units per side of a territory pair considered, the best gains first


def _one_piece(adj, members: np.ndarray) -> bool:
    return len(members) == 0 or int(pieces(adj, members).max()) == 0


def _gains(r, a: int, b: int) -> list[tuple[float, int]]:
    """(cost change of moving u from a to b, u) for movable units of a touching b, best first."""
    out = []
    for u in r.members(a):
        if r.movable[u] and r.allowed[u, b] and any(r.assign[v] == b for v in r.neighbours(u)):
            out.append((float(r.cost[u, b] - r.cost[u, a]), int(u)))
    return sorted(out)[:MAX_PER_SIDE]


def _try_pair(r, a: int, b: int, label_of) -> bool:
    """The best swap between neighbouring territories a and b that lowers the cost, keeps both bands (no worse
    than now) and both one piece; done (True) or none found."""
    out_a, out_b = _gains(r, a, b), _gains(r, b, a)
    bal, t = r.bal, np.array([a, b])
    now = bal.load[t]
    excess_now = bal.excess(now, t).sum()
    options = sorted((ga + gb, u, v) for ga, u in out_a for gb, v in out_b if ga + gb < -1e-9)
    for gain, u, v in options:
        d = r.metrics[v] - r.metrics[u]
        new = now + np.stack([d, -d])
        if bal.excess(new, t).sum() > excess_now + 1e-12:
            continue
        ma, mb = r.members(a), r.members(b)
        if not (_one_piece(r.adj, np.r_[ma[ma != u], v]) and _one_piece(r.adj, np.r_[mb[mb != v], u])):
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
        geo = np.flatnonzero(r.geo & (r.assign >= 0))
        adj = r.adj.tocoo()
        ta, tb = r.assign[adj.row], r.assign[adj.col]
        keep = r.geo[adj.row] & r.geo[adj.col] & (ta >= 0) & (tb >= 0) & (ta < tb)
        pairs = sorted(set(zip(ta[keep].tolist(), tb[keep].tolist()))) if len(geo) else []
        made = 0
        for a, b in pairs:
            if budget.expired():
                return done + made
            made += _try_pair(r, a, b, lambda t: r.labels[t])
        done += made
        if not made:
            break
    return done
