"""Quota and Comp's and Finance's first open read what the page preload made ahead (ui.quota_warm): the quotas,
the simulation and every table and chart built from them, and only for the scope they were made for; on the sample
they are kept on disk, so a later server process reads them, until the code or the inputs change."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, ScopedView, User, local_user
from planning.compensation import QuotaSettings
from ui import quota_charts, quota_warm, state
from ui import quota_reports as qr
from ui import quota_state as qs
from tests.quota_sections import SECTIONS, open_section

PAGES = Path(__file__).resolve().parents[1] / "pages"


def _open(page: str) -> tuple[AppTest, list[tuple[str, str]]]:
    """``page`` opened in a fresh session, every section of Quota and Comp's lazy tabs opened in turn (as clicks
    do), and the metrics it showed on the way."""
    at = AppTest.from_file(str(PAGES / page), default_timeout=240).run()
    metrics = [(m.label, m.value) for m in at.metric]
    if page == "4_Quota_and_Comp.py":
        for name in SECTIONS:
            metrics += [(m.label, m.value) for m in open_section(at, name).metric]
    return at, metrics


def _clear() -> None:
    for cached in (qs._quota, qr.quota_view, qr.payout_view, qr.sim_view, qr.finance_view, qr.export_sheets):
        cached.clear()
    qs._SHARED_SIMS.clear()


@pytest.fixture()
def work(tmp_path, monkeypatch):
    """A fresh store with the shipped draft, empty caches, and what the core and the chart builder are asked for
    (each a cache miss): (core method, user) and the chart specs built."""
    from planning.data import disk_cache

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path / "cache")  # the entries kept on disk: the test's own
    _clear()
    calls: list[tuple[str, User]] = []
    for name in ("quota", "comp_cost"):
        real = getattr(ScopedView, name)

        def counted(self, *a, _real=real, _name=name, **k):
            calls.append((_name, self.user))
            return _real(self, *a, **k)

        monkeypatch.setattr(ScopedView, name, counted)
    specs: list[int] = []
    real_spec = quota_charts.spec
    monkeypatch.setattr(quota_charts, "spec", lambda *a, **k: specs.append(1) or real_spec(*a, **k))
    yield calls, specs
    _clear()


@pytest.mark.parametrize("page", ["4_Quota_and_Comp.py", "5_Finance.py"])
def test_first_open_reads_what_was_made_ahead(work, page):
    calls, specs = work
    assert quota_warm.warm_first_open()
    assert {n for n, _ in calls} == {"quota", "comp_cost"} and {u for _, u in calls} == {local_user()}
    calls.clear(), specs.clear()
    at, _metrics = _open(page)
    assert not at.exception
    assert calls == [] and specs == []  # no quota set, no simulation run, no chart built: every entry a hit


def test_a_manager_never_gets_what_was_made_for_another_scope(work):
    calls, _specs = work
    quota_warm.warm_first_open()
    calls.clear()
    manager = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")
    at = AppTest.from_file(str(PAGES / "4_Quota_and_Comp.py"), default_timeout=240)
    at.session_state["_access_user"] = manager
    at.run()
    assert not at.exception
    assert calls and {u for _, u in calls} == {manager}  # the team's quotas, set for the manager
    team_total = next(m.value for m in at.metric if m.label == "Team quota")
    assert team_total.startswith("$")


def test_nothing_is_made_when_sign_in_is_on(work, monkeypatch):
    from ui import access

    calls, _specs = work
    monkeypatch.setattr(access, "auth_configured", lambda: True)
    assert quota_warm.warm_first_open() is False and calls == []


def _files(tmp_path, part: str) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache").glob(f"page-*-quota-{part}-*.pickle"))


@pytest.mark.parametrize("page", ["4_Quota_and_Comp.py", "5_Finance.py"])
def test_a_later_process_reads_the_entries_from_disk(work, page, tmp_path):
    calls, specs = work
    first, shown = _open(page)
    assert not first.exception and {n for n, _ in calls} == {"quota", "comp_cost"} and specs
    assert _files(tmp_path, "quotas") and _files(tmp_path, "simulation")
    _clear()  # what a new server process starts with: nothing in memory, the files on disk
    calls.clear(), specs.clear()
    again, shown_again = _open(page)
    assert not again.exception
    assert calls == [] and specs == []  # no quota set, no simulation run, no chart built
    assert shown_again == shown and len(shown) >= 7  # the same figures, read back


def test_disk_entries_are_per_scope(work, tmp_path):
    calls, _specs = work
    quota_warm.warm_first_open()
    _clear()
    calls.clear()
    manager = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")
    at = AppTest.from_file(str(PAGES / "4_Quota_and_Comp.py"), default_timeout=240)
    at.session_state["_access_user"] = manager
    at.run()
    assert not at.exception and calls and {u for _, u in calls} == {manager}  # never the admin's file
    names = _files(tmp_path, "quotas")
    assert any("-manager-M_03-" in n for n in names) and any("-admin-" in n for n in names)


def test_a_change_of_code_or_inputs_is_a_new_entry(work, monkeypatch):
    from ui import sample_entries

    calls, _specs = work
    quota_warm.warm_first_open()
    _clear()
    calls.clear()
    monkeypatch.setattr(sample_entries, "code_key", lambda: "0123456789abcdef")  # an edit of planning/ or ui/
    quota_warm.warm_first_open()
    assert {n for n, _ in calls} == {"quota", "comp_cost"}  # made again, not read from the old code's files
    calls.clear()
    _clear()
    view = ScopedView(local_user(), state.shared_sample(), None)
    plan = view.dataset.current_plan()
    other = QuotaSettings.from_dict({"method": "even"}).resolved(view.dataset.settings)
    qs._quota("sample", view.user, qs.plan_fingerprint(plan), json.dumps(other.to_dict(), sort_keys=True), plan, view)
    assert [n for n, _ in calls] == ["quota"]  # other settings: another file


def test_an_upload_is_never_kept_on_disk(work, tmp_path):
    calls, _specs = work
    view = ScopedView(local_user(), state.shared_sample(), None)
    plan = view.dataset.current_plan()
    settings = json.dumps(QuotaSettings.from_dict({}).to_dict(), sort_keys=True)
    qs._quota("upload-1234", view.user, qs.plan_fingerprint(plan), settings, plan, view)
    assert calls and _files(tmp_path, "quotas") == []  # the user's data stays in memory
