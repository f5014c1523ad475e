"""Quota allocation: hand-worked numbers on a tiny company, then the sample company."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from planning.plans.plan import current_plan
from planning.compensation import QuotaError, QuotaSettings, plan_year_targets, quota_export, quota_for_plan

YEAR = 2027


def _company(starts=None, ends=None):
    """Three SMB reps under one manager; potentials 500K / 300K / 200K; target $1M over four quarters."""
    starts = starts or {}
    ends = ends or {}
    reps = pd.DataFrame({
        "rep_id": ["A", "B", "C", "M"],
        "name": ["Ann", "Bob", "Cat", "Max"],
        "role": ["AE", "AE", "AE", "Manager"],
        "segment": ["SMB"] * 4,
        "manager_id": ["M", "M", "M", np.nan],
        "region": ["West", "West", "Central", "West"],
        "start_date": pd.to_datetime([starts.get(r, "2020-01-01") for r in "ABCM"]),
        "end_date": pd.to_datetime([ends.get(r) for r in "ABCM"]),
        "status": ["active"] * 4,
        "capacity_override": [np.nan] * 4,
    })
    accounts = pd.DataFrame({
        "account_id": ["a1", "a2", "b1", "c1"],
        "potential_usd": [300_000.0, 200_000.0, 300_000.0, 200_000.0],
        "owner_rep_id": ["A", "A", "B", "C"],
    })
    targets = pd.DataFrame({
        "segment": ["SMB"] * 8,
        "region": ["West"] * 4 + ["Central"] * 4,
        "period": [f"{YEAR}-Q{q}" for q in range(1, 5)] * 2,
        "bookings_target_usd": [100_000.0, 150_000.0, 150_000.0, 200_000.0, 100_000.0, 100_000.0, 100_000.0, 100_000.0],
    })
    history = pd.DataFrame({
        "rep_id": ["A", "A", "B", "B", "C", "C"],
        "period": ["2026-Q1", "2026-Q2"] * 3,
        "quota_usd": [100_000.0] * 6,
        "bookings_usd": [100_000.0, 100_000.0, 50_000.0, 50_000.0, 50_000.0, 50_000.0],
    })
    return accounts, reps, targets, history


def _quota(settings=None, **kw):
    accounts, reps, targets, history = _company(**kw)
    plan = current_plan(accounts, reps)
    return quota_for_plan(plan, accounts, reps, targets, history, settings or QuotaSettings(), YEAR)


def test_potential_method_with_15pct_over_assignment_by_hand():
    r = _quota(QuotaSettings(method="potential", over_assignment=0.15))
    q = r.table.set_index("owner_rep_id")["quota_usd"]
    # target $1M × 1.15 = $1.15M, split 50/30/20 by potential
    assert q.sum() == pytest.approx(1_000_000 * 1.15)
    assert q["A"] == pytest.approx(575_000)
    assert q["B"] == pytest.approx(345_000)
    assert q["C"] == pytest.approx(230_000)
    share = r.table.set_index("owner_rep_id")["share"]
    assert share.to_dict() == pytest.approx({"A": 0.5, "B": 0.3, "C": 0.2})
    assert r.table["quota_pct_potential"].tolist() == pytest.approx([1.15, 1.15, 1.15])
    cov = r.coverage("segment").set_index("segment")
    assert cov.loc["SMB", "coverage_ratio"] == pytest.approx(1.15)
    assert cov.loc["SMB", "flag"] == ""


def test_default_over_assignment_comes_from_planning_defaults():
    from planning.data.defaults import PlanningDefaults

    r = _quota()
    assert r.settings.over_assignment == PlanningDefaults().quota_over_assignment
    assert r.total_quota_usd == pytest.approx(1_000_000 * (1 + PlanningDefaults().quota_over_assignment))


def test_history_even_and_blend_methods():
    # history: A booked 400K/yr, B and C 200K/yr each → 50/25/25
    q = _quota(QuotaSettings(method="history", over_assignment=0.0)).table.set_index("owner_rep_id")["quota_usd"]
    assert q.to_dict() == pytest.approx({"A": 500_000, "B": 250_000, "C": 250_000})
    q = _quota(QuotaSettings(method="even", over_assignment=0.0)).table.set_index("owner_rep_id")["quota_usd"]
    assert q.to_dict() == pytest.approx({"A": 1e6 / 3, "B": 1e6 / 3, "C": 1e6 / 3})
    # blend 50% potential + 50% history: A (0.5+0.5)/2, B (0.3+0.25)/2, C (0.2+0.25)/2
    s = QuotaSettings(method="blend", over_assignment=0.0, weights={"potential": 1, "history": 1, "even": 0})
    q = _quota(s).table.set_index("owner_rep_id")["quota_usd"]
    assert q.to_dict() == pytest.approx({"A": 500_000, "B": 275_000, "C": 225_000})


def test_ramp_and_pro_rating_by_hand():
    # C starts 1 April: in seat Apr–Dec (9 months), SMB ramp 25/50/75/100% → (0.25+0.5+0.75+6)/12 = 0.625
    # B leaves 15 June: in seat Jan–Jun → 6/12 = 0.5
    r = _quota(QuotaSettings(method="even", over_assignment=0.0, ramp_gap="gap"),
               starts={"C": f"{YEAR}-04-01"}, ends={"B": f"{YEAR}-06-15"})
    t = r.table.set_index("owner_rep_id")
    assert t.loc["C", "capacity_factor"] == pytest.approx(0.625)
    assert t.loc["C", "months_in_seat"] == 9
    assert t.loc["B", "capacity_factor"] == pytest.approx(0.5)
    full = 1e6 / 3
    assert t["quota_usd"].to_dict() == pytest.approx({"A": full, "B": full * 0.5, "C": full * 0.625})
    assert r.unallocated_usd == pytest.approx(full * (0.5 + 0.375))
    assert "ramp" in t.loc["C", "flags"]
    # re-spread: weights 1 / 0.5 / 0.625 of $1M
    r = _quota(QuotaSettings(method="even", over_assignment=0.0), starts={"C": f"{YEAR}-04-01"},
               ends={"B": f"{YEAR}-06-15"})
    q = r.table.set_index("owner_rep_id")["quota_usd"]
    assert q.to_dict() == pytest.approx({"A": 1e6 / 2.125, "B": 0.5e6 / 2.125, "C": 0.625e6 / 2.125})
    assert r.unallocated_usd == pytest.approx(0, abs=1e-6)
    # quarterly quotas sum to the annual quota; C has nothing in Q1 (not yet started)
    qq = r.quarterly.pivot_table(index="territory_id", columns="quarter", values="quota_usd")
    assert qq.sum(axis=1).to_numpy() == pytest.approx(r.table["quota_usd"].to_numpy())
    assert qq.loc["T-C", "Q1"] == 0


def test_rep_override_respread_and_gap():
    s = QuotaSettings(method="potential", over_assignment=0.15, rep_overrides={"A": 475_000})
    q = _quota(s).table.set_index("owner_rep_id")["quota_usd"]
    # A gives up 100K; B and C absorb it 60/40 (their quotas 345K / 230K)
    assert q.to_dict() == pytest.approx({"A": 475_000, "B": 405_000, "C": 270_000})
    s = QuotaSettings(method="potential", over_assignment=0.15, rep_overrides={"A": 475_000}, override_gap="gap")
    r = _quota(s)
    assert r.table.set_index("owner_rep_id")["quota_usd"].to_dict() == pytest.approx({"A": 475_000, "B": 345_000, "C": 230_000})
    assert r.unallocated_usd == pytest.approx(100_000)
    assert r.coverage("segment").set_index("segment").loc["SMB", "coverage_ratio"] == pytest.approx(1.05)
    assert r.coverage("segment").set_index("segment").loc["SMB", "flag"] == "below band"


def test_manager_override_scales_the_team():
    s = QuotaSettings(method="potential", over_assignment=0.15, manager_overrides={"M": 1_000_000},
                      rep_overrides={"C": 200_000}, override_gap="gap")
    r = _quota(s)
    q = r.table.set_index("owner_rep_id")["quota_usd"]
    # C fixed at 200K; A and B share the other 800K in their 575:345 ratio
    assert q["C"] == pytest.approx(200_000)
    assert q["A"] == pytest.approx(800_000 * 575 / 920)
    assert q.sum() == pytest.approx(1_000_000)
    assert r.unallocated_usd == pytest.approx(150_000)
    mgr = r.coverage("manager").set_index("manager_id")
    assert mgr.loc["M", "quota_usd"] == pytest.approx(1_000_000)


def test_coverage_by_region_and_quarter():
    r = _quota(QuotaSettings(method="potential", over_assignment=0.15))
    reg = r.coverage("region").set_index("region")
    # West (A, B) carries 920K against a 600K target; Central (C) 230K against 400K
    assert reg.loc["West", "coverage_ratio"] == pytest.approx(920 / 600)
    assert reg.loc["West", "flag"] == "above band"
    assert reg.loc["Central", "coverage_ratio"] == pytest.approx(230 / 400)
    assert reg.loc["Central", "flag"] == "below band"
    qtr = r.coverage("quarter").set_index("quarter")
    assert qtr.loc["Total", "quota_usd"] == pytest.approx(1_150_000)
    # everyone is in seat all year, so every quarter follows the target's seasonality
    assert qtr.loc[["Q1", "Q2", "Q3", "Q4"], "coverage_ratio"].to_numpy() == pytest.approx([1.15] * 4)
    with pytest.raises(QuotaError, match="coverage by"):
        r.coverage("planet")


def test_coverage_outside_the_band_in_words():
    # West 920K / 600K = 153.3%, Central 230K / 400K = 57.5%; the SMB segment and every quarter sit at 115%, inside
    r = _quota(QuotaSettings(method="potential", over_assignment=0.15, coverage_band=(1.1, 1.2)))
    assert r.band_words() == "110%–120%"
    assert r.outside_band() == ["region Central: 57.5% (below)", "region West: 153.3% (above)"]
    # a ratio just under the edge keeps its decimal: 1,150K / 1,000K = 115.0% against a band from 115.1%
    edge = _quota(QuotaSettings(method="potential", over_assignment=0.15, coverage_band=(1.151, 1.2)))
    assert (edge.band_words(), edge.outside_band()[0]) == ("115.1%–120%", "segment SMB: 115.0% (below)")
    # 1,099,800 / 1,000,000 = 109.98%, which a one-decimal table shows as "110.0%": the flag carries the figure
    near = _quota(QuotaSettings(method="potential", over_assignment=0.0998, coverage_band=(1.1, 1.2)))
    assert near.coverage("segment").set_index("segment").loc["SMB", "flag"] == "below band (109.98%)"
    assert near.outside_band()[0] == "segment SMB: 109.98% (below)"
    above = _quota(QuotaSettings(method="potential", over_assignment=0.2002, coverage_band=(1.1, 1.2)))
    assert above.coverage("segment").set_index("segment").loc["Total", "flag"] == "above band (120.02%)"
    # the chart's bar labels: whole percent, more only where a bar outside the band would read as its edge
    from planning.compensation import coverage_words

    band = (1.1, 1.2)
    assert [coverage_words(r, band, 0) for r in (1.15, 1.0997, 1.104, 1.2002, 0.994)] == \
        ["115%", "109.97%", "110%", "120.02%", "99%"]
    assert coverage_words(float("nan"), band) == "–" and coverage_words(1.0997, band) == "109.97%"


def test_fairness_flags_outliers():
    s = QuotaSettings(method="even", over_assignment=0.0, fairness_tolerance=0.25)
    t = _quota(s).table.set_index("owner_rep_id")
    # even quotas of 333K on 500K / 300K / 200K potential: median ratio is B's (1.11)
    assert t.loc["A", "quota_pct_potential"] == pytest.approx(1e6 / 3 / 500_000)
    assert "quota low vs potential" in t.loc["A", "flags"]
    assert "quota high vs potential" in t.loc["C", "flags"]
    assert "potential" not in t.loc["B", "flags"]


def test_settings_round_trip_and_errors():
    s = QuotaSettings(method="blend", over_assignment=0.12, coverage_band=(1.05, 1.25), rep_overrides={"A": 1.0})
    assert QuotaSettings.from_dict(s.to_dict()) == s
    with pytest.raises(QuotaError, match="method"):
        QuotaSettings(method="vibes").resolved()
    with pytest.raises(QuotaError, match="over_assignment"):
        QuotaSettings(over_assignment=15).resolved()
    with pytest.raises(QuotaError, match="rep_overrides"):
        QuotaSettings(rep_overrides={"A": -5}).resolved()
    with pytest.raises(QuotaError, match="unknown quota setting"):
        QuotaSettings.from_dict({"methd": "even"})
    with pytest.raises(QuotaError, match="rep_overrides\\[ZZ\\]"):
        _quota(QuotaSettings(rep_overrides={"ZZ": 5.0}))
    with pytest.raises(QuotaError, match="no bookings target for plan year 2031"):
        plan_year_targets(_company()[2], 2031)


def test_sample_company_recompute(sample):
    plan = sample.current_plan()
    quota_for_plan(plan, sample.accounts, sample.reps, sample.targets, sample.history, None, sample.plan_year,
                   sample.settings)
    r = quota_for_plan(plan, sample.accounts, sample.reps, sample.targets, sample.history,
                       QuotaSettings(method="blend"), sample.plan_year, sample.settings)
    assert r.coverage("segment").set_index("segment").loc["Total", "coverage_ratio"] == pytest.approx(1.15)
    req = r.table.loc["T-REQ-01"]
    assert 0 < req["capacity_factor"] < 1 and "open requisition" in req["flags"]
    assert len(quota_export(r)) == len(r.table)


def test_open_territory_of_a_carve_proposal_ramps_from_time_to_hire():
    """A carve proposal may hold an open territory (no owner): it ramps from plan start + time to hire."""
    from planning.data.defaults import SEGMENT_DEFAULTS
    from planning.plans.plan import Plan

    accounts, reps, targets, history = _company()
    terr = current_plan(accounts, reps).territories.copy()
    terr.loc["T-NEW"] = {"name": "SMB West – open", "region": "West", "area": None, "segment": "SMB", "owner_rep_id": None}
    assignment = pd.Series({"a1": "T-A", "a2": "T-NEW", "b1": "T-B", "c1": "T-C"})
    proposal = Plan("Carve proposal", assignment, terr, kind="proposal")
    r = quota_for_plan(proposal, accounts, reps, targets, history, QuotaSettings(method="potential", over_assignment=0.0),
                       YEAR)
    row = r.table.loc["T-NEW"]
    smb = SEGMENT_DEFAULTS["SMB"]
    months = 12 - smb.time_to_hire_months
    ramp = list(smb.ramp_curve) + [1.0] * (months - len(smb.ramp_curve))
    assert row["capacity_factor"] == pytest.approx(sum(ramp[:months]) / 12)
    assert row["status"] == "open territory" and "open territory" in row["flags"]
    assert r.total_quota_usd == pytest.approx(1_000_000)  # the ramp shortfall is re-spread by default
    assert r.coverage("manager")["quota_usd"].iloc[:-1].sum() == pytest.approx(1_000_000)
