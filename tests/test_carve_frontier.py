"""The moves-vs-travel frontier: exact fewest-moves end, monotone curve, budgets held, every part planned."""
import numpy as np
import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import TerritoryCarver
from jobs.frontier_job import frontier_on
from planning.plans.frontier import non_dominated, sweep_weights
from optimizers.instances.companies import make_instance


def _all_with_rep_one(n_acc: int, n_reps: int, seed: int = 0):
    acc, reps = make_instance(n_acc, n_reps, seed=seed)
    acc["owner_rep_id"] = reps["rep_id"].iat[0]
    return acc, reps


def test_fewest_moves_is_exact_on_a_hand_checked_case():
    # 9 accounts, all with rep 1 of 3; equal books of exactly 3 accounts: 6 must move, and 6 is enough
    acc, reps = _all_with_rep_one(9, 3)
    cs = CarveSettings(metrics=("accounts",), tolerance={"accounts": 0.0}, target="mean", objective="moves")
    res = TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.ok
    assert res.stats["moves_counted"] == 6
    assert res.stats["objective_bound"] == 6  # "no plan within these bands moves fewer than 6 accounts"
    counts = res.plan.assignment.value_counts()
    assert sorted(counts.tolist()) == [3, 3, 3]


def test_fewest_moves_beats_every_weighted_carve_and_its_bound_holds():
    acc, reps = make_instance(400, 6, seed=4)
    base = dict(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.1, "accounts": 0.1})
    few = TerritoryCarver(CarveSettings(**base, objective="moves")).solve(acc, reps, 2027, as_of="2026-11-01")
    assert few.ok and few.stats["objective_bound"] <= few.stats["moves_counted"]
    for w in (0.0, 1.0, 5.0, 50.0):
        res = TerritoryCarver(CarveSettings(**base, continuity_weight=w)).solve(acc, reps, 2027, as_of="2026-11-01")
        assert res.stats["moves_counted"] >= few.stats["objective_bound"]


def test_frontier_is_monotone_and_each_point_meets_the_bands():
    acc, reps = make_instance(600, 6, seed=5)
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.1, "accounts": 0.1},
                       time_limit=30)
    front = frontier_on(acc, reps, 2027, cs, points=5, as_of="2026-11-01")
    moves = [p.moves for p in front.points]
    travel = [p.travel_mi for p in front.points]
    assert front.points[0].label == "fewest moves" and front.points[-1].label == "shortest travel"
    assert moves == sorted(moves) and travel == sorted(travel, reverse=True)  # moves never rise as travel falls
    assert all(b >= a for a, b in zip(moves, moves[1:])) and all(b < a for a, b in zip(travel, travel[1:]))
    assert front.bound <= moves[0]
    for p in front.points:
        assert p.result.ok and (p.result.balance["worst_dev_after"] <= 0.1 + 1e-9).all()
    t = front.table()
    assert list(t["accounts_moved"]) == moves and "worst_dev_potential_usd" in t


def test_dominated_points_are_dropped():
    class P:
        def __init__(self, m, d):
            self.moves, self.travel_mi, self.arr_moved = m, d, 0.0
    pts = [P(10, 100), P(12, 90), P(13, 95), P(20, 60), P(20, 70)]
    kept = non_dominated(pts, "moves")
    assert [(p.moves, p.travel_mi) for p in kept] == [(10, 100), (12, 90), (20, 60)]


def test_sweep_includes_the_users_weight():
    assert 5.0 in sweep_weights(6, 5.0)
    assert list(sweep_weights(6, 5.0)) == sorted(sweep_weights(6, 5.0), reverse=True)
    assert len(sweep_weights(2, 5.0)) == 0


@pytest.mark.parametrize("budget_share", [0.5])
def test_a_disruption_budget_is_never_exceeded(budget_share):
    acc, reps = make_instance(500, 6, seed=6)
    base = dict(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.1, "accounts": 0.1},
                continuity_weight=0.0, time_limit=30)
    free = TerritoryCarver(CarveSettings(**base)).solve(acc, reps, 2027, as_of="2026-11-01")
    few = TerritoryCarver(CarveSettings(**base, objective="moves")).solve(acc, reps, 2027, as_of="2026-11-01")
    lo, hi = few.stats["moves_counted"], free.stats["moves_counted"]
    budget = int(lo + budget_share * (hi - lo))
    res = TerritoryCarver(CarveSettings(**base, max_moves=budget)).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.ok and res.stats["moves_counted"] <= budget
    arr_budget = float(np.quantile([few.stats["arr_moved_counted"], free.stats["arr_moved_counted"]], budget_share))
    res = TerritoryCarver(CarveSettings(**base, max_arr_moved=arr_budget)).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.ok and res.stats["arr_moved_counted"] <= arr_budget + 1e-6


def test_every_part_returns_a_plan_at_strong_continuity():
    # the suite's small version of the 50,000×250 weight-5 benchmark row: two segments × regions, decomposed
    acc, reps = make_instance(3000, 24, seed=7, segments=("Mid-market", "SMB"))
    M = ("potential_usd", "arr_usd", "workload_hours", "accounts")
    cs = CarveSettings(metrics=M, tolerance=dict.fromkeys(M, 0.1), continuity_weight=5.0, time_limit=60)
    res = TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.ok and res.stats["parts"] == 2 and "failed_part" not in res.stats
    assert res.plan.assignment.notna().all()
