"""The one scoped accessor (planning.access.ScopedView): rows and columns per role on a hand-made company of five
people and six accounts, the reports routed through it, and CRM changes cut to a manager's team."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from planning.access import (AccessDenied, OTHER_TEAM, Role, ScopedView, User, author_name, hidden_columns,
                             visible_figures)
from planning.data.dataset import Dataset
from planning.data.validation import ValidationReport

MGR1 = User("mia@acme.test", "Mia", Role.MANAGER, manager_id="M-1", source="oidc")
VIEWER = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")
FIN = User("fin@acme.test", "Fin", Role.FINANCE, source="oidc")
LEAD = User("lee@acme.test", "Lee", Role.LEADERSHIP, source="oidc")


@pytest.fixture()
def tiny() -> Dataset:
    """Team M-1: Ann (R-1, accounts A1 $100, A2 $200) and Bob (R-2, A3 $300).  Team M-2: Dee (R-3, A4 $400,
    A5 $500).  A6 ($600) has no owner."""
    reps = pd.DataFrame({
        "rep_id": ["M-1", "R-1", "R-2", "M-2", "R-3"], "name": ["Mia", "Ann", "Bob", "Cal", "Dee"],
        "role": ["Manager", "AE", "AE", "Manager", "AE"], "segment": ["Mid-market"] * 5,
        "manager_id": [None, "M-1", "M-1", None, "M-2"], "region": ["West"] * 5, "area": ["MM West"] * 5,
        "lat": [37.0] * 5, "lon": [-122.0] * 5, "status": ["active"] * 5,
        "start_date": [pd.Timestamp("2020-01-01")] * 5, "end_date": [pd.NaT] * 5,
        "quota_usd": [None, 1_000_000.0, 800_000.0, None, 900_000.0], "crm_user_id": ["u0", "u1", "u2", "u3", "u4"]})
    accounts = pd.DataFrame({
        "account_id": ["A1", "A2", "A3", "A4", "A5", "A6"], "name": ["Alpha", "Beta", "Gamma", "Delta", "Eps", "Zeta"],
        "segment": ["Mid-market"] * 6, "region": ["West"] * 6,
        "arr_usd": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0], "potential_usd": [1000.0] * 6,
        "workload_hours": [10.0] * 6, "open_pipeline_usd": [0.0] * 6, "lat": [37.1] * 6, "lon": [-122.1] * 6,
        "next_renewal_date": [pd.NaT] * 6, "owner_rep_id": ["R-1", "R-1", "R-2", "R-3", "R-3", None]})
    targets = pd.DataFrame({"segment": ["Mid-market", "Mid-market"], "region": ["West", "East"],
                            "period": ["2027", "2027"], "bookings_target_usd": [2_000_000.0, 1_000_000.0]})
    history = pd.DataFrame({"rep_id": ["R-1", "R-2", "R-3"], "period": ["2026Q1"] * 3,
                            "quota_usd": [250_000.0, 200_000.0, 225_000.0], "bookings_usd": [240_000.0] * 3})
    return Dataset("tiny", accounts, reps, targets, history, None, ValidationReport(), pd.Timestamp("2026-11-01"), 2027)


def test_manager_sees_their_team_rows_and_quota_but_no_company_targets(tiny):
    ds = ScopedView(MGR1, tiny).dataset
    assert list(ds.accounts["account_id"]) == ["A1", "A2", "A3"]
    assert list(ds.reps["rep_id"]) == ["M-1", "R-1", "R-2"]
    assert list(ds.history["rep_id"]) == ["R-1", "R-2"] and "quota_usd" in ds.history  # their team's quotas
    assert "quota_usd" in ds.reps and ds.reps["quota_usd"].sum() == 1_800_000.0
    assert len(ds.targets) == 0  # company targets are no manager's


def test_viewer_sees_every_row_and_the_targets_but_no_quota_column(tiny):
    ds = ScopedView(VIEWER, tiny).dataset
    assert len(ds.accounts) == 6 and len(ds.reps) == 5
    assert "quota_usd" not in ds.reps
    assert len(ds.history) == 0 and "quota_usd" not in ds.history  # the per-rep quota history: no rows
    # the bookings targets are company-wide figures (the Capacity page shows them), not quotas
    assert ds.targets["bookings_target_usd"].sum() == 3_000_000.0
    assert "arr_usd" in ds.accounts  # ARR is not a quota figure


def test_finance_sees_everything(tiny):
    ds = ScopedView(FIN, tiny).dataset
    assert len(ds.accounts) == 6 and len(ds.history) == 3 and len(ds.targets) == 2
    assert ds.targets["bookings_target_usd"].sum() == 3_000_000.0


def test_hidden_columns_per_role():
    cols = ["name", "arr_usd", "quota_usd", "Q1_quota_usd", "bookings_target_usd", "coverage_ratio", "cost_usd",
            "ae_cost_usd", "ote_usd", "payout_usd", "headcount", "potential_usd", "quota_reps", "history_quarters",
            "hiring_budget_usd"]
    assert hidden_columns(VIEWER, cols) == ["quota_usd", "Q1_quota_usd", "coverage_ratio", "cost_usd", "ae_cost_usd",
                                            "ote_usd", "payout_usd", "hiring_budget_usd"]
    assert hidden_columns(MGR1, cols) == ["cost_usd", "ae_cost_usd", "ote_usd", "payout_usd", "hiring_budget_usd"]
    assert hidden_columns(FIN, cols) == [] and hidden_columns(LEAD, cols) == []
    assert visible_figures(MGR1, {"arr_usd": 1.0, "cost_usd": 2.0}) == {"arr_usd": 1.0}


def test_summary_is_the_team_for_a_manager_and_has_no_cost_without_view_comp(tiny):
    plan = tiny.current_plan()
    mine = ScopedView(MGR1, tiny).summary(plan)
    assert mine["accounts_assigned"] == 3 and mine["arr_usd"] == 600.0 and mine["quota_reps"] == 2
    assert not [k for k in mine if "cost" in k]
    viewer = ScopedView(VIEWER, tiny).summary(plan)
    assert viewer["accounts_assigned"] == 5 and viewer["arr_usd"] == 1500.0 and viewer["quota_reps"] == 3
    assert not [k for k in viewer if "cost" in k]
    assert [k for k in ScopedView(FIN, tiny).summary(plan) if "cost" in k]


def test_book_plan_and_disruption_are_cut_to_the_team(tiny):
    v = ScopedView(MGR1, tiny)
    cur = tiny.current_plan()
    book = v.book(cur)
    assert list(book.index) == ["T-R-1", "T-R-2"] and list(book["arr_usd"]) == [300.0, 300.0]
    assert set(v.plan(cur).assignment.index) == {"A1", "A2", "A3"}
    moved = cur.with_moves({"A3": "T-R-3"}, name="moved")  # Bob's Gamma goes to Dee
    rep = v.disruption(cur, moved)
    assert set(rep.reps["rep_id"].dropna()) <= {"M-1", "R-1", "R-2"}
    assert set(rep.accounts["account_id"]) <= {"A1", "A2", "A3"}
    assert ScopedView(VIEWER, tiny).disruption(cur, moved).company["accounts_moved"] == 1


def _export(rows: list[dict]) -> SimpleNamespace:
    clean = pd.DataFrame(rows, columns=["account_id", "name", "segment", "owner_rep_id", "arr_usd"])
    return SimpleNamespace(clean=clean, rejects=pd.DataFrame(columns=["account_id"]))


def test_crm_changes_of_a_one_row_export_are_the_managers_team_only(tiny):
    """A manager's one-row export: their other two accounts are missing from it (deleted), the other team's two
    and the unowned one are not theirs to see at all."""
    cur = tiny.current_plan()
    one = _export([{"account_id": "A1", "name": "Alpha", "segment": "Mid-market", "owner_rep_id": "R-1",
                    "arr_usd": 100.0}])
    ch = ScopedView(MGR1, tiny).crm_changes(cur, one)
    assert ch.counts() == {"new_account": 0, "deleted_account": 2, "owner_change": 0, "arr_change": 0}
    assert set(ch.changes["account_id"]) == {"A2", "A3"}
    every = ScopedView(FIN, tiny).crm_changes(cur, one)
    assert every.counts()["deleted_account"] == 5  # A2..A6: the unscoped view of the same export


def test_crm_changes_name_no_one_of_another_team(tiny):
    """Ann's Alpha re-assigned to Dee (team M-2) and Dee's Delta to Bob (team M-1): a manager of M-1 sees both as
    owner changes of their team, with Dee and her territory named '(another team)'; Eps (Dee's) is not shown."""
    cur = tiny.current_plan()
    exp = _export([
        {"account_id": "A1", "name": "Alpha", "segment": "Mid-market", "owner_rep_id": "R-3", "arr_usd": 100.0},
        {"account_id": "A2", "name": "Beta", "segment": "Mid-market", "owner_rep_id": "R-1", "arr_usd": 200.0},
        {"account_id": "A3", "name": "Gamma", "segment": "Mid-market", "owner_rep_id": "R-2", "arr_usd": 300.0},
        {"account_id": "A4", "name": "Delta", "segment": "Mid-market", "owner_rep_id": "R-2", "arr_usd": 400.0},
        {"account_id": "A5", "name": "Eps", "segment": "Mid-market", "owner_rep_id": "R-3", "arr_usd": 999.0},
        {"account_id": "A6", "name": "Zeta", "segment": "Mid-market", "owner_rep_id": None, "arr_usd": 600.0}])
    ch = ScopedView(MGR1, tiny).crm_changes(cur, exp)
    df = ch.changes.set_index("account_id")
    assert list(df.index) == ["A1", "A4"] and set(df["change_type"]) == {"owner_change"}
    assert df.at["A1", "crm_owner"] == OTHER_TEAM and df.at["A1", "proposed_territory"] == OTHER_TEAM
    assert df.at["A4", "baseline_owner"] == OTHER_TEAM and df.at["A4", "plan_territory"] == OTHER_TEAM
    assert df.at["A4", "crm_owner"] == "Bob" and df.at["A4", "proposed_territory"] == "T-R-2"
    text = ch.changes.astype(str).to_csv()
    assert not any(s in text for s in ("Dee", "Cal", "R-3", "M-2", "A5", "Eps", "999"))
    # the unscoped view sees Eps's ARR change too
    assert ScopedView(FIN, tiny).crm_changes(cur, exp).counts()["arr_change"] == 1


def test_applying_crm_changes_needs_edit_plans(tiny):
    cur = tiny.current_plan()
    one = _export([{"account_id": "A1", "name": "Alpha", "segment": "Mid-market", "owner_rep_id": "R-1",
                    "arr_usd": 100.0}])
    v = ScopedView(MGR1, tiny)
    with pytest.raises(AccessDenied, match="may not change plans"):
        v.apply_crm_changes(cur, v.crm_changes(cur, one).changes, one, name="x")


def test_quota_for_a_manager_is_their_team_without_company_targets(sample):
    cur = sample.current_plan()
    mgr = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")
    v = ScopedView(mgr, sample)
    res = v.quota(cur)
    assert len(res.table) and set(res.table["owner_rep_id"]) <= v.team
    assert len(res.targets) == 0 and len(res.gaps) == 0
    assert set(res.quarterly["territory_id"]) <= set(res.table.index)
    full = ScopedView(FIN, sample).quota(cur)
    assert len(full.table) > len(res.table)
    with pytest.raises(AccessDenied):
        ScopedView(VIEWER, sample).quota(cur)


def test_author_is_the_acting_user_or_the_os_login_for_the_local_user():
    assert author_name(User("boss@acme.test", role=Role.ADMIN, source="cli")) == "boss@acme.test"
    assert author_name(User("ana@localhost", "ana", Role.ADMIN, os_login="ana", source="local")) == "ana"
