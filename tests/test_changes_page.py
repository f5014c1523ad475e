"""The Changes page under AppTest: a leaver's two options side by side (labels, pro-rated quotas, holdover), saved
as a change version and submitted for review; the saved version listed with its effective date; a hire under its
budget; a manager sees no form and only their team's side of a saved change."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User

ROOT = Path(__file__).resolve().parent.parent
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
MGR = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")


@pytest.fixture()
def store(tmp_path, monkeypatch, sample):
    from planning.plans import PlanStore, load_sample_proposal

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    s = PlanStore(url)
    s.save_plan(load_sample_proposal(sample.reps), name="FY27", author="ops")
    return s


def _page(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "12_Changes.py"), default_timeout=240)
    at.session_state["_access_user"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_leaver_options_side_by_side_then_saved_and_submitted(store):
    at = _page(OPS)
    at.selectbox(key="chg_base").select("FY27")  # form widgets: their values go with the submit button's run
    at.selectbox(key="chg_rep").select("R-010")
    _click(at, "Show the options")
    side = at.dataframe[0].value
    assert list(side.columns)[1:] == ["Keep the book as an open territory (to be hired)",
                                      "Split the book over neighbouring territories"]
    assert "Quota moved" in set(side["figure"])
    texts = " ".join(m.value for m in at.markdown)
    assert "pro-rated from 2027-04-01 (9.0 months left in the year)" in texts
    assert "Holdover" in texts
    at.radio(key="chg_save_option").set_value("split")
    at.checkbox(key="chg_save_submit").check()
    _click(at, "Save")
    assert any("Saved as FY27 v2, effective 2027-04-01 — submitted for review." in s.value for s in at.success)
    from planning.changes import change_of
    from planning.plans import status

    assert change_of(store.load_plan("FY27", 2)).option == "split"
    assert status(store, "FY27", 2).state == "in_review"
    at = _page(OPS)  # the saved change is listed, with its effective date and disruption
    texts = " ".join(m.value for m in at.markdown).replace("\\", "")  # the data's words are drawn escaped
    assert "Liam Turner (R-010) leaves: last day 2027-03-31, effective 2027-04-01" in texts
    # the split moves R-010's whole book in the seeded draft FY27: 158 accounts since the draft is the default
    # county carve (sample_data/proposal.csv: 158 rows with territory T-R-010; 151 in the draft by account)
    assert any(m.label == "Accounts moved" and m.value == "158" for m in at.metric)


def test_a_hire_stays_within_its_budget(store):
    at = _page(OPS)
    at.radio(key="chg_kind").set_value("A rep is hired").run()
    at.selectbox(key="chg_base").select("FY27")
    at.number_input(key="chg_max_moves").set_value(20)
    _click(at, "Show the options")
    side = at.dataframe[0].value.set_index("figure")
    assert 0 < int(side.loc["Accounts moved"].iat[0].replace(",", "")) <= 20
    assert any("at most 20 accounts moved" in c.value for c in at.caption)


def test_a_manager_sees_no_form_and_their_teams_side_of_saved_changes(store, sample):
    from jobs.change_job import leaver_options
    from planning.access import ScopedView
    from planning.changes import leaver, save_option
    from planning.plans import load_sample_proposal

    base = load_sample_proposal(sample.reps)
    spec = leaver("R-010", "2027-03-31", sample.plan_year, "FY27", 1)
    _, split = leaver_options(sample, base, spec, time_limit=30)
    save_option(ScopedView(OPS, sample, store), split, "FY27", author="ops")
    at = _page(MGR)
    assert not any(f for f in at.get("form"))  # no change form for a role that may not edit plans
    assert any("Only sales ops and admins make changes" in i.value for i in at.info)
    assert any(m.label == "Accounts moved" for m in at.metric)


def test_a_reload_brings_the_last_options_back(store):
    at = _page(OPS)
    at.selectbox(key="chg_base").select("FY27")
    at.selectbox(key="chg_rep").select("R-010")
    _click(at, "Show the options")
    assert list(at.dataframe[0].value.columns)[1:] == ["Keep the book as an open territory (to be hired)",
                                                       "Split the book over neighbouring territories"]
    at = _page(OPS)  # a fresh session of the same user: a reload, a new browser
    assert any("Your last change: job #" in c.value for c in at.caption)
    side = at.dataframe[0].value
    assert list(side.columns)[1:] == ["Keep the book as an open territory (to be hired)",
                                      "Split the book over neighbouring territories"]
    assert "Quota moved" in set(side["figure"])
