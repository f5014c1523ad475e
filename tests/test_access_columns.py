"""One rule for the columns a role may not see (planning.access.columns): the scoped accessor and the capacity
views hide the same columns from the same roles; the tornado's attainment cap is the scenario's own limit."""
from __future__ import annotations

import pandas as pd
import pytest

from planning.access import Role, ScopedView, User, hidden_columns, is_comp_column, is_quota_column
from planning.capacity import (MAX_ATTAINMENT, CapacityScenario, Person, SegmentAssumptions, compare_summaries,
                               hiring_export, monthly_view, run_scenario, segment_view, tornado, tornado_view)
from planning.capacity import is_hidden as capacity_hidden
from planning.capacity import scoped as capacity_scoped
from planning.data.dataset import Dataset
from planning.data.validation import ValidationReport

M = 1_000_000
USERS = {
    "admin": User("a@acme.test", "Ada", Role.ADMIN, source="oidc"),
    "sales_ops": User("o@acme.test", "Olive", Role.SALES_OPS, source="oidc"),
    "finance": User("f@acme.test", "Finn", Role.FINANCE, source="oidc"),
    "leadership": User("l@acme.test", "Lee", Role.LEADERSHIP, source="oidc"),
    "manager": User("m@acme.test", "Mia", Role.MANAGER, manager_id="M-1", source="oidc"),
    "viewer": User("v@acme.test", "Vic", Role.VIEWER, source="oidc"),
}
QUOTA = ["quota_usd", "Q1_quota_usd", "ramped_quota_usd", "full_year_quota_usd", "quota_pct_potential",
         "quota_coverage", "coverage_ratio", "override_usd", "override_gap_usd"]
COMP = ["cost_usd", "ae_cost_usd", "support_cost_usd", "ae_support_cost_usd", "cost_of_sales", "cost_per_head_usd",
        "sdr_cost_usd", "budget_usd", "hiring_budget_usd", "comp_cost_usd", "ote_usd", "base_usd", "variable_usd",
        "payout_usd", "p90_payout_usd", "rate_at_target", "pay_mix", "accelerator_multiplier", "recruiting_cost_usd"]
# bookings, targets and attainment are company-wide capacity figures, not quotas; counts and sources are not figures
OPEN = ["name", "arr_usd", "potential_usd", "headcount", "rre", "bookings_target_usd", "target_usd",
        "capacity_target_usd", "expected_bookings_usd", "bookings_usd", "gap_usd", "capacity_usd", "attainment",
        "attainment_of_target", "attainment_source", "quota_reps", "history_quarters", "reps_needed_bookings",
        "pipeline_coverage", "compactness_mi", "potential_source"]
COLUMNS = QUOTA + COMP + OPEN
HIDDEN = {"admin": [], "sales_ops": [], "finance": [], "leadership": [], "manager": COMP, "viewer": QUOTA + COMP}


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    reps = pd.DataFrame({"rep_id": ["M-1", "R-1"], "name": ["Mia", "Ann"], "role": ["Manager", "AE"],
                         "segment": ["Mid-market"] * 2, "manager_id": [None, "M-1"], "region": ["West"] * 2,
                         "status": ["active"] * 2, "quota_usd": [None, 1 * M]})
    accounts = pd.DataFrame({"account_id": ["A1"], "name": ["Alpha"], "segment": ["Mid-market"], "region": ["West"],
                             "arr_usd": [100.0], "owner_rep_id": ["R-1"]})
    targets = pd.DataFrame({"segment": ["Mid-market"], "region": ["West"], "period": ["2027"],
                            "bookings_target_usd": [2 * M]})
    history = pd.DataFrame({"rep_id": ["R-1"], "period": ["2026Q1"], "quota_usd": [250_000.0],
                            "bookings_usd": [240_000.0]})
    return Dataset("tiny", accounts, reps, targets, history, None, ValidationReport(), pd.Timestamp("2026-11-01"), 2027)


def one_segment(attainment: float = 0.80) -> CapacityScenario:
    """10 ramped AEs on a $1M quota, no ramp, no attrition: expected bookings = 10 × $1M × attainment."""
    seg = SegmentAssumptions(segment="Core", bookings_target_usd=10 * M, quota_usd=1 * M, attainment=attainment,
                             ramp_curve=(1.0,), annual_attrition=0.0, time_to_hire_months=0,
                             cost_per_head_usd=200_000, earliest_start_month=1, max_hires_per_month=100)
    people = [Person(rep_id=f"R{i}", segment="Core", start_date="2020-01-01") for i in range(10)]
    return CapacityScenario(name="hand", plan_year=2027, segments={"Core": seg}, people=people, csm_cost_usd=0.0)


def test_the_rule_sorts_quota_comp_and_open_columns():
    assert [c for c in COLUMNS if is_quota_column(c)] == QUOTA
    assert [c for c in COLUMNS if is_comp_column(c)] == COMP


@pytest.mark.parametrize("role", list(USERS))
def test_accessor_and_capacity_hide_the_same_columns(role, tiny):
    user = USERS[role]
    frame = pd.DataFrame([range(len(COLUMNS))], columns=COLUMNS)
    assert hidden_columns(user, COLUMNS) == HIDDEN[role]
    assert [c for c in COLUMNS if capacity_hidden(user, c)] == HIDDEN[role]
    via_accessor = ScopedView(user, tiny).columns(frame)
    via_capacity = capacity_scoped(frame, user)
    assert list(via_accessor.columns) == list(via_capacity.columns) == [c for c in COLUMNS if c not in HIDDEN[role]]


@pytest.mark.parametrize("role", list(USERS))
def test_capacity_tables_are_what_the_accessor_would_leave(role, tiny):
    """Each capacity table as the role gets it is the unscoped table cut by the accessor."""
    user, view = USERS[role], ScopedView(USERS[role], tiny)
    res = run_scenario(one_segment())
    for build in (segment_view, monthly_view, hiring_export):
        assert list(build(res, user).columns) == list(view.columns(build(res, None)).columns), build.__name__
    rows = compare_summaries({"A": res.summary()}, user).index
    assert ("Expected bookings" in rows) and ("Target" in rows)  # company-wide capacity figures, every role here
    assert ("AE and support cost" in rows) == (role not in ("manager", "viewer"))


def test_viewer_dataset_keeps_the_targets_not_the_quota_history(tiny):
    """Deliberate (the one rule): a viewer sees the bookings targets the Capacity page shows them, but not the
    per-rep quota history; a manager sees their team's history and no company targets."""
    ds = ScopedView(USERS["viewer"], tiny).dataset
    assert ds.targets["bookings_target_usd"].sum() == 2 * M
    assert len(ds.history) == 0 and "quota_usd" not in ds.history and "quota_usd" not in ds.reps
    mgr = ScopedView(USERS["manager"], tiny).dataset
    assert len(mgr.targets) == 0 and list(mgr.history["quota_usd"]) == [250_000.0]


def test_tornado_attainment_is_capped_at_the_editors_limit():
    """At 190% attainment, +10% would be 209%: the flexed scenario stops at MAX_ATTAINMENT (200%), the limit the
    Capacity editor and scenario files accept.  Bookings are linear in attainment: base $19M, high $20M, low
    $17.1M."""
    assert MAX_ATTAINMENT == 2.0
    t = tornado(one_segment(1.9)).set_index("driver")
    assert t.loc["attainment", "base_usd"] == pytest.approx(19 * M)
    assert t.loc["attainment", "high_usd"] == pytest.approx(20 * M)
    assert t.loc["attainment", "low_usd"] == pytest.approx(17.1 * M)
    assert t.loc["quota", "high_usd"] == pytest.approx(20.9 * M)  # the quota is not capped
    plain = tornado(one_segment(1.0)).set_index("driver")  # 110% is within the limit: no cap
    assert plain.loc["attainment", "high_usd"] == pytest.approx(11 * M)


def test_tornado_view_drops_the_quota_driver_by_the_same_rule():
    t = tornado(one_segment())
    assert "Quota" not in set(tornado_view(t, USERS["viewer"])["driver"])
    assert "Quota" in set(tornado_view(t, USERS["manager"])["driver"])
    assert "Expected attainment" in set(tornado_view(t, USERS["viewer"])["driver"])
