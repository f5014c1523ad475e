"""The Capacity Scenarios page under AppTest: numbers, what-ifs, the optimizer, save/clone/compare, errors;
percentages typed as percentages, a bad value's message with the last valid results kept, labels, and what a
viewer may see and do."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from planning.capacity import COST_COLUMNS, default_scenario, run_scenario
from ui.format import usd

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "3_Capacity_Scenarios.py")


@pytest.fixture()
def at(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/store.sqlite")
    return AppTest.from_file(PAGE, default_timeout=120).run()


def by_label(elements, label: str, prefix: bool = False):
    return next(e for e in elements if (e.label.startswith(label) if prefix else e.label == label))


def plain(markdown: str) -> str:
    """A message as the reader sees it (the page escapes the user's and the data's words for markdown)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_shows_the_default_scenario(at, sample):
    assert not at.exception, at.exception
    s = run_scenario(default_scenario(sample)).summary()
    assert metric(at, "Target") == usd(s["capacity_target_usd"])
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
    assert ", 0 to add" in next(m.delta for m in at.metric if m.label == "AEs Jan → Dec")
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
    assert any("No hiring plan:" in e.value and "unchanged" in e.value
               for e in at.error)
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
    assert table.loc["Target", "Plan A"] == table.loc["Target", "Baseline"] == metric(at, "Target")
    assert table.loc["AE and support cost", "Baseline"] == metric(at, "AE and support cost")


def test_store_unavailable_falls_back_to_session(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not-a-database-url://")
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    by_label(at.text_input, "Save as").set_value("Session only").run()
    by_label(at.button, "Save scenario").click().run()
    assert any("this session" in s.value for s in at.success)
    assert by_label(at.selectbox, "Scenario").value == "Session only"


# --- editing: percentages as percentages, bad values named, last valid results kept ------------------------
def edit(at, table: str, rows: dict, rev: int = 0):
    """Seed a data editor's edit state as the browser would send it (row position → {column: typed value})."""
    at.session_state[f"cap_ed_{table}_{rev}"] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def columns_config(element) -> dict:
    return json.loads(element.proto.columns or "{}")


def test_attainment_is_shown_and_typed_as_a_percentage(at, sample):
    sc = default_scenario(sample)
    assert sc.segments["Mid-market"].attainment == pytest.approx(0.8475)
    editor = next(d for d in at.data_editor if "attainment" in d.value.columns)
    assert editor.value.loc["Mid-market", "attainment"] == 84.75  # not 0.8474999999999999
    cfg = columns_config(editor)["attainment"]
    assert cfg["label"] == "Expected attainment" and cfg["type_config"]["format"] == "%g%%"
    assert columns_config(editor)["quota_usd"]["type_config"]["format"] == "dollar"
    edit(at, "assumptions", {1: {"attainment": 70}})  # row 1 = Mid-market; the user types 70
    assert not at.exception and not at.error
    want = run_scenario(sc.with_segment("Mid-market", attainment=0.70)).summary()
    assert metric(at, "Expected bookings") == usd(want["expected_bookings_usd"]) != usd(
        run_scenario(sc).summary()["expected_bookings_usd"])
    assert "Unsaved changes" in " ".join(c.value for c in at.caption)


def test_a_bad_value_shows_its_message_and_the_last_valid_results_stay(at, sample):
    sc = default_scenario(sample)
    edit(at, "assumptions", {1: {"attainment": 70}})
    good = {m.label: m.value for m in at.metric}
    assert good["Expected bookings"] == usd(run_scenario(sc.with_segment("Mid-market", attainment=0.7)).summary()
                                            ["expected_bookings_usd"])
    edit(at, "assumptions", {1: {"attainment": 250}, 2: {"quota_usd": -5}})
    assert not at.exception
    text = plain(" ".join(e.value for e in at.error))
    assert "Mid-market · Expected attainment: must be above 0% and at most 200% (got 250%)" in text
    assert "SMB · Quota: must be positive (got -$5)" in text
    assert "2 values to fix" in text and "last valid assumptions" in text
    assert {m.label: m.value for m in at.metric} == good  # the results of the 70% edit stay on the page
    assert len(at.get("vega_lite_chart")) >= 5
    assert by_label(at.button, "Save scenario").disabled
    edit(at, "assumptions", {1: {"attainment": 70}})  # fixed: the message goes, the results follow the edit
    assert not at.error and {m.label: m.value for m in at.metric} == good


def test_a_bad_ramp_cell_names_the_month(at):
    edit(at, "ramp", {2: {"M2": 40, "M3": 30}})  # SMB's ramp 25%, 40%, 30%, 100%: it falls in month 3
    text = plain(" ".join(e.value for e in at.error))
    assert "SMB · Ramp curve: must not decrease from one month to the next (25%, 40%, 30%, 100%)" in text


# --- labels ---------------------------------------------------------------------------------------
def test_no_table_header_is_a_field_name(at):
    by_label(at.button, "Solve").click().run()
    by_label(at.text_input, "Save as").set_value("Plan B").run()
    by_label(at.button, "Clone").click().run()
    ms = at.multiselect(key="cap_compare")
    ms.set_value(["Baseline", "Plan B"]).run()
    assert not at.exception, at.exception
    assert len(at.dataframe) >= 9
    for d in at.dataframe:
        cfg = columns_config(d)
        for col in d.value.columns:
            header = cfg.get(str(col), {}).get("label")
            assert header, f"{col} has no header from the registry"
            assert "_" not in header and header == header.strip(), (col, header)
    # chart axes, legends and tooltips: no canonical names either
    channels = [enc for chart in at.get("vega_lite_chart") for enc in _encodings(json.loads(chart.proto.spec))]
    assert len(channels) > 40
    for enc in channels:  # a channel without a title would show its field name
        assert "title" in enc and "_" not in str(enc["title"]), enc


def _encodings(spec):
    """Every encoding channel of a (possibly layered / faceted) Vega-Lite spec."""
    out = []
    for part in [spec] + spec.get("layer", []) + ([spec["spec"]] if "spec" in spec else []):  # noqa: RUF005
        for channel in (part.get("encoding") or {}).values():
            out += channel if isinstance(channel, list) else [channel]
    return [c for c in out if isinstance(c, dict) and "field" in c]


# --- access (issue 27): a viewer sees no quota and no cost, and a refused save says so --------------------
VIEWER = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")


@pytest.fixture()
def viewer(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/store.sqlite")
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["_access_user"] = VIEWER
    return at.run()


def test_viewer_sees_no_quota_and_no_cost(viewer):
    at = viewer
    assert not at.exception, at.exception
    hidden = set(COST_COLUMNS) | {"quota_usd", "cost_usd"}
    for d in at.dataframe:
        assert not hidden & set(d.value.columns), (hidden & set(d.value.columns))
        headers = " ".join(v.get("label", "") for v in columns_config(d).values())
        assert "Quota" not in headers and "Cost" not in headers and "cost" not in headers
    labels = [m.label for m in at.metric]
    assert "Expected bookings" in labels
    assert not any("cost" in lab.lower() for lab in labels)
    assert not [n for n in at.number_input if "cost" in n.label.lower() or "budget" in n.label.lower()]
    assert at.radio(key="cap_obj").options == ["Maximise bookings"]
    by_label(at.button, "Solve").click().run()  # a headcount cap, no budget: bookings only
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "expected bookings" in text and "cost" not in text.lower()


def test_viewer_save_is_refused_and_says_so(viewer, tmp_path):
    at = viewer
    by_label(at.text_input, "Save as").set_value("ViewerScenario").run()
    by_label(at.button, "Save scenario").click().run()
    assert not at.exception
    assert not [s.value for s in at.success]
    assert any(plain(e.value).startswith("Not saved: Vic <vic@acme.test> (viewer) may not save capacity scenarios")
               for e in at.error)
    assert by_label(at.selectbox, "Scenario").value == "Baseline"
    from planning.plans.store import PlanStore

    assert "ViewerScenario" not in PlanStore(f"sqlite:///{tmp_path}/store.sqlite").list_scenarios("capacity")[
        "name"].tolist()


def test_a_scenario_name_is_plain_text(at):
    name = "[Your session expired - sign in again](http://evil.test)"
    by_label(at.text_input, "Save as").set_value(name).run()
    by_label(at.button, "Save scenario").click().run()
    msg = next(s.value for s in at.success)
    assert "](http" not in msg and plain(msg) == f"Saved '{name}' to the plan store (version 1)."
