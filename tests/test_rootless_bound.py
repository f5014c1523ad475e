"""Issue 24: a plan that leaves a rooted book without its root is outside the set the rooted one-piece bound bounds
(the lower 48's rounded plan: ~14 of 50 books); its part then reports the bound on every one-piece plan
(optimizers.contiguity.rootless_bound: the rooted cuts turned into a–b cuts with the root as a).  A hand-checked cut on
a path, then a grid whose plan misses a root, against the exact one-piece optimum with roots free (a flow MIP)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.carve.model import build_matrix
from optimizers.carve.repair import solve_one
from optimizers.carve.settings import CarveSettings
from optimizers.contiguity.connectivity import ConnGraph, CutContext, cut_rows
from optimizers.contiguity.rootless_bound import missed_roots, rootless_cuts
from optimizers.contiguity.stage import ONE_PIECE, _cover_final_plan
from tests.test_carve_connectivity import _path_problem
from tests.test_one_piece_rounding import random_grid


def test_a_rooted_cut_on_a_path_becomes_the_a_b_cut_with_the_root_as_a():
    # path 0–1–2, territory 0 rooted at 0, territory 1 rootless; pair column of (u, t) is u·2 + t.  The rooted cut
    # x(2,0) − x(1,0) ≤ 0 becomes x(0,0) + x(2,0) − x(1,0) ≤ 1; territory 1's a–b cut x(0,1) + x(2,1) − x(1,1) ≤ 1
    # stays as it is
    p, adj = _path_problem(3, 2)
    cc = CutContext.of(p, ConnGraph(adj, np.ones(3, bool), np.array([0, -1])))
    cuts = cut_rows(6, [(0, [4], [2], 0.0, True), (1, [1, 5], [3], 1.0, False)])
    out = rootless_cuts(cc, cuts)
    assert out.A.toarray().tolist() == [[1, 0, -1, 0, 1, 0], [0, 1, 0, -1, 0, 1]]
    assert out.hi.tolist() == [1.0, 1.0] and not out.rooted.any() and out.terr.tolist() == [0, 1]

    def x(book0):  # territory 0 holds ``book0``, territory 1 the rest
        return np.array([[1.0, 0.0] if u in book0 else [0.0, 1.0] for u in range(3)]).ravel()
    # territory 0 as {2} alone (one piece, without its root): the rooted cut cuts it off, the converted one keeps it;
    # {0, 2} (two pieces) is cut off by both; {0, 1, 2} by neither
    assert cuts.violation(x({2}))[0] > 0 and out.violation(x({2}))[0] <= 0
    assert cuts.violation(x({0, 2}))[0] > 0 and out.violation(x({0, 2}))[0] > 0
    assert out.violation(x({0, 1, 2}))[0] <= 0


def _exact_rootless(p) -> float:
    """The one-piece optimum with every root free: each book picks its own source unit y(i,t) among its units, and
    a single-commodity flow from it reaches each of its other units (in − out ≥ x(i,t) − n·y(i,t), arcs only between
    its units); solved to optimality."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    mx = build_matrix(p)
    U, T, n = p.n_units, p.n_terr, p.n_units
    ei, ej = sp.triu(p.conn.adj, 1).nonzero()
    ai, aj = np.r_[ei, ej], np.r_[ej, ei]  # arcs, both directions
    A = len(ai)
    n_x = mx.A.shape[1]
    X = lambda u, t: u * T + t  # noqa: E731 (pair column of (u, t): every unit a candidate of every book)
    Y = lambda u, t: n_x + u * T + t  # noqa: E731
    F = lambda a, t: n_x + U * T + t * A + a  # noqa: E731
    n_col = n_x + U * T + T * A
    rows = [sp.hstack([mx.A, sp.csr_matrix((mx.A.shape[0], n_col - n_x))]).tocsr()]
    lo, hi = [mx.row_lo], [mx.row_hi]
    r, c, v, rlo, rhi = [], [], [], [], []
    k = 0
    for t in range(T):
        r += [k] * U
        c += [Y(u, t) for u in range(U)]
        v += [1.0] * U
        rlo.append(1.0)
        rhi.append(1.0)
        k += 1
        for u in range(U):
            r += [k, k]
            c += [Y(u, t), X(u, t)]
            v += [1.0, -1.0]
            rlo.append(-np.inf)
            rhi.append(0.0)
            k += 1
            into, out = np.flatnonzero(aj == u), np.flatnonzero(ai == u)
            r += [k] * (len(into) + len(out) + 2)
            c += [F(a, t) for a in into] + [F(a, t) for a in out] + [X(u, t), Y(u, t)]
            v += [1.0] * len(into) + [-1.0] * len(out) + [-1.0, float(n)]
            rlo.append(0.0)
            rhi.append(np.inf)
            k += 1
        for a in range(A):
            for end in (ai[a], aj[a]):
                r += [k, k]
                c += [F(a, t), X(end, t)]
                v += [1.0, -(n - 1.0)]
                rlo.append(-np.inf)
                rhi.append(0.0)
                k += 1
    rows.append(sp.csr_matrix((v, (r, c)), shape=(k, n_col)))
    cons = LinearConstraint(sp.vstack(rows).tocsr(), np.r_[np.concatenate(lo), rlo], np.r_[np.concatenate(hi), rhi])
    integral = np.r_[np.zeros(n_x), np.ones(U * T), np.zeros(T * A)]
    integral[: mx.n_pairs] = 1
    col_hi = np.r_[mx.col_hi, np.ones(U * T), np.full(T * A, np.inf)]
    res = milp(np.r_[mx.c, np.zeros(n_col - n_x)], constraints=cons, integrality=integral,
               bounds=Bounds(np.r_[mx.col_lo, np.zeros(n_col - n_x)], col_hi))
    assert res.status == 0
    return float(res.fun)


def test_a_plan_that_misses_a_root_is_reported_against_the_bound_on_every_one_piece_plan(monkeypatch):
    """A 5 × 5 grid, 3 books (random_grid seed 7) on the lower 48's path (too large to grow and for the MIP over the
    cuts: the cut LP's rounding made one piece), whose plan gives one book's root to a neighbour.  The rooted bound
    (71.49) is above the one-piece optimum with roots free (70.90), so it bounds no such plan; the part's bound on
    every one-piece plan (70.31) is at most that optimum, and is what the carve reports."""
    import optimizers.contiguity.one_piece_mip as one_piece_mip

    monkeypatch.setattr(one_piece_mip, "MIP_MAX_PAIRS", 0)
    p = random_grid(7, 5, 5, 3, 0.1)
    cs = CarveSettings(time_limit=5, threads=1, one_piece_grow_max_units=0, one_piece_mip_max_pairs=0)
    stats: dict = {}
    r = solve_one(cs, p, lambda f, m: None, lambda: False, Budget(5), stats, contiguity=ONE_PIECE)
    assert missed_roots(p.conn, r.assign).any() and r.bound_rooted
    exact = _exact_rootless(p)
    assert r.bound > exact + 1e-6  # the rooted bound: not a bound on this plan's family
    assert r.bound_plain - 1e-6 <= r.bound_rootless <= exact + 1e-6 * abs(exact)
    assert stats["seconds_rootless_bound"] < 1.0

    s = SimpleNamespace(problem=p, assign=r.assign, parts=[SimpleNamespace(name="all", terrs=np.arange(p.n_terr))],
                        results=[r], bound=r.bound, objective=r.objective, status="optimal",
                        cs=CarveSettings(), tally={})
    _cover_final_plan(s)
    assert s.bound == pytest.approx(r.bound_rootless) and s.bound <= exact + 1e-6 * abs(exact)
    assert s.results[0].bound_rooted is False and s.tally["part_figures"][0]["bound_rooted"] is False
    assert s.tally["part_figures"][0]["bound"] == pytest.approx(r.bound_rootless)
    assert s.status == "feasible"  # 2% above the bound it now has
