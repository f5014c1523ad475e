"""Scenario ↔ editor tables (what the page's data editors edit), every bad cell named in words, and the views
(headline, tables, compare, exports) scoped to the user."""
from __future__ import annotations

import numpy as np
import pytest

from planning.access import Role, User
from planning.capacity import (COMPARE_ROWS, CellProblem, ScenarioError, apply_tables, compare_summaries,
                               compare_table, default_scenario, export_sheets, headline, hiring_export, run_scenario,
                               scenario_from_tables, scenario_tables, segment_view, support_view, tornado,
                               tornado_view, with_needed_hires)
from planning.reporting import figure, scenario_costs

VIEWER = User("v@acme.test", "Vic", Role.VIEWER)
MANAGERLESS_FINANCE = User("f@acme.test", "Finn", Role.FINANCE)


def test_tables_round_trip(sample):
    sc = default_scenario(sample)
    t = scenario_tables(sc)
    assert list(t["assumptions"].index) == list(sc.segments)
    assert t["ramp"].loc["SMB"].tolist()[:4] == [25.0, 50.0, 75.0, 100.0] and np.isnan(t["ramp"].loc["SMB", "M5"])
    # rates are percentage points, rounded for display; a cell left as shown keeps the exact value
    assert sc.segments["Mid-market"].attainment == 0.8474999999999999
    assert t["assumptions"].loc["Mid-market", "attainment"] == 84.75
    assert t["support"].loc["SMB", "opp_win_rate"] == 33.33
    assert scenario_from_tables(sc, t) == sc


def test_percentages_are_typed_as_percentages(sample):
    sc = default_scenario(sample)
    t = scenario_tables(sc)
    t["assumptions"].loc["Enterprise", "attainment"] = 70  # typed 70 → 70%
    t["assumptions"].loc["SMB", "annual_attrition"] = 25
    t["phasing"].loc["SMB"] = [25, 25, 25, 25]
    t["ramp"].loc["SMB", ["M1", "M2", "M3", "M4"]] = [50, 100, np.nan, np.nan]
    t["hiring"].loc["SMB", "Mar"] = 2
    out, problems = apply_tables(sc, t)
    assert problems == []
    assert out.segments["Enterprise"].attainment == 0.7 and out.segments["SMB"].annual_attrition == 0.25
    assert out.segments["SMB"].target_phasing == (0.25, 0.25, 0.25, 0.25)
    assert out.segments["SMB"].ramp_curve == (0.5, 1.0) and out.segments["SMB"].hiring_plan[2] == 2
    # one quarter typed as shown-rounded still adds up: 22 + 23.99 + 25.01 + 29 = 100 (display rounding renormalised)
    t = scenario_tables(sc)
    t["phasing"].loc["Mid-market", "Q1"] = 22.0
    t["phasing"].loc["Mid-market", "Q3"] = 25.01
    out, problems = apply_tables(sc, t)
    assert problems == [] and sum(out.segments["Mid-market"].target_phasing) == pytest.approx(1.0)


def test_every_bad_cell_is_named_in_words(sample):
    sc = default_scenario(sample)
    t = scenario_tables(sc)
    t["assumptions"].loc["Mid-market", "attainment"] = 250
    t["assumptions"].loc["SMB", "quota_usd"] = -5
    t["assumptions"]["time_to_hire_months"] = t["assumptions"]["time_to_hire_months"].astype(float)
    t["assumptions"].loc["Enterprise", "time_to_hire_months"] = 2.5
    t["support"].loc["SMB", "opp_win_rate"] = 120
    out, problems = apply_tables(sc, t)
    assert out is None
    assert [p.text for p in problems] == [
        "Enterprise · Time to hire (months): must be a whole number (got 2.5)",
        "Mid-market · Expected attainment: must be above 0% and at most 200% (got 250%)",
        "SMB · Quota: must be positive (got -$5)",
        "SMB · Opportunity win rate: must be between 0% and 100% (got 120.0%)",
    ]
    assert problems[1] == CellProblem("assumptions", "Mid-market", "attainment",
                                      "must be above 0% and at most 200% (got 250%)")
    t = scenario_tables(sc)
    t["ramp"].loc["Mid-market", "M6"] = 95
    t["assumptions"].loc["SMB", "quota_usd"] = np.nan
    _, problems = apply_tables(sc, t)
    assert [(p.table, p.segment, p.column) for p in problems] == [("ramp", "Mid-market", None),
                                                                  ("assumptions", "SMB", "quota_usd")]
    assert problems[0].text == "Mid-market · Ramp curve: must reach 100% in its last month (ends at 95%)"
    assert problems[1].text == "SMB · Quota: empty; enter a value"
    with pytest.raises(ScenarioError, match=r"segments\.Mid-market\.ramp_curve: must reach 100%"):
        scenario_from_tables(sc, t)
    _, problems = apply_tables(sc, scenario_tables(sc), csm_book_usd=0.0)
    assert [p.text for p in problems] == ["ARR book per CSM: must be positive (got $0)"]


def test_a_viewer_gets_no_quota_and_no_cost(sample):
    sc = default_scenario(sample)
    res = run_scenario(sc)
    t = scenario_tables(sc, VIEWER)
    assert "quota_usd" not in t["assumptions"] and "cost_per_head_usd" not in t["assumptions"]
    assert "attainment" in t["assumptions"]
    t["assumptions"].loc["SMB", "attainment"] = 70
    out, _ = apply_tables(sc, t)  # the hidden columns keep their values
    assert out.segments["SMB"].quota_usd == sc.segments["SMB"].quota_usd and out.segments["SMB"].attainment == 0.7
    labels = [m.label for m in headline(res, VIEWER)]
    assert "Expected bookings" in labels and not any("cost" in x.lower() for x in labels)
    assert "ae_support_cost_usd" not in segment_view(res, VIEWER) and "ae_support_cost_usd" in segment_view(res)
    assert "support_cost_usd" not in support_view(res, VIEWER)
    assert "cost_usd" not in hiring_export(res, VIEWER) and "cost_usd" in hiring_export(res)
    table = compare_table({"A": res.summary()}, VIEWER)
    assert "AE and support cost" not in table.index and "Cost of sales" not in table.index
    sheets = export_sheets(res, tornado_view(tornado(sc)), VIEWER)
    for name, frame in sheets.items():
        text = " ".join(map(str, frame.columns)) + " " + frame.astype(str).to_string()
        assert "Quota" not in " ".join(map(str, frame.columns)), name
        assert "cost" not in text.lower(), name
    assert "Cost per AE" in export_sheets(res, tornado(sc), MANAGERLESS_FINANCE)["Assumptions"].columns


def test_headline_cost_is_the_shared_figure(sample):
    res = run_scenario(default_scenario(sample))
    s = res.summary()
    m = next(m for m in headline(res) if m.name == "ae_support_cost_usd")
    assert m.label == "AE and support cost" == figure("ae_support_cost_usd").label
    assert m.help == figure("ae_support_cost_usd").help
    assert scenario_costs(res).ae_support_cost_usd == pytest.approx(s["ae_cost_usd"] + s["support_cost_usd"])
    assert m.value == "$14.14M"


def test_compare_table(sample):
    a = default_scenario(sample)
    b = a.with_segment("SMB", attainment=0.6)
    sa, sb = run_scenario(a).summary(), run_scenario(b).summary()
    table = compare_summaries({"A": sa, "B": sb})
    assert list(table.columns) == ["A", "B"] and len(table) == len(COMPARE_ROWS)
    assert table.loc["Expected bookings", "B"] < table.loc["Expected bookings", "A"]
    shown = compare_table({"A": sa, "B": sb})
    assert shown.loc["Target", "A"] == "$24.50M" and shown.loc["Risk", "A"] == "High"
    assert shown.loc["AEs in January", "A"] == f"{sa['headcount_start']:.1f}"


def test_needed_hires_close_the_gap(sample):
    sc = default_scenario(sample)
    res = run_scenario(sc)
    more = with_needed_hires(sc, res)
    assert sum(sum(s.hiring_plan) for s in more.segments.values()) == res.summary()["hires_needed"]
    assert run_scenario(more).summary()["hires_needed"] == 0


def test_cost_and_quota_columns_are_known_by_their_words():
    from planning.capacity import is_hidden

    assert is_hidden(VIEWER, "recruiting_cost_usd") and is_hidden(VIEWER, "budget_usd")
    assert is_hidden(VIEWER, "quota_usd") and is_hidden(VIEWER, "ramped_quota_usd")
    assert not is_hidden(VIEWER, "attainment") and not is_hidden(VIEWER, "expected_bookings_usd")
    assert not is_hidden(MANAGERLESS_FINANCE, "recruiting_cost_usd") and not is_hidden(None, "quota_usd")
