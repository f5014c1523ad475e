"""The one price of a book's distance from its band: the model's slack columns, a plan's slacks and objective
(:mod:`model`), every move, swap and polish (:mod:`rebalance`); the contiguity polish measures :func:`outside`.

A deviation outside [lo, hi] (how far over hi or under lo, in the metric's units) costs the book's penalty times a
rising multiple per tier (:data:`SOFT_TIERS`, widths as shares of the target, cheapest filled first; one linear
tier when none).  By hand, target 100, band 95-105, penalty 2, soft tiers (10 at 1×, 40 at 4×, the rest at 16×):
load 100 costs 0; 90 (5 under) 2 · 5 = 10; 160 (55 over) 2 · (10 + 4 · 40 + 16 · 5) = 500.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizers.carve.model import Problem

# (width as a share of the target, multiple of the penalty), the last unbounded.  One linear price leaves the LP
# indifferent between spreading a region's excess and dumping it on one book, and it picks a vertex (500,000 × 2,500:
# one book 1,763% over target, its neighbours inside their bands); rising prices spread it.
SOFT_TIERS: tuple[tuple[float, float], ...] = ((0.10, 1.0), (0.40, 4.0), (float("inf"), 16.0))


def outside(load: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far each load lies outside its band [lo, hi] (absolute, ≥ 0; 0 inside; lo ≤ hi)."""
    return np.maximum(load - hi, 0.0) + np.maximum(lo - load, 0.0)


class BandCost:
    """The band price of a problem's balance rows (flat t·M + m): tier widths (absolute, per row) and prices."""

    def __init__(self, p: Problem):
        tiers = p.soft_tiers or ((float("inf"), 1.0),)
        tgt = np.abs(p.target.reshape(-1))
        self.widths = [w * tgt if np.isfinite(w) and k + 1 < len(tiers) else np.full(tgt.shape, np.inf)
                       for k, (w, _) in enumerate(tiers)]  # the last tier unbounded
        self.prices = [float(price) for _, price in tiers]
        self.n_metrics = len(p.metric_names)
        self.lo, self.hi, self.pen = p.lo.reshape(-1), p.hi.reshape(-1), p.penalty.reshape(-1)
        self._scalar: tuple | None = None

    def fill(self, dev: np.ndarray, rows: np.ndarray | slice = slice(None)) -> list[np.ndarray]:
        """The part of deviation ``dev`` (of rows ``rows``) each tier holds, cheapest first: a plan's slacks."""
        parts, start = [], np.zeros(np.shape(dev))
        for w in self.widths:
            parts.append(np.clip(dev - start, 0.0, w[rows]))
            start = start + w[rows]
        return parts

    def cost(self, rows: np.ndarray, load: np.ndarray) -> np.ndarray:
        """The band price of rows ``rows`` at ``load``: penalty × Σ tier price × the tier's part of the deviation."""
        out = np.zeros(len(rows))
        for price, part in zip(self.prices, self.fill(outside(load, self.lo[rows], self.hi[rows]), rows)):
            out += price * part
        return self.pen[rows] * out

    def transfer(self, loads: np.ndarray, src: np.ndarray, dst: np.ndarray, shift: np.ndarray,
                 base: np.ndarray) -> np.ndarray:
        """What moves (or swaps) cost: ``base`` (pair costs) plus, metric by metric in that order, the change in both
        books' band prices when ``shift`` (moves × metrics) leaves book ``src`` for ``dst`` (``loads`` flat)."""
        M, out, cost = self.n_metrics, base.copy(), self.cost
        for m in range(M):
            rt, rs, v = dst * M + m, src * M + m, shift[:, m]
            out += (cost(rt, loads[rt] + v) - cost(rt, loads[rt])) + (cost(rs, loads[rs] - v) - cost(rs, loads[rs]))
        return out

    def move(self, loads: list[float], src: int, dst: int, vals: list[float], base: float) -> float:
        """:meth:`transfer` of one move (``vals`` leaves book ``src`` for ``dst``; ``loads`` flat) in Python floats
        (numpy scalars cost ~10× more), the same sums in the same order: both prices of a move agree to the bit."""
        M, out, cost = self.n_metrics, base, self.row_cost
        for m in range(M):
            rt, rs, v = dst * M + m, src * M + m, vals[m]
            out += (cost(rt, loads[rt] + v) - cost(rt, loads[rt])) + (cost(rs, loads[rs] - v) - cost(rs, loads[rs]))
        return out

    def row_cost(self, r: int, load: float) -> float:
        """:meth:`cost` of one row in Python floats (numpy scalars cost ~10× more), the same sums in the same order."""
        if self._scalar is None:
            self._scalar = (self.lo.tolist(), self.hi.tolist(), self.pen.tolist(),
                            [(w.tolist(), price) for w, price in zip(self.widths, self.prices)])
        lo, hi, pen, tiers = self._scalar
        dev = load - hi[r] if load > hi[r] else (lo[r] - load if load < lo[r] else 0.0)
        if dev <= 0.0:
            return 0.0
        out, start = 0.0, 0.0
        for w, price in tiers:
            part = min(dev - start, w[r])
            if part <= 0.0:
                break
            out += price * part
            start += w[r]
        return pen[r] * out
