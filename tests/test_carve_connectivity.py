"""Separator cuts (optimizers.contiguity.connectivity) on hand-made graphs and small grids: a plan in pieces gets a cut
it violates and no connected plan does; the min vertex cut is the cheapest separator; the LP with the cuts is a
bound at least the plain LP's."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from optimizers.carve import CarveSettings

from optimizers.carve.budget import Budget
from optimizers.carve.candidates import Candidates
from optimizers.contiguity.connectivity import (
    ConnGraph,
    CutContext,
    _min_vertex_cut,
    cut_loop,
    pieces_of,
    separate,
    with_cuts,
)
from optimizers.carve.model import Problem, build_matrix, is_feasible, objective_of, x_from_assignment
from optimizers.carve.repair import solve_one
from optimizers.contiguity.stage import ONE_PIECE
from optimizers.contiguity.roots import home_roots
from optimizers.carve.solvers import solve_lp
from tests.carve_grids import grid_problem


def _path_problem(n: int, T: int) -> tuple[Problem, sp.csr_matrix]:
    """n units on a path, every unit a candidate of every territory."""
    unit, terr = np.repeat(np.arange(n), T), np.tile(np.arange(T), n)
    ptr = np.arange(0, n * T + 1, T)
    cand = Candidates(unit, terr, np.zeros(n * T), np.zeros(n * T, bool), ptr, np.zeros(0, int))
    one = np.ones((T, 1))
    p = Problem(cand, ["potential"], np.ones((n, 1)), np.ones(n, int), one * 0, one * n, one, np.zeros(n * T),
                np.zeros(n * T), np.zeros(n * T), False, one, np.full(T, np.inf))
    e = np.arange(n - 1)
    adj = sp.csr_matrix((np.ones(2 * (n - 1), bool), (np.r_[e, e + 1], np.r_[e + 1, e])), shape=(n, n))
    return p, adj


def test_a_plan_in_two_pieces_gets_a_rooted_cut_on_its_boundary():
    # path 0-1-2-3-4, territory 0 rooted at unit 0 holds {0, 3}: piece {3} is cut off, its boundary is {2, 4}
    p, adj = _path_problem(5, 2)
    cc = CutContext.of(p, ConnGraph(adj, np.ones(5, bool), np.array([0, -1])))
    mx = build_matrix(p)
    x = x_from_assignment(p, mx, np.array([0, 1, 1, 0, 1]))
    assert pieces_of(cc, x).tolist() == [2, 2]  # territory 1 holds {1, 2} and {4}
    cuts = separate(cc, x, integral=True)
    assert len(cuts) == 2 and (cuts.violation(x) > 0).all()
    rooted = cuts.A[np.flatnonzero(cuts.rooted)[0]].toarray().ravel()
    # x(3,0) − x(2,0) − x(4,0) ≤ 0; pair column of (u, t) is u·2 + t
    assert rooted[3 * 2 + 0] == 1 and rooted[2 * 2 + 0] == -1 and rooted[4 * 2 + 0] == -1
    assert np.count_nonzero(rooted) == 3 and cuts.hi[cuts.rooted].tolist() == [0.0]
    # the rootless a–b cut of territory 1: x(a) + x(4) − x(3) ≤ 1 with a its heaviest unit
    ab = cuts.A[np.flatnonzero(~cuts.rooted)[0]].toarray().ravel()
    assert ab[4 * 2 + 1] == 1 and ab[3 * 2 + 1] == -1 and ab.sum() == 1 and cuts.hi[~cuts.rooted].tolist() == [1.0]
    # every connected plan holding the root holds every cut
    for plan in ([0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 1, 1, 1, 1]):
        xc = x_from_assignment(p, mx, np.array(plan))
        assert (cuts.violation(xc) <= 1e-9).all()
        assert not len(separate(cc, xc, integral=True)) and (pieces_of(cc, xc) == 1).all()


def test_min_vertex_cut_is_the_cheapest_separator():
    # a 2-wide ladder 0-1-2 / 3-4-5 (rungs 0-3, 1-4, 2-5): separating 0 from 5 needs two units
    e = [(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)]
    r, c = np.array(e).T
    adj = sp.csr_matrix((np.ones(14, bool), (np.r_[r, c], np.r_[c, r])), shape=(6, 6))
    p, _ = _path_problem(6, 1)
    tg = CutContext.of(p, ConnGraph(adj, np.ones(6, bool), np.array([0]))).terrs[0]
    w = np.array([1.0, 0.5, 0.1, 0.2, 0.3, 1.0])
    weight, C = _min_vertex_cut(tg, w, 0, 5)
    assert abs(weight - 0.4) < 1e-6 and sorted(C.tolist()) == [2, 4]  # {2, 4}: 0.1 + 0.3; {1, 3}: 0.7


def test_pieces_of_a_support_numbered_as_connected_components_numbers_them():
    """The separation's pieces (a walk over neighbour lists) group and order units as scipy's connected_components
    on the support's subgraph did: the cuts, and so the LP's path, stay the same."""
    from scipy.sparse.csgraph import connected_components

    from optimizers.contiguity.connectivity import _pieces, _Terr

    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 40))
        a, b = rng.integers(0, n, 2 * n), rng.integers(0, n, 2 * n)
        A = sp.coo_matrix((np.ones(int((a != b).sum())), (a[a != b], b[a != b])), shape=(n, n))
        A = ((A + A.T) > 0).tocoo()
        tg = _Terr(np.arange(n), np.arange(n), A.row.astype(np.int64), A.col.astype(np.int64), -1)
        support = rng.random(n) < 0.6
        sup, lab = _pieces(tg, support)
        expect = connected_components(tg.graph(support), directed=False)[1][sup]
        assert sup.tolist() == np.flatnonzero(support).tolist()
        assert np.unique(expect, return_inverse=True)[1].tolist() == lab.tolist()


def _grid_lp():
    """An 8 × 8 grid's part (4 books, ±5%): its cut context, matrix and solved plain LP."""
    p, adj, homes = grid_problem(8, 4, tol=0.05, seed=3)
    geo = np.ones(p.n_units, bool)
    cc = CutContext.of(p, ConnGraph(adj, geo, home_roots(homes, p, geo)))
    mx = build_matrix(p)
    return cc, mx, solve_lp(mx, 30)


def test_the_cut_loop_raises_the_lp_bound_and_leaves_no_piece_cut_off():
    cc, mx, lp = _grid_lp()
    plain = lp.objective
    loop = cut_loop(lp.highs, cc, Budget(30), stall_rounds=1000)
    assert loop.status == "optimal" and loop.objective >= plain - 1e-6
    assert not len(separate(cc, loop.x, flow_checks=50))  # nothing left to cut at the final LP point
    # the same bound from a fresh LP over the matrix with the cut rows appended
    again = solve_lp(with_cuts(mx, loop.cuts), 30)
    assert abs(again.objective - loop.objective) <= 1e-6 * max(abs(loop.objective), 1.0)


def test_a_cut_loop_that_sheds_slack_cuts_keeps_every_cut_and_its_bound_stays_below_the_full_cut_lp():
    # every third round the cuts slack at the LP point leave the live LP: it re-solves over fewer rows, every cut
    # found is still returned, and its objective is the LP over a subset of the cuts: a bound, at most the LP
    # over all of them, at least the plain LP
    cc, mx, lp = _grid_lp()
    plain, rows = lp.objective, lp.highs.getNumRow()
    loop = cut_loop(lp.highs, cc, Budget(30), stall_rounds=1000, purge_every=3)
    assert loop.rounds >= 3 and lp.highs.getNumRow() - rows < len(loop.cuts)  # some cut rows shed
    every = solve_lp(with_cuts(mx, loop.cuts), 30).objective
    assert plain - 1e-6 <= loop.objective <= every + 1e-6 * max(abs(every), 1.0)


@pytest.mark.parametrize("n, T, seed", [(6, 3, 0), (6, 4, 1), (8, 4, 2), (8, 5, 3)])
def test_a_grid_part_solves_to_one_piece_within_its_bands_above_both_bounds(n, T, seed):
    """The part's solve with the cuts (LP cut loop, ladder, one-piece repair): every territory one piece around
    its home, every band held, objective ≥ the one-piece bound ≥ the plain LP bound."""
    p, adj, homes = grid_problem(n, T, tol=0.1, seed=seed)
    geo = np.ones(p.n_units, bool)
    g = ConnGraph(adj, geo, np.full(T, -1))
    p = dataclasses.replace(p, conn=g)
    g.root = home_roots(homes, p, geo)
    cs = CarveSettings(time_limit=30, threads=1)
    r = solve_one(cs, p, lambda f, m: None, lambda: False, Budget(30), {}, contiguity=ONE_PIECE)
    assert r.assign is not None and r.split == 0
    mx = build_matrix(p)
    assert is_feasible(p, mx, r.assign)  # every band held
    cc = CutContext.of(p, p.conn)
    assert (pieces_of(cc, x_from_assignment(p, mx, r.assign)) == 1).all()  # one piece, the home inside
    assert (r.assign[g.root[g.root >= 0]] == np.flatnonzero(g.root >= 0)).all()
    obj = objective_of(p, mx, r.assign)
    assert abs(obj - r.objective) <= 1e-6 * max(abs(obj), 1)
    assert obj >= r.bound - 1e-6 and r.bound >= r.bound_plain - 1e-6
