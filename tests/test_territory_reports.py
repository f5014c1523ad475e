"""The Territories page's first open reads the definitions the page preload made ahead (ui.territory_reports), and
only for the scope they were made for; a later server process reads them from disk."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, ScopedView, User, local_user
from ui import territory_reports
from ui.format import count

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "11_Territories.py")
MANAGER = User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id="M-03", source="oidc")


@pytest.fixture()
def demo_store(tmp_path, monkeypatch):
    """A fresh plan store with the sample's shipped draft, and an empty cache in memory and on disk (the test's)."""
    from planning.data import disk_cache

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path / "cache")
    territory_reports.definitions.clear()
    yield
    territory_reports.definitions.clear()


@pytest.fixture()
def reads(monkeypatch) -> list[User]:
    """The users ``ScopedView.territory_definitions`` runs for from now on (each a miss of the page's entry)."""
    calls: list[User] = []
    real = ScopedView.territory_definitions

    def counted(self, *args, **kwargs):
        calls.append(self.user)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ScopedView, "territory_definitions", counted)
    return calls


def _territories(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Territories")


def test_first_open_reads_the_entry_made_ahead_and_a_manager_gets_their_own(demo_store, reads, sample):
    defs, words, rows, agree = territory_reports.warm_default_definitions()
    assert reads == [local_user()]
    # today's plan: one territory per quota rep, and every account is in a territory its rules would route it to
    # or a named exception, so the rules with the named accounts agree with the plan everywhere
    assert len(words) == len(sample.current_plan().territories) and agree["with_named"] == pytest.approx(1.0)
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not at.exception
    assert reads == [local_user()]  # the page's first open computed nothing: a cache hit
    assert _territories(at) == count(len(words))
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["_access_user"] = MANAGER
    at.run()
    assert not at.exception and [u.role for u in reads] == [Role.ADMIN, Role.MANAGER]  # never the admin's entry
    assert int(_territories(at).replace(",", "")) < len(words)  # the team's territories only


def test_a_later_server_process_reads_it_from_disk(demo_store, reads, tmp_path):
    made = territory_reports.warm_default_definitions()
    files = list((tmp_path / "cache").glob("page-*-territories-definitions-admin-*.pickle"))
    assert len(files) == 1
    territory_reports.definitions.clear()  # a new process: nothing in memory
    again = territory_reports.warm_default_definitions()
    assert reads == [local_user()] and again[1].equals(made[1]) and again[2].equals(made[2])


def test_nothing_is_made_when_sign_in_is_on(demo_store, reads, monkeypatch):
    from ui import access

    monkeypatch.setattr(access, "auth_configured", lambda: True)
    assert territory_reports.warm_default_definitions() is None and reads == []
