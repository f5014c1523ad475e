"""Comp plans: hand-worked payouts, clawback, defaults and input errors."""
from __future__ import annotations

import pandas as pd
import pytest

from planning.compensation.comp_plan import (CompPlan, CompPlanError, Spiff, Tier, default_plan, default_plans, per_rep_plans,
                           plans_from_dict, plans_to_dict)
from planning.compensation.plan_edits import apply_plan_tables, plan_tables
from planning.data.defaults import SEGMENT_DEFAULTS


def _plan(**kw):
    """OTE $200K at 50/50 → $100K variable on a $1M quota (rate at target 10%).

    Decelerator: 0–80% paid at 0.5× the rate; 80–100% at 1×; above 100% a 2× accelerator.
    """
    base = dict(name="Test AE", role="AE", segment="SMB", ote_usd=200_000, pay_mix=(0.5, 0.5), quota_usd=1_000_000,
                tiers=(Tier(0.0, 0.8, 0.5), Tier(0.8, 1.0, 1.0), Tier(1.0, None, 2.0)))
    return CompPlan(**{**base, **kw})


def test_payouts_by_hand():
    p = _plan()
    assert p.variable_usd == 100_000 and p.base_usd == 100_000
    assert p.rate_at_target == pytest.approx(0.10)
    expected = {
        0.5: 100_000 * 0.5 * 0.5,                           # 25,000: all of it in the decelerated band
        0.8: 100_000 * 0.8 * 0.5,                           # 40,000
        1.0: 100_000 * (0.8 * 0.5 + 0.2 * 1.0),             # 60,000
        1.2: 100_000 * (0.8 * 0.5 + 0.2 * 1.0 + 0.2 * 2),   # 100,000
        1.5: 100_000 * (0.8 * 0.5 + 0.2 * 1.0 + 0.5 * 2),   # 160,000
    }
    att = list(expected)
    assert p.payout(att).tolist() == pytest.approx(list(expected.values()))
    assert expected == pytest.approx({0.5: 25_000, 0.8: 40_000, 1.0: 60_000, 1.2: 100_000, 1.5: 160_000})


def test_cap_threshold_spiff_and_credits():
    p = _plan(cap_multiple=1.2, threshold=0.6, spiffs=(Spiff("Q4 push", 5_000, 1.0),))
    # below the 60% threshold nothing is paid; the cap holds commission at 120% of variable (120K)
    assert p.payout([0.5, 0.6, 1.0, 1.5]).tolist() == pytest.approx([0, 30_000, 65_000, 120_000 + 5_000])
    # half of bookings is expansion credited at 50%; 20% multi-year with a 25% uplift:
    # credit factor (1 − 0.5 × 0.5) × (1 + 0.2 × 0.25) = 0.75 × 1.05 = 0.7875
    c = _plan(expansion_share=0.5, expansion_credit=0.5, multi_year_share=0.2, multi_year_uplift=0.25)
    assert c.credit_factor() == pytest.approx(0.7875)
    assert c.payout(1.0) == pytest.approx(100_000 * 0.7875 * 0.5)


def test_clawback_by_hand():
    p = _plan(tiers=(Tier(0, 1.0, 1.0), Tier(1.0, None, 2.0)), clawback_months=6)
    deals = pd.DataFrame({"bookings_usd": [1_050_000, 150_000, 100_000], "churn_month": [None, 3, 9]})
    out = p.clawback(deals)
    # 130% attainment pays 100K + 0.3 × 2 × 100K = 160K; without the deal churned in month 3 it is 115% → 130K
    assert out.attrs["commission_paid_usd"] == pytest.approx(160_000)
    assert out["clawback_usd"].tolist() == pytest.approx([0, 30_000, 0])  # month 9 is outside the 6-month window
    assert out.attrs["clawback_total_usd"] == pytest.approx(30_000)
    assert _plan(clawback_months=0).clawback(deals).attrs["clawback_total_usd"] == 0


def test_bad_input_names_the_field():
    with pytest.raises(CompPlanError, match="pay_mix.*sum to 100%"):
        _plan(pay_mix=(0.55, 0.40))
    with pytest.raises(CompPlanError, match="tiers: tier 1 .* overlaps tier 2"):
        _plan(tiers=(Tier(0, 0.9, 1.0), Tier(0.8, None, 2.0)))
    with pytest.raises(CompPlanError, match="tiers: gap"):
        _plan(tiers=(Tier(0, 0.7, 1.0), Tier(0.8, None, 2.0)))
    with pytest.raises(CompPlanError, match="negative rate multiplier"):
        _plan(tiers=(Tier(0, 1.0, -0.5), Tier(1.0, None, 2.0)))
    with pytest.raises(CompPlanError, match="last tier must have no upper end"):
        _plan(tiers=(Tier(0, 1.0, 1.0),))
    with pytest.raises(CompPlanError, match="ote_usd"):
        _plan(ote_usd=-1)
    with pytest.raises(CompPlanError, match="cap_multiple"):
        _plan(cap_multiple=-2)
    with pytest.raises(CompPlanError, match="SPIFF"):
        _plan(spiffs=(Spiff("x", -100),))
    with pytest.raises(CompPlanError, match="unknown field"):
        CompPlan.from_dict({**_plan().to_dict(), "bonus": 1})
    tables = plan_tables(_plan())
    tables["tiers"].loc[0, "from_attainment"] = None
    assert [p.text for p in apply_plan_tables(_plan(), tables)[1]] == ["Tier 1 · From attainment: empty; enter a value"]


def test_defaults_come_from_settings_and_pay_target_variable():
    for seg, d in SEGMENT_DEFAULTS.items():
        p = default_plan("AE", seg)
        assert p.ote_usd == d.ote_usd and p.pay_mix[0] == d.pay_mix_base and p.quota_usd == d.quota_usd
        assert p.payout(1.0) == pytest.approx(p.variable_usd)  # calibrated: 100% attainment pays the target variable
        assert any(t.start == d.accelerator_from and t.multiplier > 1 for t in p.tiers)
    sdr = default_plan("SDR", "SMB")
    assert sdr.pay_mix == pytest.approx((0.75, 0.25))  # midpoint of the 70/30–80/20 range


def test_round_trip_and_helpers():
    p = _plan(spiffs=(Spiff("a", 1.0, 0.5),), cap_multiple=2.0)
    assert CompPlan.from_dict(p.to_dict()) == p
    plans = default_plans()
    assert plans_from_dict(plans_to_dict(plans)) == plans
    assert apply_plan_tables(p, plan_tables(p)) == (p, [])  # the editor's tables, untouched, give the plan back
    acc = _plan().with_accelerator(3.0)
    assert acc.payout(1.5) == pytest.approx(100_000 * (0.4 + 0.2 + 0.5 * 3))
    curve = p.payout_curve(max_attainment=1.5, step=0.5)
    assert curve["payout_usd"].tolist() == pytest.approx([0, 25_001, 60_001, 160_001])  # + the $1 SPIFF from 50%
    quotas = pd.DataFrame({"segment": ["SMB"], "quota_usd": [400_000.0], "months_in_seat": [6.0],
                           "owner_rep_id": ["R"], "rep_name": ["Rae"]}, index=["T-R"])
    row = per_rep_plans({"SMB": p}, quotas).iloc[0]
    assert row["variable_usd"] == pytest.approx(50_000) and row["rate_at_target"] == pytest.approx(0.125)
