"""The Review page (AppTest) as two managers, sales ops and the admin: each manager sees their own team's
decisions, notes and comments and the plan-level state; notes and plan names written like links stay plain text
(also in the review panel other pages embed); the page opens on what waits for the user; every manager whose
team holds a book is listed, with the open comments on their team; the admin decides for a manager's team and
the audit log says so."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from planning.plans import review, target_teams
from tests.conftest import proposal, test_store

ROOT = Path(__file__).resolve().parents[1]
M1 = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")
M2 = User("eli@acme.test", "Eli", Role.MANAGER, manager_id="M-02", source="oidc")
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
ADMIN = User("boss@acme.test", "Boss", Role.ADMIN, source="oidc")
LINK = "[Your session expired - sign in again](http://x)"


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    """"Alpha" (a draft, alphabetically first) and "Prop" in review: M-01 commented on their account and approved,
    M-02 asked for changes with a note written as a link; ops commented on another M-01 account."""
    s = test_store(tmp_path, monkeypatch)
    cur = sample.current_plan()
    prop = proposal(sample)
    s.save_plan(cur, author="ops", name="Alpha")
    s.save_plan(prop, author="ops")
    review.submit(s, OPS, "Prop", note="please review")
    team1 = sample.accounts.loc[sample.accounts["owner_rep_id"].isin(
        sample.reps.loc[sample.reps["manager_id"] == "M-01", "rep_id"]), "account_id"]
    a1, a2 = str(team1.iloc[0]), str(team1.iloc[1])
    on = dict(reps=sample.reps, accounts=sample.accounts, plans=[cur, prop])
    review.comment(s, M1, "Prop", None, "keep this one with Dana", "account", a1,
                   teams=target_teams("account", a1, **on))
    review.comment(s, M2, "Prop", None, "Eli's private worry", teams=[])
    review.comment(s, OPS, "Prop", None, "this account moves", "account", a2, teams=target_teams("account", a2, **on))
    review.decide(s, M1, "Prop", None, "approve", "fine for Dana's team")
    return s


def page(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "9_Review.py"), default_timeout=180)
    at.session_state["_access_user"] = user
    return at


def rendered_markdown(at) -> list[str]:
    """Every string drawn through a markdown renderer (markdown, captions, alerts, titles)."""
    out = []
    for group in (at.markdown, at.caption, at.success, at.info, at.warning, at.error, at.title, at.subheader):
        out += [str(e.value) for e in group]
    return out


def table(at, column: str) -> pd.DataFrame:
    """The first table on the page with ``column`` (test_widget_reruns reads the page through it too)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def managers(at) -> pd.DataFrame:
    """The managers' grid, with each row's manager id read back from "Fatima Green (M-03)"."""
    grid = table(at, "open_comments")
    return grid.assign(manager_id=grid["manager"].str.extract(r"\((M-\d+)\)$", expand=False))


def test_two_managers_see_their_own_team_only(db):
    review.decide(db, M2, "Prop", None, "request_changes", LINK)
    at = page(M1).run()
    assert not at.exception, at.exception
    md = " ".join(rendered_markdown(at))
    assert "changes requested" in md and "by a manager of another team" in md
    assert "M-02" not in md and "Eli" not in md and "sign in again" not in md
    assert "2 open comments" in md  # their own comment and ops' comment on their account, not Eli's
    log = table(at, "event")
    assert len(log) == 5  # submit, 2 visible comments, M-01's decision, the state change (masked)
    assert not log["by"].str.contains("Eli").any() and not log["note"].astype(str).str.contains("sign in").any()
    assert table(at, "reviewer")["reviewer"].tolist() == ["team M-01"]
    mgr = managers(at)
    assert mgr[["manager_id", "status", "open_comments"]].values.tolist() == [["M-01", "approved", 2]]
    assert set(table(at, "comment_id")["text"]) == {"keep this one with Dana", "this account moves"}

    at = page(M2).run()
    assert not at.exception, at.exception
    assert any(t.value == f"Note: {LINK}" for t in at.text)  # their own note, as plain text
    md = " ".join(rendered_markdown(at))
    assert LINK not in md and "](http" not in md
    assert "1 open comment" in md and "Dana" not in md
    log = table(at, "event")
    assert "fine for Dana's team" not in set(log["note"]) and "keep this one with Dana" not in " ".join(log["event"])
    assert managers(at)[["manager_id", "status", "open_comments"]].values.tolist() == \
        [["M-02", "changes requested", 1]]


def test_notes_and_plan_names_written_as_links_stay_plain(db, sample):
    review.decide(db, M2, "Prop", None, "request_changes", LINK)
    db.save_plan(sample.current_plan(), author="ops", name=LINK)
    at = page(ADMIN).run()
    assert not at.exception, at.exception
    at.selectbox(key="rv_plan").set_value(LINK).run()
    assert not at.exception, at.exception
    md = rendered_markdown(at)
    assert any("Your session expired" in m for m in md)  # the plan's name is on the status line ...
    assert not any(LINK in m or "](http" in m for m in md)  # ... as escaped characters, never a link
    at.selectbox(key="rv_plan").set_value("Prop").run()
    assert any(t.value == f"Note: {LINK}" for t in at.text)
    assert not any(LINK in m or "](http" in m for m in rendered_markdown(at))


def test_the_page_opens_on_what_waits_and_lists_every_team_with_a_book(db):
    at = page(M1).run()
    assert at.selectbox(key="rv_plan").value == "Prop"  # not "Alpha": nothing waits for Dana, Prop is in review
    at = page(M2).run()
    assert at.selectbox(key="rv_plan").value == "Prop" and at.selectbox(key="rv_version").value == 1
    at = page(OPS).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="rv_plan").value == "Prop"  # quotas to sign off come before a draft to submit
    assert table(at, "action")["plan"].tolist() == ["Prop", "Alpha"]
    mgr = managers(at)
    assert mgr["manager_id"].tolist() == [f"M-0{i}" for i in range(1, 8)]  # M-08 leads no book: not listed
    # a comment on a team's account counts in that manager's row, as on the status line (3 open in all): both
    # M-01 accounts move to M-07 territories in Prop, so both teams count them; Eli's plan comment is M-02's
    assert mgr.set_index("manager_id")["open_comments"].to_dict() == {
        "M-01": 2, "M-02": 1, "M-03": 0, "M-04": 0, "M-05": 0, "M-06": 0, "M-07": 2}
    assert "3 open comments" in " ".join(rendered_markdown(at))
    from planning.reporting.labels import UNLABELLED

    shown = {c for d in at.dataframe for c in d.value.columns}
    assert shown and not shown & UNLABELLED  # every header the page drew is in the label registry


def test_the_admin_decides_for_a_managers_team(db):
    at = page(ADMIN).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="rv_plan").value == "Prop"
    options = at.selectbox(key="rv_box_as").options
    assert "for manager Fatima Green (M-03)" in options and "finance (quota sign-off)" in options
    assert not any("M-08" in o for o in options)
    at.selectbox(key="rv_box_as").select("team:M-03").run()
    at.text_input(key="rv_box_note").input("Fatima is on leave; fine").run()
    at.button(key="rv_box_approve").click().run()
    assert not at.exception, at.exception
    d = review.status(db, "Prop").decision("team:M-03")
    assert d["decision"] == "approve" and d["by_label"] == "Boss (admin) for manager M-03"
    log = table(at, "event")
    assert log.iloc[-1][["by", "event", "note"]].tolist() == [
        "Boss (admin) for manager M-03", "approved: team M-03", "Fatima is on leave; fine"]
    row = managers(at).set_index("manager_id").loc["M-03"]
    assert row["manager"] == "Fatima Green (M-03)"  # the grid's words, short enough to read whole at 1,280 px
    assert row["status"] == "approved" and row["by"] == "Boss (admin)"  # the row names the team already
    assert pd.Timestamp(row["at"]) <= pd.Timestamp.now(tz="UTC")  # a time the grid sorts by; drawn "3 Dec 14:05 UTC"


def test_the_panel_other_pages_embed_keeps_user_text_plain(db, sample):
    """ui.review_panel as Disruption, Compare and Plans use it: the status line of a plan named as a link, and a
    comment written as one."""
    db.save_plan(sample.current_plan(), author="ops", name=LINK)
    review.comment(db, OPS, LINK, None, LINK)

    def embed():
        import streamlit as st

        from planning.plans import PlanStore
        from ui import review_panel
        from planning.access import Role, User

        store = PlanStore()
        ref = type("Ref", (), {"source": "saved", "name": st.session_state["plan"], "version": None})()
        s = review_panel.show_status(store, ref)
        review_panel.comments_table(User("o@x", "O", Role.SALES_OPS), s)

    at = AppTest.from_function(embed, default_timeout=60)
    at.session_state["plan"] = LINK
    at.run()
    assert not at.exception, at.exception
    md = rendered_markdown(at)
    assert any("Your session expired" in m and "1 open comment" in m for m in md)
    assert not any(LINK in m or "](http" in m for m in md)
    assert table(at, "comment_id")["text"].tolist() == [LINK]  # in a table cell: plain text


def test_md_escape_keeps_user_words_literal():
    from ui.plain import md_escape

    assert md_escape(LINK) == r"\[Your session expired - sign in again\]\(http\://x\)"
    assert md_escape("see www.evil.test :red[now] $x$ <b>") == r"see www\.evil.test \:red\[now\] \$x\$ \<b\>"
    assert md_escape("- a list?\n1. no") == r"\- a list? 1. no"
    assert md_escape("Approved by root@localhost, 2026-03-02") == "Approved by root@localhost, 2026-03-02"
