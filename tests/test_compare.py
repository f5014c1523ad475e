"""Plan comparison: balance, disruption vs the baseline, quota coverage, headcount/cost, moved accounts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.plans.compare import (HEADLINE_BETTER, account_moves, best_in_row, compare_capacity, compare_plans, differs,
                              plan_cost)
from planning.data.defaults import SEGMENT_DEFAULTS
from planning.reporting import no_target_message
from tests.test_disruption import AS_OF, data  # noqa: F401  (fixture: the hand-built plans)
from tests.test_figures_consistency import SAVED, _page, setup, shown_cells  # noqa: F401  (fixture: a saved draft)


def test_hand_built(data):  # noqa: F811
    a, b, accounts, reps = data
    cmp = compare_plans([a, b], accounts, reps, AS_OF, plan_year=2027)
    # disruption of B vs A is the hand-worked report (tests/test_disruption.py); A vs itself is zero
    assert cmp.disruption.loc["accounts_moved"].tolist() == [0, 6]
    assert cmp.disruption.loc["relationships_broken"].tolist() == [0, 4]
    assert cmp.headline.loc["pct_arr_moved", "B"] == pytest.approx(1220 / 2520)
    # four territories (one open) in both plans: 3 owners + 1 planned hire, SMB loaded cost each
    smb = SEGMENT_DEFAULTS["SMB"]
    assert cmp.headline.loc["quota_reps"].tolist() == [4, 4]
    assert cmp.headline.loc["ae_cost_usd", "A"] == pytest.approx(4 * smb.ote_usd * (1 + smb.loaded_cost_extra))
    # ARR moved and the newly assigned are the figures of planning.reporting.figures: a7 (no holder in A) is
    # newly assigned, never moved
    assert cmp.headline.loc["accounts_moved", "B"] == 6 and cmp.headline.loc["newly_assigned", "B"] == 1
    assert cmp.headline.loc["arr_moved_usd", "B"] == 1220.0
    assert cmp.headline.loc["accounts_assigned"].tolist() == [9, 9]
    # quota coverage needs bookings targets: none given, so a note instead of numbers
    assert cmp.quota is None and cmp.notes == [] and cmp.quota_note == no_target_message(2027)
    # account potential per territory: A  R1 1+2+3=6k, R2 4+5=9k, R3 6+8+10=24k, OPEN 9k  (SMB segment)
    bw = cmp.balance_wide("potential_usd")
    assert bw.loc[("SMB", "potential_usd", "max_mean"), "A"] == pytest.approx(24 / 12)
    assert bw.loc[("SMB", "potential_usd", "min_mean"), "A"] == pytest.approx(6 / 12)
    #                 B  R1 1+7+10=18k, R2 2+4+9=15k, R3 3+5=8k, OPEN 6k (a8 unassigned): mean 47/4
    assert bw.loc[("SMB", "potential_usd", "max_min"), "B"] == pytest.approx(18 / 6)
    # moved accounts: every account whose holder differs (a7 and a8 change to/from unassigned too)
    mv = cmp.moves.set_index("account_id")
    assert sorted(mv.index) == sorted(["a2", "a3", "a5", "a6", "a7", "a8", "a9", "a10"])
    assert mv.loc["a3", "owner in A"] == "Rae (R1)" and mv.loc["a3", "owner in B"] == "Ria (R3)"
    assert mv.loc["a8", "owner in B"] == "(unassigned)" and mv.loc["a6", "owner in B"] == "Open: New hire"
    assert (mv["moved_in"] == "B").all()


def test_moves_of_three_plans(data):  # noqa: F811
    """Each moved account names every plan that moves it against the first, in the plans' order."""
    a, b, accounts, reps = data
    c = b.with_moves({"a4": "T-R3"}, name="C")  # B's moves and a4 (R2 in A and B) to R3
    mv = account_moves([a, b, c], accounts, reps).set_index("account_id")
    assert mv.loc["a4", "moved_in"] == "C" and mv.loc["a4", "plans_moving"] == 1
    assert mv.loc["a3", "moved_in"] == "B, C" and mv.loc["a3", "plans_moving"] == 2
    assert "a1" not in mv.index  # the same holder in all three


def test_best_and_differs():
    wide = pd.DataFrame({"P": [0.5, 10, 3], "Q": [0.4, 10, 5], "R": [0.6, 10, np.nan]},
                        index=["cv", "headcount", "accounts_moved"])
    best = best_in_row(wide, {"cv": True, "accounts_moved": True, "headcount": True})
    assert best.loc["cv"].tolist() == [False, True, False]
    assert best.loc["headcount"].tolist() == [False, False, False]  # all equal: nothing to highlight
    assert best.loc["accounts_moved"].tolist() == [True, False, False]
    assert differs(wide).tolist() == [True, False, True]
    assert differs(pd.DataFrame({"P": [np.inf, np.inf], "Q": [26.0, np.inf]})).tolist() == [True, False]
    assert best_in_row(wide, {"cv": False}).loc["cv"].tolist() == [False, False, True]


def test_sample_with_quota(sample):
    cur = sample.current_plan()
    ids = cur.assignment.dropna().index[:150]
    terrs = list(cur.territories.index)
    b = cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="B")
    c = cur.with_moves({x: terrs[(i * 3) % len(terrs)] for i, x in enumerate(ids[:50])}, name="C")
    cmp = compare_plans([cur, b, c], sample.accounts, sample.reps, sample.as_of, sample.plan_year,
                        targets=sample.targets, history=sample.history, settings=sample.settings)
    assert cmp.names == [cur.name, "B", "C"]
    assert cmp.quota is not None and list(cmp.quota.columns) == cmp.names
    assert {"Enterprise", "Mid-market", "SMB", "Total"} <= set(cmp.quota.index)
    over = 1 + sample.settings.planning.quota_over_assignment
    assert cmp.quota.loc["Total", cur.name] == pytest.approx(over, rel=0.02)
    moved_b = cmp.disruption.loc["accounts_moved", "B"]
    assert 0 < moved_b <= 150 and cmp.disruption.loc["accounts_moved", "C"] <= 50
    best = best_in_row(cmp.headline, HEADLINE_BETTER)
    assert best.loc["accounts_moved", cur.name]  # the baseline moves nothing
    assert len(account_moves([cur, b], sample.accounts, sample.reps)) == moved_b


def test_guards(data):  # noqa: F811
    a, b, accounts, reps = data
    with pytest.raises(ValueError, match="2 to 4"):
        compare_plans([a], accounts, reps, AS_OF)
    with pytest.raises(ValueError, match="distinct names"):
        compare_plans([a, a], accounts, reps, AS_OF)
    assert plan_cost(a)["open_territories"] == 1


def test_capacity_scenarios(sample):
    from planning.capacity import default_scenario

    base = default_scenario(sample).to_dict()
    more = default_scenario(sample, name="Hire").to_dict()
    more["segments"]["SMB"]["hiring_plan"] = [2] + [0] * 11
    t = compare_capacity({"Base": base, "Hire": more}, sample)
    assert list(t.columns) == ["Base", "Hire"]
    assert t.loc["hires", "Hire"] == t.loc["hires", "Base"] + 2
    assert t.loc["cost_usd", "Hire"] > t.loc["cost_usd", "Base"]
    for k in ("headcount_end", "expected_bookings_usd", "capacity_target_usd", "gap_usd"):
        assert k in t.index


def test_roles_see_no_quota_or_cost_they_may_not(sample):
    """A viewer sees neither quota coverage nor cost; a manager no cost (it is priced from OTE), workbook included."""
    import io

    from planning.access import Role, User

    cur = sample.current_plan()
    ids = cur.assignment.dropna().index[:40]
    terrs = list(cur.territories.index)
    b = cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="B")
    kw = dict(targets=sample.targets, history=sample.history, settings=sample.settings)
    full = compare_plans([cur, b], sample.accounts, sample.reps, sample.as_of, sample.plan_year, **kw)
    assert {"quota_coverage", "ae_cost_usd"} <= set(full.headline.index)
    viewer = compare_plans([cur, b], sample.accounts, sample.reps, sample.as_of, sample.plan_year, **kw,
                           user=User("v@x.test", role=Role.VIEWER))
    assert "quota_coverage" not in viewer.headline.index and "ae_cost_usd" not in viewer.headline.index
    assert viewer.quota is None
    mgr = compare_plans([cur, b], sample.accounts, sample.reps, sample.as_of, sample.plan_year, **kw,
                        user=User("m@x.test", role=Role.MANAGER, manager_id="M-03"))
    assert "ae_cost_usd" not in mgr.headline.index
    sheets = pd.read_excel(io.BytesIO(mgr.to_excel()), sheet_name=None)
    text = " ".join(" ".join(map(str, df.columns)) + " " + df.astype(str).to_string() for df in sheets.values())
    assert "AE cost" not in text and "cost" not in text.lower()
    # the workbook's headers are labels, not field names
    head = pd.read_excel(io.BytesIO(full.to_excel()), sheet_name="Headline")
    assert "Accounts moved" in head["Figure"].tolist() and "accounts_moved" not in head["Figure"].tolist()


def test_the_compare_page_reads_figures_as_every_other_page(setup, sample):  # noqa: F811
    """Compare's tables format each row by its label's kind with the shared formats (planning.reporting.formats):
    percentages with one decimal as a table's percent column and Quota and Comp's coverage, ratios with ×, an
    empty book as words, whole dollars."""
    from planning.reporting import figures as F
    from planning.reporting import pct, ratio, usd_whole

    db, cur, prop, want = setup
    at = _page("7_Compare.py").run()
    assert not at.exception, at.exception
    head, balance, disruption, quota = (shown_cells(t) for t in at.dataframe[:4])
    today = cur.name
    assert head.at["Potential: largest ÷ smallest", today] == "∞ (an empty book)"  # a Mid-market book is empty
    assert head.at["ARR moved", SAVED] == usd_whole(want["arr_moved_usd"])
    bal = F.balance(prop, sample.accounts, sample.reps, sample.plan_year, sample.settings).set_index(
        ["segment", "metric"])
    smb = bal.loc[("SMB", "potential_usd")]
    assert balance.at["SMB · Spread (CV)", SAVED] == pct(smb["cv"], 1)  # a CV reads as a percentage
    assert balance.at["SMB · Largest ÷ smallest", SAVED] == ratio(smb["max_min"])
    assert balance.at["SMB · Worst deviation from target", SAVED] == pct(smb["worst_dev"], 1)
    assert disruption.at["Pipeline moved", SAVED].startswith("$") and disruption.at["Accounts", SAVED] == \
        f"{len(sample.accounts):,}"
    qc = _page("4_Quota_and_Comp.py")
    qc.session_state["quota.plan_name"] = SAVED
    qc.run()
    assert not qc.exception, qc.exception
    coverage = next(m.value for m in qc.metric if m.label == "Quota coverage")
    assert quota.at["Total", SAVED] == coverage  # "115.0%", as on Quota and Comp
