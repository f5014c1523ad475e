"""Issue 24: the part's MIP over its contiguity cuts (optimizers.contiguity.one_piece_mip).  A hand-worked path where
the cut LP's bound is half the one-piece optimum and the MIP proves the optimum; then properties on random grids:
the bound never passes the exact one-piece optimum (a flow MIP solved to the end), every territory one piece, every
band held, objective ≥ bound ≥ the cut LP's bound."""
from __future__ import annotations

import numpy as np
import pytest

from optimizers.carve.budget import Budget
from optimizers.contiguity.connectivity import CutContext, pieces_of
from optimizers.carve.model import build_matrix, is_feasible, objective_of, x_from_assignment
from optimizers.contiguity.one_piece import with_flows
from optimizers.carve.repair import solve_one
from optimizers.contiguity.stage import ONE_PIECE
from optimizers.carve.settings import CarveSettings
from optimizers.carve.solvers import highs_lp, new_highs
from tests.test_one_piece_rounding import _path, _problem, random_grid


def _solve(p, seconds: float = 20.0):
    stats: dict = {}
    r = solve_one(CarveSettings(time_limit=seconds, threads=1), p, lambda f, m: None, lambda: False,
                  Budget(seconds), stats, contiguity=ONE_PIECE)
    return r, stats


def _exact_one_piece(p) -> float:
    """The one-piece optimum by brute force: the model with a flow per rooted territory (Shirabe), to optimality."""
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
    return float(h.getInfo().objective_function_value)


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
