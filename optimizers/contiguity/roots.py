"""Where each geographic territory is rooted: the unit its one-piece territory must contain and grows from.

A root matters twice: the rooted separator cuts (:mod:`optimizers.contiguity.connectivity`) make a territory "one piece
containing its root", so the roots also define the one-piece bound (the best plan with every territory one piece
around its root); and the plan grown from the roots (:mod:`optimizers.contiguity.one_piece_rounding`) starts there.
The root is the unit nearest the rep's home (within :data:`HOME_RADIUS_MI`), used only where the territory may
take it and no other territory has the same home unit; else the territory is rootless (a–b cuts, grown from its
heaviest LP unit).

Why the home and not where today's book is (issue 24, measured 3 Dec 2026 on the demo company's county carve,
load 0.3–4): the demo's default carve moves 61% of its accounts because its books are not geographic (each rep
holds counties all over a region), not because of the roots.

* Roots at the unit holding most of today's book (distinct roots by a linear assignment, home as the fallback):
  the one-piece bound did not move (48,047 against 48,047), SMB's plan moved 2,311 accounts instead of 2,367 for
  69% more travel (a rep living in Denver rooted in Los Angeles: travel is to the rep's home) and cost 14% more;
  Mid-market's grown plan missed its bands and fell back to the integer repair (60 s, 13 books in pieces before
  the polish).  The whole carve: 3,568 accounts moved instead of 3,651, 12.8% above the bound instead of 6.0%,
  40 s instead of 4.5 s, travel +49%.
* Roots at each territory's heaviest unit in the plain LP (continuity in its costs): bound 48,033, plan 8.5%
  above it, 3,649 moved, 40 s (two parts fell back to the integer repair).
* No roots (a–b cuts only; the one-piece bound of every plan, not only those holding the homes): Mid-market's bound
  16,646 against 16,703 rooted (SMB 18,049 against 18,067), so the home roots raise the bound by only 0.1–0.3%;
  the plans were 10.7% (Mid-market) and 8.4% (SMB) above it, against 8.3% and 8.0% rooted.
* The floor: a one-piece plan moves at least 2,694 of the 5,829 Mid-market and SMB accounts (46%: the LP bound of
  ``objective="moves"`` with the cuts, rootless; 2,722 rooted at the homes, 2,499 without contiguity), so no root
  choice brings a county carve of these books near the 24% of the carve by account.  Lowering moves is the plan's
  gap to that bound (its best plans move ~3,540), not the root.
"""
from __future__ import annotations

import numpy as np

from optimizers.carve.model import Problem

__all__ = ["HOME_RADIUS_MI", "home_units", "home_roots"]

HOME_RADIUS_MI = 25.0  # a territory is rooted at its nearest unit only when that unit's centre is this close to home


def home_units(p: Problem) -> np.ndarray:
    """Per territory, the geographic candidate unit nearest its rep's home (−1: none within
    :data:`HOME_RADIUS_MI`, or no home known: every distance 0)."""
    c, g = p.cand, p.conn
    out = np.full(p.n_terr, -1, dtype=np.int64)
    geo_pair = g.geo[c.unit]
    for t in range(p.n_terr):
        sel = np.flatnonzero((c.terr == t) & geo_pair)
        if len(sel) == 0 or not (c.dist_mi[sel] > 0).any():
            continue
        j = sel[np.argmin(c.dist_mi[sel])]
        if c.dist_mi[j] <= HOME_RADIUS_MI:
            out[t] = c.unit[j]
    return out


def home_roots(home_unit: np.ndarray, p: Problem, geo: np.ndarray) -> np.ndarray:
    """Root per territory: its rep's home unit (−1: none) when the territory may take it (a candidate pair) and
    no other territory has the same home unit (two books rooted in one county could never both be one piece)."""
    root = np.where(home_unit >= 0, home_unit, -1).astype(np.int64)
    ok = root >= 0
    ok[ok] = geo[root[ok]]
    vals, counts = np.unique(root[ok], return_counts=True)
    shared = np.isin(root, vals[counts > 1])
    c = p.cand
    is_cand = np.zeros(p.n_terr, dtype=bool)
    for t in np.flatnonzero(ok & ~shared):
        u = root[t]
        is_cand[t] = bool((c.terr[c.ptr[u]:c.ptr[u + 1]] == t).any())
    return np.where(ok & ~shared & is_cand, root, -1)
