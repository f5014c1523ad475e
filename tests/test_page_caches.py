"""Capacity Scenarios, Quota and Comp and Finance compute their reports once per input (issue 26): a second rerun
with unchanged inputs, and another session of the same user, read them from the cache instead of calling the core
again; another user (other figures may be cut) gets their own.  The core functions are patch-counted."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from tests.call_counts import count_calls
from tests.quota_sections import SECTIONS, edit_plan, open_section

ROOT = Path(__file__).resolve().parents[1]
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
FIN = User("finn@acme.test", "Finn", Role.FINANCE, source="oidc")
VIEW = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")


def _page(name: str, user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=180)
    at.session_state["_access_user"] = user
    return at


def _clear(*functions) -> None:
    for f in functions:
        f.clear()


@pytest.fixture()
def fresh_store(tmp_path, monkeypatch):
    """A store and a disk cache of the test's own: the sample's entries kept on disk by another run are not read."""
    from planning.data import disk_cache

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/store.sqlite")
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path / "cache")


def test_capacity_reports_are_computed_once_per_scenario_and_user(monkeypatch, fresh_store):
    import ui.capacity_report as report

    _clear(report.run, report.sensitivity, report.overview, report.monthly, report.people, report.comparison)
    calls = Counter()
    count_calls(monkeypatch, calls, report, "run_scenario", "tornado", "headline", "export_sheets", "monthly_view",
                "people_view")
    charts = count_calls(monkeypatch, Counter(), report.charts, "tornado", "capacity_vs_target")

    at = _page("3_Capacity_Scenarios.py", OPS).run()
    assert not at.exception, at.exception
    first = dict(calls)
    assert first["run_scenario"] == 1 and first["tornado"] == 1  # the baseline, once
    assert first["headline"] >= 1 and first["monthly_view"] == 1 and first["people_view"] == 1
    assert dict(charts) == {"tornado": 1, "capacity_vs_target": 1}
    cost = next(m.value for m in at.metric if m.label == "AE and support cost")

    at.run()  # unchanged inputs: nothing recomputed, the same figures drawn
    assert not at.exception, at.exception
    assert dict(calls) == first and dict(charts) == {"tornado": 1, "capacity_vs_target": 1}
    assert next(m.value for m in at.metric if m.label == "AE and support cost") == cost

    other = _page("3_Capacity_Scenarios.py", OPS).run()  # another session of the same user: shared
    assert not other.exception, other.exception
    assert dict(calls) == first

    viewer = _page("3_Capacity_Scenarios.py", VIEW).run()  # another user: their own (no costs), same run
    assert not viewer.exception, viewer.exception
    assert calls["run_scenario"] == 1 and calls["headline"] > first["headline"]
    assert not any(m.label == "AE and support cost" for m in viewer.metric)

    at.radio(key="cap_view").set_value("Enterprise").run()  # one segment: only its monthly charts are new
    assert not at.exception, at.exception
    assert calls["run_scenario"] == 1 and calls["monthly_view"] == 3 and charts["tornado"] == 2
    assert calls["headline"] == first["headline"] + 1  # the viewer's, not another of ours


def test_quota_and_finance_reports_are_computed_once_per_input_and_user(monkeypatch, fresh_store):
    import planning.reporting.figures as figures
    import ui.quota_reports as qr
    import ui.quota_state as qs
    from planning.access import ScopedView

    _clear(qr.quota_view, qr.payout_view, qr.sim_view, qr.finance_view, qr.export_sheets, qr.variants, qs._quota)
    qs._SHARED_SIMS.clear()
    calls = count_calls(monkeypatch, Counter(), ScopedView, "quota", "comp_cost")
    count_calls(monkeypatch, calls, figures, "quota_reps")
    count_calls(monkeypatch, calls, qr, "comp_sheets", "plan_table")

    at = _page("4_Quota_and_Comp.py", FIN).run()
    assert not at.exception, at.exception
    assert dict(calls) == {"quota": 1, "quota_reps": 1}  # the sections are lazy tabs: the per-rep quotas open
    for name in SECTIONS:  # each section opened (as a click does) computes its own part once
        assert not open_section(at, name).exception, name
    first = dict(calls)
    assert first == {"quota": 1, "comp_cost": 1, "quota_reps": 1, "comp_sheets": 1, "plan_table": 1}
    for name in SECTIONS:
        assert not open_section(at, name).exception, name
    assert dict(calls) == first  # reruns with unchanged inputs, every section drawn again: nothing recomputed

    fin = _page("5_Finance.py", FIN).run()  # Finance: its own view of the quotas and the draws, once
    assert not fin.exception, fin.exception
    on_finance = dict(calls)
    assert on_finance["quota_reps"] == first["quota_reps"] + 1
    fin.run()
    assert dict(calls) == on_finance
    again = _page("5_Finance.py", FIN).run()  # another session of the same user: quotas, draws and figures shared
    assert not again.exception, again.exception
    assert dict(calls) == on_finance
    coverage = next(m.value for m in fin.metric if m.label == "Quota coverage")
    assert next(m.value for m in again.metric if m.label == "Quota coverage") == coverage

    ops = _page("5_Finance.py", OPS).run()  # another user: their own quotas and simulation
    assert not ops.exception, ops.exception
    assert calls["quota"] == on_finance["quota"] + 1 and calls["comp_cost"] == on_finance["comp_cost"] + 1
    assert next(m.value for m in ops.metric if m.label == "Quota coverage") == coverage

    before = dict(calls)
    edit_plan(open_section(at, "Comp plans"), "Enterprise", ote_usd=320_000.0)
    assert not open_section(at, "Cost simulation").exception, at.exception  # a comp plan: new cost, same quotas
    assert calls["quota"] == before["quota"] and calls["quota_reps"] == before["quota_reps"]
    assert calls["comp_cost"] == before["comp_cost"] + 1 and calls["plan_table"] == before["plan_table"] + 1


def test_altair_reuses_its_class_table_and_builds_the_same_spec():
    """ui.charts sets Altair up to build its schema → class table once (not on every shorthand channel); the specs
    are exactly those Altair's own from_dict gives."""
    import json

    import numpy as np
    import pandas as pd
    from altair.utils import schemapi

    from ui import charts, quota_charts as qc

    charts.altair_module()
    assert getattr(schemapi.SchemaBase.from_dict, "planner_reuses_tables", False)
    cov = pd.DataFrame({"segment": ["Enterprise", "SMB", "Total"], "quota_usd": [1e6, 2e6, 3e6],
                        "target_usd": [1e6, 1.8e6, 2.8e6], "coverage_ratio": [1.0, 1.11, 1.07],
                        "flag": ["", "above band", ""]})
    draws = np.random.default_rng(3).normal(1e7, 1e6, 2_000)

    def build():
        return json.dumps([charts.spec(qc.coverage_bars(cov, "segment", (0.9, 1.1))),
                           charts.spec(qc.distribution(draws, "Draws", "USD", reference=1e7))], sort_keys=True,
                          default=bytes.hex)

    ours = build()
    patched = schemapi.SchemaBase.__dict__["from_dict"]

    def altairs_own(cls, dct, validate=True):
        if validate:
            cls.validate(dct)
        return schemapi._FromDict(cls._default_wrapper_classes()).from_dict(dct, cls)

    try:
        schemapi.SchemaBase.from_dict = classmethod(altairs_own)
        assert build() == ours
    finally:
        schemapi.SchemaBase.from_dict = patched
