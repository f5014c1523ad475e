"""Scenario ↔ editor tables (what the page's data editors edit) and the comparison table."""
from __future__ import annotations

import numpy as np
import pytest

from planning.capacity import ScenarioError, default_scenario, run_scenario
from planning.capacity.tables import COMPARE_ROWS, compare_summaries, scenario_from_tables, scenario_tables


def test_tables_round_trip(sample):
    sc = default_scenario(sample)
    t = scenario_tables(sc)
    assert list(t["assumptions"].index) == list(sc.segments)
    assert t["ramp"].loc["SMB"].tolist()[:4] == [0.25, 0.5, 0.75, 1.0] and np.isnan(t["ramp"].loc["SMB", "M5"])
    assert scenario_from_tables(sc, t) == sc


def test_edits_apply_and_bad_cells_name_the_field(sample):
    sc = default_scenario(sample)
    t = scenario_tables(sc)
    t["hiring"].loc["SMB", "Mar"] = 2
    t["assumptions"].loc["Enterprise", "attainment"] = 0.7
    t["ramp"].loc["SMB", ["M1", "M2", "M3", "M4"]] = [0.5, 1.0, np.nan, np.nan]
    out = scenario_from_tables(sc, t)
    assert out.segments["SMB"].hiring_plan[2] == 2 and out.segments["SMB"].ramp_curve == (0.5, 1.0)
    assert out.segments["Enterprise"].attainment == 0.7
    t["assumptions"].loc["SMB", "quota_usd"] = np.nan
    with pytest.raises(ScenarioError, match=r"segments\.SMB\.quota_usd: empty"):
        scenario_from_tables(sc, t)
    t = scenario_tables(sc)
    t["ramp"].loc["Mid-market", "M6"] = 0.95
    with pytest.raises(ScenarioError, match=r"segments\.Mid-market\.ramp_curve: must reach 100%"):
        scenario_from_tables(sc, t)
    t = scenario_tables(sc)
    t["assumptions"].loc["SMB", "attainment"] = 3.2
    with pytest.raises(ScenarioError, match=r"segments\.SMB\.attainment.*300%"):
        scenario_from_tables(sc, t)


def test_compare_table(sample):
    a = default_scenario(sample)
    b = a.with_segment("SMB", attainment=0.6)
    table = compare_summaries({"A": run_scenario(a).summary(), "B": run_scenario(b).summary()})
    assert list(table.columns) == ["A", "B"] and len(table) == len(COMPARE_ROWS)
    assert table.loc["Expected bookings (USD)", "B"] < table.loc["Expected bookings (USD)", "A"]
