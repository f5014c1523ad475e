"""The headline figures (planning.reporting.figures) on plans small enough to count by hand."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planning.plans.plan import Plan, current_plan
from planning.reporting import figures as F

TERRITORIES = pd.DataFrame({
    "territory_id": ["T-r1", "T-r2", "T-r3", "T-open"], "name": ["East 1", "East 2", "East 3", "East open"],
    "region": "East", "area": "A", "segment": "SMB", "owner_rep_id": ["r1", "r2", "r3", None]}).set_index("territory_id")


def _data():
    accounts = pd.DataFrame({
        "account_id": ["a1", "a2", "a3", "a4", "a5"], "name": list("ABCDE"), "segment": "SMB", "region": "East",
        "arr_usd": [100.0, 300.0, 0.0, 600.0, 1000.0], "potential_usd": [1000.0, 1000.0, 2000.0, 4000.0, 500.0],
        "workload_hours": 4.0, "open_pipeline_usd": [0.0, 50.0, 0.0, 0.0, 0.0], "lat": 40.0, "lon": -75.0,
        "next_renewal_date": pd.NaT,
        # a5 is unowned today
        "owner_rep_id": ["r1", "r1", "r2", "r3", None]})
    reps = pd.DataFrame({"rep_id": ["r1", "r2", "r3"], "name": ["Ann", "Bo", "Cy"], "role": "AE", "segment": "SMB",
                         "region": "East", "manager_id": "m1", "area": None, "status": ["active", "active", "leaving"],
                         "lat": 40.0, "lon": -75.0, "start_date": pd.to_datetime("2020-01-01"),
                         "end_date": pd.to_datetime([None, None, "2027-03-31"]), "capacity_override": np.nan})
    return accounts, reps


def _plans():
    accounts, reps = _data()
    a = current_plan(accounts, reps, TERRITORIES.reset_index())
    # a1 stays with r1, a2 r1 → r2, a3 stays with r2, a4 r3 → the open territory, a5 (unowned) → r1
    b = Plan("B", pd.Series({"a1": "T-r1", "a2": "T-r2", "a3": "T-r2", "a4": "T-open", "a5": "T-r1"}),
             TERRITORIES.copy(), kind="proposal")
    return accounts, reps, a, b


def test_moves_count_owner_changes_and_keep_the_unowned_apart():
    accounts, reps, a, b = _plans()
    m = F.moved_between(a, b, accounts)
    # a2 (ARR 300) and a4 (ARR 600, to an open territory) move; a5 was unowned: newly assigned, not moved
    assert m["accounts_moved"] == 2 and m["arr_moved_usd"] == 900.0
    assert m["newly_assigned"] == 1 and m["newly_unassigned"] == 0
    assert m["pct_accounts_moved"] == pytest.approx(2 / 5) and m["pct_arr_moved"] == pytest.approx(900 / 2000)
    assert F.accounts_moved(a, b, accounts) == 2 and F.arr_moved(a, b, accounts) == 900.0
    # backwards: a5 loses its owner (unassigned), a2 and a4 move back
    back = F.moved_between(b, a, accounts)
    assert back["accounts_moved"] == 2 and back["newly_unassigned"] == 1 and back["newly_assigned"] == 0


def test_the_disruption_report_uses_the_same_moves():
    from planning.plans.disruption_report import disruption

    accounts, reps, a, b = _plans()
    c = disruption(a, b, accounts, reps, "2027-01-01").company
    assert (c["accounts_moved"], c["arr_moved_usd"], c["newly_assigned"]) == (2, 900.0, 1)


def test_balance_is_measured_on_book_over_capacity_target():
    # potentials 120 / 80 / 50 with capacities 1 / 1 / 0.5: targets 100 / 100 / 50, loads 1.2 / 0.8 / 1.0;
    # the fourth territory has no capacity this year and is left out
    book = pd.DataFrame({"segment": "S", "potential_usd": [120.0, 80.0, 50.0, 10.0],
                         "capacity_share": [1.0, 1.0, 0.5, 0.0]}, index=["t1", "t2", "t3", "t4"])
    row = F.book_balance(book, ("potential_usd",)).iloc[0]
    assert row["territories"] == 3
    assert row["max_mean"] == pytest.approx(1.2) and row["min_mean"] == pytest.approx(0.8)
    assert row["max_min"] == pytest.approx(1.5) and row["worst_dev"] == pytest.approx(0.2)
    assert row["cv"] == pytest.approx(np.sqrt(0.08 / 3))
    assert not row["flag_variance"]  # the raw books' 120 ÷ 50 = 2.4 would have flagged it
    # equal capacities: the plain definitions (max/mean, min/mean, max/min, std/mean of the books)
    even = F.book_balance(pd.DataFrame({"segment": "S", "potential_usd": [2.0, 4.0, 6.0]}), ("potential_usd",))
    assert even.iloc[0][["max_mean", "min_mean", "max_min", "worst_dev"]].tolist() == pytest.approx([1.5, 0.5, 3.0, 0.5])
    assert F.worst_segment(even, "potential_usd", "max_min") == pytest.approx(3.0)


def test_balance_of_a_plan_with_a_leaver():
    accounts, reps, a, b = _plans()
    t = F.balance(a, accounts, reps, 2027, metrics_=("potential_usd",))
    # capacities 1, 1, 3/12 (r3 leaves 31 March), the open territory 1; potential 2000 / 2000 / 4000 / 0
    # → targets 8000 × (1, 1, 0.25, 1) / 3.25 and loads 0.8125, 0.8125, 6.5, 0
    row = t.iloc[0]
    assert row["territories"] == 4 and row["max_min"] == np.inf
    assert row["worst_dev"] == pytest.approx(5.5)


def test_quota_reps_and_ae_cost():
    accounts, reps, a, b = _plans()
    assert F.quota_reps(a) == 4 and F.open_territories(a) == 1  # r1, r2, r3 and the open territory
    two = TERRITORIES.copy()
    two.loc["T-r3", "owner_rep_id"] = "r1"  # r1 holds two territories: one rep
    assert F.quota_reps(Plan("x", a.assignment, two)) == 3
    # SMB seat: OTE 130,000 × 1.25 loaded = 162,500; four territories
    assert F.seat_cost("SMB") == 162_500.0 and F.ae_cost(a) == 650_000.0


def test_costs_are_named_apart():
    sim = SimpleNamespace(total_variable_cost=np.array([100.0, 300.0]))
    assert F.comp_cost(sim) == 200.0
    summary = {"ae_cost_usd": 10.0, "support_cost_usd": 4.0, "cost_usd": 14.0}
    c = F.scenario_costs(SimpleNamespace(summary=lambda: summary))
    assert c.as_dict() == {"ae_cost_usd": 10.0, "support_cost_usd": 4.0, "ae_support_cost_usd": 14.0,
                           "comp_cost_usd": None}


def test_every_figure_has_a_definition_and_a_scope():
    for name, fig in F.FIGURES.items():
        assert fig.name == name and fig.label and fig.definition.endswith(".") and fig.scope.endswith(".")
    assert "newly assigned" in F.figure_help("accounts_moved")
    with pytest.raises(KeyError, match="no figure"):
        F.figure("cost_usd")
