"""Issue 24: the part's MIP over its contiguity cuts (optimizers.contiguity.one_piece_mip).  A hand-worked path where
the cut LP's bound is half the one-piece optimum and the MIP proves the optimum; then properties on random grids:
the bound never passes the exact one-piece optimum (a flow MIP solved to the end), every territory one piece, every
band held, objective ≥ bound ≥ the cut LP's bound."""
from __future__ import annotations

import time

import numpy as np
import pytest

from optimizers.carve.budget import Budget
from optimizers.contiguity.connectivity import CutContext, pieces_of
from optimizers.carve.model import build_matrix, is_feasible, objective_of, x_from_assignment
from optimizers.contiguity.one_piece import CutState, with_flows
from optimizers.contiguity.one_piece_mip import neighbour_moves, strengthened
from optimizers.carve.repair import solve_one
from optimizers.contiguity.stage import ONE_PIECE
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solvers import highs_lp, new_highs
from tests.test_one_piece_rounding import _graph, _pair_carve, _path, _problem, random_grid


def _solve(p, seconds: float = 20.0):
    stats: dict = {}
    r = solve_one(CarveSettings(time_limit=seconds, threads=1), p, lambda f, m: None, lambda: False,
                  Budget(seconds), stats, contiguity=ONE_PIECE)
    return r, stats


def _exact_one_piece(p, plan: bool = False):
    """The one-piece optimum by brute force: the model with a flow per rooted territory (Shirabe), to optimality;
    with ``plan``, (optimum, its assignment)."""
    import highspy

    mx = build_matrix(p)
    fm = with_flows(mx, CutContext.of(p, p.conn), np.arange(p.n_terr), np.zeros(mx.A.shape[1]))
    is_int = np.zeros(fm.A.shape[1], dtype=bool)
    is_int[: mx.n_pairs] = True
    h = new_highs()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.passModel(highs_lp(fm.c, fm.A, fm.col_lo, fm.col_hi, fm.row_lo, fm.row_hi, is_int))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    obj = float(h.getInfo().objective_function_value)
    if plan:
        return obj, np.asarray(h.getSolution().col_value)[: mx.n_pairs].reshape(p.n_units, p.n_terr).argmax(axis=1)
    return obj


def test_on_a_path_the_mip_proves_the_one_piece_optimum_the_lp_bound_is_far_below():
    # path 0-1-2-3, weights 1 2 1 2, two books rooted at 0 and 3, each exactly 3.  Costs (t0 | t1): 0 10 0 1 |
    # 1 0 10 0.  Loads of 3 and 3: {0,1}|{2,3} costs 20 and is the only one-piece plan; {2,3}|{0,1} costs 2
    # (neither book holds its home), {0,3}|{1,2} and {1,2}|{0,3} cost 11 (a book in two pieces or homeless)
    cost = np.array([[0, 1], [10, 0], [0, 10], [1, 0]], dtype=float)
    p = _problem([1, 2, 1, 2], cost, [3, 3], 0.0, _path(4), [0, 3])
    r, stats = _solve(p)
    assert r.assign.tolist() == [0, 0, 1, 1]
    assert r.objective == pytest.approx(20.0)
    assert r.bound == pytest.approx(20.0, rel=1e-4)  # the MIP over valid rows proves it (its dual bound)
    assert r.bound_plain <= 2.0 + 1e-6  # the plain LP knows nothing of contiguity
    assert r.status == "optimal" and stats["one_piece_mip_rounds"] >= 1


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_on_random_grids_the_bound_never_passes_the_one_piece_optimum(seed):
    p = random_grid(seed, 5, 5, 3, 0.08, power=2.0, noise=1.0)
    r, stats = _solve(p)
    exact = _exact_one_piece(p)
    assert r.bound <= exact + 1e-6 * max(abs(exact), 1.0)  # a lower bound on every one-piece plan
    assert r.bound >= r.bound_plain - 1e-6
    assert stats.get("one_piece_mip_rounds", 0) >= 1
    mx = build_matrix(p)
    assert r.assign is not None and r.split == 0 and is_feasible(p, mx, r.assign)  # every band held
    assert (pieces_of(CutContext.of(p, p.conn), x_from_assignment(p, mx, r.assign)) == 1).all()
    obj = objective_of(p, mx, r.assign)
    assert obj == pytest.approx(r.objective) and obj >= exact - 1e-6 * abs(exact) and obj >= r.bound - 1e-9
    if r.status == "optimal":
        assert obj <= exact * (1 + 0.01) + 1e-9  # "optimal": within the gap target of the one-piece optimum


def test_three_books_rotate_round_a_ring_which_no_pair_re_carve_can_do():
    # ring 0-1-2-3-4-5-0, potential 1 each, three books of exactly 2 rooted at 1, 3 and 5, holding {0,1} {2,3}
    # {4,5} at cost 1 + 1 + 1 (units 0, 2, 4 cost 1 where they are).  Rotated, {1,2} {3,4} {5,0}, every unit costs
    # 0.  Re-carving any two books moves load from one to the other (a band of exactly 2 breaks), so only all three
    # moving at once (each unit to a book it touches) finds the rotation.
    cost = np.full((6, 3), 10.0)
    cost[[1, 3, 5], [0, 1, 2]] = 0.0  # the roots at home
    cost[[0, 2, 4], [0, 1, 2]] = 1.0  # today
    cost[[2, 4, 0], [0, 1, 2]] = 0.0  # rotated
    ring = _graph([(k, (k + 1) % 6) for k in range(6)], 6)
    p = _problem([1] * 6, cost, [2, 2, 2], 0.0, ring, [1, 3, 5])
    plan = np.array([0, 0, 1, 1, 2, 2])
    pc = _pair_carve(p, plan)
    assert pc.improve(Budget(5)) == 0 and pc.assign.tolist() == plan.tolist()
    mx = build_matrix(p)
    cc = CutContext.of(p, p.conn)
    s = _State(p, mx)
    new, obj, runs, _ = neighbour_moves(s, CutState(cc), strengthened(p, cc, mx), plan, 3.0, time.perf_counter() + 5)
    assert new.tolist() == [2, 0, 0, 1, 1, 2] and obj == pytest.approx(0.0) and runs >= 1


@pytest.mark.parametrize("seed", [0, 1])
def test_the_strengthened_rows_hold_the_one_piece_optimum(seed):
    # the roots fixed, the degree cuts and the scaled band rows cut off no plan with every book one piece around its
    # root within the bands: the exact optimum's plan holds every row, so the MIP's dual bound stays a bound
    p = random_grid(seed, 5, 5, 3, 0.08, power=2.0, noise=1.0)
    exact, plan = _exact_one_piece(p, plan=True)
    mx = build_matrix(p)
    sm = strengthened(p, CutContext.of(p, p.conn), mx)
    assert sm.A.shape[0] > mx.A.shape[0] and (sm.col_lo[: mx.n_pairs] == 1).sum() == p.n_terr  # every root fixed
    x = x_from_assignment(p, sm, plan)
    act = sm.A @ x
    assert (act >= sm.row_lo - 1e-9).all() and (act <= sm.row_hi + 1e-9).all()
    assert (x >= sm.col_lo - 1e-9).all() and objective_of(p, mx, plan) == pytest.approx(exact)
    assert np.abs(sm.A).max() <= 10.0  # the band rows scaled


class _State:
    """What neighbour_moves reads of a ladder state."""

    def __init__(self, p, mx):
        self.p, self.mx = p, mx

    @staticmethod
    def stop() -> bool:
        return False
