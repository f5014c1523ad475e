"""Review visibility in the core (issue 27) and the review path's rules (issue 26), on hand-made review events:
a manager sees their own team's decisions, notes and comments plus the plan-level state, never another team's;
counts are over what they see; one list of a plan's managers; comment counts per team agree with the status
line; an admin acts for any role and the log says so; the inbox puts what waits for the user first."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from planning.access import AccessDenied, Role, User, UserStore
from planning.plans import PlanStore, plan_managers, review, review_tables, target_teams
from planning.plans.review import ReviewError
from planning.plans.review_view import OTHER_TEAM, Viewer, visible_events
from planning.reporting import moment, text_frame
from tests.test_store import small_plan
from tests.test_store_support import sqlite_url
from ui.tables import column_config

OPS = User("ops@acme.test", "Olive Ops", Role.SALES_OPS)
FIN = User("fin@acme.test", "Finn Ance", Role.FINANCE)
LEAD = User("cro@acme.test", "Cleo Ro", Role.LEADERSHIP)
ADMIN = User("boss@acme.test", "Boss", Role.ADMIN)
M1 = User("m1@acme.test", "Dana Manager", Role.MANAGER, manager_id="M-01")
M2 = User("m2@acme.test", "Eli Manager", Role.MANAGER, manager_id="M-02")
M3 = User("m3@acme.test", "Flo Manager", Role.MANAGER, manager_id="M-03")
LINK = "[Your session expired - sign in again](http://x)"

# R1 reports to M-01, R2 to M-02, R3 to M-03; small_plan gives a1, a2 to R1 (T-1) and a3 to R2 (T-2);
# the moved version gives a2 to R2.  M-03's team (R3) holds no book in either.
REPS = pd.DataFrame({"rep_id": ["M-01", "M-02", "M-03", "R1", "R2", "R3"],
                     "name": ["Ava", "Isaac", "Fatima", "Rita", "Rob", "Ray"],
                     "manager_id": [None, None, None, "M-01", "M-02", "M-03"]})
ACCOUNTS = pd.DataFrame({"account_id": ["a1", "a2", "a3", "a4"], "owner_rep_id": ["R1", "R1", "R2", np.nan]})


@pytest.fixture()
def store(tmp_path):
    s = PlanStore(sqlite_url(tmp_path))
    s.save_plan(small_plan("FY27"), author="ops", note="v1")
    yield s
    s.dispose()


def _two_teams_in_review(store) -> dict[str, int]:
    """Ops submit; comments from both managers and from ops; M-01 approves; M-02 asks for changes with a note
    written like a link.  Returns the comment ids by their text's first word."""
    review.submit(store, OPS, "FY27", note="please review by Friday")
    ids = {
        "keep": review.comment(store, M1, "FY27", None, "keep a1 with Rita", "account", "a1", teams=["M-01"]),
        "mine": review.comment(store, M2, "FY27", None, "a3 belongs with Rob", "account", "a3", teams=["M-02"]),
        "ops-a2": review.comment(store, OPS, "FY27", None, "a2 moves to Rita", "account", "a2", teams=["M-01"]),
        "ops-plan": review.comment(store, OPS, "FY27", None, "overall fine"),
        "m2-plan": review.comment(store, M2, "FY27", None, "my team is overloaded"),
    }
    review.decide(store, M1, "FY27", None, "approve", "ok for my team")
    review.decide(store, M2, "FY27", None, "request_changes", LINK)
    return ids


def test_a_manager_sees_their_team_and_the_plan_level_state(store):
    ids = _two_teams_in_review(store)
    everything = review.status(store, "FY27")
    assert everything.state == "changes_requested" and everything.state_note == LINK
    assert len(everything.comments) == 5 and len(everything.decisions) == 2

    s1 = review.status(store, "FY27", user=M1)
    assert s1.state == "changes_requested"  # the plan-level state
    assert (s1.state_by, s1.state_note, s1.state_by_label) == ("", "", OTHER_TEAM)  # M-02's note is not M-01's
    assert list(s1.decisions["scope"]) == ["team:M-01"]
    assert sorted(s1.comments["id"]) == sorted([ids["keep"], ids["ops-a2"], ids["ops-plan"]])
    assert len(s1.open_comments) == 3 and s1.open_comments_of("M-01") == 2
    line = review_tables.status_text(s1)
    assert line.startswith("FY27 v1: changes requested · by a manager of another team")
    assert "3 open comments" in line and LINK not in line and "M-02" not in line

    s2 = review.status(store, "FY27", user=M2)
    assert s2.state_note == LINK and s2.state_by == M2.email and s2.state_by_label == "Eli Manager (manager M-02)"
    assert list(s2.decisions["scope"]) == ["team:M-02"]
    assert sorted(s2.comments["id"]) == sorted([ids["mine"], ids["ops-plan"], ids["m2-plan"]])
    assert s2.open_comments_of("M-02") == 2 and s2.open_comments_of("M-01") == 0

    # the audit log: 9 events in all; each manager sees 6, none of the other team's
    assert len(review.history(store, "FY27")) == 9
    h1 = review.history(store, "FY27", user=M1)
    assert len(h1) == 6 and M2.email not in set(h1["actor"]) and LINK not in set(h1["note"])
    assert set(h1.loc[h1["kind"] == "decision", "scope"]) == {"team:M-01"}
    h2 = review.history(store, "FY27", user=M2)
    assert len(h2) == 6 and ids["ops-a2"] not in set(h2["id"]) and "ok for my team" not in set(h2["note"])
    assert LINK in set(h2["note"])

    # resolving M-01's comment: M-01 sees the resolution, M-02 does not
    review.resolve(store, OPS, "FY27", ids["keep"], "kept in v1")
    assert len(review.history(store, "FY27", user=M1)) == 7 and len(review.history(store, "FY27", user=M2)) == 6
    assert len(review.status(store, "FY27", user=M1).open_comments) == 2


def test_the_store_carries_the_user_and_the_cli_view_is_the_same(store):
    _two_teams_in_review(store)
    as_m1 = UserStore(store, M1)  # what the pages and the CLI hand the core
    assert review.status(as_m1, "FY27").comments["id"].tolist() == \
        review.status(store, "FY27", user=M1).comments["id"].tolist()
    assert len(review.history(as_m1, "FY27")) == 6
    assert list(review.statuses(as_m1, ["FY27"])["FY27"].decisions["scope"]) == ["team:M-01"]
    # finance, leadership and viewers see every team
    assert len(review.history(UserStore(store, FIN), "FY27")) == 9


def test_finance_and_leadership_notes_are_plan_level(store):
    review.submit(store, OPS, "FY27")
    review.decide(store, FIN, "FY27", None, "approve", "quotas at 114% coverage")
    review.decide(store, M2, "FY27", None, "approve", "fine for Eli")
    s1 = review.status(store, "FY27", user=M1)
    assert list(s1.decisions["scope"]) == ["finance"] and s1.decisions.iloc[0]["note"] == "quotas at 114% coverage"
    assert review.manager_statuses(s1, pd.DataFrame({"manager_id": ["M-01"], "name": ["Ava"]}))["status"].tolist() \
        == ["pending"]


def test_a_comment_on_a_teams_account_counts_in_that_managers_row_and_the_header(store):
    review.submit(store, OPS, "FY27")
    on = target_teams("account", "a2", REPS, ACCOUNTS, [small_plan("FY27")])
    assert on == ["M-01"]
    review.comment(store, OPS, "FY27", None, "a2 should stay", "account", "a2", teams=on)
    s = review.status(store, "FY27")
    rows = review.manager_statuses(s, plan_managers(REPS, [small_plan("FY27")]))
    assert rows[["manager_id", "open_comments"]].values.tolist() == [["M-01", 1], ["M-02", 0]]
    assert "· 1 open comment" in review_tables.status_text(s)
    # M-01 sees it too (an ops comment on their account), M-02 does not
    assert len(review.status(store, "FY27", user=M1).open_comments) == 1
    assert len(review.status(store, "FY27", user=M2).open_comments) == 0


def test_one_list_of_a_plans_managers():
    before, after = small_plan("now"), small_plan("FY27", moved=True)
    got = plan_managers(REPS, [before, after])
    assert got.values.tolist() == [["M-01", "Ava", "Ava (M-01)"], ["M-02", "Isaac", "Isaac (M-02)"]]
    assert list(plan_managers(REPS)["manager_id"]) == ["M-01", "M-02", "M-03"]  # the reps table alone: every one
    assert target_teams("account", "a2", REPS, ACCOUNTS, [before, after]) == ["M-01", "M-02"]  # gives and gets
    assert target_teams("account", "a4", REPS, ACCOUNTS, [before, after]) == []  # unassigned everywhere
    assert target_teams("rep", "R3", REPS) == ["M-03"] and target_teams("rep", "M-02", REPS) == ["M-02"]


def test_sample_company_managers_stop_where_the_books_do(sample):
    """Review listed M-08 (the SDR/SE/CSM team, no accounts) while Disruption stopped at M-07: one function now."""
    cur = sample.current_plan()
    assert list(plan_managers(sample.reps, [cur])["manager_id"]) == [f"M-0{i}" for i in range(1, 8)]
    assert "M-08" in set(plan_managers(sample.reps)["manager_id"])


def test_an_admin_acts_for_any_role_and_the_log_says_so(store):
    review.submit(store, OPS, "FY27")
    with pytest.raises(AccessDenied, match="name the team"):
        review.decide(store, ADMIN, "FY27", None, "approve", as_="team")
    with pytest.raises(AccessDenied, match="only for their own team"):
        review.decide(store, M1, "FY27", None, "approve", as_="team:M-03")
    with pytest.raises(ReviewError, match="no team 'M-09'"):
        review.decide(store, ADMIN, "FY27", None, "approve", as_="team:M-09", teams=["M-01", "M-02"])
    review.decide(store, ADMIN, "FY27", None, "approve", "Fatima is away", as_="team:M-03")
    review.decide(store, ADMIN, "FY27", None, "approve", "quotas ok", as_="finance")
    review.decide(store, M1, "FY27", None, "approve", as_="team:M-01")  # a manager may name their own team
    log = review_tables.log_table(review.history(store, "FY27"))
    assert log[["by", "event"]].values.tolist() == [
        ["Olive Ops (sales ops)", "submitted for review"],
        ["Boss (admin) for manager M-03", "approved: team M-03"],
        ["Boss (admin) as finance", "approved: finance (quota sign-off)"],
        ["Dana Manager (manager M-01)", "approved: team M-01"]]
    raw = review.history(store, "FY27")
    assert raw.loc[1, ["actor", "actor_role", "scope"]].tolist() == [ADMIN.email, "admin", "team:M-03"]
    # the manager of M-03 sees the decision made for their team, and who made it
    s3 = review.status(store, "FY27", user=M3)
    assert s3.decision("team:M-03")["by_label"] == "Boss (admin) for manager M-03"
    assert review.status(store, "FY27", user=M1).decision("team:M-03") is None
    review.decide(store, ADMIN, "FY27", None, "approve", "go", as_="leadership")
    st = review.status(store, "FY27")
    assert st.state == "approved" and st.state_by_label == "Boss (admin) as leadership"


def test_legacy_state_notes_named_their_team():
    """Logs written before scopes were kept on state rows: the note's "team:M-02: " prefix is read as its scope."""
    t = pd.Timestamp("2026-03-02 14:05", tz="UTC")
    ev = pd.DataFrame([
        {"id": 1, "version": 1, "seq": 1, "at": t, "actor": "ops@x", "actor_name": "Olive", "actor_role": "sales_ops",
         "kind": "state", "state": "in_review", "decision": None, "scope": None, "target_type": None,
         "target_id": None, "ref_id": None, "note": ""},
        {"id": 2, "version": 1, "seq": 2, "at": t, "actor": "m2@x", "actor_name": "Eli", "actor_role": "manager",
         "kind": "decision", "state": None, "decision": "request_changes", "scope": "team:M-02", "target_type": None,
         "target_id": None, "ref_id": None, "note": "Acme must stay"},
        {"id": 3, "version": 1, "seq": 3, "at": t, "actor": "m2@x", "actor_name": "Eli", "actor_role": "manager",
         "kind": "state", "state": "changes_requested", "decision": None, "scope": None, "target_type": None,
         "target_id": None, "ref_id": None, "note": "team:M-02: Acme must stay"},
        {"id": 4, "version": 1, "seq": 4, "at": t, "actor": "m2@x", "actor_name": "Eli", "actor_role": "manager",
         "kind": "comment", "state": None, "decision": None, "scope": None, "target_type": "account",
         "target_id": "a3", "ref_id": None, "note": "old comment, no teams kept"},
    ])
    m1 = visible_events(ev, Viewer(frozenset({"M-01"}), "m1@x"))
    assert m1["id"].tolist() == [1, 3] and m1.loc[m1["id"] == 3, "note"].item() == ""
    assert m1.loc[m1["id"] == 3, "by"].item() == OTHER_TEAM
    m2 = visible_events(ev, Viewer(frozenset({"M-02"}), "m2@x"))
    assert m2["id"].tolist() == [1, 2, 3, 4]  # an old comment: its author still sees it
    assert m2.loc[m2["id"] == 3, "note"].item() == "Acme must stay"
    assert m2.loc[m2["id"] == 3, "by"].item() == "Eli (manager M-02)"
    assert visible_events(ev, Viewer())["id"].tolist() == [1, 2, 3, 4]


def test_the_inbox_puts_what_waits_first(store):
    store.save_plan(small_plan("Alpha"), author="ops")  # a draft, alphabetically first
    store.save_plan(small_plan("Zeta"), author="ops")
    review.submit(store, OPS, "Zeta")
    names = ["Alpha", "FY27", "Zeta"]
    box = review.inbox(store, OPS, names)
    assert box[["plan", "action"]].values.tolist() == [
        ["Zeta", "sign off quotas"], ["Alpha", "submit for review"], ["FY27", "submit for review"]]
    box_m1 = review.inbox(store, M1, names)
    assert box_m1[["plan", "version", "action"]].values.tolist() == [["Zeta", 1, "review your team's changes"]]
    sts = review.statuses(store, names, user=M1)
    assert review.opening_plan(box_m1, sts, names) == ("Zeta", 1)
    viewer = User("v@acme.test", "Vic", Role.VIEWER)
    empty = review.inbox(store, viewer, names)
    assert empty.empty and review.opening_plan(empty, review.statuses(store, names), names) == ("Zeta", 1)
    assert review.opening_plan(empty, {}, []) == (None, None)
    shown = review_tables.inbox_table(box_m1)
    assert list(shown.columns) == ["plan", "version", "review_state", "since", "action"]
    assert shown.loc[0, "review_state"] == "in review" and str(shown["since"].dt.tz) == "UTC"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d\d:\d\d UTC", text_frame(shown).loc[0, "Since"])  # "3 Dec 14:05 UTC"


def test_the_managers_grid_reads_whole_in_short_words(store):
    """Review's managers grid cut "By" and "When" at 1,280 px: each manager and decider as "Name (M-03)" (someone
    acting for a team as "Boss (admin)", the row naming the team), the time as "3 Dec 14:05 UTC" (the one form every
    review time takes); one id column less."""
    review.submit(store, OPS, "FY27")
    review.decide(store, M1, "FY27", None, "approve")
    review.decide(store, ADMIN, "FY27", None, "approve", "Isaac is away", as_="team:M-02")
    s = review.status(store, "FY27")
    grid = review_tables.managers_table(s, plan_managers(REPS))
    assert list(grid.columns) == ["manager", "status", "by", "at", "on_version", "open_comments"]
    assert grid[["manager", "status", "by", "on_version"]].astype(object).values.tolist() == [
        ["Ava (M-01)", "approved", "Dana Manager (M-01)", 1], ["Isaac (M-02)", "approved", "Boss (admin)", 1],
        ["Fatima (M-03)", "pending", "", pd.NA]]
    decided = s.decision("team:M-01")["at"]
    assert grid.loc[0, "at"] == decided and pd.isna(grid.loc[2, "at"])  # a timestamp: the grid sorts by time
    assert text_frame(grid)["When"].tolist()[::2] == [f"{decided.day} {decided:%b %H:%M} UTC", "–"]  # the CLI's words
    when = column_config(grid)["at"]  # the page's grid draws the timestamp in the same words
    assert {k: when["type_config"][k] for k in ("type", "format", "timezone")} == {
        "type": "datetime", "format": "D MMM HH:mm [UTC]", "timezone": "UTC"}
    assert moment(pd.Timestamp("2026-12-03 14:05:59", tz="UTC")) == "3 Dec 14:05 UTC"
    assert moment(pd.Timestamp("2026-12-03 09:05", tz="Europe/Berlin")) == "3 Dec 08:05 UTC"
    assert moment(None) == "" and moment(pd.NaT) == ""
