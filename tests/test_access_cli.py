"""Roles and team scope through the CLI (``--as EMAIL``): a manager reaches only their own team's reps and
accounts and no comp; finance sees comp; a viewer cannot save.  Refusals are one clear line and exit status 3."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from planning.access import Role, User, team_rep_ids
from tests.conftest import store_with_users

M1, M2, FIN, VIEW, LEAD = "dana@acme.test", "eli@acme.test", "finn@acme.test", "vic@acme.test", "cleo@acme.test"


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = store_with_users(tmp_path, monkeypatch, User("boss@acme.test", role=Role.ADMIN),
                         User(M1, "Dana", Role.MANAGER, "M-01"), User(M2, "Eli", Role.MANAGER, "M-02"),
                         User(FIN, role=Role.FINANCE), User(VIEW, role=Role.VIEWER), User(LEAD, role=Role.LEADERSHIP))
    cur = sample.current_plan()
    terrs = list(cur.territories.index)
    ids = cur.assignment.dropna().index[:400]
    s.save_plan(cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="Prop"), author="ops")
    s.dispose()
    return s.url


def team(sample, manager_id):
    u = User("x@x", role=Role.MANAGER, manager_id=manager_id)
    return sample.reps.loc[sample.reps["rep_id"].isin(team_rep_ids(u, sample.reps))]


def test_manager_disruption_is_their_team_only(cli, db, sample):
    mine, theirs = team(sample, "M-01"), team(sample, "M-02")
    r = cli(["--as", M1, "disruption", "current", "Prop"])
    assert r.exit_code == 0, r.output
    assert "(team M-01)" in r.output
    per_rep = r.output.split("Per rep:")[1].split("Most disrupted")[0]
    assert all(n in per_rep for n in mine.loc[mine["role"] != "Manager", "name"])
    assert not any(n in r.output for n in theirs["name"])
    r = cli(["--as", M1, "disruption", "current", "Prop", "--manager", "M-02"])
    assert r.exit_code == 3 and "denied:" in r.output and "only their own team" in r.output


def test_manager_sees_no_comp_finance_does(cli, db):
    r = cli(["--as", M1, "comp-sim", "--draws", "200"])
    assert r.exit_code == 3 and "may not see comp plans" in r.output and "finance" in r.output
    r = cli(["--as", FIN, "comp-sim", "--draws", "200"])
    assert r.exit_code == 0 and "Cost distribution" in r.output
    r = cli(["--as", VIEW, "comp-sim", "--draws", "200"])
    assert r.exit_code == 3


def test_manager_quotas_books_and_exports_are_scoped(cli, db, sample, tmp_path):
    mine = team(sample, "M-01")
    r = cli(["--as", M1, "quota"])
    assert r.exit_code == 0 and "team M-01" in r.output
    assert sum(n in r.output for n in sample.reps["name"]) == (mine["role"] == "AE").sum()
    r = cli(["--as", M1, "summary"])
    n_acc = int(sample.accounts["owner_rep_id"].isin(mine["rep_id"]).sum())
    assert r.exit_code == 0 and f"{n_acc:,} accounts, {len(mine)} people" in r.output
    out = tmp_path / "prop.csv"
    r = cli(["--as", M1, "plans", "show", "Prop", "--out", out])
    assert r.exit_code == 0, r.output
    rows = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert len(rows) and rows["owner_rep_id"].isin(mine["rep_id"]).all()
    r = cli(["--as", M1, "compare", "current", "Prop"])
    assert r.exit_code == 0 and "Team M-01 only" in r.output
    for args in (["validate"], ["capacity"], ["export-crm", "Prop", "--out-dir", tmp_path / "x"],
                 ["plans", "list", "--scenarios", "--kind", "comp"], ["users", "add", "x@acme.test", "--role", "admin"]):
        r = cli(["--as", M1, *args])
        assert r.exit_code == 3, (args, r.output)


def test_viewer_cannot_save_and_comments_stay_in_scope(cli, db, sample):
    r = cli(["--as", VIEW, "plans", "save", "current", "--name", "Mine"])
    assert r.exit_code == 3 and "may not change plans" in r.output
    assert "Mine" not in cli(["plans", "list"]).output
    other = sample.accounts.loc[sample.accounts["owner_rep_id"].isin(team(sample, "M-02")["rep_id"]), "account_id"]
    own = sample.accounts.loc[sample.accounts["owner_rep_id"].isin(team(sample, "M-01")["rep_id"]), "account_id"]
    r = cli(["--as", M1, "review", "comment", "Prop", "mine now", "--account", other.iloc[0]])
    assert r.exit_code == 3 and "own team's accounts" in r.output
    r = cli(["--as", M1, "review", "comment", "Prop", "keep it with Dana", "--account", own.iloc[0]])
    assert r.exit_code == 0 and "comment #" in r.output


def test_review_cycle_through_the_cli(cli, db, tmp_path):
    assert cli(["--as", M1, "review", "submit", "Prop"]).exit_code == 3
    assert cli(["review", "submit", "Prop", "-m", "FY27 draft"]).exit_code == 0  # the local admin (sales ops' rights)
    r = cli(["--as", M1, "review", "inbox"])
    assert "review your team's changes" in r.output
    assert cli(["--as", M1, "review", "approve", "Prop", "-m", "ok"]).exit_code == 0
    assert cli(["--as", M2, "review", "request-changes", "Prop", "-m", "keep Acme with Eli"]).exit_code == 0
    r = cli(["review", "status", "Prop"])
    assert "changes requested" in r.output and "team M-02" in r.output and "M-01" in r.output
    r = cli(["--as", LEAD, "review", "approve", "Prop"])
    assert r.exit_code == 2 and "changes requested" in r.output
    r = cli(["users", "whoami"])
    assert "(admin)" in r.output and "[local]" in r.output
    r = cli(["--as", "ghost@acme.test", "plans", "list"])
    assert r.exit_code == 3 and "no active user" in r.output


def test_compare_capacity_goes_through_the_view(cli, db, sample):
    """Saved capacity scenarios are company-wide: `compare --capacity` is refused to a manager, and a viewer's
    capacity rows hold no cost (before it went through ScopedView the viewer was shown cost_usd, ae_cost_usd,
    support_cost_usd and csm_cost_usd)."""
    from planning.capacity import default_scenario
    from planning.plans import PlanStore

    PlanStore(db).save_scenario("capacity", "Base", default_scenario(sample).to_dict())
    r = cli(["--as", M1, "compare", "current", "Prop", "--capacity", "Base"])
    assert r.exit_code == 3 and "Capacity scenarios" not in r.output, r.output
    r = cli(["--as", VIEW, "compare", "current", "Prop", "--capacity", "Base"])
    assert r.exit_code == 0 and "Capacity scenarios" in r.output, r.output
    rows = r.output.split("Capacity scenarios:")[1]
    assert "Headcount at start" in rows and "cost" not in rows.lower()
    r = cli(["--as", LEAD, "compare", "current", "Prop", "--capacity", "Base"])
    rows = r.output.split("Capacity scenarios:")[1]
    assert r.exit_code == 0 and "Cost of sales" in rows and re.search(r"^\s*Cost\s+\$", rows, re.M), r.output


def test_summary_and_quota_go_through_the_view_for_a_manager_and_a_viewer(cli, db, sample, tmp_path):
    """`summary`'s per-territory book and `quota` reach the data through ScopedView (view.book, view.quota): a
    manager's rows, printed and written, are their team's; a viewer sees the company's books and no quotas."""
    mine, theirs = team(sample, "M-01"), team(sample, "M-02")
    out = tmp_path / "book.csv"
    r = cli(["--as", M1, "summary", "--out", out])
    assert r.exit_code == 0, r.output
    book = r.output.split("Current plan, per territory:")[1].split("Balance per segment")[0]
    aes = mine.loc[mine["role"] == "AE"]
    assert len(aes) and all(f"{n} ({i})" in book for n, i in zip(aes["name"], aes["rep_id"]))  # people as people
    assert not any(n in r.output for n in theirs["name"])
    assert pd.read_csv(out, dtype=str)["owner_rep_id"].isin(mine["rep_id"]).all()
    q_out = tmp_path / "quota.csv"
    r = cli(["--as", M1, "quota", "--out", q_out])
    assert r.exit_code == 0 and "Team total $" in r.output and "Coverage by" not in r.output, r.output
    assert not any(n in r.output for n in theirs["name"])
    quotas = pd.read_csv(q_out, dtype=str, encoding="utf-8-sig")
    assert len(quotas) and quotas["owner_rep_id"].isin(mine["rep_id"]).all()

    r = cli(["--as", VIEW, "summary"])
    assert r.exit_code == 0 and "6,009 accounts" in r.output
    assert all(n in r.output for n in theirs.loc[theirs["role"] == "AE", "name"])  # company-wide books
    r = cli(["--as", VIEW, "quota"])
    assert r.exit_code == 3 and "denied:" in r.output
