"""What the pages read through the scoped accessor beyond the dataset (issue 27): the teams and review targets of
the review box, the data behind the Disruption map, a capacity comparison and the comp simulation, checked by hand
on the five-person company of tests/test_access_view.py; and the session's accessor (ui.scoped) that every page
and the sidebar build."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import OTHER_TEAM, AccessDenied, Role, ScopedView, User
from tests.test_access_view import FIN, MGR1, VIEWER, tiny  # noqa: F401 - the hand-made company

ADMIN = User("boss@acme.test", "Boss", Role.ADMIN, source="oidc")
MGR2 = User("cal@acme.test", "Cal", Role.MANAGER, manager_id="M-2", source="oidc")


@pytest.fixture()
def plans(tiny):  # noqa: F811
    """Today (Ann: A1, A2; Bob: A3; Dee: A4, A5) and "moved": Bob's Gamma (A3) goes to Dee, Dee's Eps (A5) to Ann."""
    cur = tiny.current_plan()
    return cur, cur.with_moves({"A3": "T-R-3", "A5": "T-R-1"}, name="moved")


def test_a_managers_disruption_names_the_rep_on_the_other_side_not_their_manager(tiny, plans):  # noqa: F811
    cur, moved = plans
    acc = ScopedView(MGR1, tiny).disruption(cur, moved).accounts.set_index("account_id")
    assert sorted(acc.index) == ["A1", "A2", "A3", "A5"]  # the team's, and Eps joining it
    assert acc.loc["A3", "to_owner_name"] == "Dee (R-3)" and acc.loc["A3", "to_manager_id"] == OTHER_TEAM
    assert acc.loc["A5", "from_owner_name"] == "Dee (R-3)" and acc.loc["A5", "from_manager_id"] == OTHER_TEAM
    assert acc.loc["A3", "from_manager_id"] == "M-1" and acc.loc["A5", "to_manager_id"] == "M-1"
    admin = ScopedView(ADMIN, tiny).disruption(cur, moved).accounts.set_index("account_id")
    assert admin.loc["A3", "to_manager_id"] == "M-2" and admin.loc["A5", "from_manager_id"] == "M-2"


def test_managers_of_the_plans_are_the_users_to_see(tiny, plans):  # noqa: F811
    assert list(ScopedView(ADMIN, tiny).managers(plans)["label"]) == ["Mia (M-1)", "Cal (M-2)"]
    assert list(ScopedView(MGR1, tiny).managers(plans)["manager_id"]) == ["M-1"]
    assert list(ScopedView(MGR2, tiny).managers(plans)["manager_id"]) == ["M-2"]


def test_comment_targets_are_checked_on_the_whole_data_and_name_both_teams(tiny, plans):  # noqa: F811
    v = ScopedView(MGR1, tiny)
    v.check_target("account", "A5", plans)  # Eps joins the team in "moved"
    v.check_target("rep", "R-2", plans)
    with pytest.raises(AccessDenied):
        v.check_target("account", "A4", plans)  # Delta stays with Dee
    with pytest.raises(AccessDenied):
        v.check_target("rep", "R-3", plans)
    assert sorted(v.comment_teams("account", "A3", plans)) == ["M-1", "M-2"]  # Gamma leaves for M-2's team
    assert v.comment_teams("rep", "R-1", plans) == ["M-1"] and v.comment_teams("plan", None, plans) == []


def test_the_map_data_of_a_managers_report_is_its_accounts_and_both_sides(tiny, plans):  # noqa: F811
    cur, moved = plans
    v = ScopedView(MGR1, tiny)
    ids = v.disruption(cur, moved).accounts["account_id"]
    ds = v.report_dataset(ids, plans)
    assert sorted(ds.accounts["account_id"]) == ["A1", "A2", "A3", "A5"]
    assert sorted(ds.reps["rep_id"]) == ["M-1", "R-1", "R-2", "R-3"]  # Dee is on the other side; Cal is not
    assert sorted(v.report_dataset(pd.Series(["A4", "A1"]), plans).accounts["account_id"]) == ["A1"]
    full = ScopedView(ADMIN, tiny).report_dataset(ids, plans)
    assert len(full.accounts) == 6 and len(full.reps) == 5


def test_capacity_comparison_drops_the_rows_a_role_may_not_see(tiny, monkeypatch):  # noqa: F811
    import planning.plans as plans_pkg

    table = pd.DataFrame({"Base": [10.0, 2.0, 1_500_000.0, 9_000_000.0, 3_000_000.0, 0.9, "low"]},
                         index=["headcount_end", "hires", "cost_usd", "expected_bookings_usd", "gap_usd",
                                "attainment_of_target", "risk"])
    seen = {}

    def fake(payloads, dataset):
        seen["dataset"] = dataset
        return table

    monkeypatch.setattr(plans_pkg, "compare_capacity", fake)
    assert list(ScopedView(FIN, tiny).compare_capacity({"Base": {}}).index) == list(table.index)
    assert seen["dataset"] is tiny  # run on the whole data
    # a viewer: no cost (view_comp); bookings and attainment are company-wide capacity figures, as on Capacity
    assert list(ScopedView(VIEWER, tiny).compare_capacity({"Base": {}}).index) == [
        "headcount_end", "hires", "expected_bookings_usd", "gap_usd", "attainment_of_target", "risk"]
    with pytest.raises(AccessDenied):  # company-wide: not a manager's
        ScopedView(MGR1, tiny).compare_capacity({"Base": {}})


def test_the_comp_simulation_runs_on_the_datas_history_unless_given(tiny, monkeypatch):  # noqa: F811
    import planning.compensation as comp

    calls = []
    monkeypatch.setattr(comp, "simulate_cost", lambda plans, quotas, **kw: calls.append(kw) or "sim")
    v = ScopedView(FIN, tiny)
    assert v.comp_cost({}, "q", n_draws=10) == "sim"
    assert calls[-1]["history"] is tiny.history and calls[-1]["defaults"] is tiny.settings
    assert calls[-1]["user"] == FIN and calls[-1]["n_draws"] == 10
    other = tiny.history.iloc[:1]
    v.comp_cost({}, "q", history=other, user=ADMIN)  # the view's user always: a caller cannot act as another
    assert calls[-1]["history"] is other and calls[-1]["user"] == FIN


# ------------------------------------------------------------------------------------------- the session's view
def _session_app():
    import streamlit as st

    from ui import scoped, state

    v1, v2 = scoped.view(), scoped.view()
    st.text(f"same view: {v1 is v2}")
    st.text(f"accounts: {len(v1.dataset.accounts)}")
    state.sidebar_summary()


def _run(user: User) -> AppTest:
    at = AppTest.from_function(_session_app, default_timeout=120)
    at.session_state["_access_user"] = user
    return at.run()


def test_one_view_per_session_and_the_sidebar_counts_through_it(tmp_path, monkeypatch, sample):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    team = sample.reps.loc[(sample.reps["manager_id"] == "M-01") | (sample.reps["rep_id"] == "M-01"), "rep_id"]
    n_team = int(sample.accounts["owner_rep_id"].isin(set(team)).sum())
    for user, n in ((ADMIN, len(sample.accounts)), (User("dana@acme.test", "Dana", Role.MANAGER,
                                                          manager_id="M-01", source="oidc"), n_team)):
        at = _run(user)
        assert not at.exception, at.exception
        assert [t.value for t in at.text] == ["same view: True", f"accounts: {n}"]
        caption = " ".join(c.value for c in at.sidebar.caption)
        assert f"{n:,} accounts" in caption
    assert 0 < n_team < len(sample.accounts)


# ------------------------------------------------------------------------------------------- a page through it
def test_compare_shows_a_viewer_no_cost_row_of_a_capacity_scenario(tmp_path, monkeypatch, sample):
    """The capacity comparison went to the core without the user, so a viewer read its cost rows (issue 27).  Its
    bookings rows are the company-wide capacity figures the viewer's Capacity page shows too (one column rule,
    planning.access.columns)."""
    from pathlib import Path

    from planning.capacity import default_scenario
    from planning.plans import PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    PlanStore(url).save_scenario("capacity", "Base", default_scenario(sample).to_dict(), author="ops")
    page = str(Path(__file__).resolve().parents[1] / "pages" / "7_Compare.py")

    def rows(user: User) -> list[str]:
        at = AppTest.from_file(page, default_timeout=180)
        at.session_state["_access_user"] = user
        at.run()
        assert not at.exception, at.exception
        return [str(i) for d in at.dataframe if list(d.value.columns) == ["Differs", "Base"] for i in d.value.index]

    fin, viewer = rows(FIN), rows(VIEWER)
    assert any("cost" in r.lower() for r in fin) and any("bookings" in r.lower() for r in fin)
    assert viewer and set(viewer) < set(fin)
    # no cost (view_comp); the capacity target and expected bookings as on the Capacity page, the target under the
    # figure's own name: it may be derived from today's team, so it is never called a bookings target
    from planning.reporting import figure

    target = figure("capacity_target_usd").label
    assert not [r for r in viewer if "cost" in r.lower()]
    assert {target, "Expected bookings"} <= set(viewer)
    assert {target, "Expected bookings", "Cost"} <= set(fin)
    assert "Bookings target" not in fin
