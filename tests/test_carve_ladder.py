"""The repair ladder (optimizers.carve.ladder): its order and names, the walk's stop at the gap target, the strategy
reported for the plan, a strategy that raises or cancels, and plans from an injected ladder that keep every rule."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.carve.budget import Budget
from optimizers.instances.companies import make_instance
from optimizers.carve.ladder import Candidate, LadderState, Solved, Strategy, describe_sources, walk
from optimizers.carve.model import Cancelled
from optimizers.carve.strategies import DEFAULT_LADDER, IntegerRepair, LpRounding, StartingPlan

YEAR, AS_OF = 2027, "2026-11-01"


class Offer:
    """A strategy that offers a fixed plan with a fixed objective (and records that it ran)."""

    needs_time = False

    def __init__(self, name: str, objective: float | None, status: str | None = None, needs_time: bool = False):
        self.name, self.obj, self.status, self.needs_time, self.calls = name, objective, status, needs_time, 0

    def applies(self, state) -> bool:
        return True

    def run(self, state, budget):
        self.calls += 1
        if self.obj is None:
            return Candidate(None, status=self.status)
        return Candidate(np.array([self.calls, len(self.name)]), self.obj, status=self.status)


class Raises(Offer):
    def __init__(self, exc: BaseException):
        super().__init__("raises", 1.0)
        self.exc = exc

    def run(self, state, budget):
        self.calls += 1
        raise self.exc


def _state(bound: float = 100.0, mip_gap: float = 0.01, stop=lambda: False) -> LadderState:
    return LadderState(CarveSettings(mip_gap=mip_gap), None, None, lambda f, m: None, stop, {}, bound=bound)


def test_the_default_ladder_is_named_strategies_in_order():
    assert [s.name for s in DEFAULT_LADDER] == [
        "mended rounding", "starting plan", "fractional repair", "neighbourhood repair", "narrowed bands",
        "LP rounding", "integer repair", "greedy"]
    assert all(isinstance(s, Strategy) for s in DEFAULT_LADDER)
    # only the rungs that solve are skipped once the budget is spent; rounding and greedy are cheap
    assert [s.name for s in DEFAULT_LADDER if not s.needs_time] == ["starting plan", "LP rounding", "greedy"]


def test_the_ladder_is_a_setting_of_code_only():
    cs = CarveSettings(ladder=(LpRounding(), IntegerRepair()))
    assert "ladder" not in cs.to_dict() and CarveSettings.from_dict(cs.to_dict()).ladder is None
    again = pickle.loads(pickle.dumps(cs))  # a Dask worker gets the same ladder
    assert [s.name for s in again.ladder] == ["LP rounding", "integer repair"]


def test_the_walk_stops_at_the_gap_target():
    # bound 100, target 1%: 110 is 9.09% above (kept), 100.5 is 0.4975% above (within: optimal, and the rest never
    # runs)
    far, near, later = Offer("far", 110.0), Offer("near", 100.5), Offer("later", 99.0)
    out = walk([far, near, later], _state(), Budget(60))
    assert (out.status, out.objective, out.bound, out.strategy) == ("optimal", 100.5, 100.0, "near")
    assert (far.calls, near.calls, later.calls) == (1, 1, 0)


def test_the_walk_keeps_the_best_plan_and_names_its_strategy():
    # neither within 1% of 100: the cheaper (105, 4.76% above) is the plan, "time_limit", bound min(100, 105)
    a, b, c = Offer("a", 110.0), Offer("b", 105.0), Offer("c", 108.0)
    out = walk([a, b, c], _state(), Budget(60))
    assert (out.status, out.objective, out.bound, out.strategy) == ("time_limit", 105.0, 100.0, "b")
    assert (a.calls, b.calls, c.calls) == (1, 1, 1)


def test_a_strategys_own_status_ends_the_walk():
    accept, later = Offer("accept", 101.5, status="feasible"), Offer("later", 100.0)
    out = walk([accept, later], _state(), Budget(60))
    assert (out.status, out.objective, out.strategy, later.calls) == ("feasible", 101.5, "accept", 0)
    proven, later = Offer("proof", None, status="infeasible"), Offer("later", 100.0)
    out = walk([proven, later], _state(), Budget(60))
    assert (out.status, out.assign, out.strategy, later.calls) == ("infeasible", None, "", 0)


def test_a_spent_budget_skips_the_strategies_that_solve():
    slow, cheap = Offer("slow", 100.0, needs_time=True), Offer("cheap", 120.0)
    now = [0.0]
    budget = Budget(1.0, lambda: now[0])
    now[0] = 5.0  # 5 s into a 1 s budget
    out = walk([slow, cheap], _state(), budget)
    assert (slow.calls, cheap.calls) == (0, 1)
    assert (out.status, out.objective, out.strategy) == ("time_limit", 120.0, "cheap")
    out = walk([Offer("slow", 100.0, needs_time=True)], _state(), Budget(0.0))
    assert (out.status, out.assign) == ("time_limit", None)  # nothing found and the time is up
    out = walk([], _state(), Budget(60))
    assert (out.status, out.assign) == ("infeasible", None)  # nothing found with time left


def test_a_strategy_that_raises_or_is_cancelled_ends_the_part_as_before():
    later = Offer("later", 100.0)
    with pytest.raises(Cancelled):
        walk([Raises(Cancelled()), later], _state(), Budget(60))
    with pytest.raises(ZeroDivisionError):
        walk([Raises(ZeroDivisionError("bad")), later], _state(), Budget(60))
    assert later.calls == 0
    with pytest.raises(Cancelled):  # the user's cancel is checked before each strategy
        walk([later], _state(stop=lambda: True), Budget(60))
    assert later.calls == 0


def test_solved_unpacks_as_the_older_tuple():
    status, assign, obj, bound = Solved("optimal", np.array([0, 1]), 3.0, 2.5, strategy="greedy")
    assert (status, list(assign), obj, bound) == ("optimal", [0, 1], 3.0, 2.5)


def test_where_a_carves_plan_came_from_is_said_per_part():
    assert describe_sources(["mended rounding"] * 5 + ["integer repair"]) == \
        "mended rounding (5 parts), integer repair (1 part)"
    assert describe_sources(["mended rounding", "mended rounding"]) == "mended rounding"
    assert describe_sources([""]) == ""


def _assert_plan_keeps_the_rules(res, acc, band):
    assert res.ok
    assert len(res.plan.assignment) == len(acc) and res.plan.assignment.index.is_unique
    assert set(res.plan.assignment.index) == set(acc["account_id"].astype(str))
    assert res.plan.assignment.notna().all()
    assert (res.balance["worst_dev_after"] <= band + 1e-6).all()
    assert res.objective >= res.bound - 1e-6 * abs(res.objective)


def test_a_carve_reports_the_strategy_behind_its_plan():
    # 3,000 × 16 on four metrics at ±5%: the LP's rounding, mended by moves, is within the 1% target at once
    acc, reps = make_instance(3000, 16, seed=1)
    m4 = ("potential_usd", "arr_usd", "workload_hours", "accounts")
    cs = CarveSettings(metrics=m4, tolerance=dict.fromkeys(m4, 0.05), continuity_weight=1.0, time_limit=120,
                       threads=1)
    res = TerritoryCarver(cs).solve(acc, reps, YEAR, as_of=AS_OF)
    assert res.status == "optimal" and res.plan_from == res.stats["plan_from"] == "mended rounding"
    assert "plan from: mended rounding" in res.summary()
    _assert_plan_keeps_the_rules(res, acc, 0.05)


def test_a_first_strategy_within_the_target_is_the_plan_and_later_ones_never_run():
    acc, reps = make_instance(300, 4, seed=2)
    later = Offer("later", 0.0)
    cs = CarveSettings(metrics=("potential_usd", "accounts"), time_limit=30, threads=1,
                       ladder=(IntegerRepair(), later))
    res = TerritoryCarver(cs).solve(acc, reps, YEAR, as_of=AS_OF)
    assert res.status == "optimal" and res.gap <= 0.01 and later.calls == 0
    assert res.plan_from == "integer repair"
    _assert_plan_keeps_the_rules(res, acc, 0.10)


def test_a_cancelling_strategy_cancels_the_carve():
    acc, reps = make_instance(300, 4, seed=2)
    cs = CarveSettings(time_limit=30, threads=1, ladder=(Raises(Cancelled()), IntegerRepair()))
    res = TerritoryCarver(cs).solve(acc, reps, YEAR, as_of=AS_OF)
    assert res.status == "cancelled" and res.plan is None and res.plan_from == ""


def test_a_decomposed_carve_names_each_parts_strategy():
    acc, reps = make_instance(1200, 12, seed=3, segments=("Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.08, "accounts": 0.08},
                       time_limit=60, threads=1, ladder=(LpRounding(), IntegerRepair()))
    res = TerritoryCarver(cs).solve(acc, reps, YEAR, as_of=AS_OF)
    assert res.stats["parts"] == 2
    assert res.plan_from in ("LP rounding", "integer repair", "LP rounding (1 part), integer repair (1 part)",
                             "integer repair (1 part), LP rounding (1 part)")
    _assert_plan_keeps_the_rules(res, acc, 0.08)


def test_a_warm_start_already_within_the_target_is_kept_and_named():
    acc, reps = make_instance(300, 4, seed=2)
    first = TerritoryCarver(CarveSettings(time_limit=30, threads=1)).solve(acc, reps, YEAR, as_of=AS_OF)
    later = Offer("later", 0.0)
    cs = CarveSettings(time_limit=30, threads=1, ladder=(StartingPlan(), later))
    res = TerritoryCarver(cs).solve(acc, reps, YEAR, as_of=AS_OF, warm=first.plan.assignment)
    assert res.status == "optimal" and res.plan_from == "warm start" and later.calls == 0
    assert res.objective == pytest.approx(first.objective, rel=1e-12)
    assert (res.plan.assignment.sort_index() == first.plan.assignment.sort_index()).all()
    _assert_plan_keeps_the_rules(res, acc, 0.10)


def test_the_neighbourhood_repair_starts_from_the_mended_plan():
    # one metric, a gap target no plan meets: the mended rounding holds every band; the neighbourhood repair must
    # start from it (a plan every band holds) and so can only return it or a cheaper one, its pool's units moved
    from optimizers.carve.model import build_matrix, is_feasible
    from optimizers.carve.solvers import solve_lp
    from optimizers.carve.strategies import MendedRounding, NeighbourhoodRepair

    acc, reps = make_instance(2000, 10, seed=4)
    cs = CarveSettings(metrics=("potential_usd",), tolerance={"potential_usd": 0.05}, continuity_weight=0.0,
                       time_limit=60, threads=1, mip_gap=1e-6)
    p, _ = TerritoryCarver(cs).prepare(acc, reps, YEAR, AS_OF)
    mx = build_matrix(p)
    lp = solve_lp(mx, 30)
    s = LadderState(cs, p, mx, lambda f, m: None, lambda: False, {}, lp=lp, bound=lp.objective, x_lp=lp.x)
    assert not s.small
    rounding = s.rounded()[0]
    mended = MendedRounding.mended(s, Budget(30))
    assert mended is not None and is_feasible(p, mx, mended) and not is_feasible(p, mx, rounding)
    repair = NeighbourhoodRepair()
    s.offer(np.array(rounding), 0.0, "today's plan")  # a start made without the LP is no base
    assert repair.base(s) is rounding
    s.best = None
    s.offer(mended, s.objective(mended), "mended rounding")
    assert repair.base(s) is mended
    out = repair.run(s, Budget(30))
    assert out is not None and is_feasible(p, mx, out.plan)
    assert out.objective <= s.objective(mended) + 1e-9
