"""Disruption figures on a hand-built pair of plans; every count below is worked out by hand in the comments.

Plan A → plan B, 10 accounts, reps R1, R2 (manager M1), R3 (manager M2), an open territory T-OPEN:

    acct  A       B        change          ARR  pipe  renewal(days)  broken?
    a1    R1      R1       kept            100   0    –              no
    a2    R1      R2       moved           200  50    –              yes (pipeline, leaves R1)
    a3    R1      R3       moved           300   0    30             yes (renewal ≤ 90, leaves R1)
    a4    R2      R2       kept            400   0    –              no
    a5    R2      R3       moved             0   0    200            no  (renewal outside window)
    a6    R3      T-OPEN   moved           600   0    90             yes (boundary counts, leaves R3)
    a7    –       R1       newly assigned    0   0    –              no
    a8    R3      –        unassigned      800  10    –              yes (pipeline, leaves R3)
    a9    T-OPEN  R2       moved            50  20    –              no  (nobody held it)
    a10   R3      R1       moved            70   0    -5 (past)      no
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from planning.plans.disruption_report import NO_MANAGER, disruption
from planning.plans.manager_summary import manager_summary_html
from planning.data.geo import haversine_mi
from planning.plans.plan import Plan
from planning.reporting.formats import pct, usd_whole

AS_OF = pd.Timestamp("2026-11-30")
IDS = [f"a{i}" for i in range(1, 11)]
A_OWN = ["T-R1", "T-R1", "T-R1", "T-R2", "T-R2", "T-R3", None, "T-R3", "T-OPEN", "T-R3"]
B_OWN = ["T-R1", "T-R2", "T-R3", "T-R2", "T-R3", "T-OPEN", "T-R1", None, "T-R2", "T-R1"]
ARR = [100, 200, 300, 400, 0, 600, 0, 800, 50, 70]
PIPE = [0, 50, 0, 0, 0, 0, 0, 10, 20, 0]
RENEW_DAYS = [None, None, 30, None, 200, 90, None, None, None, -5]
DLAT = [0, 1, 2, 0, 0, 0, 0, 0, 0, 1]  # degrees north of every rep's home


@pytest.fixture(scope="module")
def data():
    accounts = pd.DataFrame({
        "account_id": IDS, "name": [f"Acct {i}" for i in range(1, 11)], "segment": "SMB", "region": "Central",
        "lat": [40.0 + d for d in DLAT], "lon": -100.0, "arr_usd": [float(x) for x in ARR],
        "potential_usd": [1000.0 * i for i in range(1, 11)], "workload_hours": 10.0,
        "open_pipeline_usd": [float(x) for x in PIPE],
        "next_renewal_date": [AS_OF + pd.Timedelta(days=d) if d is not None else pd.NaT for d in RENEW_DAYS],
    })
    reps = pd.DataFrame({
        "rep_id": ["M1", "M2", "R1", "R2", "R3"], "name": ["Mia", "Max", "Rae", "Ron", "Ria"],
        "role": ["Manager", "Manager", "AE", "AE", "AE"], "segment": "SMB",
        "manager_id": [None, None, "M1", "M1", "M2"], "region": "Central", "lat": 40.0, "lon": -100.0,
        "status": "active", "start_date": pd.Timestamp("2020-01-01"), "end_date": pd.NaT, "capacity_override": np.nan,
    })
    terr = pd.DataFrame({"territory_id": ["T-R1", "T-R2", "T-R3", "T-OPEN"],
                         "name": ["SMB 1", "SMB 2", "SMB 3", "New hire"], "region": "Central", "area": "A",
                         "segment": "SMB", "owner_rep_id": ["R1", "R2", "R3", np.nan]}).set_index("territory_id")
    a = Plan("A", pd.Series(A_OWN, index=IDS, dtype=object), terr)
    b = Plan("B", pd.Series(B_OWN, index=IDS, dtype=object), terr.copy(), kind="proposal")
    return a, b, accounts, reps


@pytest.fixture(scope="module")
def report(data):
    a, b, accounts, reps = data
    return disruption(a, b, accounts, reps, AS_OF, renewal_window_days=90)


def test_accounts(report):
    acc = report.accounts.set_index("account_id")
    assert acc["change"].tolist() == ["kept", "moved", "moved", "kept", "moved", "moved", "newly assigned",
                                      "unassigned", "moved", "moved"]
    assert acc.index[acc["relationship_broken"]].tolist() == ["a2", "a3", "a6", "a8"]
    assert acc.index[acc["renewal_in_window"]].tolist() == ["a3", "a6"]
    assert acc.loc["a3", "from_owner_name"] == "Rae (R1)" and acc.loc["a3", "to_owner_name"] == "Ria (R3)"
    assert acc.loc["a6", "to_owner_name"] == "Open: New hire" and acc.loc["a6", "to_holder"] == "T-OPEN"
    assert acc.loc["a3", "from_territory"] == "T-R1" and acc.loc["a3", "to_territory"] == "T-R3"
    assert acc.loc["a6", "days_to_renewal"] == 90


def test_company(report):
    c = report.company
    assert c["accounts"] == 10
    assert c["accounts_moved"] == 6  # a2 a3 a5 a6 a9 a10
    assert c["pct_accounts_moved"] == pytest.approx(0.6)
    assert c["arr_usd"] == 2520
    assert c["arr_moved_usd"] == 1220  # 200+300+0+600+50+70
    assert c["pct_arr_moved"] == pytest.approx(1220 / 2520)
    assert c["pipeline_moved_usd"] == 70  # a2 50 + a9 20
    assert c["newly_assigned"] == 1 and c["newly_unassigned"] == 1
    assert c["relationships_broken"] == 4
    assert c["renewals_in_window_moved"] == 2  # a3, a6
    assert c["moved_with_open_pipeline"] == 2  # a2, a9
    assert c["reps_affected"] == 3


def test_reps(report):
    r = report.reps.set_index("holder")
    cols = ["accounts_before", "kept", "lost", "gained", "accounts_after", "arr_before_usd", "arr_kept_usd",
            "arr_out_usd", "arr_in_usd", "arr_after_usd", "pipeline_out_usd", "pipeline_in_usd", "relationships_broken"]
    got = r[cols].astype(float).to_dict(orient="index")
    assert got["R1"] == dict(zip(cols, [3, 1, 2, 2, 3, 600, 100, 500, 70, 170, 50, 0, 2]))
    assert got["R2"] == dict(zip(cols, [2, 1, 1, 2, 3, 400, 400, 0, 250, 650, 0, 70, 0]))
    assert got["R3"] == dict(zip(cols, [3, 0, 3, 2, 2, 1470, 0, 1470, 300, 300, 10, 0, 2]))
    assert got["T-OPEN"] == dict(zip(cols, [1, 0, 1, 1, 1, 50, 0, 50, 600, 600, 20, 0, 0]))
    assert r.loc["R1", "pct_accounts_retained"] == pytest.approx(1 / 3)
    assert r.loc["R1", "pct_arr_retained"] == pytest.approx(100 / 600)
    assert r.loc["R2", "pct_arr_retained"] == 1.0 and r.loc["R3", "pct_arr_retained"] == 0.0
    assert r.loc["R1", "manager_name"] == "Mia" and pd.isna(r.loc["T-OPEN", "rep_id"])
    # potential: R1 holds a1,a2,a3 (1k+2k+3k) before and a1,a7,a10 (1k+7k+10k) after
    assert r.loc["R1", "potential_before_usd"] == 6000 and r.loc["R1", "potential_after_usd"] == 18000
    assert r.loc["R1", "potential_change_usd"] == 12000
    assert r.loc["R3", "workload_change_hours"] == -10  # 3 accounts × 10 h → 2 × 10 h
    # distance from home (40N 100W): R1 before (0+1+2)/3 = 1°, after (0+0+1)/3 = 1/3° of latitude
    one_deg = float(haversine_mi(40, -100, 41, -100))
    assert one_deg == pytest.approx(69.1, abs=0.1)
    mean_before = (0 + one_deg + float(haversine_mi(40, -100, 42, -100))) / 3
    assert r.loc["R1", "distance_before_mi"] == pytest.approx(mean_before)
    assert r.loc["R1", "distance_after_mi"] == pytest.approx(one_deg / 3)
    assert r.loc["R1", "distance_change_mi"] == pytest.approx(one_deg / 3 - mean_before)


def test_managers(report):
    m = report.managers.set_index("manager_id")
    cols = ["reps", "accounts_before", "kept", "moved_within_team", "lost", "gained", "accounts_after",
            "arr_before_usd", "arr_out_usd", "arr_in_usd", "arr_after_usd", "relationships_broken"]
    got = m[cols].astype(float).to_dict(orient="index")
    # M1 (R1, R2): had a1-a5, has a1 a2 a4 a7 a9 a10; a2 moved R1→R2 inside the team
    assert got["M1"] == dict(zip(cols, [2, 5, 3, 1, 2, 3, 6, 1000, 300, 120, 820, 2]))
    assert got["M2"] == dict(zip(cols, [1, 3, 0, 0, 3, 2, 2, 1470, 1470, 300, 300, 2]))
    assert got[NO_MANAGER] == dict(zip(cols, [0, 1, 0, 0, 1, 1, 1, 50, 50, 600, 600, 0]))
    assert m.loc["M1", "pct_arr_retained"] == pytest.approx(0.7)
    # potential: R1 6k → 18k (+12k), R2 a4+a5 = 9k → a4+a2+a9 = 15k (+6k); workload R1 ±0, R2 +10 h
    assert m.loc["M1", "potential_change_usd"] == 18000 and m.loc["M1", "workload_change_hours"] == 10
    assert m.loc["M1", "manager_name"] == "Mia"


def test_flows_and_rankings(report):
    f = report.flows()
    pairs = sorted(zip(f["source"], f["target"], f["accounts"]))
    assert pairs == sorted([("Rae (R1)", "Ron (R2)", 1), ("Rae (R1)", "Ria (R3)", 1), ("Ron (R2)", "Ria (R3)", 1), ("Ria (R3)", "Open: New hire", 1),
                            ("(unassigned)", "Rae (R1)", 1), ("Ria (R3)", "(unassigned)", 1), ("Open: New hire", "Ron (R2)", 1),
                            ("Ria (R3)", "Rae (R1)", 1)])
    mat = report.flow_matrix("arr_usd")
    assert mat.loc["Rae (R1)", "Ria (R3)"] == 300 and mat.loc["Ria (R3)", "(unassigned)"] == 800 and mat.loc["Rae (R1)", "Rae (R1)"] == 0
    top = report.most_disrupted_reps(2)
    # R1 and R3 both broke 2 relationships; R3 moved more ARR (1470 + 300 vs 500 + 70)
    assert top["rep_id"].tolist() == ["R3", "R1"]
    cust = report.most_disrupted_customers(3)
    # broken first, by ARR + pipeline: a8 (810), a6 (600), a3 (300)
    assert cust["account_id"].tolist() == ["a8", "a6", "a3"]


def test_manager_filter_and_exports(report):
    m1 = report.for_manager("M1")
    assert sorted(m1.reps["rep_id"]) == ["R1", "R2"]
    # accounts leaving or joining M1's team, or moving inside it: a1..a5, a7, a9, a10
    assert sorted(m1.accounts["account_id"]) == sorted(["a1", "a2", "a3", "a4", "a5", "a7", "a9", "a10"])
    html = manager_summary_html(report, "M1")
    assert html.startswith("<!DOCTYPE html>") and "Mia" in html and "@media print" in html
    assert "<script" not in html and "http" not in html  # self-contained
    assert "Acct 3" in html and "Acct 6" not in html
    # figures read as on the Disruption page (planning.reporting.formats): whole dollars, % with one decimal
    team = m1.managers.iloc[0]
    assert f"ARR retained<b>{pct(team['pct_arr_retained'], 1)}</b>" in html
    assert f"ARR out<b>{usd_whole(team['arr_out_usd'])}</b>" in html
    xls = pd.read_excel(io.BytesIO(report.to_excel()), sheet_name=None)
    assert {"Summary", "Moved accounts", "All accounts", "Reps", "Managers", "Flows"} <= set(xls)
    assert len(xls["All accounts"]) == 10 and len(xls["Moved accounts"]) == 8
    assert len(xls["Reps"]) == 4
    # labelled headers, people by name and id, no holder ids
    acc = xls["Moved accounts"]
    assert {"From owner", "To owner", "Current ARR"} <= set(acc.columns) and "from_holder" not in acc.columns
    assert "Rae (R1)" in set(acc["From owner"]) and "Accounts moved" in set(xls["Summary"]["Figure"])


def test_identical_plans_no_disruption(data):
    a, _, accounts, reps = data
    r = disruption(a, a, accounts, reps, AS_OF)
    assert r.company["accounts_moved"] == 0 and r.company["relationships_broken"] == 0
    assert r.flows().empty and r.flow_matrix().empty
    assert (r.reps["lost"] == 0).all() and (r.reps["gained"] == 0).all()


def test_window_default_from_settings(data):
    from planning.data.defaults import PlanningDefaults

    a, b, accounts, reps = data
    r = disruption(a, b, accounts, reps, AS_OF)
    assert r.renewal_window_days == PlanningDefaults().renewal_window_days
    narrow = disruption(a, b, accounts, reps, AS_OF, renewal_window_days=29)
    # a3 (30 days) and a6 (90 days) fall outside a 29-day window; a2 and a8 still break on pipeline
    assert narrow.company["relationships_broken"] == 2


def test_sample_reconciles(sample):
    cur = sample.current_plan()
    ids = cur.assignment.dropna().index[:200]
    terrs = list(cur.territories.index)
    b = cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="B")
    r = disruption(cur, b, sample.accounts, sample.reps, sample.as_of)
    reps = r.reps
    assert (reps["accounts_before"] == reps["kept"] + reps["lost"]).all()
    assert (reps["accounts_after"] == reps["kept"] + reps["gained"]).all()
    assert reps["lost"].sum() == reps["gained"].sum() == r.company["accounts_moved"]
    assert reps["arr_out_usd"].sum() == pytest.approx(r.company["arr_moved_usd"])
    assert reps["relationships_broken"].sum() == r.company["relationships_broken"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TERRS = ["T-R1", "T-R2", "T-R3", "T-OPEN", None]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(TERRS), min_size=10, max_size=10), st.lists(st.sampled_from(TERRS), min_size=10, max_size=10))
def test_any_pair_of_plans_reconciles(data, a_own, b_own):  # noqa: F811
    a, _, accounts, reps = data
    pa = Plan("A", pd.Series(a_own, index=IDS, dtype=object), a.territories)
    pb = Plan("B", pd.Series(b_own, index=IDS, dtype=object), a.territories)
    r = disruption(pa, pb, accounts, reps, AS_OF)
    c, h, m = r.company, r.reps, r.managers
    assert (h["accounts_before"] == h["kept"] + h["lost"]).all()
    assert (h["accounts_after"] == h["kept"] + h["gained"]).all()
    assert h["lost"].sum() == c["accounts_moved"] + c["newly_unassigned"]
    assert h["gained"].sum() == c["accounts_moved"] + c["newly_assigned"]
    assert h["arr_out_usd"].sum() == pytest.approx(r.accounts.loc[r.accounts["change"].isin(["moved", "unassigned"]),
                                                                  "arr_usd"].sum())
    assert h["relationships_broken"].sum() == c["relationships_broken"] == m["relationships_broken"].sum()
    assert (m["accounts_before"] == m["kept"] + m["lost"]).all()
    assert m["lost"].sum() == m["gained"].sum() - c["newly_assigned"] + c["newly_unassigned"]
    assert 0 <= c["pct_arr_moved"] <= 1
