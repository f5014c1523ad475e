"""Pages by role (AppTest, the user set in the session as app.py's sign-in gate does): a manager sees exactly
their team on the Data and Disruption pages and the same rows as the CLI; no comp for a manager, comp for finance;
a viewer cannot save; the Review and Users pages work."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User, team_rep_ids
from planning.access.directory import add_user, list_users
from planning.plans import disruption, review
from tests.conftest import proposal, test_store
from planning.reporting import person

ROOT = Path(__file__).resolve().parents[1]
M1 = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")
FIN = User("finn@acme.test", "Finn", Role.FINANCE, source="oidc")
VIEW = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
ADMIN = User("boss@acme.test", "Boss", Role.ADMIN, source="oidc")


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = test_store(tmp_path, monkeypatch)
    s.save_plan(proposal(sample), author="ops")
    return s


def page(name: str, user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=180)
    at.session_state["_access_user"] = user
    return at


def errors(at) -> str:
    return " ".join(e.value for e in at.error)


def test_manager_disruption_page_matches_the_core_and_cli(db, sample, cli):
    at = page("6_Disruption.py", M1).run()
    assert not at.exception
    assert at.selectbox(key="dis_manager").options == ["Ava Harris (M-01)"]
    at.session_state["dis_tab"] = "Per rep"  # only the open tab runs
    at.run()
    reps_table = next(d.value for d in at.dataframe if "pct_arr_retained" in d.value and "rep" in d.value
                      and "manager_name" in d.value)
    team = team_rep_ids(M1, sample.reps)
    core = disruption(sample.current_plan(), db.load_plan("Prop"), sample.accounts, sample.reps, sample.as_of,
                      user=M1)
    # people read "Name (R-010)"; a row without a rep id (no owner) keeps its name alone
    assert set(reps_table["rep"]) == {n if pd.isna(i) else person(n, i) for n, i in zip(core.reps["name"], core.reps["rep_id"])}
    assert set(core.reps["rep_id"].dropna()) <= team
    at.session_state["dis_tab"] = "Accounts"
    at.run()
    acc = next(d.value for d in at.dataframe if "from_owner_name" in d.value and "change" in d.value)
    assert set(acc["account_id"]) == set(core.accounts.loc[~core.accounts["change"].isin(["kept", "unassigned both"]),
                                                           "account_id"])
    add_user(db, User("root@localhost", role=Role.ADMIN), M1.email, "manager", manager_id="M-01")
    out = cli(["--as", M1.email, "disruption", "current", "Prop"]).output
    others = sample.reps.loc[~sample.reps["rep_id"].isin(team), "name"]
    per_rep = out.split("Per rep:")[1].split("Most disrupted")[0]  # (a leaving account names its new owner)
    assert all(n in per_rep for n in core.reps["name"].dropna()) and not any(n in per_rep for n in others)


def test_manager_data_page_is_their_team(db, sample):
    at = page("1_Data.py", M1).run()
    assert not at.exception
    team = team_rep_ids(M1, sample.reps)
    n = int(sample.accounts["owner_rep_id"].isin(team).sum())
    assert at.metric[0].value == f"{n:,}"


def test_comp_is_for_finance_not_managers(db):
    at = page("5_Finance.py", M1).run()
    assert "may not see comp plans" in errors(at)
    at = page("5_Finance.py", FIN).run()
    assert not at.exception and not at.error
    at = page("4_Quota_and_Comp.py", M1).run()
    assert not at.exception
    assert any("Your team's quotas" in h.value for h in at.header)
    assert not any(h.value == "Comp plans" for h in at.header)
    assert any("may not see comp" in i.value for i in at.info)
    for p in ("2_Carve.py", "3_Capacity_Scenarios.py"):
        assert "may not" in errors(page(p, M1).run())


def test_viewer_cannot_save(db):
    at = page("8_Plans.py", VIEW).run()
    assert not at.exception
    assert at.button(key="save_btn").disabled and at.button(key="lib_clone").disabled
    assert "may not change plans" in errors(page("2_Carve.py", VIEW).run())


def test_review_page_ops_submit_manager_approves(db, sample):
    at = page("9_Review.py", OPS).run()
    assert not at.exception
    at.button(key="rv_submit").click().run()
    assert review.status(db, "Prop").state == "in_review"
    at = page("9_Review.py", M1).run()
    assert not at.exception
    assert "review your team's changes" in at.dataframe[0].value["action"].iloc[0]
    at.text_input(key="rv_box_note").input("fine for my team").run()
    at.button(key="rv_box_approve").click().run()
    assert review.status(db, "Prop").decision("team:M-01")["decision"] == "approve"
    at = page("6_Disruption.py", M1).run()
    at.selectbox(key="dis_review_kind").select("account").run()
    at.text_input(key="dis_review_text").input("keep this one with Dana").run()
    at.button(key="dis_review_add").click().run()
    c = review.status(db, "Prop").comments
    assert len(c) == 1 and c.iloc[0]["target_type"] == "account"
    team = team_rep_ids(M1, sample.reps)
    assert c.iloc[0]["target_id"] in set(sample.accounts.loc[sample.accounts["owner_rep_id"].isin(team), "account_id"]) \
        or c.iloc[0]["target_id"] in set(db.load_plan("Prop").owners().loc[lambda o: o.isin(team)].index)


def test_users_page_admin_only(db):
    assert "may not manage users" in errors(page("10_Users.py", OPS).run())
    at = page("10_Users.py", ADMIN).run()
    assert not at.exception
    at.text_input(key="users_email").input("new.manager@acme.test")
    at.selectbox(key="users_role").select("manager")
    at.selectbox(key="users_mgr").select("M-02")
    at.button[0].click().run()
    assert not at.exception, at.exception
    u = list_users(db)
    assert u.set_index("email").at["new.manager@acme.test", "manager_id"] == "M-02"
