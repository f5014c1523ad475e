"""The Territories page (AppTest): definitions in words and rule rows for sales ops, a manager's team's territories
only and no routing for them, the ETM zip and territory_rules.csv downloads, and routing an uploaded file into a
new version that goes into review."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from planning.plans import review
from tests.conftest import proposal, test_store

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "11_Territories.py")
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
M1 = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = test_store(tmp_path, monkeypatch)
    s.save_plan(proposal(sample), author="ops")
    return s


def page(user: User) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["_access_user"] = user
    return at


def texts(at) -> list[str]:
    return [str(e.value) for g in (at.text, at.markdown, at.caption, at.info, at.success, at.warning, at.error)
            for e in g]


def frame_with(at, column: str) -> pd.DataFrame:
    """The first table drawn with canonical ``column`` (AppTest keeps no table keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def new_accounts_csv(sample, n=25) -> bytes:
    new = sample.accounts.tail(n)[["account_id", "name", "segment", "industry", "postal_code", "state",
                                   "potential_usd", "employees"]].copy()
    new["account_id"] = "N" + new["account_id"].astype(str)
    new.iloc[0, new.columns.get_loc("postal_code")] = "99501"  # Anchorage: no rule of its segment there
    new.iloc[0, new.columns.get_loc("state")] = "AK"
    return new.to_csv(index=False).encode()


def test_sales_ops_read_the_definitions_and_route_into_review(db, sample):
    from planning.reporting import labels

    labels.UNLABELLED.clear()
    at = page(OPS).run()
    assert not at.exception, at.exception
    lines = texts(at)
    assert any(t.startswith("Enterprise West – George Adams: Enterprise accounts in") for t in lines)
    assert [m.label for m in at.metric][:4] == ["Territories", "Geography rules", "Named accounts",
                                                "Rules alone re-route"]
    assert at.metric[0].value == str(len(sample.current_plan().territories))
    # the saved plan, picked
    at.selectbox(key="terr_plan").select_index(next(i for i, o in enumerate(at.selectbox(key="terr_plan").options)
                                                    if str(o).startswith("Prop"))).run()
    assert not at.exception
    up = at.get("file_uploader")[0]
    up.set_value(("new.csv", new_accounts_csv(sample), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    m = {x.label: x.value for x in at.metric}
    assert m["Accounts routed"] == "25" and int(m["Flagged for review"]) >= 1
    routed = frame_with(at, "flagged")
    assert len(routed) == 25 and routed["reason"].str.contains("no rule matched").any()
    assert routed["reason"].str.contains("→ T-").all() and routed["owner"].str.contains(r"\(R-\d+\)").all()
    assert len(frame_with(at, "load_after")) >= 1
    assert labels.UNLABELLED == set()  # every header drawn is a registered label
    at.text_input(key="terr_save_name").input("Prop")
    at.button(key="terr_save").click().run()
    assert not at.exception
    assert any("Saved Prop version 2 and submitted it for review" in t for t in texts(at))
    assert review.status(db, "Prop").state == "in_review"
    assert db.load_plan("Prop").assignment.reindex(["N" + str(sample.accounts["account_id"].iloc[-1])]).notna().all()


def test_a_manager_sees_their_team_only_and_no_routing(db, sample):
    at = page(M1).run()
    assert not at.exception, at.exception
    team = set(sample.reps.loc[sample.reps["manager_id"] == "M-01", "rep_id"])
    words = frame_with(at, "named_accounts")
    assert len(words) == len(team & set(sample.current_plan().territories["owner_rep_id"]))
    assert not at.get("file_uploader")
    assert any("routing new accounts into a plan is for the roles that may change plans" in t.replace("\\", "")
               for t in texts(at))


def test_the_exports_are_the_core_files(db, sample):
    from planning.territories import derive_definitions, etm_export, flat_rules

    defs = derive_definitions(sample.current_plan(), sample.accounts)
    ex = etm_export(defs)
    names = set(zipfile.ZipFile(io.BytesIO(ex.to_zip())).namelist())
    assert {"ObjectTerritory2AssignmentRule.csv", "ObjectTerritory2AssignmentRuleItem.csv", "territory_rules.csv",
            "etm_README.txt"} <= names
    assert list(flat_rules(defs).columns) == ["territory_id", "territory_name", "precedence", "rule_type", "field",
                                             "operator", "values"]
    at = page(OPS).run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download Salesforce ETM rules (zip)" in labels and "Download territory_rules.csv (HubSpot, Dynamics)" in labels
