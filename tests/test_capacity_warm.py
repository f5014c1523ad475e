"""Capacity Scenarios' first open reads what the page preload made ahead (ui.capacity_warm): the default scenario,
its run, sensitivity, tables and charts, only for the scope they were made for; on the sample they are kept on
disk, so a later server process reads them, until the code or the scenario changes."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, ScopedView, User
from ui import capacity_charts, capacity_warm
from ui import capacity_report as report

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "3_Capacity_Scenarios.py")


def _clear() -> None:
    for cached in (report.default_scenario, report.target_note, report.scope_note, report.run, report.sensitivity,
                   report.people, report.overview, report.monthly, report.comparison):
        cached.clear()


@pytest.fixture()
def work(tmp_path, monkeypatch):
    """A fresh store, empty caches (in memory and on disk: a cache folder of the test's own), and what is computed
    (each a cache miss): the scenario pre-filled (with the user asking), run, and every chart spec built."""
    from planning.data import disk_cache

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path / "cache")
    _clear()
    calls: list[tuple[str, object]] = []
    real_default = ScopedView.capacity_scenario
    monkeypatch.setattr(ScopedView, "capacity_scenario",
                        lambda self: calls.append(("default", self.user)) or real_default(self))
    real_run = report.run_scenario
    monkeypatch.setattr(report, "run_scenario", lambda sc: calls.append(("run", None)) or real_run(sc))
    specs: list[int] = []
    real_spec = capacity_charts.spec
    monkeypatch.setattr(capacity_charts, "spec", lambda *a, **k: specs.append(1) or real_spec(*a, **k))
    yield calls, specs
    _clear()


def _metrics(at) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def test_first_open_reads_what_was_made_ahead(work):
    calls, specs = work
    assert list(capacity_warm.warm_steps()) == ["default scenario", "people and notes", "overview", "monthly charts"]
    assert [n for n, _ in calls] == ["default", "run"] and specs
    calls.clear(), specs.clear()
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not at.exception
    assert calls == [] and specs == []  # no scenario pre-filled, none run, no chart built: every entry a hit


def test_a_later_process_reads_the_entries_from_disk(work, tmp_path):
    calls, specs = work
    first = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not first.exception and calls and specs
    assert sorted(p.name.split("-")[3] for p in (tmp_path / "cache").glob("page-*-capacity-*.pickle")) == [
        "default_scenario", "monthly", "overview", "people", "target_note"]
    _clear()  # what a new server process starts with: nothing in memory, the files on disk
    calls.clear(), specs.clear()
    again = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not again.exception and calls == [] and specs == []
    assert _metrics(again) == _metrics(first)  # the same figures, read back


def test_a_finance_user_never_reads_the_admins_entries(work, tmp_path):
    calls, _specs = work
    list(capacity_warm.warm_steps())
    _clear()
    calls.clear()
    finance = User("fin@acme.test", "Fin", Role.FINANCE, source="oidc")
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["_access_user"] = finance
    at.run()
    assert not at.exception and ("default", finance) in calls
    overviews = sorted(p.name for p in (tmp_path / "cache").glob("page-*-capacity-overview-*.pickle"))
    assert len(overviews) == 2 and any("-finance-" in n for n in overviews)


def test_an_edited_scenario_or_new_code_is_a_new_entry(work, monkeypatch):
    from ui import sample_entries

    calls, _specs = work
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    _clear()
    calls.clear()
    monkeypatch.setattr(sample_entries, "code_key", lambda: "0123456789abcdef")  # an edit of planning/ or ui/
    at2 = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not at2.exception and [n for n, _ in calls][:2] == ["default", "run"]  # made again
    assert _metrics(at2) == _metrics(at)
