"""AppTest of the Disruption, Compare and Plans pages against a temp SQLite plan store (DATABASE_URL)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.plans.disruption_report import disruption
from planning.plans.store import PlanStore

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "pages"


@pytest.fixture()
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def proposal(sample, n=150, name="Prop"):
    cur = sample.current_plan()
    ids = cur.assignment.dropna().index[:n]
    terrs = list(cur.territories.index)
    return cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name=name)


def page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / name), default_timeout=180)


def test_disruption_page(db, sample):
    prop = proposal(sample)
    PlanStore(db).save_plan(prop, note="for review")
    at = page("6_Disruption.py").run()
    assert not at.exception
    assert at.selectbox(key="dis_b").options == ["Current CRM ownership", "Prop v1 (saved)"]
    assert at.selectbox(key="dis_b").value == 1
    want = disruption(sample.current_plan(), prop, sample.accounts, sample.reps, sample.as_of).company
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts moved"] == f"{want['accounts_moved']:,}"
    assert metrics["Relationships broken"] == f"{want['relationships_broken']:,}"
    at.selectbox(key="dis_manager").select("M-07").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert "Team accounts before" in metrics
    at.number_input(key="dis_window").set_value(30).run()
    assert not at.exception
    # plan A = plan B: nothing moves
    at.selectbox(key="dis_manager").select("All managers").run()
    at.selectbox(key="dis_b").select(0).run()
    assert any("nothing moves" in s.value for s in at.success)


def test_disruption_page_with_only_current_plan(db):
    at = page("6_Disruption.py").run()
    assert not at.exception
    assert any("Only today's plan exists" in i.value for i in at.info)


def test_compare_page(db, sample):
    from planning.capacity import default_scenario

    s = PlanStore(db)
    s.save_plan(proposal(sample))
    s.save_scenario("capacity", "Base", default_scenario(sample).to_dict())
    at = page("7_Compare.py").run()
    assert not at.exception
    assert at.multiselect(key="cmp_plans").value == [0, 1]
    head = at.dataframe[0].value
    assert list(head.columns) == ["Differs", "Current CRM ownership", "Prop v1 (saved)"]
    assert head.loc["Accounts moved", "Current CRM ownership"] == 0
    assert 0 < head.loc["Accounts moved", "Prop v1 (saved)"] <= 150
    assert head.loc["Accounts moved", "Differs"] == "●"
    at.selectbox(key="cmp_metric").select("workload_hours").run()
    assert not at.exception
    assert any("Risk:" in c.value for c in at.caption)  # the capacity scenario ran
    at.multiselect(key="cmp_plans").set_value([0]).run()
    assert any("at least two" in i.value for i in at.info)


def test_plans_page_library(db, sample):
    at = page("8_Plans.py").run()
    assert not at.exception
    assert any("No saved plans yet" in i.value for i in at.info)
    at.text_input(key="save_note").input("baseline")
    at.button(key="save_btn").click().run()
    assert not at.exception
    assert any("version 1" in s.value for s in at.success)
    store = PlanStore(db)
    assert store.list_plans()["note"].tolist() == ["baseline"]
    at.button(key="save_btn").click().run()
    assert store.versions("Current CRM ownership")["version"].tolist() == [1, 2]

    at.selectbox(key="lib_ver").set_value(2).run()
    at.button(key="lib_load").click().run()
    assert "Current CRM ownership v2" in at.session_state["session_plans"]
    at.text_input(key="lib_clone_name").input("Copy").run()
    at.button(key="lib_clone").click().run()
    assert sorted(store.plan_names()) == ["Copy", "Current CRM ownership"]
    at.selectbox(key="lib_sel").select("Copy").run()
    at.text_input(key="lib_new_name").input("Renamed").run()
    at.button(key="lib_rename").click().run()
    assert sorted(store.plan_names()) == ["Current CRM ownership", "Renamed"]
    at.selectbox(key="lib_sel").select("Renamed").run()
    at.checkbox(key="lib_del_sure").check().run()
    at.button(key="lib_delete").click().run()
    assert store.plan_names() == ["Current CRM ownership"]
    at.text_input(key="restore_name").input("Renamed").run()
    at.button(key="restore_btn").click().run()
    assert "Renamed" in store.plan_names()
    assert not at.exception


def test_plans_page_crm_export_and_scenarios(db, sample):
    s = PlanStore(db)
    s.save_plan(proposal(sample))
    s.save_scenario("quota", "Q", {"method": "blend"})
    at = page("8_Plans.py").run()
    assert at.button(key="crm_prepare").disabled  # a draft is never published
    assert any("only an approved version" in i.value for i in at.info)
    from planning.access import local_user
    from planning.plans import review

    me = local_user()
    review.submit(s, me, "Prop")
    review.decide(s, me, "Prop", None, "approve", as_="finance")
    review.decide(s, me, "Prop", None, "approve", as_="leadership")
    at.run()
    at.text_input(key="crm_seg_field").input("Sales_Segment__c")
    at.text_input(key="crm_model_id").input("0MA5e000000TEST")
    at.button(key="crm_prepare").click().run()
    assert not at.exception
    assert review.status(s, "Prop").state == "published"
    export = at.session_state["crm_export"][2]  # the org's segment field and territory model reach the ETM rules
    assert (export.rules.items["Field"] == "Account.Sales_Segment__c").any()
    assert (export.rules.rules["Territory2ModelId"] == "0MA5e000000TEST").all()
    assert any("Approved by " + me.email in c.value for c in at.caption)
    files = next(d.value for d in at.dataframe if "file" in d.value.columns)
    counts = dict(zip(files["file"], files["rows"]))
    assert 0 < counts["account_owners.csv"] <= 150 and counts["quotas.csv"] > 0
    at.text_input(key="scen_new").input("Q2").run()
    at.button(key="scen_clone").click().run()
    assert sorted(s.list_scenarios()["name"]) == ["Q", "Q2"]
    at.selectbox(key="scen_sel").select("quota · Q2").run()
    at.button(key="scen_delete").click().run()
    assert s.list_scenarios()["name"].tolist() == ["Q"]
    assert not at.exception
