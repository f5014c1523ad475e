"""One-piece territories inside a part's solve: the separator cuts (:mod:`optimizers.contiguity.connectivity`) in its LP
(the contiguity-aware bound) and in its integer repair.

:func:`solve_one <optimizers.carve.repair.solve_one>` calls, for a problem that carries a unit graph
(``Problem.conn``, set by the pipeline when contiguity is asked for geographic units):

1. :func:`cut_lp` after the plain LP: the cut loop on the live LP (warm re-solves) within ``cs.cut_lp_share`` of
   the part's time; the plain LP's value is kept (``bound_plain``), the bound becomes the LP with the cuts, and
   the part's matrix gets the cut rows, so every strategy of the repair ladder (its MIPs, its feasibility checks)
   respects them;
2. the ladder, within the part's time less ``cs.one_piece_share`` of it (a part too large to grow and for the
   repair MIP's cuts skips it: the cut LP's rounding made one piece, :func:`rounds`);
3. :func:`connect` on the ladder's plan: while a territory is in pieces, the cuts of that integer point join the
   matrix and the units that could change those territories are re-optimised (a MIP, the rest fixed), the whole
   part when that fails; a plan still in pieces when the time is up is left to the contiguity stage's polish
   (:mod:`optimizers.contiguity.contiguity`) and is never "optimal";
4. on small parts, :func:`~optimizers.contiguity.one_piece_mip.cut_mip`: the MIP over the part's rows and cuts, whose
   dual bound raises the one-piece bound (Georgia's counties: the cut LP's 1.71% gap was mostly the LP's
   fractional counties meeting the bands) and whose one-piece integer points may replace the plan.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.contiguity.connectivity import CutContext, CutSet, cut_loop, pieces_of, separate, with_cuts
from optimizers.carve.model import (
    Cancelled,
    Matrix,
    assignment_from_x,
    columns_of_units,
    objective_of,
    x_from_assignment,
)
from optimizers.contiguity.one_piece_mip import MIP_MAX_PAIRS

__all__ = ["CutState", "cut_lp", "connect", "grown_plan", "grows", "rounds", "GROWN", "ROUNDED", "LP_STALL_REL",
           "FlowRows", "with_flows"]

LP_STALL_REL = 1e-3  # the LP's cut loop stops once 4 rounds raised the bound < 0.1%: on the demo company's
# counties the bound after 1 s (11–13 rounds) was within 0.3% of the bound after 60 rounds (10 s)
LP_PURGE_EVERY = 3  # … and, above MIP_MAX_PAIRS pairs, sheds its slack cuts every third round (connectivity.cut_loop:
# half the re-solve time on the demo's county parts)
GROWN = "grown from roots (one piece)"  # the strategy name of a plan from :func:`grown_plan`
ROUNDED = "cut LP rounded (one piece)"  # … of one from the cut LP's rounding (:func:`grown_plan`, too large to grow)
PIECE_CUTS = 1000  # an integer point: a cut for every unit of a piece cut off (rows are cheap, MIP rounds are not)


@dataclass
class CutState:
    """What the cuts did in one part: the plain LP bound, the cut loop's status and rounds, the cuts (LP and
    integer), pieces left in the part's plan (territories in more than one piece), whether the LP with the cuts
    was infeasible (no one-piece plan within the bands over these candidate lists)."""

    cc: CutContext
    bound_plain: float = np.nan
    loop_status: str = ""
    rounds: int = 0
    cuts: int = 0
    mip_rounds: int = 0
    split: int = 0
    cuts_infeasible: bool = False
    seconds: float = 0.0
    lp_cuts: CutSet | None = None  # every cut the LP's loop added (rootless_bound converts them)

    def stats(self) -> dict:
        return {"cut_rounds": self.rounds, "cuts": self.cuts, "cut_mip_rounds": self.mip_rounds,
                "cut_split_territories": self.split, "seconds_cuts": self.seconds}


def cut_lp(s, budget: Budget) -> CutState | None:
    """Step 1 (see the module docstring) on the ladder's state ``s`` whose LP (``s.lp``) is solved; None when the
    problem carries no unit graph or nothing to cut.  A cut system the bands cannot meet leaves the plain LP in
    place (``cuts_infeasible``: the result says no one-piece plan fits; the polish still tries)."""
    p = s.p
    if getattr(p, "conn", None) is None or s.lp is None or s.lp.highs is None or s.lp.cols is not None:
        return None
    cc = CutContext.of(p, p.conn)
    if not cc.active:
        return None
    st = CutState(cc, bound_plain=float(s.lp.objective))
    s.progress(0.2, f"{s.tag}contiguity cuts in the LP")
    # a grown plan needs the LP's point, not its last 0.3%; a large one's LP sheds slack cuts (a small part's
    # re-solves take milliseconds and its cut MIP starts from this LP; the ladder's narrowed-band re-solves use this
    # live model, so the parts not grown keep every cut)
    more = {"stall_rel": LP_STALL_REL} if grows(s) else {}
    if grows(s) and s.mx.n_pairs > MIP_MAX_PAIRS:
        more["purge_every"] = LP_PURGE_EVERY
    loop = cut_loop(s.lp.highs, cc, budget.share(s.cs.cut_lp_share), should_stop=s.stop, x0=s.lp.x, **more)
    if s.stop():
        raise Cancelled()
    st.loop_status, st.rounds, st.cuts, st.seconds = loop.status, loop.rounds, len(loop.cuts), loop.seconds
    st.lp_cuts = loop.cuts
    if loop.status == "infeasible":
        st.cuts_infeasible = True
        return st
    if loop.x is not None and np.isfinite(loop.objective):
        s.lp.x, s.lp.objective = loop.x, float(loop.objective)
        s.bound, s.x_lp = max(s.bound, float(loop.objective)), loop.x
    s.mx = with_cuts(s.mx, loop.cuts)
    return st


def grows(s) -> bool:
    """Whether this part's plan is grown from the roots (:func:`grown_plan`): up to ``cs.one_piece_grow_max_units``
    units.  Above that the grown plan did worse: at 3,107 counties × 50 (±5%) it ended 8.4% above the one-piece
    bound in 15 s (8.1% with 15 s of pair re-carves), the ladder's 6.7% in 41 s, the LP's rounding 4.3% in 1 s
    (:func:`rounds`)."""
    return s.p.n_units <= s.cs.one_piece_grow_max_units


def rounds(s) -> bool:
    """Whether this part's plan is the cut LP's rounding made one piece (:func:`grown_plan`): a part too large to
    grow and to take the cuts in its repair MIP (``cs.one_piece_mip_max_pairs``).  At 3,107 counties × 50 (±5%),
    quiet: 4.3% above the one-piece bound in 1 s, the same plan every run for the same LP point, where the ladder's
    plan (26 s; the strategy that gave it hinging on the LP's seconds) polished to 4.5–7.2%."""
    return not grows(s) and s.mx.n_pairs > s.cs.one_piece_mip_max_pairs


def grown_plan(s, st: CutState, budget: Budget):
    """Territories grown from their roots over the cut LP's point (a large part, :func:`rounds`: the point's
    rounding, with no time cap in its polish: the same LP point gives the same plan), polished and re-carved by pairs
    (:mod:`optimizers.contiguity.one_piece_rounding`): a :class:`~optimizers.carve.ladder.Solved` with every
    territory one piece within its bands, or None (no LP point, or the bands not reached: the ladder and
    :func:`connect` take over)."""
    from optimizers.carve.ladder import Solved
    from optimizers.carve.model import build_matrix
    from optimizers.contiguity.one_piece_rounding import one_piece_plan

    rounded = rounds(s)
    if st.cuts_infeasible or s.lp is None or s.lp.x is None or not (grows(s) or rounded):
        return None
    if rounded:  # the windows after the merge re-carve it (window_moves); checked against the part's rows without
        # the cuts: the polish may leave a root to a neighbour
        s.progress(0.5, f"{s.tag}the contiguity LP's rounding made one piece")
        mx, pairs_s = build_matrix(s.p), 0.0
    else:
        s.progress(0.5, f"{s.tag}one-piece territories grown from their roots")
        # a part small enough for the MIP over its cuts gets its moves to touching books there instead, which make
        # any pair's re-carve and chains through more books (one_piece_mip.neighbour_moves): Georgia's pairs took
        # 1.3 s to 221.37 and left the moves 220.50; without them the moves reach the optimum, 220.06, in the same time
        by_pairs = s.p.n_units <= s.cs.one_piece_pairs_max_units and s.mx.n_pairs > MIP_MAX_PAIRS
        mx, pairs_s = s.mx, s.cs.one_piece_pairs_s if by_pairs else 0.0
    plan, stats = one_piece_plan(s.p, mx, s.lp.x, budget, pairs_s, rounded=rounded)
    s.stats.update({k: s.stats.get(k, 0) + v for k, v in stats.items()})
    if s.stop():
        raise Cancelled()
    if plan is None:
        return None
    obj = objective_of(s.p, s.mx, plan)
    status = "optimal" if s.gap(obj) <= s.cs.mip_gap + 1e-9 else "feasible"
    return Solved(status, plan, obj, min(s.bound, obj), ROUNDED if rounded else GROWN)


def connect(s, st: CutState, solved, budget: Budget):
    """Step 3: the ladder's ``solved`` plan made one piece by cuts in the repair MIP (see the module docstring);
    returns it with its status (never "optimal" while a territory is in pieces)."""
    import time

    t0 = time.perf_counter()
    p, cs = s.p, s.cs
    plan = solved.assign
    if plan is None:
        return solved
    free_all = np.flatnonzero(np.diff(p.cand.ptr) > 1)
    whole = False
    flowed = np.zeros(p.n_terr, dtype=bool)  # territories once in pieces: exact one-piece (flow) from then on
    while True:
        x = x_from_assignment(p, s.mx, plan)
        cuts = separate(st.cc, x, integral=True, per_piece=PIECE_CUTS)
        if not len(cuts) or budget.expired() or s.stop():
            break
        s.mx = with_cuts(s.mx, cuts)
        st.cuts += len(cuts)
        st.mip_rounds += 1
        flowed[np.unique(cuts.terr)] = True
        free = free_all if whole else _around(p, plan, np.flatnonzero(flowed))
        s.progress(0.8, f"{s.tag}one-piece repair of {len(free):,} units (round {st.mip_rounds})")
        sub = _mip(s, with_flows(s.mx, st.cc, np.flatnonzero(flowed), x), plan, free, budget)
        if sub is None:
            if whole or len(free) == len(free_all):
                break
            whole = True
            continue
        plan = sub
    if s.stop():
        raise Cancelled()
    split = pieces_of(st.cc, x_from_assignment(p, s.mx, plan))
    st.split = int((split > 1).sum())
    st.seconds += time.perf_counter() - t0
    obj = objective_of(p, s.mx, plan)
    gap = s.gap(obj)
    status = solved.status
    if st.split:
        status = "feasible" if status == "optimal" else status
    elif plan is not solved.assign:
        status = "optimal" if gap <= cs.mip_gap + 1e-9 else ("feasible" if status != "time_limit" else status)
    if plan is not solved.assign:
        solved.strategy = (solved.strategy + ", one-piece repair").lstrip(", ")
    solved.assign, solved.objective = plan, obj
    solved.status, solved.bound = status, min(s.bound, obj)
    return solved


def with_flows(mx: Matrix, cc: CutContext, terrs: np.ndarray, plan_x: np.ndarray) -> Matrix:
    """``mx`` with a single-commodity flow (Shirabe 2009) making each territory of ``terrs`` exactly one piece:
    flow f(a) ≥ 0 on each arc i → j of t's candidate subgraph, its root the source, every other unit consuming
    x(i,t) (Σ in − Σ out = x(i,t)), an arc carrying flow only into a unit of t (f(a) ≤ (n−1)·x(j,t)) and out of
    the root only while the root is in t.  A rootless territory is rooted, for the plan only, at the heaviest unit
    of its largest piece in ``plan_x`` (the bound never sees this matrix).  Flow columns are continuous, after
    every other column; the cut loop's integer separation cannot oscillate on these territories any more."""
    rows = FlowRows()
    n_rows, n_cols = mx.A.shape
    r0, c0 = n_rows, n_cols
    xp = plan_x[: cc.n_pairs]
    for t in terrs:
        tg = cc.terrs[t]
        if tg.n < 2:
            continue
        root = tg.root if tg.root >= 0 else _plan_root(tg, xp[tg.cols] >= 0.5)
        # out of the root only while the root is in t
        r0 = rows.add(tg.ei, tg.ej, tg.cols, root, r0, c0, tail_capped=tg.ei == root)
        c0 += len(tg.ei)
    if c0 == n_cols:
        return mx
    extra = sp.csr_matrix((np.concatenate(rows.v), (np.concatenate(rows.r) - n_rows, np.concatenate(rows.c))),
                          shape=(r0 - n_rows, c0))
    A = sp.vstack([sp.hstack([mx.A, sp.csr_matrix((n_rows, c0 - n_cols))]), extra]).tocsc()
    A.sort_indices()
    k = c0 - n_cols
    return Matrix(c=np.r_[mx.c, np.zeros(k)], A=A, col_lo=np.r_[mx.col_lo, np.zeros(k)],
                  col_hi=np.r_[mx.col_hi, np.full(k, np.inf)], row_lo=np.r_[mx.row_lo, np.concatenate(rows.lo)],
                  row_hi=np.r_[mx.row_hi, np.concatenate(rows.hi)], n_pairs=mx.n_pairs, n_assign=mx.n_assign,
                  row_kind=list(mx.row_kind) + [("flow", -1, -1)] * (r0 - n_rows))


class FlowRows:
    """The rows of single-commodity flows (Shirabe 2009), one flow after another, as COO blocks: per flow, over the
    units with an x column (``xcol`` ≥ 0), conservation at every unit but the source (in − out − x(i) = 0), then
    f(a) − (n−1)·x(head) ≤ 0 on every arc, then f(a) − (n−1)·x(tail) ≤ 0 on the arcs ``tail_capped`` names.
    Used by :func:`with_flows` (the cut MIP's split territories) and :mod:`~optimizers.contiguity.window_moves` (a
    window's books), which differ only in which tails they cap."""

    def __init__(self):
        self.r, self.c, self.v, self.lo, self.hi = [], [], [], [], []

    def add(self, ei: np.ndarray, ej: np.ndarray, xcol: np.ndarray, source: int, r0: int, c0: int,
            tail_capped: np.ndarray) -> int:
        """One flow on arcs ``ei`` → ``ej`` (unit indices into ``xcol``), its arc columns ``c0``, ``c0`` + 1, …,
        its rows from ``r0``; returns the next free row."""
        n = int((xcol >= 0).sum())
        big, arcs = float(n - 1), c0 + np.arange(len(ei))
        nodes = np.flatnonzero((xcol >= 0) & (np.arange(len(xcol)) != source))
        row_of = np.full(len(xcol), -1)
        row_of[nodes] = r0 + np.arange(len(nodes))
        into, out = row_of[ej] >= 0, row_of[ei] >= 0
        self.r += [row_of[ej[into]], row_of[ei[out]], row_of[nodes]]
        self.c += [arcs[into], arcs[out], xcol[nodes]]
        self.v += [np.ones(into.sum()), -np.ones(out.sum()), -np.ones(len(nodes))]
        self.lo.append(np.zeros(len(nodes)))
        self.hi.append(np.zeros(len(nodes)))
        r0 += len(nodes)
        for a, end in ((np.arange(len(ei)), ej), (np.flatnonzero(tail_capped), ei)):
            cap = r0 + np.arange(len(a))
            self.r += [cap, cap]
            self.c += [arcs[a], xcol[end[a]]]
            self.v += [np.ones(len(a)), np.full(len(a), -big)]
            self.lo.append(np.full(len(a), -np.inf))
            self.hi.append(np.zeros(len(a)))
            r0 += len(a)
        return r0


def _plan_root(tg, support: np.ndarray) -> int:
    """A rootless territory's root for the plan: a unit of its largest piece in the plan (its first unit if empty)."""
    sup = np.flatnonzero(support)
    if len(sup) == 0:
        return 0
    from scipy.sparse.csgraph import connected_components

    lab = connected_components(tg.graph(support), directed=False)[1][sup]
    return int(sup[lab == np.bincount(lab).argmax()][0])


def _around(p, plan: np.ndarray, bad_terrs: np.ndarray) -> np.ndarray:
    """The units that could change the territories ``bad_terrs``: every unit with one of them as a candidate."""
    bad = np.zeros(p.n_terr, dtype=bool)
    bad[bad_terrs] = True
    c = p.cand
    units = np.unique(c.unit[bad[c.terr]])
    return units[np.diff(c.ptr)[units] > 1]


def _mip(s, mx: Matrix, plan: np.ndarray, free: np.ndarray, budget: Budget) -> np.ndarray | None:
    """``free`` re-optimised over ``mx`` (the part's matrix with its cuts and flows; the rest where ``plan`` puts
    it); the new plan, or None when the MIP found none (infeasible with the rest fixed, or out of time)."""
    from optimizers.carve.solvers import solve_sub_mip

    p, cs = s.p, s.cs
    if budget.left() < cs.part_min_s:
        return None
    x0 = x_from_assignment(p, mx, plan)
    # the free units' pairs and every column after the pairs (slacks, flows)
    # stop at an incumbent within the gap target of the one-piece bound: proving a flow MIP optimal is slow
    good = s.bound / (1 - 0.9 * cs.mip_gap) if s.bound > 0 else None
    sub = solve_sub_mip(mx, columns_of_units(p, mx, free), x0, budget.left(), cs.mip_gap, None,
                        should_stop=s.stop, good_enough=good)
    s.stats["seconds_repair"] = s.stats.get("seconds_repair", 0.0) + sub.seconds
    if sub.x is None:
        return None
    return assignment_from_x(p, sub.x)
