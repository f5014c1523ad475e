"""The one band-cost model (optimizers.carve.band_cost): a book below, inside and above its band at every tier
costs what the module's docstring works out by hand, and the model's slacks, a plan's objective and the moves of
rebalance / swap all price a book with it."""
from __future__ import annotations

import numpy as np
import pytest

from optimizers.carve.band_cost import SOFT_TIERS, BandCost, outside
from optimizers.carve.budget import Budget
from optimizers.carve.candidates import Candidates
from optimizers.carve.model import Problem, build_matrix, loads_of, objective_of, x_from_assignment
from optimizers.carve.rebalance import rebalance, swap


def _problem(n_units: int, n_books: int, target: float, band: float, tiers, penalty: float = 2.0,
             sizes=None) -> Problem:
    """Units that may each go to any book, at pair cost 0; books of ``target`` ± ``band`` (share) on one metric."""
    pairs_u = np.repeat(np.arange(n_units), n_books)
    pairs_t = np.tile(np.arange(n_books), n_units)
    cand = Candidates(unit=pairs_u, terr=pairs_t, dist_mi=np.zeros(len(pairs_u)),
                      rule_break=np.zeros(len(pairs_u), dtype=bool),
                      ptr=np.arange(n_units + 1) * n_books, orphans=np.array([], dtype=np.int64))
    tgt = np.full((n_books, 1), float(target))
    metric = np.ones((n_units, 1)) if sizes is None else np.asarray(sizes, dtype=float).reshape(-1, 1)
    return Problem(cand=cand, metric_names=["accounts"], unit_metrics=metric, unit_accounts=np.ones(n_units),
                   lo=(1 - band) * tgt, hi=(1 + band) * tgt, target=tgt, pair_cost=np.zeros(len(pairs_u)),
                   pair_moves=np.zeros(len(pairs_u)), pair_arr_moved=np.zeros(len(pairs_u)), soft=True,
                   penalty=np.full((n_books, 1), penalty), max_accounts=np.full(n_books, np.inf),
                   soft_tiers=tiers)


# target 100, band 95–105, penalty 2.  Soft tiers: the first 10 units outside (10% of target) at 1×, the next 40
# at 4×, the rest at 16×.
@pytest.mark.parametrize("load, cost", [
    (100.0, 0.0), (95.0, 0.0), (105.0, 0.0),  # inside, and on both edges
    (90.0, 2 * 5), (85.0, 2 * 10),  # under, first tier (5, then its full 10)
    (75.0, 2 * (10 + 4 * 10)), (45.0, 2 * (10 + 4 * 40)),  # under, second tier
    (25.0, 2 * (10 + 4 * 40 + 16 * 20)),  # under, third tier
    (110.0, 2 * 5), (125.0, 2 * (10 + 4 * 10)),  # over, first and second tier
    (160.0, 2 * (10 + 4 * 40 + 16 * 5)),  # over, third tier (the docstring's 500)
])
def test_soft_tiers_price_a_book_below_inside_and_above_its_band_by_hand(load, cost):
    bc = BandCost(_problem(1, 1, 100, 0.05, SOFT_TIERS))
    assert bc.cost(np.array([0]), np.array([load]))[0] == pytest.approx(cost, abs=1e-9)
    assert bc.row_cost(0, load) == pytest.approx(cost, abs=1e-9)


@pytest.mark.parametrize("load, cost", [(100.0, 0.0), (90.0, 10.0), (25.0, 140.0), (160.0, 110.0)])
def test_one_linear_tier_prices_every_unit_outside_the_same(load, cost):
    # hard mode's polish and the proofs: no tiers, penalty 2 per unit outside 95–105
    bc = BandCost(_problem(1, 1, 100, 0.05, ()))
    assert bc.cost(np.array([0]), np.array([load]))[0] == pytest.approx(cost, abs=1e-9)
    assert bc.row_cost(0, load) == pytest.approx(cost, abs=1e-9)


def test_fill_splits_a_deviation_over_the_tiers_cheapest_first():
    bc = BandCost(_problem(1, 1, 100, 0.05, SOFT_TIERS))
    assert [float(part[0]) for part in bc.fill(np.array([55.0]))] == [10.0, 40.0, 5.0]
    assert [float(part[0]) for part in bc.fill(np.array([3.0]))] == [3.0, 0.0, 0.0]
    assert list(outside(np.array([90.0, 100.0, 110.0]), np.full(3, 95.0), np.full(3, 105.0))) == [5.0, 0.0, 5.0]


def test_vector_and_one_row_prices_agree_to_the_last_bit():
    # rebalance prices all moves at once (cost) and then each one again as it makes it (row_cost): one model,
    # the same sums in the same order, so the two never disagree on a near tie
    p = _problem(1, 6, 100, 0.05, SOFT_TIERS, penalty=0.37)
    p.target[:, 0] = [100, 3.3, 71.7, 1e6, 0.9, 42.0]
    p.lo[:, 0], p.hi[:, 0] = 0.93 * p.target[:, 0], 1.07 * p.target[:, 0]
    bc = BandCost(p)
    rng = np.random.default_rng(7)
    for _ in range(200):
        loads = p.target[:, 0] * rng.uniform(0, 2.5, 6)
        vec = bc.cost(np.arange(6), loads)
        assert vec.tolist() == [bc.row_cost(r, float(v)) for r, v in enumerate(loads)]


def test_a_move_priced_alone_costs_what_it_costs_among_all_moves_to_the_last_bit():
    # rebalance prices every move at once (transfer), then each again as it makes it (move): one sum, one order
    p = _problem(1, 5, 10, 0.05, SOFT_TIERS, penalty=1.3)
    p.unit_metrics = np.ones((1, 3))
    p.metric_names = ["a", "b", "c"]
    p.lo, p.hi, p.target, p.penalty = (np.tile(a[:, :1], (1, 3)) for a in (p.lo, p.hi, p.target, p.penalty))
    bc = BandCost(p)
    rng = np.random.default_rng(11)
    for _ in range(200):
        loads = rng.uniform(0, 25, 15)
        src, dst = rng.choice(5, 2, replace=False)
        vals, base = rng.lognormal(0, 1, 3), float(rng.uniform(-5, 5))
        vec = bc.transfer(loads, np.array([src]), np.array([dst]), vals[None, :], np.array([base]))[0]
        assert bc.move(loads.tolist(), int(src), int(dst), vals.tolist(), base) == vec


def test_the_objective_prices_a_plan_as_the_band_cost_does():
    # 12 units on 3 books of target 4 ± 25% (3–5; tiers 0.4 wide at 1×, 1.6 at 4×, the rest at 16×): 10 in book 0
    # (5 over), 2 in book 1 (1 under), 0 in book 2 (3 under)
    p = _problem(12, 3, 4, 0.25, SOFT_TIERS, penalty=5.0)
    mx = build_matrix(p)
    assign = np.array([0] * 10 + [1] * 2)
    bc = BandCost(p)
    by_hand = 5 * ((0.4 + 4 * 1.6 + 16 * 3.0) + (0.4 + 4 * 0.6) + (0.4 + 4 * 1.6 + 16 * 1.0))
    assert bc.cost(np.arange(3), loads_of(p, assign)[:, 0]).sum() == pytest.approx(by_hand)
    assert objective_of(p, mx, assign) == pytest.approx(by_hand)
    x = x_from_assignment(p, mx, assign)
    assert float(mx.c[mx.n_pairs:] @ x[mx.n_pairs:]) == pytest.approx(by_hand)


def test_a_move_and_a_swap_cost_the_change_in_both_books_band_prices():
    # books of target 2 ± 0 (tiers 0.2 wide at 1×, 0.8 at 4×, the rest at 16×), penalty 1
    p = _problem(4, 2, 2, 0.0, SOFT_TIERS, penalty=1.0, sizes=[1, 1, 1, 3])
    bc = BandCost(p)
    loads = np.array([5.0, 1.0])  # book 0 holds 5 (3 over), book 1 holds 1 (1 under)
    before = (0.2 + 4 * 0.8 + 16 * 2.0) + (0.2 + 4 * 0.8)
    # a unit of 1 from book 0 to book 1: book 0 at 4 (2 over), book 1 at 2 (inside)
    assert bc.transfer(loads, np.array([0]), np.array([1]), np.array([[1.0]]), np.array([0.0]))[0] == \
        pytest.approx((0.2 + 4 * 0.8 + 16 * 1.0) - before)
    # a unit of 3 from book 0 swapped with one of 1 from book 1 (pair costs 0.5): both at 3, each 1 over
    assert bc.transfer(loads, np.array([0]), np.array([1]), np.array([[2.0]]), np.array([0.5]))[0] == \
        pytest.approx(0.5 + 2 * (0.2 + 4 * 0.8) - before)


def test_rebalance_and_swap_lower_the_band_cost_to_its_minimum():
    # 6 units of 1 on 2 books of target 3 ± 0: all in book 0 costs two books 3 off; one move at a time ends at 3 and 3
    p = _problem(6, 2, 3, 0.0, SOFT_TIERS)
    mx = build_matrix(p)
    start = np.zeros(6, dtype=int)
    assert objective_of(p, mx, start) > 0
    done = rebalance(p, mx, start, Budget(30))
    assert list(loads_of(p, done)[:, 0]) == [3.0, 3.0]
    assert objective_of(p, mx, done) == 0.0
    # sizes 1, 1, 2, 2 on books of target 3: {2, 2} | {1, 1} is 1 off each; a swap (a 2 for a 1) fixes both where
    # no single move can (any move leaves a book 2 or more off)
    q = _problem(4, 2, 3, 0.0, SOFT_TIERS, sizes=[1, 1, 2, 2])
    qmx = build_matrix(q)
    stuck = np.array([1, 1, 0, 0])
    assert list(rebalance(q, qmx, stuck, Budget(30))) == list(stuck)
    assert objective_of(q, qmx, swap(q, qmx, stuck, Budget(30))) == 0.0
