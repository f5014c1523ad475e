"""The Carve page under AppTest: run a solve through the widgets, pin, edit by hand, infeasible diagnosis."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _run(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Run carve").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_carve_page_solves_and_shows_results():
    at = _page()
    assert any("Run carve" in b.label for b in at.button)
    at.slider(key="carve_time").set_value(60)
    _run(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status"] == "optimal"
    assert float(metrics["Worst deviation"].rstrip("%")) <= 10.0
    assert any("gap" in s.value for s in at.success)
    plans = at.session_state["session_plans"]
    assert any(p.kind == "proposal" for p in plans.values())  # picked up by Disruption / Compare
    # manual edit: move one account by hand, the live balancer answers
    res_moves = next((d.value for d in at.dataframe if "reason" in d.value.columns), None)
    assert res_moves is not None and "reason" in res_moves.columns
    # pin two moved accounts, they are kept for the next run
    first = res_moves["account_id"].head(2).tolist()
    at.multiselect(key="carve_to_pin").set_value(first).run()
    next(b for b in at.button if b.label == "Pin selected").click().run()
    assert set(first) <= set(at.session_state["carve_pins"])


def test_carve_page_infeasible_shows_diagnosis_not_a_trace():
    at = _page()
    at.checkbox(key="carve_acc_cap").check()
    _run(at)
    assert at.error and "coverage model" in at.error[0].value
    assert not any(p.kind == "proposal" for p in at.session_state["session_plans"].values()) \
        if "session_plans" in at.session_state else True


def test_carve_page_saves_a_successful_proposal(tmp_path, monkeypatch):
    from planning.plans.store import PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    at = _page()
    _run(at)
    at.text_input(key="carve_save_name").set_value("FY27 proposal").run()
    next(b for b in at.button if b.label == "Save proposal").click().run()
    assert not at.exception
    assert any("Saved" in s.value for s in at.success)
    assert PlanStore(url).load_plan("FY27 proposal").kind == "proposal"


def test_carve_page_frontier_point_becomes_the_proposal():
    at = _page()
    at.slider(key="carve_time").set_value(20)
    at.slider(key="carve_frontier_points").set_value(3)
    at.button(key="carve_frontier_btn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    front = at.session_state["carve_frontier"][1]
    assert len(front.points) >= 2
    assert any("moves fewer than" in i.value for i in at.info)
    # pick the shortest-travel end: it becomes the proposal the page shows and Disruption / Compare pick up
    last = len(front.points) - 1
    at.selectbox(key="carve_frontier_pick").set_value(last)
    at.button(key="carve_frontier_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts moved"] == f"{len(front.points[last].result.moves):,}"
    assert "shortest travel" in " ".join(c.value for c in at.caption)
    saved = at.session_state["carve_frontier"][2]  # the curve ran as a job that saved every point as a plan
    assert saved[last].endswith("· shortest travel") and saved[last] in at.session_state["session_plans"]
    # then the fewest-moves end: the proposal changes
    at.selectbox(key="carve_frontier_pick").set_value(0)
    at.button(key="carve_frontier_use").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts moved"] == f"{len(front.points[0].result.moves):,}"
