"""The Carve page and the territory map read through the scoped accessor (issue 27): carving's whole-company input
needs edit_plans (ScopedView.carve_input), and a team map's books come from ScopedView.book on the accounts the
user was given, on the five-person company of tests/test_access_view.py."""
from __future__ import annotations

import pytest

from planning.access import AccessDenied, Role, ScopedView, User
from planning.plans import metrics
from tests.test_access_view import FIN, LEAD, MGR1, VIEWER, tiny  # noqa: F401 - the fixture

ADMIN = User("ada@acme.test", "Ada", Role.ADMIN, source="oidc")
OPS = User("ops@acme.test", "Ops", Role.SALES_OPS, source="oidc")


@pytest.mark.parametrize("user", [ADMIN, OPS], ids=["admin", "sales_ops"])
def test_carve_input_is_the_whole_company_for_the_roles_that_carve(tiny, user):  # noqa: F811
    ds = ScopedView(user, tiny).carve_input()
    assert ds is tiny  # every row and column: the optimizer balances every team against the others
    assert len(ds.accounts) == 6 and ds.reps["quota_usd"].sum() == 2_700_000.0


@pytest.mark.parametrize("user", [MGR1, VIEWER, FIN, LEAD], ids=["manager", "viewer", "finance", "leadership"])
def test_carve_input_is_refused_without_edit_plans(tiny, user):  # noqa: F811
    with pytest.raises(AccessDenied):
        ScopedView(user, tiny).carve_input()


def test_a_managers_team_map_book_holds_the_teams_accounts_and_names_the_other_side(tiny):  # noqa: F811
    """Bob's Gamma (A3, $300) moves to Dee (R-3, team M-2).  Mia's map of that move asks for A3 and, wrongly, Dee's
    Delta (A4, $400): the book holds Gamma only, on Bob's territory before and Dee's after, with Dee named."""
    v = ScopedView(MGR1, tiny)
    cur = tiny.current_plan()
    moved = cur.with_moves({"A3": "T-R-3"}, name="moved")
    before = v.book(cur, ["A3", "A4"], (cur, moved))
    after = v.book(moved, ["A3", "A4"], (cur, moved))
    assert before.loc["T-R-2", "arr_usd"] == 300.0 and before.loc["T-R-3", "arr_usd"] == 0.0
    assert after.loc["T-R-3", "arr_usd"] == 300.0 and after.loc["T-R-2", "arr_usd"] == 0.0
    assert after["accounts"].sum() == 1 and after.loc["T-R-3", "owner_name"] == "Dee"
    # the same book the map computed before it read through the view: metrics on the dataset the user was given
    rd = v.report_dataset(["A3", "A4"], (cur, moved))
    acc = rd.accounts.loc[rd.accounts["account_id"].isin(["A3", "A4"])]
    expected = metrics(moved, acc, rd.reps, tiny.plan_year, tiny.settings)
    assert after[expected.columns].equals(expected)


def test_an_unscoped_users_team_map_book_is_every_account_asked_for(tiny):  # noqa: F811
    v = ScopedView(VIEWER, tiny)
    book = v.book(tiny.current_plan(), ["A1", "A4", "A5"])
    assert book.loc["T-R-1", "arr_usd"] == 100.0 and book.loc["T-R-3", "arr_usd"] == 900.0
    assert book["accounts"].sum() == 3


def _team_map_script():
    """A manager's Disruption map of 30 of their accounts, half of them moved to the first territory."""
    from ui import scoped
    from ui.territory_map import team_map

    v = scoped.view()
    cur = v.current_plan()
    ids = v.accounts["account_id"].head(30)
    moved = cur.with_moves({x: cur.territories.index[0] for x in ids[::2]}, name="moved")
    team_map(cur, moved, v.report_dataset(ids, [cur, moved]), ids, "tm")


def test_a_managers_team_map_draws_through_the_view(sample, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from planning.access import team_account_ids
    from tests.test_access_pages import M1

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    at = AppTest.from_function(_team_map_script, default_timeout=180)
    at.session_state["_access_user"] = M1
    at.run()
    assert not at.exception, at.exception
    ids = list(sample.accounts.loc[sample.accounts["account_id"].astype(str).isin(
        team_account_ids(M1, sample.reps, sample.accounts, [])), "account_id"].astype(str).head(30))
    cur = sample.current_plan()
    shown = {cur.assignment[x] for x in ids} | {cur.territories.index[0]}
    # geographic segments give the shapes table, named-account ones the owner legend (issue 24): either way
    # only these territories
    shapes = next(d.value for d in at.dataframe if {"polsby_popper", "counties", "colour"} & set(d.value.columns))
    assert set(shapes["territory_id"]) <= shown  # the team's territories and the one receiving its accounts
