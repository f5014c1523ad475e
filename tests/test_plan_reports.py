"""Compare's first open reads the comparison the page preload made ahead (ui.plan_reports), and only for the scope
it was made for: a manager's first open computes their team's own (issue 27)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, ScopedView, User, local_user
from ui import plan_reports
from ui.format import count
from ui.sample_entries import scope_of

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "7_Compare.py")
DISRUPTION = str(Path(__file__).resolve().parents[1] / "pages" / "6_Disruption.py")


@pytest.fixture()
def demo_store(tmp_path, monkeypatch):
    """A fresh plan store that the sample's shipped draft is seeded into, as on a first visit; an empty cache, in
    memory and on disk (a cache folder of the test's own)."""
    from planning.data import disk_cache

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path / "cache")
    plan_reports.comparison.clear()
    plan_reports.disruption_report.clear()
    yield
    plan_reports.comparison.clear()
    plan_reports.disruption_report.clear()


def _users_of(monkeypatch, method: str) -> list[User]:
    """The users ``ScopedView.<method>`` runs for from now on (each a cache miss of the page's report)."""
    calls: list[User] = []
    real = getattr(ScopedView, method)

    def counted(self, *args, **kwargs):
        calls.append(self.user)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ScopedView, method, counted)
    return calls


@pytest.fixture()
def compare_calls(monkeypatch):
    return _users_of(monkeypatch, "compare")


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_first_open_reads_the_entry_made_ahead(demo_store, compare_calls):
    made = plan_reports.warm_default_comparison()
    assert made is not None and made.names[0] == "Current CRM ownership" and len(made.names) == 2
    assert compare_calls == [local_user()]  # made once, for the local user's scope
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not at.exception
    assert compare_calls == [local_user()]  # the page's first open computed nothing: a cache hit
    moved = made.headline.at["accounts_moved", made.names[1]]
    assert _metric(at, "Accounts moved") == count(moved) and moved > 0


def test_a_manager_never_gets_the_entry_made_for_another_scope(demo_store, compare_calls):
    made = plan_reports.warm_default_comparison()
    manager = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")
    assert scope_of(manager) != scope_of(local_user())
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["_access_user"] = manager
    at.run()
    assert not at.exception
    assert [u.role for u in compare_calls] == [local_user().role, Role.MANAGER]  # the manager's own, computed
    team_moved = int(_metric(at, "Accounts moved").replace(",", ""))
    assert team_moved < made.headline.at["accounts_moved", made.names[1]]  # cut to the team, not the company's


def test_nothing_is_made_when_sign_in_is_on(demo_store, compare_calls, monkeypatch):
    from ui import access

    monkeypatch.setattr(access, "auth_configured", lambda: True)
    assert plan_reports.warm_default_comparison() is None and compare_calls == []


def test_a_later_server_process_reads_it_from_disk_named_by_scope_and_plans(demo_store, compare_calls, tmp_path):
    made = plan_reports.warm_default_comparison()
    files = sorted(p.name for p in (tmp_path / "cache").glob("page-*-compare-comparison-*.pickle"))
    assert len(files) == 1 and "-admin-" in files[0]  # the local user's scope in the name
    plan_reports.comparison.clear()  # a new process: nothing in memory
    again = plan_reports.warm_default_comparison()
    assert compare_calls == [local_user()]  # computed once, then read from disk
    assert again.headline.equals(made.headline) and again.moves.equals(made.moves)
    manager = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["_access_user"] = manager
    at.run()
    assert not at.exception and [u.role for u in compare_calls][-1] == Role.MANAGER  # never the admin's file
    names = sorted(p.name for p in (tmp_path / "cache").glob("page-*-compare-comparison-*.pickle"))
    assert len(names) == 2 and any("-manager-M_03-" in n for n in names)  # (sample_entries.file_name)


def test_the_same_plans_under_other_names_are_another_entry(demo_store, compare_calls, sample):
    today = sample.current_plan()
    view = ScopedView(local_user(), sample, None)
    other = today.with_moves({}, name="Other name")
    a = plan_reports.comparison("sample|", ("x",), "b", scope_of(local_user()), [today, other], today, view)
    plan_reports.comparison.clear()
    renamed = today.with_moves({}, name="Renamed")
    b = plan_reports.comparison("sample|", ("x",), "b", scope_of(local_user()), [today, renamed], today, view)
    assert list(a.headline.columns) == [today.name, "Other name"] and list(b.headline.columns) == [today.name, "Renamed"]
    assert len(compare_calls) == 2


@pytest.fixture()
def disruption_calls(monkeypatch):
    return _users_of(monkeypatch, "disruption")


def test_disruption_first_open_reads_the_report_made_ahead_for_its_scope_only(demo_store, disruption_calls,
                                                                              tmp_path):
    made = plan_reports.warm_default_disruption()
    assert made is not None and made.b_name.startswith("FY27 draft") and disruption_calls == [local_user()]
    at = AppTest.from_file(DISRUPTION, default_timeout=240).run()
    assert not at.exception and disruption_calls == [local_user()]  # the page's first open: a cache hit
    plan_reports.disruption_report.clear()  # a later process: read from disk, named by the local user's scope
    assert plan_reports.warm_default_disruption().company == made.company and len(disruption_calls) == 1
    manager = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")
    at = AppTest.from_file(DISRUPTION, default_timeout=240)
    at.session_state["_access_user"] = manager
    at.run()
    assert not at.exception and [u.role for u in disruption_calls] == [Role.ADMIN, Role.MANAGER]
    names = sorted(p.name for p in (tmp_path / "cache").glob("page-*-disruption-report-*.pickle"))
    assert len(names) == 2 and any("-admin-" in n for n in names) and any("-manager-M_03-" in n for n in names)
