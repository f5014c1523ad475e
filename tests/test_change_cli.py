"""`change leave` / `change hire` (issue 25): both leaver options side by side, the save as a change version of
the base plan with its effective date, the submit for review, the disruption budget, and the acting user's role."""
from __future__ import annotations

import pandas as pd
import pytest

from planning.access import Role, User
from planning.changes import CHANGE_KIND, change_of
from planning.plans import PlanStore, load_sample_proposal
from tests.conftest import store_with_users

OPS, MGR = "ops@acme.test", "fatima@acme.test"


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = store_with_users(tmp_path, monkeypatch, User(OPS, "Ops", Role.SALES_OPS), User(MGR, "Fatima", Role.MANAGER, "M-03"))
    s.save_plan(load_sample_proposal(sample.reps), name="FY27", author="ops")
    s.dispose()
    return s.url


def test_leave_prints_both_options_side_by_side(cli, db):
    r = cli(["--as", OPS, "change", "leave", "R-010", "--last-day", "2027-03-31", "--plan", "FY27"])
    assert r.exit_code == 0, r.output
    assert "Liam Turner (R-010) leaves: last day 2027-03-31, effective 2027-04-01; from FY27 v1" in r.output
    side = r.output.split("Side by side:")[1].split("==")[0]
    assert "Keep the book as an open territory" in side and "Split the book over neighbouring" in side
    assert "Accounts moved" in side and "Quota moved" in side
    assert "Quota for the year" in r.output and "until 2027-06-29" in r.output


def test_leave_saves_the_split_as_a_change_version_and_submits_it(cli, db):
    r = cli(["--as", OPS, "change", "leave", "R-010", "--last-day", "2027-03-31", "--plan", "FY27",
             "--option", "split", "--save", "FY27", "--submit"])
    assert r.exit_code == 0, r.output
    assert "as FY27 v2 (a change version, effective 2027-04-01); submitted for review" in r.output
    store = PlanStore(db)
    plan = store.load_plan("FY27", 2)
    spec = change_of(plan)
    assert plan.kind == CHANGE_KIND and spec.option == "split" and spec.base_version == 1
    assert spec.effective_date == pd.Timestamp("2027-04-01") and spec.holdover_days == 90
    assert "R-010" not in set(plan.territories["owner_rep_id"].dropna())
    from planning.plans import status

    assert status(store, "FY27", 2).state == "in_review"
    store.dispose()


def test_saving_a_leaver_needs_the_option(cli, db):
    r = cli(["--as", OPS, "change", "leave", "R-010", "--last-day", "2027-03-31", "--plan", "FY27", "--save", "X"])
    assert r.exit_code == 2 and "--option placeholder or --option split" in r.output


def test_hire_respects_the_disruption_budget(cli, db):
    r = cli(["--as", OPS, "change", "hire", "--segment", "Mid-market", "--region", "West", "--start", "2027-05-01",
             "--max-moves", "25", "--plan", "FY27"])
    assert r.exit_code == 0, r.output
    assert "New Mid-market rep in West: starts 2027-05-01" in r.output
    assert "at most 25 accounts moved" in r.output
    moved = r.output.split("Accounts moved")[1].split("\n")[0].split()
    assert 0 < int(moved[0].replace(",", "")) <= 25


def test_bad_input_and_other_roles_get_one_clear_line(cli, db):
    r = cli(["--as", OPS, "change", "leave", "R-010", "--last-day", "2026-12-31"])
    assert r.exit_code == 2 and "outside plan year 2027" in r.output
    r = cli(["--as", OPS, "change", "leave", "R-999", "--last-day", "2027-03-31"])
    assert r.exit_code == 2 and "R-999" in r.output
    r = cli(["--as", MGR, "change", "leave", "R-010", "--last-day", "2027-03-31"])
    assert r.exit_code == 3 and "denied:" in r.output
