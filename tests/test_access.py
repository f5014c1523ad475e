"""planning.access on a hand-built org: roles, the team of a first- and a second-line manager, scoping of
accounts, rows and plans, the user's store view, and the core reports cut to a manager's team."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.access import (AccessDenied, Permission, Role, User, UserStore, local_user, parse_role, require,
                             require_team, scope_accounts, scope_plan, scope_rows, team_rep_ids)
from planning.plans import Plan, PlanStore, compare_plans, disruption

REPS = pd.DataFrame({"rep_id": ["VP", "M1", "M2", "A", "B", "C"], "name": ["Vera", "Mo", "Mia", "Ann", "Bo", "Cy"],
                     "role": ["Manager", "Manager", "Manager", "AE", "AE", "AE"],
                     "manager_id": [np.nan, "VP", "VP", "M1", "M1", "M2"]})
MGR1 = User("mo@x.test", "Mo", Role.MANAGER, manager_id="M1")
VP = User("vera@x.test", "Vera", Role.MANAGER, manager_id="VP")


def plan(owner_of: dict[str, str], name: str) -> Plan:
    terr = pd.DataFrame({"territory_id": ["TA", "TB", "TC"], "name": ["a", "b", "c"], "region": "East", "area": "x",
                         "segment": "SMB", "owner_rep_id": ["A", "B", "C"]}).set_index("territory_id")
    return Plan(name=name, assignment=pd.Series({k: f"T{v}" for k, v in owner_of.items()}), territories=terr)


def test_roles_and_denials():
    assert parse_role("Sales Ops") == Role.SALES_OPS and local_user().role == Role.ADMIN
    assert not User("f@x", role=Role.FINANCE).scoped and MGR1.scoped
    with pytest.raises(AccessDenied, match=r"Mo <mo@x.test> \(manager\) may not see comp plans.*finance"):
        require(MGR1, Permission.VIEW_COMP)
    assert not User("s@x", role=Role.SALES_OPS).can(Permission.MANAGE_USERS)
    with pytest.raises(ValueError, match="unknown role"):
        parse_role("ceo")


def test_team_of_first_and_second_line_managers():
    assert team_rep_ids(MGR1, REPS) == {"M1", "A", "B"}
    assert team_rep_ids(VP, REPS) == {"VP", "M1", "M2", "A", "B", "C"}
    assert team_rep_ids(User("v@x", role=Role.VIEWER), REPS) is None
    with pytest.raises(AccessDenied, match="no team"):
        team_rep_ids(User("m@x", role=Role.MANAGER), REPS)
    with pytest.raises(AccessDenied, match="only their own team"):
        require_team(MGR1, REPS, "M2")


def test_scoping_accounts_rows_and_plans():
    acc = pd.DataFrame({"account_id": ["1", "2", "3", "4"], "owner_rep_id": ["A", "B", "C", "C"]})
    prop = plan({"1": "A", "2": "C", "3": "A", "4": "C"}, "prop")  # 2 leaves the team, 3 joins it
    assert scope_accounts(MGR1, acc, REPS)["account_id"].tolist() == ["1", "2"]
    assert scope_accounts(MGR1, acc[["account_id"]], REPS, plans=[prop])["account_id"].tolist() == ["1", "3"]
    assert scope_accounts(MGR1, acc, REPS, plans=[prop])["account_id"].tolist() == ["1", "2", "3"]
    cut = scope_plan(MGR1, prop, REPS)
    assert list(cut.territories.index) == ["TA", "TB"] and cut.assignment.to_dict() == {"1": "TA", "3": "TA"}
    rows = pd.DataFrame({"owner_rep_id": ["A", "C"], "quota_usd": [1.0, 2.0]}, index=pd.Index(["TA", "TC"]))
    assert scope_rows(MGR1, rows, REPS)["quota_usd"].tolist() == [1.0]


def test_reports_cut_to_the_team(sample):
    cur = sample.current_plan()
    terrs = list(cur.territories.index)
    ids = cur.assignment.dropna().index[:600]
    prop = cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="P")
    m = User("m@x", role=Role.MANAGER, manager_id="M-02")
    team = team_rep_ids(m, sample.reps)
    full = disruption(cur, prop, sample.accounts, sample.reps, sample.as_of)
    mine = disruption(cur, prop, sample.accounts, sample.reps, sample.as_of, user=m)
    assert set(mine.reps["rep_id"].dropna()) <= team and set(mine.managers["manager_id"]) == {"M-02"}
    touch = full.accounts.loc[full.accounts["from_manager_id"].eq("M-02") | full.accounts["to_manager_id"].eq("M-02")]
    assert set(mine.accounts["account_id"]) == set(touch["account_id"])
    assert mine.company["accounts"] == len(touch) and mine.company["accounts"] < full.company["accounts"]
    cmp = compare_plans([cur, prop], sample.accounts, sample.reps, sample.as_of, sample.plan_year,
                        targets=sample.targets, user=m)
    owners = cur.territories.loc[cur.territories["owner_rep_id"].isin(team)]
    n_team = int(cur.assignment.isin(owners.index).sum())
    assert cmp.headline.loc["accounts_assigned", cur.name] == n_team and cmp.quota is None
    with pytest.raises(AccessDenied):
        disruption(cur, prop, sample.accounts, sample.reps, sample.as_of, user=User("m@x", role=Role.MANAGER))


def test_user_store_view(tmp_path):
    s = PlanStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
    s.save_plan(plan({"1": "A"}, "P"), summary={"arr_usd": 5.0})
    s.save_scenario("comp", "C", {"x": 1})
    s.save_scenario("capacity", "K", {"x": 1})
    mgr, fin = UserStore(s, MGR1), UserStore(s, User("f@x", role=Role.FINANCE))
    assert "arr_usd" not in mgr.list_plans() and "arr_usd" in fin.list_plans()
    assert mgr.list_scenarios().empty and sorted(fin.list_scenarios()["kind"]) == ["capacity", "comp"]
    with pytest.raises(AccessDenied, match="comp"):
        mgr.load_scenario("comp", "C")
    with pytest.raises(AccessDenied, match="may not change plans"):
        fin.save_plan(plan({"1": "B"}, "P"))
    from planning.plans import StoreError

    with pytest.raises(StoreError):  # a refusal is also a StoreError, so every "Not saved: ..." handler shows it
        fin.delete_plan("P")
    fin.save_scenario("comp", "C", {"x": 2})
    assert s.versions_scenario("comp", "C")["author"].tolist() == ["", "f@x"]
    assert s.plan_names() == ["P"] and UserStore(s, User("a@x", role=Role.ADMIN)).safe_url == s.safe_url
    assert "sqlite" not in mgr.safe_url and "sqlite" not in fin.safe_url  # the store's address is an admin's
    assert not {"accounts", "territories"} & set(mgr.list_plans())  # company-wide counts too
