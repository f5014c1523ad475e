"""The Capacity Scenarios page under AppTest: numbers, what-ifs, the optimizer, save/clone/compare, errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.capacity import default_scenario, run_scenario
from ui.format import usd

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "3_Capacity_Scenarios.py")


@pytest.fixture()
def at(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/store.sqlite")
    return AppTest.from_file(PAGE, default_timeout=120).run()


def by_label(elements, label: str, prefix: bool = False):
    return next(e for e in elements if (e.label.startswith(label) if prefix else e.label == label))


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_shows_the_default_scenario(at, sample):
    assert not at.exception, at.exception
    s = run_scenario(default_scenario(sample)).summary()
    assert metric(at, "Target") == usd(s["target_usd"])
    assert metric(at, "Expected bookings") == usd(s["expected_bookings_usd"])
    assert metric(at, "Gap to target") == usd(s["gap_usd"])
    assert metric(at, "AEs Jan → Dec") == f"{s['headcount_start']:.1f} → {s['headcount_end']:.1f}"
    assert metric(at, "Risk") == s["risk"].capitalize()
    assert any("coverage lens" in w.value for w in at.warning)
    assert len(at.get("vega_lite_chart")) >= 5  # capacity, cumulative, hires, headcount, cost, lenses, tornado


def test_what_if_freeze_and_no_backfill_lowers_bookings(at):
    before = metric(at, "Expected bookings")
    by_label(at.selectbox, "Hiring freeze from").set_value("Jan").run()
    by_label(at.checkbox, "Backfill", True).uncheck().run()
    assert not at.exception
    assert metric(at, "Expected bookings") != before
    assert "Unsaved changes" in " ".join(c.value for c in at.caption)


def test_add_hires_needed_closes_the_gap(at, sample):
    by_label(at.button, "Add the", True).click().run()
    assert not at.exception, at.exception
    s = run_scenario(default_scenario(sample)).summary()
    assert metric(at, "AEs Jan → Dec").startswith("30.0")
    assert "0 more needed" in next(m.delta for m in at.metric if m.label == "AEs Jan → Dec")
    assert metric(at, "Gap to target") != usd(s["gap_usd"])
    assert "Planned hires:" in " ".join(c.value for c in at.caption)


def test_optimizer_shows_shadow_prices_and_can_become_a_scenario(at):
    by_label(at.button, "Solve").click().run()
    assert not at.exception, at.exception
    assert any("proportional to targets" in i.value for i in at.info)
    text = " ".join(m.value for m in at.markdown)
    assert "binding:" in text and "budget" in text
    by_label(at.button, "Use this hiring plan", True).click().run()
    assert by_label(at.selectbox, "Scenario").value == "Baseline (optimal)"
    assert metric(at, "AEs Jan → Dec").startswith("30.0")


def test_min_cost_objective(at):
    at.radio(key="cap_obj").set_value("Minimise cost of meeting target").run()
    # The default budget (today's cost + 15%) cannot pay for meeting every target: a clear error, no plan.
    by_label(at.button, "Solve").click().run()
    assert not at.exception, at.exception
    assert any("No hiring plan (infeasible)" in e.value and "unchanged" in e.value for e in at.error)
    at.checkbox(key="cap_use_budget").uncheck().run()
    by_label(at.button, "Solve").click().run()
    assert not at.error
    assert "meet every segment's target" in " ".join(m.value for m in at.markdown)


def test_save_clone_and_compare(at, tmp_path):
    by_label(at.text_input, "Save as").set_value("Plan A").run()
    by_label(at.button, "Save scenario").click().run()
    assert not at.exception, at.exception
    assert any("Saved 'Plan A'" in s.value and "plan store" in s.value for s in at.success)
    from planning.plans.store import PlanStore

    assert "Plan A" in PlanStore(f"sqlite:///{tmp_path}/store.sqlite").list_scenarios("capacity")["name"].tolist()
    by_label(at.text_input, "Save as").set_value("Plan B").run()
    by_label(at.button, "Clone").click().run()
    ms = at.multiselect(key="cap_compare")
    ms.set_value(["Baseline", "Plan A", "Plan B"]).run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Baseline", "Plan A", "Plan B"]
    assert table.loc["Target (USD)", "Plan A"] == table.loc["Target (USD)", "Baseline"]


def test_store_unavailable_falls_back_to_session(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not-a-database-url://")
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    by_label(at.text_input, "Save as").set_value("Session only").run()
    by_label(at.button, "Save scenario").click().run()
    assert any("this session" in s.value for s in at.success)
