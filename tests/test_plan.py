"""Plan metrics and balance figures against hand-worked numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.data.people import capacity_share, ramp_factor
from planning.plans.plan import balance_figures, balance_table, capacity_targets, current_plan, metrics


def _tiny():
    accounts = pd.DataFrame({
        "account_id": ["a1", "a2", "a3", "a4"], "segment": "SMB",
        "arr_usd": [100.0, 300.0, 0.0, 600.0], "potential_usd": [1000.0, 1000.0, 2000.0, 4000.0],
        "workload_hours": [4.0, 4.0, 4.0, 4.0], "open_pipeline_usd": [0.0, 50.0, 0.0, 0.0],
        "lat": [40.0, 40.0, 41.0, 41.0], "lon": [-75.0, -75.0, -75.0, -75.0], "owner_rep_id": ["r1", "r1", "r2", "r2"],
    })
    reps = pd.DataFrame({"rep_id": ["r1", "r2"], "name": ["Ann", "Bo"], "role": "AE", "segment": "SMB", "region": "East",
                         "manager_id": None, "area": None, "status": "active", "lat": [40.0, 41.0], "lon": [-75.0, -75.0],
                         "start_date": pd.to_datetime(["2020-01-01", "2020-01-01"]), "end_date": pd.NaT,
                         "capacity_override": np.nan})
    return accounts, reps


def test_balance_figures_hand_worked():
    figs = balance_figures(pd.Series([2.0, 4.0, 6.0]))
    # mean 4: max/mean 1.5, min/mean 0.5, max/min 3, cv = sqrt(8/3)/4, worst |x/4-1| = 0.5
    assert figs["max_mean"] == 1.5 and figs["min_mean"] == 0.5 and figs["max_min"] == 3.0
    assert figs["cv"] == pytest.approx(np.sqrt(8 / 3) / 4)
    assert figs["worst_dev"] == 0.5


def test_metrics_and_balance_on_a_tiny_plan():
    accounts, reps = _tiny()
    plan = current_plan(accounts, reps)
    book = metrics(plan, accounts, reps, plan_year=2027)
    assert book.loc["T-r1", ["accounts", "arr_usd", "potential_usd"]].tolist() == [2, 400.0, 2000.0]
    assert book.loc["T-r2", ["accounts", "arr_usd", "potential_usd"]].tolist() == [2, 600.0, 6000.0]
    assert book.loc["T-r1", "mean_distance_mi"] == pytest.approx(0.0)
    assert book.loc["T-r2", "customers"] == 1
    bt = balance_table(book).set_index("metric")
    assert bt.loc["potential_usd", "max_min"] == 3.0 and bool(bt.loc["potential_usd", "flag_variance"])
    assert bt.loc["accounts", "cv"] == 0.0


def test_with_moves_makes_an_edited_copy():
    accounts, reps = _tiny()
    plan = current_plan(accounts, reps)
    edited = plan.with_moves({"a4": "T-r1"})
    assert edited.kind == "edited" and plan.assignment["a4"] == "T-r2" and edited.assignment["a4"] == "T-r1"
    assert edited.owners()["a4"] == "r1"
    with pytest.raises(ValueError, match="unknown territory"):
        plan.with_moves({"a1": "T-nobody"})


def test_ramp_and_capacity_share_hand_worked():
    assert ramp_factor(np.array([-1, 0, 1, 2, 3, 10]), (0.25, 0.5, 0.75)).tolist() == [0, 0.25, 0.5, 0.75, 1.0, 1.0]
    reps = pd.DataFrame({"rep_id": ["full", "new", "leaver", "req"], "segment": "SMB",
                         "start_date": pd.to_datetime(["2020-01-01", "2027-01-01", "2020-01-01", "2027-07-01"]),
                         "end_date": pd.to_datetime([None, None, "2027-03-31", None]), "capacity_override": np.nan})
    share = capacity_share(reps, 2027).tolist()
    # SMB ramp 25/50/75/100: new hire = (0.25+0.5+0.75+9)/12; leaver in seat Jan–Mar = 3/12; req from July = (0.25+0.5+0.75+3)/12
    assert share == pytest.approx([1.0, 10.5 / 12, 3 / 12, 4.5 / 12])


def test_capacity_targets_split_by_capacity():
    book = pd.DataFrame({"segment": ["S", "S"], "potential_usd": [100.0, 200.0], "capacity_share": [1.0, 0.5]})
    assert capacity_targets(book, "potential_usd").tolist() == [200.0, 100.0]


def test_rollup_by_region_and_area():
    from planning.plans.plan import rollup

    book = pd.DataFrame({"region": ["E", "E", "W"], "area": ["a", "b", "c"], "owner_rep_id": ["r1", None, "r3"],
                         "accounts": [2, 3, 4], "customers": [1, 0, 2], "arr_usd": [10.0, 0.0, 5.0],
                         "potential_usd": [1.0, 2.0, 3.0], "workload_hours": [1.0, 1.0, 1.0], "open_pipeline_usd": 0.0})
    r = rollup(book, "region").set_index("region")
    assert r.loc["E", ["territories", "open_territories", "accounts", "arr_usd"]].tolist() == [2, 1, 5, 10.0]
