"""One working plan, chosen in the sidebar (app.py) and kept across pages and a reload: Disruption's plan B and
Compare's plans start from it; the URL carries it, so a fresh session (a reload) starts from it too."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from planning.plans import PlanRef
from tests.conftest import proposal, test_store

ROOT = Path(__file__).resolve().parents[1]
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = test_store(tmp_path, monkeypatch)
    for name, step in (("Prop A", 5), ("Prop B", 3)):
        s.save_plan(proposal(sample, name, n=300, step=step), author="ops")
    return s


def _app(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "navigation.py"), default_timeout=180)
    at.session_state["_access_user"] = OPS
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _picked(box) -> str:
    return box.options[box.index]


def test_first_working_puts_the_working_plan_after_todays():
    from ui import working_plan

    refs = [PlanRef("session", "today"), PlanRef("saved", "A", 1), PlanRef("saved", "B", 2)]
    import streamlit as st

    st.session_state[working_plan.KEY] = "saved:B"  # bare mode: session state is a plain dict here
    out, i = working_plan.first_working(refs)
    assert [r.name for r in out] == ["today", "B", "A"] and i == 1
    st.session_state[working_plan.KEY] = "session:today"
    assert working_plan.first_working(refs) == (refs, 0)


def test_working_plan_is_kept_across_pages_and_a_reload(db):
    at = _app()
    assert not at.exception, [e.value for e in at.exception]
    box = at.sidebar.selectbox(key="working_plan_pick")
    assert "saved:Prop B" in box.options or "Prop B v1 (saved)" in box.options
    box.set_value("saved:Prop B").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["working_plan"] == "saved:Prop B"
    assert at.query_params["plan"] == ["saved:Prop B"] or at.query_params["plan"] == "saved:Prop B"

    at.switch_page("pages/6_Disruption.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _picked(at.selectbox(key="dis_b")) == "Prop B v1 (saved)"  # B starts from the working plan
    assert _picked(at.selectbox(key="dis_a")) == at.sidebar.selectbox(key="working_plan_pick").options[0]

    at.switch_page("pages/7_Compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cmp = at.multiselect(key="cmp_plans")
    assert "Prop B v1 (saved)" in [cmp.options[i] if isinstance(i, int) else i for i in cmp.value]

    again = _app(plan="saved:Prop B")  # a reload: a new session, the URL still names the plan
    assert not again.exception, [e.value for e in again.exception]
    assert again.session_state["working_plan"] == "saved:Prop B"
    assert again.sidebar.selectbox(key="working_plan_pick").value == "saved:Prop B"
