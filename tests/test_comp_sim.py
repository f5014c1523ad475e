"""Monte Carlo comp cost: convergence to the analytic mean, reproducibility, speed, errors."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from planning.compensation.comp_plan import CompPlan, CompPlanError, Tier, default_plans
from planning.compensation.cost_sim import compare_variants, simulate_cost
from planning.compensation.quota import QuotaSettings, quota_for_plan


def _linear_plan():
    # one band at 1× the rate: payout = variable × attainment, so E[cost] = Σ variable × E[attainment]
    return CompPlan(name="Linear", role="AE", segment="SMB", ote_usd=100_000, pay_mix=(0.6, 0.4), quota_usd=500_000,
                    tiers=(Tier(0.0, None, 1.0),))


def _quotas(n=20):
    return pd.DataFrame({"segment": ["SMB"] * n, "quota_usd": [500_000.0] * n, "months_in_seat": [12.0] * (n - 2) + [6.0, 3.0]})


def test_mean_converges_to_analytic_expectation():
    plan, q = _linear_plan(), _quotas()
    months = q["months_in_seat"].sum()
    for dist in ("normal", "beta"):
        r = simulate_cost({"SMB": plan}, q, n_draws=20_000, seed=3, distribution=dist, target_usd=10e6,
                          attainment={"SMB": {"mean": 0.9, "sd": 0.15}}, correlation=0.0)
        # the normal is clipped at 0, six sds away: negligible
        expected = 40_000 * 0.9 * months / 12
        assert r.total_variable_cost.mean() == pytest.approx(expected, rel=0.005)
        assert r.bookings.mean() == pytest.approx(0.9 * 500_000 * 20, rel=0.005)
        assert r.base_cost_usd == pytest.approx(60_000 * months / 12)
        # P(attainment ≥ 1) for N(0.9, 0.15) is 1 − Φ(0.667) ≈ 0.252 (the beta is close)
        assert r.pct_at_quota.mean() == pytest.approx(0.252, abs=0.02)


def test_same_seed_same_numbers_and_progress():
    plan, q = _linear_plan(), _quotas()
    seen = []
    a = simulate_cost({"SMB": plan}, q, n_draws=5_000, seed=11, progress=seen.append, target_usd=1e7)
    b = simulate_cost({"SMB": plan}, q, n_draws=5_000, seed=11, target_usd=1e7)
    c = simulate_cost({"SMB": plan}, q, n_draws=5_000, seed=12, target_usd=1e7)
    assert np.array_equal(a.total_variable_cost, b.total_variable_cost)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    assert not np.array_equal(a.total_variable_cost, c.total_variable_cost)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def test_accelerators_raise_cost_and_clawback_lowers_it():
    q = _quotas()
    plan = _linear_plan()
    sens = simulate_cost({"SMB": plan}, q, n_draws=4_000, seed=1, target_usd=1e7).accelerator_sensitivity((1.0, 2.0, 3.0))
    assert sens["mean_variable_cost_usd"].is_monotonic_increasing
    claw = CompPlan(**{**plan.__dict__, "clawback_months": 6})
    base = simulate_cost({"SMB": claw}, q, n_draws=4_000, seed=1)
    churn = simulate_cost({"SMB": claw}, q, n_draws=4_000, seed=1, early_churn_share=0.1)
    # a linear plan claws back exactly 10% of the commission
    assert churn.total_variable_cost.mean() == pytest.approx(0.9 * base.total_variable_cost.mean())


def test_history_distribution_and_variants(sample):
    r = quota_for_plan(sample.current_plan(), sample.accounts, sample.reps, sample.targets, sample.history,
                       QuotaSettings(), sample.plan_year, sample.settings)
    plans = default_plans()
    sim = simulate_cost(plans, r, n_draws=2_000, seed=7, distribution="history", history=sample.history)
    assert sim.params["source"].str.startswith("history").all()
    assert sim.target_usd == pytest.approx(r.total_target_usd)
    bvt = sim.bookings_vs_target()
    assert bvt["bookings_usd"].is_monotonic_increasing and list(bvt["percentile"]) == ["P10", "P50", "P90"]
    assert len(sim.reps) == int((r.table["quota_usd"] > 0).sum())
    rich = {k: p.with_accelerator(2.5) for k, p in plans.items()}
    cmp_ = compare_variants({"default": plans, "rich": rich}, r, n_draws=2_000, seed=7)
    assert cmp_.set_index("variant").loc["rich", "mean_variable_cost_usd"] > cmp_.set_index("variant").loc["default", "mean_variable_cost_usd"]


def test_ten_thousand_draws_times_sixty_reps():
    plan = _linear_plan()
    q = _quotas(60)
    # its speed is measured by benchmarks/comp_bench.py; here, that the full size runs and keeps every draw
    r = simulate_cost({"SMB": plan}, q, n_draws=10_000, seed=1)
    assert len(r.total_variable_cost) == 10_000 and (r.total_variable_cost >= 0).all()


def test_simulation_errors():
    q = _quotas()
    with pytest.raises(CompPlanError, match="no comp plan for segment"):
        simulate_cost({"Enterprise": _linear_plan()}, q)
    with pytest.raises(CompPlanError, match="distribution"):
        simulate_cost({"SMB": _linear_plan()}, q, distribution="uniform")
    with pytest.raises(CompPlanError, match="needs an attainment history"):
        simulate_cost({"SMB": _linear_plan()}, q, distribution="history")
    with pytest.raises(CompPlanError, match="attainment\\[SMB\\]"):
        simulate_cost({"SMB": _linear_plan()}, q, attainment={"SMB": {"mean": 0.9, "sd": -1}})
