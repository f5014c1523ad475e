"""A plan made on a changed export (same company, some accounts added or removed) is read over the accounts it and
today's data both have, and every page and command that sets it against today's data says how many accounts differ
each way (planning.plans.dataset_fit.shared_accounts; issue 26's dataset-fit leftovers)."""
from __future__ import annotations

import pandas as pd
import pytest

from planning.data.dataset import SAMPLE_DIR
from planning.plans import PlanStore, compare_plans, dataset_stamp, fit_of, load_sample_proposal, shared_accounts
from planning.plans.disruption_report import disruption
from planning.plans.plan import Plan
from planning.reporting import figures as F
from planning.reporting.formats import count
from tests.test_dataset_fit import _csv, _page, _upload, db  # noqa: F401  (fixture: a plan store per test)
from tests.test_disruption import AS_OF, data  # noqa: F401  (fixture: the hand-built plans)


def _older(plan: Plan, drop: list[str], add: dict[str, str], name: str) -> Plan:
    """``plan`` as made on an older export: without the accounts ``drop``, with ``add`` (account → territory) that
    today's data no longer has."""
    a = plan.assignment.drop(drop)
    a = pd.concat([a, pd.Series(add, dtype=object)])
    return Plan(name, a, plan.territories.copy(), kind="proposal")


# ------------------------------------------------------------------ the core, by hand
def test_disruption_of_a_changed_export_plan_is_over_the_shared_accounts(data):  # noqa: F811
    """B' is B made on an older export: a2 and a3 were not yet in it, a11 (since deleted) was.  Today's data holds
    a1..a10.  Over the 8 accounts both have (a1, a4..a10): a5, a6, a9 and a10 move (ARR 0 + 600 + 50 + 70 = 720 of
    100 + 400 + 0 + 600 + 0 + 800 + 50 + 70 = 2,020); a7 is newly assigned, a8 left unassigned; a6 (renews in 90
    days) and a8 (pipeline 10) break a relationship.  Without the cut, a2 and a3 would read "left unassigned" by B'
    and both break a relationship (a2 has pipeline, a3 renews in 30 days): 3 unassigned and 4 broken."""
    a, b, accounts, reps = data
    b2 = _older(b, ["a2", "a3"], {"a11": "T-R1"}, "B'")
    fit = fit_of(b2.assignment.index, accounts["account_id"])
    assert (fit.status, fit.shared, fit.missing, fit.extra) == ("changed", 8, ("a11",), ("a2", "a3"))
    assert fit.message("'B''") == (
        "'B'' was made on a different version of this data: 1 account of this plan is not in the current data "
        "(a11); 2 accounts of the current data are not in this plan (a2, a3). Its figures here are over the 8 "
        "accounts both have; the Plans page's CRM changes (`crm-changes` in the CLI) bring the plan up to date with "
        "the current data.")
    assert shared_accounts(accounts, [a, b2])["account_id"].tolist() == ["a1", "a4", "a5", "a6", "a7", "a8", "a9",
                                                                         "a10"]
    assert shared_accounts(accounts, [a, b]) is accounts  # the usual case costs nothing
    c = disruption(a, b2, accounts, reps, AS_OF, renewal_window_days=90).company
    assert (c["accounts"], c["accounts_moved"], c["pct_accounts_moved"]) == (8, 4, 0.5)
    assert c["arr_moved_usd"] == 720.0 and c["pct_arr_moved"] == pytest.approx(720 / 2020)
    assert (c["newly_assigned"], c["newly_unassigned"], c["relationships_broken"]) == (1, 1, 2)


def test_compare_is_over_the_accounts_every_plan_has_and_says_so_when_no_fit_message_does(data):  # noqa: F811
    a, b, accounts, reps = data
    b2 = _older(b, ["a2", "a3"], {"a11": "T-R1"}, "B'")
    cmp = compare_plans([a, b2], accounts, reps, AS_OF, plan_year=2027)
    h = cmp.headline
    assert h.loc["accounts_moved", "B'"] == 4 and h.loc["arr_moved_usd", "B'"] == 720.0
    assert h.loc["relationships_broken", "B'"] == 2 and h.loc["newly_assigned", "B'"] == 1
    assert h.loc["accounts_assigned"].tolist() == [7, 7]  # of the 8 shared: a7 unowned in A, a8 in B'
    assert cmp.notes == []  # B''s own fit message explains the 8
    assert set(cmp.moves["account_id"]) == {"a5", "a6", "a7", "a8", "a9", "a10"}
    # a third plan missing a10 as well: 7 accounts all three and the data have, fewer than any one plan's fit says
    c3 = _older(b, ["a10"], {}, "C")
    cmp = compare_plans([a, b2, c3], accounts, reps, AS_OF, plan_year=2027)
    assert cmp.notes == ["The figures are over the 7 accounts every plan and the current data have: 3 accounts of "
                         "the current data are missing from one plan or another."]
    assert cmp.headline.loc["accounts_moved", "B'"] == 3  # a10 is out now: a5, a6, a9


def test_disruption_of_two_changed_export_plans_says_what_the_shared_count_is(data):  # noqa: F811
    """A' is A made on an export without a2 (and with a12, since deleted); B' is B on one without a3 and a10 (with
    a11).  Today's data holds a1..a10: A' shares 9 with it, B' 8, and each plan's own fit message says so; both
    together share 7 (a1, a4..a9), fewer than either message counts, so the report says so, in Compare's words.
    Over those 7: a5, a6, a9 move (ARR 0 + 600 + 50 = 650 of 100 + 400 + 0 + 600 + 0 + 800 + 50 = 1,950); a7 is
    newly assigned, a8 left unassigned; a6 (renews in 90 days) and a8 (pipeline 10) break a relationship."""
    a, b, accounts, reps = data
    a2 = _older(a, ["a2"], {"a12": "T-R2"}, "A'")
    b2 = _older(b, ["a3", "a10"], {"a11": "T-R1"}, "B'")
    rep = disruption(a2, b2, accounts, reps, AS_OF, renewal_window_days=90)
    assert rep.notes == ["The figures are over the 7 accounts every plan and the current data have: 3 accounts of "
                         "the current data are missing from one plan or another."]
    c = rep.company
    assert (c["accounts"], c["accounts_moved"], c["arr_moved_usd"]) == (7, 3, 650.0)
    assert c["pct_arr_moved"] == pytest.approx(650 / 1950)
    assert (c["newly_assigned"], c["newly_unassigned"], c["relationships_broken"]) == (1, 1, 2)
    assert rep.for_manager("M1").notes == rep.notes  # a team's view keeps what the scope of its figures needs said
    # the same note as Compare's for the same pair: one core function (dataset_fit.shared_note) says it
    assert compare_plans([a2, b2], accounts, reps, AS_OF, plan_year=2027).notes == rep.notes
    # one plan changed: its own fit message explains the count, nothing more is said
    assert disruption(a, b2, accounts, reps, AS_OF, renewal_window_days=90).notes == []
    assert disruption(a, b, accounts, reps, AS_OF, renewal_window_days=90).notes == []


# ------------------------------------------------------------------ the pages and the CLI, on the demo
# today's data: the sample without its last 30 accounts; "Old": the shipped draft made on an export that did not
# yet hold the sample's first 20 accounts.  So 30 of Old's accounts are not in today's data, 20 of today's are not
# in Old, and the figures are over the 6,009 − 30 − 20 = 5,959 accounts both have.
@pytest.fixture()
def changed(db, sample):  # noqa: F811
    today = _upload(sample, sample.accounts.iloc[:-30], "Re-export")
    prop = load_sample_proposal(sample.reps)
    first20 = list(sample.accounts["account_id"].astype(str).iloc[:20])
    old = Plan("Old", prop.assignment.drop(first20), prop.territories.copy(), kind="proposal")
    made_on = sample.accounts.iloc[20:]
    PlanStore(db).save_plan(old, made_on=dataset_stamp("Last quarter's export", made_on, sample.reps))
    shared = today.accounts.loc[today.accounts["account_id"].astype(str).isin(old.assignment.index)]
    assert len(shared) == 5_959
    return today, old, F.moved_between(today.current_plan(), old, shared)


SAYS = ("30 accounts of this plan are not in the current data", "20 accounts of the current data are not in this plan",
        "Its figures here are over the 5,959 accounts both have")


def test_disruption_page_reads_the_changed_plan_over_the_shared_accounts(changed):
    today, _old, want = changed
    at = _page("6_Disruption.py", today).run()
    assert not at.exception
    assert at.selectbox(key="dis_b").value == 1
    note = " ".join(w.value for w in at.warning)
    assert all(s in note for s in SAYS), note
    shown = {m.label: m.value for m in at.metric}
    assert shown["Accounts moved"] == count(want["accounts_moved"]) and want["accounts_moved"] > 1000
    # the 20 accounts Old never had are not "left unassigned" by it
    assert shown["Newly assigned / left unassigned"] == \
        f"{count(want['newly_assigned'])} / {count(want['newly_unassigned'])}"
    assert want["accounts"] == 5_959


def test_compare_page_reads_the_changed_plan_over_the_shared_accounts(changed):
    today, _old, want = changed
    at = _page("7_Compare.py", today).run()
    assert not at.exception
    assert at.multiselect(key="cmp_plans").value == [0, 1]
    note = " ".join(w.value for w in at.warning)
    assert all(s in note for s in SAYS), note
    assert {m.label: m.value for m in at.metric}["Accounts moved"] == count(want["accounts_moved"])


def test_plans_page_says_how_the_plan_differs_from_todays_data(changed):
    at = _page("8_Plans.py", changed[0]).run()
    assert not at.exception
    note = " ".join(w.value for w in at.warning)
    assert all(s in note for s in SAYS), note


def test_cli_reads_the_changed_plan_over_the_shared_accounts(changed, sample, cli, tmp_path):
    _today, _old, want = changed
    data = ["--accounts", _csv(tmp_path, sample, sample.accounts.iloc[:-30]), "--reps", SAMPLE_DIR / "reps.csv",
            "--as-of", "2026-11-30"]
    r = cli(["disruption", "current", "Old", *data])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert all(s in out for s in SAYS), out
    assert f"{want['accounts_moved']:,} of 5,959 accounts moved" in out
    r = cli(["compare", "current", "Old", *data])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert all(s in out for s in SAYS), out


def test_disruption_page_and_cli_say_when_both_changed_plans_narrow_the_accounts(changed, db, sample, cli, tmp_path):
    """Old lacks the sample's first 20 accounts, Older its next 10 (and both hold the 30 today's data dropped): each
    shares 5,959 or 5,969 accounts with today's 5,979, both together 5,949, which only the report's note explains."""
    today, _old, _want = changed
    prop = load_sample_proposal(sample.reps)
    next10 = list(sample.accounts["account_id"].astype(str).iloc[20:30])
    older = Plan("Older", prop.assignment.drop(next10), prop.territories.copy(), kind="proposal")
    made_on = sample.accounts.drop(sample.accounts.index[20:30])
    PlanStore(db).save_plan(older, made_on=dataset_stamp("An older export", made_on, sample.reps))
    note = ("The figures are over the 5,949 accounts every plan and the current data have: 30 accounts of the "
            "current data are missing from one plan or another.")
    at = _page("6_Disruption.py", today).run()
    labels = at.selectbox(key="dis_a").options
    at.selectbox(key="dis_a").set_value(next(i for i, x in enumerate(labels) if x.startswith("Old v"))).run()
    at.selectbox(key="dis_b").set_value(next(i for i, x in enumerate(labels) if x.startswith("Older v"))).run()
    assert not at.exception
    assert f"Note: {note}" in [c.value.replace("\\", "") for c in at.caption]  # shown as plain text: escaped
    assert {m.label: m.value for m in at.metric}["Accounts moved"]  # the figures are drawn, over the 5,949
    data = ["--accounts", _csv(tmp_path, sample, sample.accounts.iloc[:-30]), "--reps", SAMPLE_DIR / "reps.csv",
            "--as-of", "2026-11-30"]
    r = cli(["disruption", "Old", "Older", *data])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert f"Note: {note}" in out and "of 5,949 accounts moved" in out
