"""The one-piece bound of every plan, roots held or not, for a part whose plan leaves a rooted book without its root.

Why: the cut LP's rooted cuts (:mod:`optimizers.contiguity.connectivity`) bound only plans in which every rooted
book holds its root (the rep's home county).  The lower 48's plan is the cut LP's rounding made one piece by a
polish free to move roots (keeping them cost 4 points), and ~14 of its 50 books end without their root: outside the
set the rooted bound bounds (rootless cuts over 22 rounds: 13,503.7 against the rooted 13,520), so its gap read
~0.2 points too small.

The rooted cut of territory t with root r, x(i,t) − Σ_{j∈C} x(j,t) ≤ 0 with C separating i from r, becomes the a–b
cut with the root as a: x(r,t) + x(i,t) − Σ_{j∈C} x(j,t) ≤ 1.  It holds for any one-piece plan: if r and i are
both in t, t's piece holding both crosses C.  The rootless cuts are kept as they are; the LP over the part's plain
matrix (no cut rows) with these rows, solved once, is a bound on every one-piece plan within the bands.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.carve.model import Problem, build_matrix
from optimizers.carve.solvers import solve_lp
from optimizers.contiguity.connectivity import ConnGraph, CutContext, CutSet, cut_loop, with_cuts

__all__ = ["rootless_cuts", "rootless_bound", "missed_roots"]


def rootless_cuts(cc: CutContext, cuts: CutSet) -> CutSet:
    """``cuts`` with every rooted cut turned into an a–b cut with its territory's root as a (+1 on x(r,t), upper
    side 1); rootless cuts unchanged."""
    rooted = np.flatnonzero(cuts.rooted)
    if not len(rooted):
        return cuts
    root_col = np.array([tg.cols[tg.root] if tg.root >= 0 else -1 for tg in cc.terrs], dtype=np.int64)
    cols = root_col[cuts.terr[rooted]]
    plus_root = sp.csr_matrix((np.ones(len(rooted)), (rooted, cols)), shape=cuts.A.shape)
    return CutSet((cuts.A + plus_root).tocsr(), np.where(cuts.rooted, 1.0, cuts.hi), cuts.terr.copy(),
                  np.zeros(len(cuts), dtype=bool))


def rootless_bound(p: Problem, cc: CutContext, cuts: CutSet, seconds: float, rounds_s: float = 0.0,
                   should_stop: Callable[[], bool] | None = None) -> tuple[float, float]:
    """(the LP over ``p``'s plain matrix with :func:`rootless_cuts` of ``cuts``, the seconds it took): a bound on
    every one-piece plan within the bands; nan when the LP did not finish within ``seconds``.  ``rounds_s`` > 0:
    then rounds of rootless a–b cuts separated at its point (warm re-solves) for up to that long, each round's LP
    still a bound (every cut is valid for every one-piece plan)."""
    t0 = time.perf_counter()
    lp = solve_lp(with_cuts(build_matrix(p), rootless_cuts(cc, cuts)), seconds, should_stop)
    if lp.status != "optimal":
        return np.nan, time.perf_counter() - t0
    value = float(lp.objective)
    if rounds_s > 0:
        free = CutContext(cc.n_pairs, [dataclasses.replace(tg, root=-1) for tg in cc.terrs])
        loop = cut_loop(lp.highs, free, Budget(rounds_s), x0=lp.x, should_stop=should_stop)
        if loop.status != "infeasible" and np.isfinite(loop.objective):
            value = max(value, float(loop.objective))
    return value, time.perf_counter() - t0


def missed_roots(g: ConnGraph, assign: np.ndarray) -> np.ndarray:
    """Per territory, whether it is rooted and ``assign`` (territory per unit) gives its root to another book."""
    t = np.arange(len(g.root))
    return (g.root >= 0) & (assign[np.maximum(g.root, 0)] != t)
