"""CRM export shapes and data-change detection, on hand-built frames and on a modified sample export."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from planning.plans.crm import apply_changes, crm_export, detect_changes, developer_name, load_crm_accounts
from planning.data.dataset import SAMPLE_DIR
from planning.plans.plan import Plan

REPS = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "name": ["Rae", "Ron", "Ria"],
                     "crm_user_id": ["005A", "005B", np.nan], "manager_id": None})
TERR = pd.DataFrame({"territory_id": ["T-R1", "T-R2", "T-R3", "T-NEW"], "name": ["One", "Two", "Three", "Hire"],
                     "region": "West", "area": "West SMB", "segment": "SMB",
                     "owner_rep_id": ["R1", "R2", "R3", np.nan]}).set_index("territory_id")


def plan(assign: list, name="Approved") -> Plan:
    return Plan(name, pd.Series(assign, index=[f"a{i}" for i in range(1, len(assign) + 1)], dtype=object), TERR)


def test_export_shapes():
    before = plan(["T-R1", "T-R1", "T-R2", "T-R2", "T-R1", None], "Current")
    after = plan(["T-R1", "T-R2", "T-R2", "T-R3", "T-NEW", None])
    ex = crm_export(after, REPS)
    # a1 → R1 (005A), a2 → R2 (005B), a3 → R2; a4 owner R3 has no CRM id, a5 open territory, a6 unassigned
    assert ex.account_owners.to_dict("list") == {"Id": ["a1", "a2", "a3"], "OwnerId": ["005A", "005B", "005B"]}
    assert ex.skipped.set_index("account_id")["reason"].to_dict() == {
        "a4": "owner has no CRM user id in the reps table", "a5": "open territory (planned hire): no owner yet",
        "a6": "unassigned in the plan"}
    changed = crm_export(after, REPS, before=before, changed_only=True)
    assert changed.account_owners["Id"].tolist() == ["a2"]  # a1 and a3 keep their owner
    assert ex.territories["DeveloperName"].tolist() == ["T_R1", "T_R2", "T_R3", "T_NEW"]
    assert ex.territory_users.to_dict("list") == {"Territory2DeveloperName": ["T_R1", "T_R2"],
                                                   "UserId": ["005A", "005B"], "RoleInTerritory2": ["Owner", "Owner"]}
    assert ex.account_territories["ObjectId"].tolist() == ["a1", "a2", "a3", "a4", "a5"]
    assert ex.quotas is None
    z = zipfile.ZipFile(io.BytesIO(ex.to_zip()))
    assert sorted(z.namelist()) == sorted(["account_owners.csv", "territories.csv", "territory_users.csv",
                                           "account_territories.csv", "skipped_accounts.csv"])
    assert z.read("account_owners.csv").decode("utf-8-sig").splitlines()[0] == "Id,OwnerId"


def test_export_quotas_annual_and_quarterly():
    p = plan(["T-R1", "T-R2"])
    annual = pd.DataFrame({"territory_id": ["T-R1", "T-R2"], "quota_usd": [1_000_000.0, 800_000.0]})
    q = crm_export(p, REPS, quotas=annual, plan_year=2027).quotas
    assert q.to_dict("list") == {"UserId": ["005A", "005B"], "Territory2DeveloperName": ["T_R1", "T_R2"],
                                 "StartDate": ["2027-01-01"] * 2, "EndDate": ["2027-12-31"] * 2,
                                 "QuotaAmount": [1_000_000.0, 800_000.0]}
    quarterly = annual.assign(Q1_quota_usd=[100.0, 1], Q2_quota_usd=[200.0, 2], Q3_quota_usd=[300.0, 3],
                              Q4_quota_usd=[400.0, 4])
    q = crm_export(p, REPS, quotas=quarterly, plan_year=2027).quotas
    r1 = q.loc[q["UserId"] == "005A"]
    assert r1["StartDate"].tolist() == ["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"]
    assert r1["EndDate"].tolist() == ["2027-03-31", "2027-06-30", "2027-09-30", "2027-12-31"]
    assert r1["QuotaAmount"].tolist() == [100, 200, 300, 400]
    with pytest.raises(ValueError, match="quota_usd"):
        crm_export(p, REPS, quotas=pd.DataFrame({"territory_id": ["T-R1"]}))


def test_export_quota_result(sample):
    from planning.compensation.quota import quota_for_plan

    cur = sample.current_plan()
    res = quota_for_plan(cur, sample.accounts, sample.reps, sample.targets, sample.history, plan_year=sample.plan_year)
    ex = crm_export(cur, sample.reps, quotas=res)
    assert len(ex.quotas) == 4 * len(res.table)
    assert ex.quotas["QuotaAmount"].sum() == pytest.approx(res.total_quota_usd, rel=1e-6)
    assert ex.quotas["StartDate"].min() == f"{sample.plan_year}-01-01"
    assert len(ex.account_owners) + len(ex.skipped) == len(cur.assignment)


def test_developer_name():
    assert developer_name("T-R-001") == "T_R_001" and developer_name("9x") == "T_9x"


def _accounts(ids, owners, arr):
    return pd.DataFrame({"account_id": ids, "name": [f"N{i}" for i in ids], "segment": "SMB",
                         "owner_rep_id": owners, "arr_usd": arr})


def test_detect_and_apply_changes():
    # plan made from baseline: a1 R1, a2 R1, a3 R2, a4 R2, a5 R1; the plan moves a2 → R2 and a5 → R3
    p = plan(["T-R1", "T-R2", "T-R2", "T-R2", "T-R3"])
    base = _accounts(["a1", "a2", "a3", "a4", "a5"], ["R1", "R1", "R2", "R2", "R1"], [10.0, 20, 30, 40, 50])
    # newer export: a1 re-assigned to R3 (outside the plan), a2 moved to R2 (plan applied), a3 ARR 30 → 35,
    # a4 deleted, a5 still R1 (plan not applied yet: no change), a6 new (owner R1), a7 new (owner nobody)
    new = _accounts(["a1", "a2", "a3", "a5", "a6", "a7"], ["R3", "R2", "R2", "R1", "R1", np.nan],
                    [10.0, 20, 35, 50, 5, 7])
    ch = detect_changes(p, new, base, REPS)
    assert ch.counts() == {"new_account": 2, "deleted_account": 1, "owner_change": 1, "arr_change": 1}
    c = ch.changes.set_index("change_id")
    assert list(c.index) == ["new_account:a6", "new_account:a7", "deleted_account:a4", "owner_change:a1",
                             "arr_change:a3"]
    assert c.loc["new_account:a6", "proposed_territory"] == "T-R1"
    assert pd.isna(c.loc["new_account:a7", "proposed_territory"])
    assert c.loc["owner_change:a1", ["baseline_owner", "plan_owner", "crm_owner"]].tolist() == ["Rae", "Rae", "Ria"]
    assert c.loc["owner_change:a1", "proposed_territory"] == "T-R3"
    assert c.loc["arr_change:a3", "arr_change_usd"] == 5
    assert c["accept"].all()
    # threshold: a 5 USD move is below a 10 USD threshold
    assert detect_changes(p, new, base, REPS, arr_threshold_usd=10).counts()["arr_change"] == 0

    # accept everything but the owner change on a1
    decided = ch.changes.assign(accept=ch.changes["change_id"] != "owner_change:a1")
    q = apply_changes(p, decided, source="crm-2026-12.csv")
    assert q.assignment.to_dict() == {"a1": "T-R1", "a2": "T-R2", "a3": "T-R2", "a5": "T-R3", "a6": "T-R1",
                                      "a7": q.assignment["a7"]}
    assert pd.isna(q.assignment["a7"]) and "a4" not in q.assignment.index
    log = q.settings["crm_changes"]["history"][-1]
    assert log["rejected"] == ["owner_change:a1"] and len(log["accepted"]) == 4
    assert "4 accepted, 1 rejected" in q.note and q.name == p.name
    # accepting the owner change moves a1 to R3's territory
    assert apply_changes(p, ch.changes).assignment["a1"] == "T-R3"
    # rejecting everything keeps the assignment
    assert apply_changes(p, ch.changes.assign(accept=False)).assignment.equals(p.assignment)


def test_no_changes():
    p = plan(["T-R1", "T-R2"])
    base = _accounts(["a1", "a2"], ["R1", "R2"], [1.0, 2.0])
    ch = detect_changes(p, base, base, REPS)
    assert ch.changes.empty and ch.counts() == dict.fromkeys(ch.counts(), 0)
    assert apply_changes(p, ch.changes).assignment.equals(p.assignment)


def test_sample_file_round_trip(sample, tmp_path):
    """A newer CRM export file: three new rows, two deleted, one owner re-assigned, one ARR change."""
    raw = pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str, keep_default_na=False)
    cur = sample.current_plan()
    raw = raw.iloc[2:].copy()  # the first two accounts are deleted
    extra = raw.iloc[:3].copy()
    extra["account_id"] = ["NEW-1", "NEW-2", "NEW-3"]
    extra["domain"] = ["new1.example", "new2.example", "new3.example"]
    extra["name"] = ["Newco One", "Newco Two", "Newco Three"]
    raw = pd.concat([raw, extra], ignore_index=True)
    target = raw.index[10]
    aid = raw.at[target, "account_id"]
    old_owner = sample.accounts.set_index("account_id").at[aid, "owner_rep_id"]
    other = next(r for r in cur.territories["owner_rep_id"].dropna() if r != old_owner)
    raw.at[target, "owner_rep_id"] = other
    arr_id = raw.at[raw.index[20], "account_id"]
    raw.at[raw.index[20], "arr_usd"] = str(float(raw.at[raw.index[20], "arr_usd"] or 0) + 12345)
    path = tmp_path / "newer.csv"
    raw.to_csv(path, index=False)

    res = load_crm_accounts(path, sample.reps, settings=sample.settings)
    ch = detect_changes(cur, res.clean, sample.accounts, sample.reps, arr_threshold_usd=1)
    counts = ch.counts()
    assert counts["new_account"] == 3
    assert counts["deleted_account"] == 2
    assert counts["owner_change"] == 1
    assert ch.changes.loc[ch.changes.change_type == "owner_change", "account_id"].item() == aid
    assert counts["arr_change"] == 1 and ch.changes.loc[ch.changes.change_type == "arr_change", "account_id"].item() == arr_id
    q = apply_changes(cur, ch.changes)
    assert len(q.assignment) == len(cur.assignment) + 3 - 2
    assert q.owners()[aid] == other
