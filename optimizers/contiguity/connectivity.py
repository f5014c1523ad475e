"""Contiguity inside the model: separator cuts on the pair columns, found by an outer cut loop (no callbacks).

A geographic territory t is *one piece* when its geographic units are connected in the unit graph
(:mod:`optimizers.contiguity.contiguity_graph`; account units are not in the graph and never count).  The cut
formulation (Validi & Buchanan 2022, "Political districting to minimize cut edges"; Oehrlein & Haunert 2017):

* **rooted** (t has a root r: the rep's home unit, when t may take it and no other territory roots there; see
  :mod:`optimizers.contiguity.roots`): the territory is "one piece containing its root".  For every unit i and every set
  C of units separating i from r in t's candidate subgraph (r ∉ C):  x(i,t) − Σ_{j∈C} x(j,t) ≤ 0.
* **rootless** (no root): for units a, b and every a–b separator C:
  x(a,t) + x(b,t) − Σ_{j∈C} x(j,t) ≤ 1.

Separation (:func:`separate`): on the support of x (x ≥ ½ for an integral point, x > ε for a fractional one),
each piece S of t not holding its anchor (the root, else t's heaviest unit a) gives C = N(S), S's boundary in t's
candidate subgraph (all of it outside the support).  For a fractional point a few units per territory are also
checked exactly: a min vertex cut (max-flow on the split graph, vertex weights x(·,t)) between the anchor and i.

How to call it (the interface other modules build on; kept stable):

    cc = CutContext.of(p, graph)             # p: Problem, graph: ConnGraph (adjacency, geo units, roots)
    cuts = separate(cc, x)                   # x: the model's column vector (pairs first); a CutSet, maybe empty
    mx2 = with_cuts(mx, cuts)                # the Matrix with the cut rows appended (any solver/LP can use it)
    loop = cut_loop(h, cc, budget)           # h: a solved live highspy model whose first columns are the pairs;
                                             # adds violated cuts and re-solves (warm) until none or the budget ends
    loop.status, loop.objective, loop.x, loop.cuts, loop.rounds, loop.converged

A :class:`CutSet` is rows over the pair columns: ``A`` (cuts × pairs, CSR, entries ±1), ``hi`` (0 rooted, 1
rootless; the lower side is −∞), ``terr`` (the territory of each cut) and ``rooted``.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity_graph import neighbour_lists
from optimizers.carve.model import Matrix, Problem
from optimizers.contiguity.vertex_cut import min_vertex_cut as _min_vertex_cut
from planning.data.county_land import walk_labels

__all__ = ["ConnGraph", "CutContext", "CutSet", "CutLoop", "separate", "with_cuts", "cut_loop", "pieces_of",
           "cut_rows"]

EPS = 1e-6  # a cut counts as violated above this
FLOW_CHECKS = 6  # exact (max-flow) checks per territory and round, on a fractional point


@dataclass
class ConnGraph:
    """What contiguity needs of a problem's units: ``adj`` (units × units, symmetric CSR; only geographic units
    have edges), ``geo`` (bool per unit: a geographic unit, the only ones that count), ``root`` (per territory:
    its root unit (:mod:`optimizers.contiguity.roots`), or −1 for none)."""

    adj: sp.csr_matrix
    geo: np.ndarray
    root: np.ndarray

    def sub(self, units: np.ndarray, terrs: np.ndarray) -> ConnGraph:
        """The same for a part: ``units`` and ``terrs`` index the whole problem (roots outside the part: none)."""
        umap = np.full(len(self.geo), -1)
        umap[units] = np.arange(len(units))
        r = self.root[terrs]
        return ConnGraph(self.adj[units][:, units].tocsr(), self.geo[units], np.where(r >= 0, umap[r], -1))


def unit_conn_graph(ctx: dict, n_terr: int) -> ConnGraph | None:
    """The prepared carve's unit graph (:func:`optimizers.contiguity.contiguity_graph.unit_graph_of`, kept on ``ctx``)
    with no roots yet; None when no unit is geographic."""
    from optimizers.contiguity.contiguity_graph import GEO_KINDS, unit_graph_of, unit_kinds

    geo = unit_kinds(ctx["units"].frame).isin(GEO_KINDS).to_numpy()
    if not geo.any():
        return None
    return ConnGraph(unit_graph_of(ctx, geo), geo, np.full(n_terr, -1, dtype=np.int64))


@dataclass
class _Terr:
    """Territory t's candidate subgraph: its geographic candidate units, their pair columns, its edges (local, both
    directions), its root; its neighbour lists and split graph (:mod:`optimizers.contiguity.vertex_cut`), built once."""

    units: np.ndarray
    cols: np.ndarray
    ei: np.ndarray
    ej: np.ndarray
    root: int  # local index, −1: rootless
    _split: tuple | None = field(default=None, repr=False)  # optimizers.contiguity.vertex_cut.split_graph
    _nbrs: list | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.units)

    def neighbours(self) -> list[list[int]]:
        """Per local unit, its local neighbours (built once: the separation walks them every round)."""
        if self._nbrs is None:
            self._nbrs = neighbour_lists(self.graph())
        return self._nbrs

    def graph(self, keep: np.ndarray | None = None) -> sp.csr_matrix:
        """The subgraph's adjacency, only edges between units where ``keep`` (None: all)."""
        m = slice(None) if keep is None else keep[self.ei] & keep[self.ej]
        return sp.csr_matrix((np.ones(len(self.ei[m]), dtype=np.int8), (self.ei[m], self.ej[m])),
                             shape=(self.n, self.n))


@dataclass
class CutContext:
    """The per-territory candidate subgraphs of one problem, built once (:meth:`of`) and used by every round."""

    n_pairs: int
    terrs: list[_Terr]

    @classmethod
    def of(cls, p: Problem, g: ConnGraph) -> CutContext:
        c = p.cand
        out = []
        geo_pair = g.geo[c.unit]
        order = np.argsort(c.terr, kind="stable")
        bounds = np.searchsorted(c.terr[order], np.arange(p.n_terr + 1))
        for t in range(p.n_terr):
            cols = order[bounds[t]:bounds[t + 1]]
            cols = cols[geo_pair[cols]]
            units = c.unit[cols]
            coo = g.adj[units][:, units].tocoo()
            hit = np.flatnonzero(units == g.root[t]) if g.root[t] >= 0 else np.zeros(0, int)
            out.append(_Terr(units, cols, coo.row.astype(np.int64), coo.col.astype(np.int64),
                             int(hit[0]) if len(hit) else -1))
        return cls(len(c.unit), out)

    @property
    def active(self) -> bool:
        """Whether any territory has two or more geographic candidates (else there is nothing to cut)."""
        return any(len(tg.units) > 1 for tg in self.terrs)


@dataclass
class CutSet:
    """Cut rows over the pair columns (see the module docstring): Σ A[k]·x ≤ hi[k]."""

    A: sp.csr_matrix
    hi: np.ndarray
    terr: np.ndarray
    rooted: np.ndarray

    @classmethod
    def empty(cls, n_pairs: int) -> CutSet:
        return cls(sp.csr_matrix((0, n_pairs)), np.zeros(0), np.zeros(0, int), np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.hi)

    def __add__(self, other: CutSet) -> CutSet:
        return CutSet(sp.vstack([self.A, other.A]).tocsr(), np.r_[self.hi, other.hi], np.r_[self.terr, other.terr],
                      np.r_[self.rooted, other.rooted])

    def violation(self, x: np.ndarray) -> np.ndarray:
        """How far each cut is violated at ``x`` (pairs first; ≤ 0: held)."""
        return self.A @ x[: self.A.shape[1]] - self.hi


def cut_rows(n_pairs: int, rows: list[tuple[int, list[int], list[int], float, bool]]) -> CutSet:
    """(t, +1 columns, −1 columns, hi, rooted) per cut → a CutSet."""
    if not rows:
        return CutSet.empty(n_pairs)
    ptr, idx, val = [0], [], []
    for _, plus, minus, _, _ in rows:
        idx += plus + minus
        val += [1.0] * len(plus) + [-1.0] * len(minus)
        ptr.append(len(idx))
    A = sp.csr_matrix((np.array(val), np.array(idx, dtype=np.int64), np.array(ptr)), shape=(len(rows), n_pairs))
    return CutSet(A, np.array([r[3] for r in rows]), np.array([r[0] for r in rows]), np.array([r[4] for r in rows]))


def _pieces(tg: _Terr, support: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(units of the support, their piece label) in t's subgraph restricted to the support, numbered as scipy's
    connected_components numbers them; a walk over neighbour lists (a sparse subgraph per support cost ~0.5 ms, a
    fifth of the demo's separation)."""
    sup = np.flatnonzero(support)
    return sup, np.array(walk_labels(tg.neighbours(), sup.tolist()), dtype=int)


def _boundary(tg: _Terr, inside: np.ndarray) -> np.ndarray:
    """N(S): local units adjacent to the units where ``inside`` but not themselves inside."""
    near = np.zeros(tg.n, dtype=bool)
    near[tg.ej[inside[tg.ei]]] = True
    return np.flatnonzero(near & ~inside)


def _piece_cuts(t: int, tg: _Terr, xt: np.ndarray, support: np.ndarray, per_piece: int, done: set[int]) -> list:
    """Cuts from the support's pieces that miss the anchor (their boundary N(S) as the separator)."""
    sup, lab = _pieces(tg, support)
    if len(sup) == 0:
        return []
    anchor = tg.root if tg.root >= 0 else int(np.argmax(xt))
    home = lab[np.searchsorted(sup, anchor)] if support[anchor] else -1
    out = []
    for k in np.unique(lab):
        if k == home:
            continue
        S = sup[lab == k]
        inside = np.zeros(tg.n, dtype=bool)
        inside[S] = True
        N = _boundary(tg, inside)
        total = float(xt[N].sum())
        for i in S[np.argsort(-xt[S], kind="stable")][:per_piece]:
            if int(i) not in done:
                cut = _cut(t, tg, int(i), anchor, N, xt, total)
                done.update([int(i)] if cut else [])
                out += cut
    return out


def _cut(t: int, tg: _Terr, i: int, anchor: int, C: np.ndarray, xt: np.ndarray, c_total: float) -> list:
    """The rooted or a–b cut for unit i and separator C, if violated at xt."""
    if tg.root >= 0:
        if i != anchor and xt[i] - c_total > EPS:
            return [(t, [int(tg.cols[i])], tg.cols[C].tolist(), 0.0, True)]
    elif i != anchor and xt[i] + xt[anchor] - 1.0 - c_total > EPS:
        return [(t, [int(tg.cols[i]), int(tg.cols[anchor])], tg.cols[C].tolist(), 1.0, False)]
    return []


def _flow_cuts(t: int, tg: _Terr, xt: np.ndarray, done: set[int], checks: int) -> list:
    """Exact checks on a fractional point: the heaviest fractional units not yet cut, min vertex cut to the
    anchor (only where the anchor is in the support: else the pieces' cuts already cover it)."""
    anchor = tg.root if tg.root >= 0 else int(np.argmax(xt))
    if xt[anchor] <= EPS:
        return []
    frac = np.flatnonzero((xt > 0.05) & (xt < 1 - EPS))
    frac = frac[frac != anchor]
    out = []
    for i in frac[np.argsort(-xt[frac], kind="stable")]:
        if checks <= 0:
            break
        if int(i) in done:
            continue
        checks -= 1
        w, C = _min_vertex_cut(tg, xt, anchor, int(i))
        if w >= tg.n + 1:  # i touches the anchor: no set of units separates them (the "cut" read off is not one)
            continue
        out += _cut(t, tg, int(i), anchor, C, xt, float(xt[C].sum()))
    return out


STALL_ROUNDS, STALL_REL = 4, 2e-5  # the LP cut loop stops once 4 rounds together raised the bound < 0.002%
LEVELS = (EPS, 0.25, 0.5, 0.75)  # a fractional point's supports: the units above each level


def separate(cc: CutContext, x: np.ndarray, integral: bool = False, per_piece: int = 3,
             flow_checks: int = FLOW_CHECKS) -> CutSet:
    """The violated separator cuts at ``x`` (the model's columns, pairs first).  ``integral``: x is a plan (its
    support is x ≥ ½; every territory in pieces gets a cut); else a fractional LP point: the pieces of the units
    above each of :data:`LEVELS` that miss the anchor, then up to ``flow_checks`` exact min-vertex-cut checks per
    territory.  ``per_piece``: cuts per piece (its heaviest units).  Empty when every territory is one piece
    (around its root, where it has one)."""
    xp = np.asarray(x[: cc.n_pairs], dtype=float)
    rows: list = []
    for t, tg in enumerate(cc.terrs):
        if tg.n < 2:
            continue
        xt = np.clip(xp[tg.cols], 0.0, 1.0)
        done: set[int] = set()
        for level in ((0.5,) if integral else LEVELS):
            rows += _piece_cuts(t, tg, xt, xt >= level if level > EPS else xt > EPS, per_piece, done)
        if not integral and flow_checks > 0:
            rows += _flow_cuts(t, tg, xt, done, flow_checks)
    return cut_rows(cc.n_pairs, rows)


def pieces_of(cc: CutContext, x: np.ndarray) -> np.ndarray:
    """Pieces per territory of an integral point (pair columns x ≥ ½), a rooted territory without its root
    counting one piece more (it is not "one piece containing its root")."""
    xp = np.asarray(x[: cc.n_pairs], dtype=float)
    out = np.zeros(len(cc.terrs), dtype=int)
    for t, tg in enumerate(cc.terrs):
        support = xp[tg.cols] >= 0.5
        _, lab = _pieces(tg, support)
        out[t] = len(np.unique(lab)) + (1 if len(lab) and tg.root >= 0 and not support[tg.root] else 0)
    return out


def with_cuts(mx: Matrix, cuts: CutSet) -> Matrix:
    """``mx`` with the cut rows appended (zero on slack columns): every LP/MIP built from it respects them."""
    if not len(cuts):
        return mx
    n_cols = mx.A.shape[1]
    block = sp.csr_matrix((cuts.A.data, cuts.A.indices, cuts.A.indptr), shape=(len(cuts), n_cols))
    A = sp.vstack([mx.A.tocsr(), block]).tocsc()
    A.sort_indices()
    kinds = list(mx.row_kind) + [("cut", int(t), -1) for t in cuts.terr]
    return Matrix(c=mx.c, A=A, col_lo=mx.col_lo, col_hi=mx.col_hi, row_lo=np.r_[mx.row_lo, np.full(len(cuts), -np.inf)],
                  row_hi=np.r_[mx.row_hi, cuts.hi], n_pairs=mx.n_pairs, n_assign=mx.n_assign, row_kind=kinds)


@dataclass
class CutLoop:
    """What :func:`cut_loop` did: ``status`` optimal (no violated cut left) | cut_limit (the budget or the round
    cap ended it: ``objective`` is then still a valid bound, of the cuts so far) | infeasible (the bands and the
    cuts cannot both hold) | time_limit (no LP answer); ``x`` the last LP point; ``cuts`` every cut added."""

    status: str
    objective: float
    x: np.ndarray | None
    cuts: CutSet
    rounds: int = 0
    seconds: float = 0.0
    history: list[tuple[int, float]] = field(default_factory=list)  # (cuts added, objective) per round

    @property
    def converged(self) -> bool:
        return self.status == "optimal"


def add_rows(h, cuts: CutSet, n_cols: int) -> None:
    """Append ``cuts`` to the live highspy model ``h`` (its first columns the pairs; the basis stays warm)."""
    A = cuts.A
    h.addRows(len(cuts), np.full(len(cuts), -np.inf), cuts.hi.astype(float), int(A.nnz),
              A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data.astype(float))


def cut_loop(h, cc: CutContext, budget: Budget, max_rounds: int = 200, integral: bool = False,
             should_stop: Callable[[], bool] | None = None, x0: np.ndarray | None = None,
             stall_rounds: int = STALL_ROUNDS, stall_rel: float = STALL_REL,
             keep: Callable[[CutContext, CutSet], CutSet] | None = None,
             may_stall: Callable[[float], bool] | None = None, purge_every: int = 0) -> CutLoop:
    """Add violated cuts to the solved live highspy model ``h`` and re-solve (simplex warm start), until no cut is
    violated, ``max_rounds`` rounds, ``budget`` ends, or the objective rose by less than ``stall_rel`` (relative)
    over the last ``stall_rounds`` rounds (a fractional point's cuts tail off: at 40×40 × 10 territories 200 rounds
    added 0.01%; the bound is valid whenever it stops).  ``x0``: its current solution (else read from ``h``).
    ``integral``: separate as for a plan (``h`` a MIP: each round re-solves it).  HiGHS's own time limit is moved
    to the budget's end each round (it counts from the model's first run).  ``keep``: a filter each round's cuts
    pass before they count (the proof checks every cut on its own); ``may_stall``: whether the objective reached may
    stop the loop on a stall (the proof: only once it is a proof already).  ``purge_every`` k > 0: every k-th round
    the cut rows slack at the current point leave ``h`` first (they stay in ``cuts``: every cut is valid, so the
    LP with fewer of them is still a bound); the demo's Mid-market counties: 20 re-solves 1.6 → 0.75 s CPU, the
    bound 0.08% lower."""
    import highspy

    t0 = time.perf_counter()
    x = np.asarray(h.getSolution().col_value) if x0 is None else x0
    obj = float(h.getInfo().objective_function_value)
    total, hist, rounds = CutSet.empty(cc.n_pairs), [], 0
    ms = highspy.HighsModelStatus
    first_cut_row, live_hi = h.getNumRow(), np.zeros(0)  # the cut rows in h: after the model's own, their upper sides
    while True:
        cuts = separate(cc, x, integral=integral)
        if keep is not None:
            cuts = keep(cc, cuts)
        if not len(cuts):
            return CutLoop("optimal", obj, x, total, rounds, time.perf_counter() - t0, hist)
        stalled = (not integral and len(hist) > stall_rounds and (may_stall is None or may_stall(obj))
                   and hist[-1][1] - hist[-1 - stall_rounds][1] <= stall_rel * max(abs(hist[-1][1]), 1.0))
        if rounds >= max_rounds or stalled or budget.expired() or (should_stop and should_stop()):
            return CutLoop("cut_limit", obj, x, total, rounds, time.perf_counter() - t0, hist)
        if purge_every > 0 and rounds % purge_every == purge_every - 1:
            live_hi = _purge_slack(h, first_cut_row, live_hi)
        add_rows(h, cuts, h.getNumCol())
        total, rounds, live_hi = total + cuts, rounds + 1, np.r_[live_hi, cuts.hi]
        h.setOptionValue("time_limit", float(h.getRunTime() + max(budget.left(), 0.2)))
        h.run()
        st = h.getModelStatus()
        if st in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            return CutLoop("infeasible", np.nan, None, total, rounds, time.perf_counter() - t0, hist)
        if st != ms.kOptimal and not (integral and h.getInfo().primal_solution_status == 2):
            return CutLoop("time_limit" if x is None else "cut_limit", obj, x, total, rounds,
                           time.perf_counter() - t0, hist)
        x = np.asarray(h.getSolution().col_value)
        obj = float(h.getInfo().objective_function_value)
        hist.append((len(cuts), obj))


def _purge_slack(h, first: int, live_hi: np.ndarray) -> np.ndarray:
    """Delete from the live model ``h`` its cut rows (from row ``first``, upper sides ``live_hi``) slack at its
    current solution; the upper sides of the rows left."""
    if not len(live_hi):
        return live_hi
    activity = np.asarray(h.getSolution().row_value)[first:first + len(live_hi)]
    slack = activity < live_hi - EPS
    if slack.any():
        h.deleteRows(int(slack.sum()), (np.flatnonzero(slack) + first).astype(np.int32))
    return live_hi[~slack]
