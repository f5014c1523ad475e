"""Widget changes on Disruption and Review rerun only what they change (issue 26), with the same numbers.

A manager switch on Disruption reruns the manager fragment alone: no plan is listed or loaded again, the report is
not recomputed (it is cached per data, plan pair, window and user scope, across sessions), and a manager's team
report is computed once.  Adding a comment reruns the comment box and the fragments whose counts it changes, which
read the review log once between them: the status line's "N open comments" and the manager's row agree.  The core
functions are patch-counted; the figures are checked against the core's, worked out for the same plans.

A widget inside a fragment makes the browser ask for that fragment's rerun; AppTest always reruns the whole page,
so :func:`fragment_rerun` asks for the fragment's rerun as the browser does."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from planning.access import Role, ScopedView, User
from planning.plans import disruption, review, target_teams
from planning.reporting import count, usd
from tests.call_counts import count_calls
from tests.conftest import proposal, test_store
from tests.test_review_page import managers, table

ROOT = Path(__file__).resolve().parents[1]
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
OPS2 = User("otto@acme.test", "Otto", Role.SALES_OPS, source="oidc")  # another person, the same scope
M1 = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")


def page(name: str, user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=300)
    at.session_state["_access_user"] = user
    return at


@contextmanager
def fragment_rerun(at: AppTest, key: str):
    """Within this block, ``at.run()`` reruns the fragment keyed ``key`` alone, as the browser asks when a widget in
    it changes (a rerun request carrying the fragment's id; the widget states are sent whole, as ever)."""
    from streamlit.testing.v1 import local_script_runner

    ids = at._fragment_storage.resolve_target(key)
    real = local_script_runner.RerunData

    def rerun_data(**kw):  # the runner's initial request and the run's own: both this fragment's
        return real(fragment_id=ids[0], **kw)

    with mock.patch.object(local_script_runner, "RerunData", rerun_data):
        yield


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def rendered(at) -> str:
    return " ".join(str(e.value) for group in (at.markdown, at.caption, at.success, at.info) for e in group)


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = test_store(tmp_path, monkeypatch)
    s.save_plan(proposal(sample), author="ops")
    st.cache_data.clear()
    st.cache_resource.clear()
    from ui import sample_entries

    # what one process computes: a report kept on disk by an earlier process has tests of its own (test_plan_reports)
    monkeypatch.setattr(sample_entries, "enabled", False)
    return s


@pytest.fixture()
def counts(monkeypatch):
    """Calls of what a whole Disruption run does (list and load plans, the report) and of a team's report."""
    import ui.plan_picker
    from planning.plans import PlanRef
    from planning.plans.disruption_report import DisruptionReport

    calls = count_calls(monkeypatch, Counter(), ui.plan_picker, "available_plans")
    count_calls(monkeypatch, calls, PlanRef, "load")
    count_calls(monkeypatch, calls, ScopedView, "disruption")
    return count_calls(monkeypatch, calls, DisruptionReport, "for_manager")


def test_a_manager_switch_reruns_the_team_view_alone_with_the_same_numbers(db, sample, counts):
    core = disruption(sample.current_plan(), db.load_plan("Prop"), sample.accounts, sample.reps, sample.as_of)
    team_report = core.for_manager("M-07")
    team = team_report.managers.iloc[0]
    counts.clear()
    at = page("6_Disruption.py", OPS).run()
    assert not at.exception, at.exception
    assert dict(counts) == {"available_plans": 1, "load": 2, "disruption": 1}
    assert metrics(at)["Accounts moved"] == count(core.company["accounts_moved"])

    at.session_state["dis_tab"] = "Per rep"  # only the open tab runs: the team's reps table below
    at.selectbox(key="dis_manager").select("M-07")
    with fragment_rerun(at, "dis_team"):
        at.run()
    assert not at.exception, at.exception
    # nothing above the picker ran: no plan listed or loaded, no report; the team's report once
    assert dict(counts) == {"available_plans": 1, "load": 2, "disruption": 1, "for_manager": 1}
    assert at.selectbox(key="dis_manager").value == "M-07"
    assert not any(s.key == "dis_a" for s in at.selectbox)  # the plan pickers are not in this run
    m = metrics(at)
    assert m["Team accounts before"] == f"{int(team['accounts_before']):,}"
    assert m["Lost / gained"] == f"{int(team['lost']):,} / {int(team['gained']):,}"
    assert m["ARR leaving the team"] == usd(team["arr_out_usd"])
    reps = table(at, "pct_arr_retained")
    assert len(reps) == len(team_report.reps) and set(reps["relationships_broken"]) == \
        set(team_report.reps["relationships_broken"])

    for manager in ("All managers", "M-07"):  # back and forth: everything from the caches
        at.selectbox(key="dis_manager").select(manager)
        with fragment_rerun(at, "dis_team"):
            at.run()
        assert not at.exception, at.exception
    assert dict(counts) == {"available_plans": 1, "load": 2, "disruption": 1, "for_manager": 1}
    assert metrics(at)["Team accounts before"] == f"{int(team['accounts_before']):,}"

    at = page("6_Disruption.py", OPS).run()  # the whole page again: the report from the cache
    assert metrics(at)["Accounts moved"] == count(core.company["accounts_moved"])
    assert counts["disruption"] == 1 and counts["available_plans"] == 2


def test_reports_are_shared_by_one_scope_and_never_reach_another(db, sample, counts):
    at = page("6_Disruption.py", OPS).run()
    assert not at.exception and counts["disruption"] == 1
    at = page("6_Disruption.py", OPS2).run()  # another session, the same role and team: the cached report
    assert not at.exception and counts["disruption"] == 1
    assert metrics(at)["Accounts moved"] == metrics(page("6_Disruption.py", OPS).run())["Accounts moved"]

    at = page("6_Disruption.py", M1)  # a manager: their own report, cut to their team
    at.session_state["dis_tab"] = "Accounts"  # only the open tab runs: the moved accounts below
    at.run()
    assert not at.exception, at.exception
    assert counts["disruption"] == 2
    core = disruption(sample.current_plan(), db.load_plan("Prop"), sample.accounts, sample.reps, sample.as_of,
                      user=M1)  # (the core's own call, counted too)
    acc = table(at, "from_owner_name")
    want = core.accounts.loc[~core.accounts["change"].isin(["kept", "unassigned both"]), "account_id"]
    assert set(acc["account_id"]) == set(want)
    whole = disruption(sample.current_plan(), db.load_plan("Prop"), sample.accounts, sample.reps, sample.as_of)
    assert len(acc) < int(whole.company["accounts_moved"])  # not the company's rows
    assert at.selectbox(key="dis_manager").options == ["Ava Harris (M-01)"]


@pytest.fixture()
def in_review(db, sample):
    """Prop in review, with a comment by Dana (M-01) on one of her team's accounts."""
    review.submit(db, OPS, "Prop", note="please review")
    cur, prop = sample.current_plan(), db.load_plan("Prop")
    team1 = sample.accounts.loc[sample.accounts["owner_rep_id"].isin(
        sample.reps.loc[sample.reps["manager_id"] == "M-01", "rep_id"]), "account_id"]
    a1 = str(team1.iloc[0])
    review.comment(db, M1, "Prop", None, "keep this one with Dana", "account", a1,
                   teams=target_teams("account", a1, reps=sample.reps, accounts=sample.accounts, plans=[cur, prop]))
    return db


@pytest.fixture()
def review_counts(monkeypatch):
    calls = count_calls(monkeypatch, Counter(), review, "status", "statuses", "history")
    return count_calls(monkeypatch, calls, ScopedView, "managers", "disruption")


def comment_counts(at) -> list:
    """The managers' grid as [manager id, open comments] (tests.test_review_page.managers reads the ids back)."""
    return managers(at)[["manager_id", "open_comments"]].values.tolist()


def test_a_comment_on_review_reruns_the_box_and_the_counts_that_must_agree(in_review, review_counts):
    at = page("9_Review.py", M1).run()
    assert not at.exception, at.exception
    assert "1 open comment" in rendered(at)
    assert comment_counts(at) == [["M-01", 1]]
    whole = dict(review_counts)
    assert whole["managers"] == 1 and whole["status"] >= 1

    at.text_input(key="rv_box_text").input("move the Denver accounts back")
    with fragment_rerun(at, "rv_box"):  # typing reruns the box alone: the log is not read again
        at.run()
    assert not at.exception, at.exception
    assert dict(review_counts) == whole
    review_counts.clear()

    at.button(key="rv_box_add").click().run()  # Add: write, then rerun the box and the counts' fragments
    assert not at.exception, at.exception
    c = review.status(in_review, "Prop").comments
    assert "move the Denver accounts back" in set(c["text"])
    # one read of the version's status for the status line, the managers' rows and the comments; the audit log
    # once; nothing of the page's (no managers listed again, no inbox for a manager: it holds no comment count)
    assert dict(review_counts) == {"status": 1 + 1, "history": 1}  # +1: the check above, outside the page
    md = rendered(at)
    assert "2 open comments" in md and "Comment added to Prop v1." in md
    assert comment_counts(at) == [["M-01", 2]]
    assert "move the Denver accounts back" in set(table(at, "comment_id")["text"])
    assert "move the Denver accounts back" in " ".join(table(at, "event")["note"].astype(str))
    assert at.text_input(key="rv_box_text").value == ""  # the box is ready for the next comment


def test_a_comment_on_disruption_refreshes_the_status_line_not_the_report(in_review, review_counts):
    at = page("6_Disruption.py", M1).run()
    assert not at.exception, at.exception
    assert "1 open comment" in rendered(at) and review_counts["disruption"] == 1
    at.selectbox(key="dis_review_kind").select("account").run()
    at.text_input(key="dis_review_text").input("keep this one too").run()
    review_counts.clear()
    at.button(key="dis_review_add").click().run()
    assert not at.exception, at.exception
    assert review_counts["disruption"] == 0 and review_counts["managers"] == 0 and review_counts["status"] == 1
    md = rendered(at)
    assert "2 open comments" in md  # the status line, rerun with the box
    assert "keep this one too" in set(table(at, "comment_id")["text"])
    assert len(review.status(in_review, "Prop").open_comments) == 2


def test_the_flow_heatmap_spec_passes_the_schema(sample):
    """Disruption draws the heatmap from a spec written unchecked once per key; the chart itself is checked here."""
    from ui.charts import flow_heatmap

    from tests.conftest import proposal as prop

    report = disruption(sample.current_plan(), prop(sample), sample.accounts, sample.reps, sample.as_of)
    for value in ("accounts", "arr_usd", "open_pipeline_usd"):
        for r in (report, report.for_manager("M-07")):
            spec = flow_heatmap(r.flows(value), value, title="t").to_dict(validate=True)
            assert spec["layer"] and spec == flow_heatmap(r.flows(value), value, title="t").to_dict(validate=False)


def test_opening_a_data_tab_reruns_the_tabs_alone(monkeypatch):
    """The Data page's sections are lazy tabs in one fragment (the cold start, issue 26): opening one reruns the
    tabs alone, draws that section (the map here) from its cached entry, and leaves the headline above untouched."""
    from ui import data_page

    calls = count_calls(monkeypatch, Counter(), data_page, "headline", "map_chart")
    at = page("1_Data.py", OPS).run()
    assert not at.exception, at.exception
    assert dict(calls) == {"headline": 1} and not at.get("vega_lite_chart")
    at.session_state["data_section"] = "Accounts by owner"
    with fragment_rerun(at, "data_sections"):
        at.run()
    assert not at.exception, at.exception
    assert dict(calls) == {"headline": 1, "map_chart": 1}  # nothing above the tabs ran
    assert len(at.get("vega_lite_chart")) == 1 and any("accounts on the map" in c.value for c in at.caption)


def test_opening_a_quota_and_comp_section_reruns_the_sections_alone(db, monkeypatch):
    """Quota and Comp's sections are lazy tabs in one fragment (issue 26: the page drew all of them, 1.3 s to open):
    the first open draws the headline and the per-rep quotas, no chart; opening the cost simulation reruns the
    sections alone (no plan listed or loaded again, no quota view rebuilt) and draws its figures and two charts;
    a change inside it (the draws) reruns the sections alone too."""
    from planning.plans import PlanRef
    from tests.quota_sections import TABS
    from ui import quota_reports
    from ui import quota_state as qs

    calls = count_calls(monkeypatch, Counter(), qs, "selected_plan", "quota_result")
    count_calls(monkeypatch, calls, PlanRef, "load")
    count_calls(monkeypatch, calls, quota_reports, "quota_view", "sim_view")
    at = page("4_Quota_and_Comp.py", OPS).run()
    assert not at.exception, at.exception
    first = dict(calls)
    assert first["selected_plan"] == 1 and "sim_view" not in first and not at.get("vega_lite_chart")
    assert len(at.data_editor) == 2  # the per-rep quotas and the managers' overrides
    at.session_state[TABS] = "Cost simulation"
    with fragment_rerun(at, "qc_sections"):
        at.run()
        assert not at.exception, at.exception
        assert dict(calls) == {**first, "sim_view": 1}  # nothing above the tabs ran
        assert len(at.get("vega_lite_chart")) == 2 and not at.data_editor
        assert any(m.label == "Comp cost (variable pay)" for m in at.metric)
        next(n for n in at.number_input if n.label == "Draws").set_value(5_000).run()
        assert not at.exception, at.exception
        assert calls["selected_plan"] == 1 and calls["quota_view"] == first["quota_view"] and calls["sim_view"] == 2
