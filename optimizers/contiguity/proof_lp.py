"""The LP behind :mod:`optimizers.contiguity.contiguity_proof`: the elastic LP over the bands (slack on each band row,
priced per share of target), its cut loop with every cut checked before it counts, and the least widening of the
bands that the LP with the cuts can hold.  See that module for what a positive optimum proves."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.contiguity.connectivity import ConnGraph, CutContext, CutLoop, CutSet, cut_loop
from optimizers.carve.model import Matrix, Problem, build_matrix

__all__ = ["Elastic", "solve_elastic", "valid_cuts", "certified_loop", "least_widening", "PROOF_MIN"]

MAX_ROUNDS, STALL_ROUNDS, STALL_REL = 200, 4, 1e-6  # at most 200 rounds; a proof stops when 4 rounds raised it < 1e-6
PROOF_MIN = 1e-4  # total slack (shares of a target) below this is the LP's numerical noise, never a proof


@dataclass
class Elastic:
    """The elastic LP as a live highspy model after its cut loop, and where its columns and rows sit."""

    h: object
    mx: Matrix
    loop: CutLoop
    nb: int  # band rows (territories × metrics): over-slacks at P..P+nb, under-slacks at P+nb..P+2nb
    bound: float = 0.0  # the least total slack of a one-piece plan is at least this (shares of a target)

    def slack_total(self, p: Problem) -> float:
        """Σ (over + under) / target at the loop's point."""
        over, under = self.slacks(p)
        return float(((over + under) / np.where(p.target > 0, p.target, 1.0)).sum())

    def slacks(self, p: Problem) -> tuple[np.ndarray, np.ndarray]:
        P, T, M = self.mx.n_pairs, p.n_terr, len(p.metric_names)
        x = self.loop.x
        return x[P:P + self.nb].reshape(T, M), x[P + self.nb:P + 2 * self.nb].reshape(T, M)


def _elastic_matrix(p: Problem, g: ConnGraph) -> tuple[Matrix, int]:
    """The model with soft mode's first-tier slacks only, each priced at 1 / target, pairs free, side rows hard,
    soft-mode-only pairs (rule breaks) closed, and each rooted territory holding its root: "one piece" of a rooted
    territory is one piece around its rep's home (:mod:`optimizers.contiguity.connectivity`), so x(root, t) = 1 is part
    of what is proven, and it keeps the LP from sharing a home between books."""
    scale = np.where(p.target > 0, p.target, np.maximum(p.target.mean(axis=0, keepdims=True), 1.0))
    q = dataclasses.replace(p, soft=True, penalty=1.0 / scale, soft_tiers=())
    mx = build_matrix(q)
    P, nb = mx.n_pairs, p.n_terr * len(p.metric_names)
    mx.c[:P] = 0.0
    mx.col_hi[:P] = np.where(p.cand.rule_break, 0.0, 1.0)
    mx.col_hi[P + 2 * nb:] = 0.0  # capacity over-slacks: capacity stays a rule here
    c = p.cand
    for t in np.flatnonzero(g.root >= 0):
        u = int(g.root[t])
        at = c.ptr[u] + np.flatnonzero(c.terr[c.ptr[u]:c.ptr[u + 1]] == t)
        mx.col_lo[at] = 1.0
    return mx, nb


def solve_elastic(p: Problem, g: ConnGraph, budget: Budget) -> Elastic | None:
    """The elastic LP and its cut loop, in two phases on one live model (None: no LP answer within the budget).

    With free pairs the LP's point spreads every unit over its candidates and each round finds thousands of cuts
    (the demo company: 13,736 cuts in 8 rounds, 60 s, not converged).  So first the pairs cost their distance to
    the home (scaled to at most 1 a unit; not the model's cost, whose continuity term keeps units with scattered
    owners) and a whole target's slack more than every unit's dearest pair: a compact, nearly whole
    point that needs few cuts; when its loop ends without slack the LP with those cuts holds the bands (no proof,
    and, unless it converged, no claim either).  Otherwise the pairs go free and the loop goes on, every cut kept:
    the least slack itself."""
    import highspy

    from optimizers.carve.solvers import highs_lp, new_highs

    mx, nb = _elastic_matrix(p, g)
    P = mx.n_pairs
    slack_c = mx.c[P:P + 2 * nb].copy()
    miles = p.cand.dist_mi if (p.cand.dist_mi > 0).any() else np.abs(p.pair_cost)
    travel = miles / max(float(miles.max(initial=0.0)), 1e-12)
    mx.c[:P], mx.c[P:P + 2 * nb] = travel, slack_c * (p.n_units + 1)
    h = new_highs()
    h.setOptionValue("time_limit", float(max(budget.left(), 0.2)))
    h.passModel(highs_lp(mx.c, mx.A, mx.col_lo, mx.col_hi, mx.row_lo, mx.row_hi))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    cc = CutContext.of(p, g)
    el = Elastic(h, mx, certified_loop(h, cc, budget.share(0.6)), nb)
    if el.loop.status == "cut_limit" and el.slack_total(p) <= PROOF_MIN:  # no slack yet: the rest of the time
        more = certified_loop(h, cc, budget)
        more.cuts, more.rounds = el.loop.cuts + more.cuts, el.loop.rounds + more.rounds
        el.loop = more
    if el.loop.status == "infeasible" or el.slack_total(p) <= PROOF_MIN:
        return el  # bound 0: a point that holds every cut found (all of them, when converged) and every band
    cols = np.arange(P + 2 * nb, dtype=np.int32)
    h.changeColsCost(len(cols), cols, np.r_[np.zeros(P), slack_c])
    h.setOptionValue("time_limit", float(h.getRunTime() + max(budget.left(), 0.2)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    second = certified_loop(h, cc, budget)
    second.cuts, second.rounds = el.loop.cuts + second.cuts, el.loop.rounds + second.rounds
    el.loop, el.bound = second, max(float(second.objective), 0.0)
    return el


def valid_cuts(cc: CutContext, cuts: CutSet) -> CutSet:
    """The cuts that hold for every one-piece plan, each checked on its own: its separator's units removed from
    the territory's candidate units must leave its +1 unit apart from the root (rooted) or its two +1 units apart
    (a–b).  A proof rests only on these: one cut that cuts off a one-piece plan would make it a false proof."""
    keep = np.zeros(len(cuts), dtype=bool)
    for k in range(len(cuts)):
        tg = cc.terrs[int(cuts.terr[k])]
        lo, hi = cuts.A.indptr[k], cuts.A.indptr[k + 1]
        cols, vals = cuts.A.indices[lo:hi], cuts.A.data[lo:hi]
        pos = np.searchsorted(tg.cols, cols)
        if (pos >= tg.n).any() or (tg.cols[np.minimum(pos, tg.n - 1)] != cols).any():
            continue  # a pair outside the territory's candidate units: not a cut of this system
        ends = pos[vals > 0]
        ends = np.r_[ends, tg.root] if cuts.rooted[k] and tg.root >= 0 else ends
        if len(ends) != 2 or ends[0] == ends[1]:
            continue
        alive = np.ones(tg.n, dtype=bool)
        alive[pos[vals < 0]] = False
        alive[ends] = True
        lab = connected_components(tg.graph(alive), directed=False)[1]
        keep[k] = lab[ends[0]] != lab[ends[1]]
    if keep.all():
        return cuts
    idx = np.flatnonzero(keep)
    return CutSet(cuts.A[idx], cuts.hi[idx], cuts.terr[idx], cuts.rooted[idx])


def certified_loop(h, cc: CutContext, budget: Budget) -> CutLoop:
    """The outer cut loop of :mod:`optimizers.contiguity.connectivity` (its separation, its rows), each round's cuts
    first checked by :func:`valid_cuts`: solve, add the valid violated cuts, re-solve warm, until none is left
    ("optimal"), or the rounds, a stall or the budget end it ("cut_limit": the objective is still a bound).  A zero
    optimum stays zero until the cuts suffice, so only a proof already in hand (> PROOF_MIN) may stop on a stall."""
    return cut_loop(h, cc, budget, max_rounds=MAX_ROUNDS, stall_rounds=STALL_ROUNDS, stall_rel=STALL_REL,
                    keep=valid_cuts, may_stall=lambda obj: obj > PROOF_MIN)


def least_widening(p: Problem, g: ConnGraph, el: Elastic, metrics: list[int], budget: Budget) -> float | None:
    """min e (share of target) such that widening every band of ``metrics`` by e·target lets the LP with the cuts
    hold every band: one more column and two rows per band on the live model, then the cut loop again."""
    import highspy

    h, P, nb, M = el.h, el.mx.n_pairs, el.nb, len(p.metric_names)
    n_cols = h.getNumCol()
    slack_cols = np.arange(P, P + 2 * nb)
    h.changeColsCost(len(slack_cols), slack_cols.astype(np.int32), np.zeros(len(slack_cols)))
    m_of = np.tile(np.tile(np.arange(M), p.n_terr), 2)
    shut = slack_cols[~np.isin(m_of, metrics)]
    if len(shut):
        h.changeColsBounds(len(shut), shut.astype(np.int32), np.zeros(len(shut)), np.zeros(len(shut)))
    h.addCol(1.0, 0.0, highspy.kHighsInf, 0, np.zeros(0, np.int32), np.zeros(0))
    open_ = slack_cols[np.isin(m_of, metrics)]
    tgt = np.tile(p.target.reshape(-1), 2)[open_ - P]
    rows = np.arange(len(open_))
    ij = (np.r_[rows, rows], np.r_[open_, np.full(len(open_), n_cols)])
    A = sp.csr_matrix((np.r_[np.ones(len(open_)), -tgt], ij), shape=(len(open_), n_cols + 1))
    h.addRows(len(open_), np.full(len(open_), -highspy.kHighsInf), np.zeros(len(open_)), A.nnz,
              A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data)
    h.setOptionValue("time_limit", float(h.getRunTime() + max(budget.left(), 0.2)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    loop = certified_loop(h, CutContext.of(p, g), budget)
    return None if loop.status in ("infeasible", "time_limit") else max(float(loop.objective), 0.0)
