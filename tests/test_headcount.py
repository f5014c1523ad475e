"""Hiring allocation LP/MIP: budget, caps, earliest start, beats a proportional split, shadow prices."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizers.headcount import counted_bookings, optimize_hiring, proportional_allocation
from planning.capacity import CapacityScenario, ScenarioError, SegmentAssumptions, default_scenario, run_scenario

M = 1_000_000


@pytest.fixture(scope="module")
def base(sample):
    sc = default_scenario(sample)
    return sc, run_scenario(sc).summary()


def two_segments() -> CapacityScenario:
    """A: $1M quota, 80%, ramp 50/100; B: $500K quota, 80%, ramp 0/50/100.  Both $120K a head, no attrition."""
    common = dict(bookings_target_usd=5 * M, attainment=0.8, annual_attrition=0.0, time_to_hire_months=0,
                  cost_per_head_usd=120_000, earliest_start_month=1, max_hires_per_month=2)
    segs = {"A": SegmentAssumptions(segment="A", quota_usd=1 * M, ramp_curve=(0.5, 1.0), **common),
            "B": SegmentAssumptions(segment="B", quota_usd=0.5 * M, ramp_curve=(0.0, 0.5, 1.0), **common)}
    return CapacityScenario(name="two", plan_year=2027, segments=segs, csm_cost_usd=0.0)


def check_plan(res, budget=None, cap=None):
    assert res.ok, res.diagnosis
    for name, seg in res.plan.segments.items():
        for m, h in enumerate(seg.hiring_plan):
            assert h <= seg.max_hires_per_month
            if m < seg.earliest_start_month - 1:
                assert h == 0
    out = run_scenario(res.plan)
    if budget is not None:
        assert out.summary()["cost_usd"] <= budget + 1
    if cap is not None:
        assert out.company_monthly()["headcount"].max() <= cap + 1e-6


def test_hand_example_buys_the_better_segment_first():
    # An A hire starting in month m (0 = Jan) sells (11.5 − m)/12 × $800K and costs (12 − m)/12 × $120K, so
    # bookings per dollar fall month by month and A beats B (whose ramp is slower and quota half).
    # Budget $560K = 2 Jan ($240K) + 2 Feb ($220K) + 1 Mar ($100K), the cap being 2 a month:
    # 2 × $766,667 + 2 × $700,000 + $633,333 = $3,566,667.
    res = optimize_hiring(two_segments(), budget_usd=560_000, cap_at_pipeline=False)
    check_plan(res, budget=560_000)
    assert res.plan.segments["A"].hiring_plan[:4] == (2, 2, 1, 0)
    assert sum(res.plan.segments["B"].hiring_plan) == 0
    assert res.objective == pytest.approx(3_566_666.67)
    # The budget binds; its dual is the bookings per dollar of the marginal hire (a March A hire):
    # $633,333 ÷ $100,000 = 6.33 → "each extra $100K of budget is worth $633K bookings".
    budget = res.shadow_prices.set_index("kind").loc["budget"]
    assert budget["binding"] and budget["shadow_price"] == pytest.approx(6.3333, rel=1e-4)
    assert "$633K" in budget["meaning"]
    assert budget["shadow_unit"] == "$ per $ of budget"  # a ratio, not dollars: the unit says so beside it
    # The January and February caps bind: one more A hire in Jan is worth 766,667 − 6.333 × 120,000 = $6,667.
    caps = res.shadow_prices.loc[(res.shadow_prices["kind"] == "hiring_cap") & res.shadow_prices["binding"]]
    jan = caps.loc[(caps["segment"] == "A") & (caps["month"] == "Jan"), "shadow_price"].item()
    assert jan == pytest.approx(6_666.67, rel=1e-3)
    assert set(caps["shadow_unit"]) == {"$ per hire"}
    assert any("budget" in r for r in res.reasons)


def test_budget_and_caps_respected_and_beats_proportional(base):
    sc, s = base
    budget = s["cost_usd"] + 3 * M
    res = optimize_hiring(sc, budget_usd=budget, time_limit=10)
    check_plan(res, budget=budget)
    # gap is against the LP relaxation (integrality gap), small for whole hires on a $24M plan
    assert res.gap <= 0.01 and res.bound >= res.objective - 1
    _, prop = proportional_allocation(sc, budget_usd=budget)
    assert counted_bookings(res.plan) >= prop
    assert res.objective == pytest.approx(counted_bookings(res.plan), rel=1e-6)
    assert res.seconds_build > 0 and res.seconds_solve > 0
    assert (res.hires["hires"] > 0).all() and res.hires["hires"].sum() == sum(
        sum(seg.hiring_plan) for seg in res.plan.segments.values())


def test_headcount_cap(base):
    sc, s = base
    res = optimize_hiring(sc, max_headcount=34, time_limit=10)
    check_plan(res, cap=34)
    heads = res.shadow_prices.loc[res.shadow_prices["kind"] == "headcount"]
    assert heads["binding"].any()
    assert "AE seat" in heads.loc[heads["binding"], "meaning"].iloc[0]


def test_min_cost_meets_every_target(base):
    sc, _ = base
    res = optimize_hiring(sc, objective="min_cost", time_limit=10)
    check_plan(res)
    seg = run_scenario(res.plan).segments.set_index("segment")
    assert (seg["expected_bookings_usd"] >= seg["capacity_target_usd"] - 1).all()
    tgt = res.shadow_prices.loc[res.shadow_prices["kind"] == "target"]
    assert tgt["binding"].all() and tgt["meaning"].str.contains("costs").all()


def test_shadow_price_matches_resolve_delta(base):
    # The budget dual predicts the LP bound's change for a small budget increase.
    sc, s = base
    b = s["cost_usd"] + 2 * M
    r1 = optimize_hiring(sc, budget_usd=b, time_limit=10)
    r2 = optimize_hiring(sc, budget_usd=b + 20_000, time_limit=10)
    pi = r1.shadow_prices.set_index("kind").loc["budget", "shadow_price"]
    assert r2.bound - r1.bound == pytest.approx(pi * 20_000, rel=0.05)


def test_infeasible_gives_a_diagnosis_and_no_plan(base):
    sc, _ = base
    res = optimize_hiring(sc, budget_usd=1 * M)
    assert res.status == "infeasible" and res.plan is None
    assert "already costs" in res.diagnosis
    tight = dataclasses.replace(sc, segments={n: dataclasses.replace(seg, max_hires_per_month=0)
                                              for n, seg in sc.segments.items()})
    res = optimize_hiring(tight, objective="min_cost")
    assert res.status == "infeasible" and "short of the" in res.diagnosis


def test_needs_a_budget_or_cap(base):
    with pytest.raises(ScenarioError, match="budget"):
        optimize_hiring(base[0])
    with pytest.raises(ScenarioError, match="objective"):
        optimize_hiring(base[0], objective="max_fun", budget_usd=1)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.floats(min_value=0, max_value=4 * M), cap=st.integers(min_value=0, max_value=3))
def test_property_lp_respects_budget_and_beats_proportional(extra, cap):
    sc = two_segments()
    sc = dataclasses.replace(sc, segments={n: dataclasses.replace(s, max_hires_per_month=cap)
                                           for n, s in sc.segments.items()})
    budget = extra
    res = optimize_hiring(sc, budget_usd=budget, cap_at_pipeline=False, time_limit=5)
    check_plan(res, budget=budget)
    _, prop = proportional_allocation(sc, budget_usd=budget, cap_at_pipeline=False)
    assert res.objective >= prop - 1
