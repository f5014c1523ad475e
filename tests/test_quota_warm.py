"""Quota and Comp's and Finance's first open read what the page preload made ahead (ui.quota_warm): the quotas,
the simulation and every table and chart built from them, and only for the scope they were made for."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, ScopedView, User, local_user
from ui import quota_charts, quota_warm
from ui import quota_reports as qr
from ui import quota_state as qs

PAGES = Path(__file__).resolve().parents[1] / "pages"


def _clear() -> None:
    for cached in (qs._quota, qr.quota_view, qr.payout_view, qr.sim_view, qr.finance_view, qr.export_sheets):
        cached.clear()
    qs._SHARED_SIMS.clear()


@pytest.fixture()
def work(tmp_path, monkeypatch):
    """A fresh store with the shipped draft, empty caches, and what the core and the chart builder are asked for
    (each a cache miss): (core method, user) and the chart specs built."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")
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
    at = AppTest.from_file(str(PAGES / page), default_timeout=240).run()
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
