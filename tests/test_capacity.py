"""Capacity simulation: hand-worked examples, the RRE example, defaults from the data, validation."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from planning.capacity import (CapacityScenario, Person, ScenarioError, SegmentAssumptions, default_scenario,
                               monthly_attrition, ramped_rep_equivalents, run_scenario, segment_attainment, tornado)

M = 1_000_000


def one_segment(people=(), **seg) -> CapacityScenario:
    """1 segment, $10M target, $1M quota, 80% attainment, no ramp, no attrition, no support roles."""
    kw = dict(segment="Core", bookings_target_usd=10 * M, quota_usd=1 * M, attainment=0.80, ramp_curve=(1.0,),
              annual_attrition=0.0, time_to_hire_months=0, cost_per_head_usd=200_000, earliest_start_month=1,
              max_hires_per_month=100)
    kw.update(seg)
    return CapacityScenario(name="hand", plan_year=2027, segments={"Core": SegmentAssumptions(**kw)},
                            people=list(people), csm_cost_usd=0.0)


def veterans(n: int, segment: str = "Core", start: str = "2020-01-01") -> list[Person]:
    return [Person(rep_id=f"R{i}", segment=segment, start_date=start) for i in range(n)]


def seg_row(res, name="Core") -> pd.Series:
    return res.segments.set_index("segment").loc[name]


# --- hand-worked examples --------------------------------------------------------------------
def test_ten_million_target_needs_12_5_so_13_reps():
    # $10M ÷ ($1M × 80%) = 12.5 fully productive reps → 13 hires, all in January (no ramp, hire at once).
    res = run_scenario(one_segment())
    row = seg_row(res)
    assert row["reps_needed_bookings"] == pytest.approx(12.5)
    assert row["expected_bookings_usd"] == 0
    assert row["gap_usd"] == pytest.approx(10 * M)
    assert row["hires_needed"] == 13
    assert res.monthly.loc[res.monthly["month"] == 1, "hires_needed"].item() == 13
    # 13 in seat all year: 13 × $1M × 0.8 = $10.4M; 12 would give $9.6M, short.
    assert run_scenario(one_segment(veterans(13))).summary()["expected_bookings_usd"] == pytest.approx(10.4 * M)
    s12 = run_scenario(one_segment(veterans(12))).summary()
    assert s12["expected_bookings_usd"] == pytest.approx(9.6 * M)
    assert s12["gap_usd"] == pytest.approx(0.4 * M)
    assert s12["hires_needed"] == 1


def test_ramp_hire_in_january():
    # Ramp 0% / 50% / 100%: a January hire sells 0 + 0.5 + 10 × 1 = 10.5 rep-months → 10.5/12 × $1M × 0.8 = $700K.
    sc = one_segment(ramp_curve=(0.0, 0.5, 1.0), hiring_plan=(1,) + (0,) * 11)
    res = run_scenario(sc)
    assert res.summary()["expected_bookings_usd"] == pytest.approx(700_000)
    assert res.monthly["rre"].tolist()[:3] == pytest.approx([0.0, 0.4, 0.8])
    # Closing $10M with January hires at $700K each: 10 / 0.7 = 14.3 → 15 hires.
    assert seg_row(run_scenario(one_segment(ramp_curve=(0.0, 0.5, 1.0))))["hires_needed"] == 15


def test_mid_year_hire():
    # No ramp, starts in July: 6 months × $1M/12 × 0.8 = $400K; with the 0/50/100 ramp 0 + 0.5 + 4 = 4.5 months → $300K.
    july = (0,) * 6 + (1,) + (0,) * 5
    assert run_scenario(one_segment(hiring_plan=july)).summary()["expected_bookings_usd"] == pytest.approx(400_000)
    sc = one_segment(hiring_plan=july, ramp_curve=(0.0, 0.5, 1.0))
    assert run_scenario(sc).summary()["expected_bookings_usd"] == pytest.approx(300_000)
    # Cost runs from the start month: 6 months of $200K a year = $100K.
    assert run_scenario(sc).summary()["cost_usd"] == pytest.approx(100_000)


def test_hires_needed_respect_earliest_start_and_cap():
    # Earliest start April, at most 4 hires a month, no ramp: April hires give 9 × $66,667 × 0.8... = $600K each.
    res = run_scenario(one_segment(earliest_start_month=4, max_hires_per_month=4))
    need = res.monthly.set_index("month")["hires_needed"]
    assert need.loc[1:3].sum() == 0
    # Apr 4 × $600K = $2.4M, May 4 × $533K = $2.13M, Jun 4 × $467K = $1.87M, Jul 4 × $400K = $1.6M (sum $8.0M),
    # Aug: remaining $2.0M ÷ $333K = 6 → capped at 4 ($1.33M), Sep: $0.67M ÷ $267K = 2.5 → 3.
    assert need.loc[4:9].tolist() == [4, 4, 4, 4, 4, 3]
    assert need.loc[10:].sum() == 0


def test_attrition_without_backfill():
    # Monthly rate 1% (annual 1 − 0.99^12 = 11.36%): heads_t = 10 × 0.99^t, Σ_t=0..11 = 10 × (1 − 0.99^12)/0.01 = 113.615.
    annual = 1 - 0.99 ** 12
    assert monthly_attrition(annual) == pytest.approx(0.01)
    sc = one_segment(veterans(10), annual_attrition=annual)
    sc.backfill = False
    res = run_scenario(sc)
    assert res.monthly["headcount"].tolist()[:3] == pytest.approx([10, 9.9, 9.801])
    assert res.monthly["headcount"].sum() == pytest.approx(113.615129, rel=1e-6)
    assert res.summary()["expected_bookings_usd"] == pytest.approx(113.615129 / 12 * 0.8 * M, rel=1e-6)


def test_attrition_with_backfill_after_time_to_hire():
    # 1%/month, backfill 2 months after each departure (no ramp): seats stay empty for the 2 vacancy months.
    # F0 = 10; D1 = 0.1 → F1 = 9.9; D2 = 0.099 → F2 = 10 − 0.1 − 0.099 = 9.801;
    # D3 = 0.01 × 9.801 = 0.09801 → F3 = 10 − 0.099 − 0.09801 = 9.80299.
    sc = one_segment(veterans(10), annual_attrition=1 - 0.99 ** 12, time_to_hire_months=2)
    res = run_scenario(sc)
    assert res.monthly["headcount"].tolist()[:4] == pytest.approx([10, 9.9, 9.801, 9.80299])
    assert res.monthly["backfills"].tolist()[:4] == pytest.approx([0, 0, 0, 0.1])


def test_backfills_ramp_too():
    # Ramp 0/50/100, backfill arrives in month 3 (tth 2) and sells nothing in its first month.
    sc = one_segment(veterans(10), annual_attrition=1 - 0.99 ** 12, time_to_hire_months=2, ramp_curve=(0.0, 0.5, 1.0))
    m = run_scenario(sc).monthly
    # Month 4 (index 3): 9.70299 veterans ramped + 0.1 backfill at 0% → ramped heads 9.70299.
    assert m["ramped_headcount"].iloc[3] == pytest.approx(9.80299 - 0.1)


def test_rre_worked_example():
    # domain.md: 20 ramped reps at 85% + 5 ramping at 50% ramp and 70% attainment = 17.0 + 1.75 = 18.75, not 25.
    assert ramped_rep_equivalents([1.0] * 20 + [0.5] * 5, [0.85] * 20 + [0.70] * 5) == pytest.approx(18.75)
    # In the simulation (one attainment per segment, 85%): 20 ramped + 5 in their 2nd month of a 25/50/100 ramp.
    people = veterans(20) + [Person(rep_id=f"N{i}", segment="Core", start_date="2026-12-01") for i in range(5)]
    res = run_scenario(one_segment(people, attainment=0.85, ramp_curve=(0.25, 0.5, 1.0)))
    assert res.monthly["rre"].iloc[0] == pytest.approx(20 * 0.85 + 5 * 0.5 * 0.85)


def test_known_leaver_and_open_requisition():
    people = veterans(2) + [
        Person(rep_id="L", segment="Core", start_date="2020-01-01", end_date="2027-02-26", status="leaving"),
        Person(rep_id="REQ", segment="Core", start_date="2027-05-01", status="open_req")]
    sc = one_segment(people, earliest_start_month=4)
    m = run_scenario(sc).monthly.set_index("month")
    # Leaver in seat Jan–Feb, gone in Mar, backfilled from Apr (earliest start); requisition starts in May.
    assert m["headcount"].loc[1:6].tolist() == [3, 3, 2, 3, 4, 4]
    assert m["open_reqs"].loc[5] == 1 and m["departures"].loc[3] == 1 and m["backfills"].loc[4] == 1


def test_freeze_drops_later_hires_and_backfills():
    sc = one_segment(hiring_plan=(1,) * 12)
    sc.freeze_from_month = 7
    res = run_scenario(sc)
    assert res.summary()["hires"] == 6
    assert any("freeze" in n for n in res.notes)
    assert res.monthly["hires_needed"].iloc[6:].sum() == 0


def test_cost_support_and_cost_of_sales():
    # 10 veterans at $200K; 1 SDR per 2 AEs at $100K, 1 SE per 4 AEs at $200K; CSM book $2M ARR at $150K.
    sc = one_segment(veterans(10), sdr_per_ae=0.5, se_per_ae=0.25, arr_usd=4 * M)
    sc.sdr_cost_usd, sc.se_cost_usd, sc.csm_cost_usd, sc.csm_book_usd = 100_000, 200_000, 150_000, 2 * M
    s = run_scenario(sc).summary()
    assert s["ae_cost_usd"] == pytest.approx(2 * M)
    # SDR 5 × $100K + SE 2.5 × $200K = $1.0M selling support.
    # CSMs: book = $4M + bookings so far ($666,667 a month): month m has (4M + m × 666,667) ÷ 2M CSMs.
    csm_months = sum((4 * M + m * 8 * M / 12) / (2 * M) for m in range(12))
    assert s["csm_cost_usd"] == pytest.approx(csm_months * 150_000 / 12)
    assert s["cost_usd"] == pytest.approx(3 * M + s["csm_cost_usd"])
    assert s["expected_bookings_usd"] == pytest.approx(8 * M)
    assert s["cost_of_sales"] == pytest.approx(3 * M / (8 * M))
    assert s["bookings_per_head_usd"] == pytest.approx(800_000)


def test_coverage_and_pipeline_lenses():
    sc = one_segment(veterans(13), accounts_to_cover=2000, accounts_per_rep=125, open_pipeline_usd=6 * M,
                     opp_win_rate=0.3)
    res = run_scenario(sc)
    row = seg_row(res)
    assert row["reps_needed_coverage"] == pytest.approx(16.0)  # 2000 ÷ 125
    assert row["reps_needed_bookings"] == pytest.approx(12.5)
    assert bool(row["lenses_disagree"])  # 16 vs 12.5 differ by 22% of 16
    assert row["pipeline_coverage"] == pytest.approx(0.6)  # $6M ÷ $10M, under 3×
    assert row["pipeline_supported_usd"] == pytest.approx(1.8 * M)
    assert bool(row["pipeline_short"])
    assert any("pipeline" in n for n in res.notes) and any("coverage lens" in n for n in res.notes)
    assert res.summary()["pipeline_capped_bookings_usd"] == pytest.approx(1.8 * M)


def test_tornado_is_linear_in_attainment_and_quota():
    sc = one_segment(veterans(10), annual_attrition=0.2, time_to_hire_months=2, ramp_curve=(0.0, 0.5, 1.0),
                     hiring_plan=(0, 0, 2) + (0,) * 9)
    t = tornado(sc).set_index("driver")
    base = t["base_usd"].iloc[0]
    for d in ("attainment", "quota"):
        assert t.loc[d, "low_usd"] == pytest.approx(0.9 * base)
        assert t.loc[d, "high_usd"] == pytest.approx(1.1 * base)
    assert t.loc["attrition", "high_usd"] < base < t.loc["attrition", "low_usd"]
    assert t.loc["ramp", "low_usd"] < base < t.loc["ramp", "high_usd"]


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize("change, field, words", [
    (dict(quota_usd=-5), "segments.Core.quota_usd", "positive"),
    (dict(attainment=3.5), "segments.Core.attainment", "200%"),
    (dict(attainment=0), "segments.Core.attainment", "above 0%"),
    (dict(ramp_curve=(0.0, 0.5, 0.9)), "segments.Core.ramp_curve", "100%"),
    (dict(ramp_curve=(0.5, 0.25, 1.0)), "segments.Core.ramp_curve", "decrease"),
    (dict(ramp_curve=(0.0, 1.5, 1.0)), "segments.Core.ramp_curve[1]", "between"),
    (dict(annual_attrition=1.2), "segments.Core.annual_attrition", "between"),
    (dict(target_phasing=(0.5, 0.5, 0.5, 0.5)), "segments.Core.target_phasing", "100%"),
    (dict(hiring_plan=(1, 2)), "segments.Core.hiring_plan", "12 monthly"),
    (dict(hiring_plan=(0,) * 11 + (-1,)), "segments.Core.hiring_plan[Dec]", "between"),
    (dict(earliest_start_month=13), "segments.Core.earliest_start_month", "between 1 and 12"),
    (dict(bookings_target_usd=float("nan")), "segments.Core.bookings_target_usd", "finite"),
    (dict(time_to_hire_months=1.5), "segments.Core.time_to_hire_months", "whole number"),
])
def test_invalid_assumptions_name_the_field(change, field, words):
    with pytest.raises(ScenarioError) as err:
        run_scenario(one_segment(**change))
    assert str(err.value).startswith(field + ":")
    assert words in str(err.value)


def test_from_dict_errors_and_round_trip(sample):
    sc = default_scenario(sample)
    d = json.loads(json.dumps(sc.to_dict()))
    assert CapacityScenario.from_dict(d) == sc
    bad = json.loads(json.dumps(d))
    bad["segments"]["SMB"]["quota_usd"] = -1
    with pytest.raises(ScenarioError, match=r"^segments\.SMB\.quota_usd"):
        CapacityScenario.from_dict(bad)
    with pytest.raises(ScenarioError, match="unknown scenario field"):
        CapacityScenario.from_dict({**d, "budget": 5})
    with pytest.raises(ScenarioError, match=r"segments\.SMB: unknown field\(s\) quota"):
        CapacityScenario.from_dict({**d, "segments": {"SMB": {**d["segments"]["SMB"], "quota": 1}}})
    gone = {**d, "people": [{**d["people"][0], "segment": "Mars"}]}
    with pytest.raises(ScenarioError, match=r"people\[0\]\.segment"):
        CapacityScenario.from_dict(gone)


# --- defaults from the data -------------------------------------------------------------------
def test_default_scenario_from_sample(sample):
    sc = default_scenario(sample)
    tg = sample.targets.groupby("segment")["bookings_target_usd"].sum()
    assert {n: s.bookings_target_usd for n, s in sc.segments.items()} == pytest.approx(tg.to_dict())
    ids = {p.rep_id: p for p in sc.people}
    assert len(ids) == 31 and ids["REQ-01"].status == "open_req" and ids["REQ-01"].start_date == "2027-03-01"
    assert ids["R-016"].end_date == "2027-02-26"
    # Attainment: median of bookings ÷ quota over the segment's rep-quarters in the last 6 quarters.
    h = sample.history.merge(sample.reps[["rep_id", "segment"]], on="rep_id")
    smb = h.loc[h["segment"] == "SMB"]
    assert sc.segments["SMB"].attainment == pytest.approx(float((smb["bookings_usd"] / smb["quota_usd"]).median()))
    assert "median" in sc.segments["SMB"].attainment_source
    # As of 2026-11-30 with 3 months to hire, Enterprise hires start in March; 2 months → February.
    assert sc.segments["Enterprise"].earliest_start_month == 3
    assert sc.segments["Mid-market"].earliest_start_month == 2
    d = sample.settings.segments["Mid-market"]
    assert sc.segments["Mid-market"].cost_per_head_usd == pytest.approx(d.ote_usd * (1 + d.loaded_cost_extra))
    assert sc.segments["SMB"].accounts_to_cover == int((sample.accounts["segment"] == "SMB").sum())
    assert sc.support_today == {"SDR": 10, "SE": 6, "CSM": 6}


def test_sample_result_is_sane(sample):
    res = run_scenario(default_scenario(sample), sample)
    s = res.summary()
    for key in ("headcount_start", "headcount_end", "hires", "cost_usd", "expected_bookings_usd",
                "capacity_target_usd", "gap_usd", "cost_of_sales", "bookings_per_head_usd"):
        assert key in s
    assert s["headcount_start"] == 30  # 30 AEs in seat in January; REQ-01 starts in March
    assert s["capacity_target_usd"] == pytest.approx(24_500_000)
    assert 0 < s["expected_bookings_usd"] < s["capacity_target_usd"]
    assert s["gap_usd"] == pytest.approx(s["capacity_target_usd"] - s["expected_bookings_usd"])
    assert s["hires_needed"] > 0
    assert len(res.monthly) == 36 and np.isfinite(res.monthly.select_dtypes("number")).all().all()
    assert set(res.support["role"]) == {"SDR", "SE", "CSM"}


def test_segment_attainment_empty_history(sample):
    out = segment_attainment(sample.history.iloc[0:0], sample.reps)
    assert out.empty


def test_fast_expected_bookings_matches_the_full_run(sample):
    from planning.capacity import expected_bookings

    sc = default_scenario(sample).with_segment("SMB", hiring_plan=(0, 2, 1) + (0,) * 9)
    assert expected_bookings(sc) == pytest.approx(run_scenario(sc).summary()["expected_bookings_usd"])


def test_default_scenario_without_targets_or_history(sample):
    import dataclasses

    bare = dataclasses.replace(sample, targets=sample.targets.iloc[0:0], history=sample.history.iloc[0:0])
    sc = default_scenario(bare)
    d = sample.settings.segments["SMB"]
    assert sc.segments["SMB"].attainment == d.expected_attainment
    assert "no history" in sc.segments["SMB"].attainment_source
    # No finance target: plan to today's capacity (10 SMB AEs × quota × attainment), so the gap reads ~0.
    assert sc.segments["SMB"].bookings_target_usd == pytest.approx(10 * 500_000 * d.expected_attainment)
    assert run_scenario(sc, bare).summary()["capacity_target_usd"] > 0
