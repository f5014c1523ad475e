"""The Salesforce ETM rule files against the documented columns and limits (ObjectTerritory2AssignmentRule: DeveloperName
and MasterLabel ≤ 80, BooleanFilter ≤ 255; ObjectTerritory2AssignmentRuleItem: Value ≤ 1,000; ≤ 10 items per
rule; ≤ 15 rules per territory), the split when a territory's geography is long, the refusal when it cannot fit,
the flat territory_rules.csv, and the CLI: `territories`, `route` and `export-crm`."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd

from planning.territories import (BOOLEAN_FILTER_MAX_CHARS, ITEMS_PER_RULE, NAME_MAX_CHARS, RULES_PER_TERRITORY,
                                  VALUE_MAX_CHARS, TerritoryDefinitions, chunk_values, derive_definitions,
                                  etm_export)

DOCUMENTED = {
    "ObjectTerritory2AssignmentRule.csv": ["DeveloperName", "MasterLabel", "ObjectType", "IsActive", "BooleanFilter",
                                           "Territory2ModelId"],
    "ObjectTerritory2AssignmentRuleItem.csv": ["RuleDeveloperName", "SortOrder", "Field", "Operation", "Value"],
    "ObjectTerritory2AssignmentRule_BooleanFilter.csv": ["DeveloperName", "BooleanFilter"],
    "RuleTerritory2Association.csv": ["RuleDeveloperName", "Territory2DeveloperName", "IsInherited"],
    "ObjectTerritory2Association.csv": ["ObjectId", "Territory2DeveloperName", "AssociationCause"],
    "territory_rules.csv": ["territory_id", "territory_name", "precedence", "rule_type", "field", "operator", "values"],
}
OPERATIONS = {"equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual", "contains",
              "notContain", "startsWith", "includes", "excludes", "within"}


def one_territory(n_zips: int, zip3s=(), segment="SMB") -> TerritoryDefinitions:
    terr = pd.DataFrame({"name": ["SMB East – Ann"], "region": "East", "area": None, "segment": segment,
                         "owner_rep_id": "R-1", "lane": segment, "industries": [()], "employees_min": np.nan,
                         "employees_max": np.nan, "specificity": 0}, index=pd.Index(["T-A"], name="territory_id"))
    values = [f"{i:05d}" for i in range(n_zips)]
    rules = pd.DataFrame({"lane": segment, "segment": segment, "level": ["zip"] * n_zips + ["zip3"] * len(zip3s),
                          "value": values + list(zip3s), "territory_id": "T-A", "state": "GA", "accounts": 1})
    named = pd.DataFrame({"account_id": ["001X"], "territory_id": ["T-A"], "reason": ["locked"],
                          "rule_territory_id": [None]})
    return TerritoryDefinitions("P", terr, rules, named)


def check_limits(ex) -> None:
    for name, df in ex.files().items():
        assert list(df.columns) == DOCUMENTED[name], name
    assert (ex.rules["DeveloperName"].str.len() <= NAME_MAX_CHARS).all()
    assert (ex.rules["MasterLabel"].str.len() <= NAME_MAX_CHARS).all()
    assert (ex.rules["DeveloperName"].str.fullmatch(r"[A-Za-z][A-Za-z0-9_]*")).all()
    assert not ex.rules["DeveloperName"].str.contains("__").any() and not ex.rules["DeveloperName"].str.endswith("_").any()
    assert (ex.rules["BooleanFilter"].str.len() <= BOOLEAN_FILTER_MAX_CHARS).all()
    assert (ex.files()["ObjectTerritory2AssignmentRule.csv"]["BooleanFilter"] == "").all()  # set after the items
    assert (ex.items["Value"].str.len() <= VALUE_MAX_CHARS).all()
    assert set(ex.items["Operation"]) <= OPERATIONS
    assert ex.items.groupby("RuleDeveloperName").size().max() <= ITEMS_PER_RULE
    assert ex.rule_territories.groupby("Territory2DeveloperName").size().max() <= RULES_PER_TERRITORY
    assert set(ex.items["RuleDeveloperName"]) == set(ex.rules["DeveloperName"]) == set(ex.rule_territories["RuleDeveloperName"])
    assert (ex.manual["AssociationCause"] == "Territory2Manual").all()


def test_chunks_fit_the_value_limit_by_hand():
    assert chunk_values(["30301", "30302", "30303"], max_chars=11) == ["30301,30302", "30303"]
    zips = [f"{i:05d}" for i in range(1000)]
    chunks = chunk_values(zips)
    assert all(len(c) <= 1000 for c in chunks) and sum(len(c.split(",")) for c in chunks) == 1000
    assert len(chunks[0]) == 995  # 166 ZIPs: 166 × 5 + 165 commas


def test_a_small_territory_is_one_rule_segment_and_any_of_its_places():
    ex = etm_export(one_territory(3, zip3s=["303"]))
    check_limits(ex)
    assert ex.rules[["DeveloperName", "BooleanFilter", "ObjectType", "IsActive"]].values.tolist() == \
        [["T_A_R1", "1 AND (2 OR 3)", "Account", "TRUE"]]
    assert ex.items[["SortOrder", "Field", "Operation", "Value"]].values.tolist() == [
        [1, "Account.Segment__c", "equals", "SMB"],
        [2, "Account.BillingPostalCode", "startsWith", "303"],
        [3, "Account.BillingPostalCode", "equals", "00000,00001,00002"]]
    assert ex.manual.values.tolist() == [["001X", "T_A", "Territory2Manual"]]
    assert ex.problems == []
    flat = ex.flat.set_index("rule_type")
    assert flat.loc["named account", ["field", "operator", "values", "precedence"]].tolist() == \
        ["account_id", "equals", "001X", 1]


def test_a_long_geography_splits_over_rules_and_says_so():
    ex = etm_export(one_territory(2000))  # 2,000 ZIPs: 13 values of ≤1,000 chars, 9 geography items a rule
    check_limits(ex)
    assert len(ex.rules) == 2 and ex.items["Value"].str.split(",").str.len().sum() == 2000 + 2  # + 2 segment items
    assert ex.rules["BooleanFilter"].tolist()[0] == "1 AND (" + " OR ".join(str(i) for i in range(2, 11)) + ")"
    assert any("split over 2 rules" in p for p in ex.problems)


def test_a_territory_that_cannot_fit_is_reported_and_cut_to_the_limit():
    ex = etm_export(one_territory(30000))  # 181 values → 21 rules > 15
    check_limits(ex)
    assert len(ex.rules) == RULES_PER_TERRITORY
    msg = next(p for p in ex.problems if "cannot fit" in p)
    written = ex.items.loc[ex.items["Field"] == "Account.BillingPostalCode", "Value"].str.split(",").str.len().sum()
    assert f"{30000 - written:,} geography values are left out" in msg


def test_the_sample_draft_exports_every_territory_within_the_limits(sample):
    from planning.plans import load_sample_proposal

    p = load_sample_proposal(sample.reps)
    d = derive_definitions(p, sample.accounts)
    ex = etm_export(d, model_id="0MA000000000001")
    check_limits(ex)
    assert set(ex.rule_territories["Territory2DeveloperName"]) == {t.replace("-", "_") for t in d.rules["territory_id"]}
    assert len(ex.manual) == len(d.named)
    assert (ex.rules["Territory2ModelId"] == "0MA000000000001").all()
    z = zipfile.ZipFile(io.BytesIO(ex.to_zip()))
    assert set(z.namelist()) == set(DOCUMENTED) | {"etm_README.txt"}


def test_cli_territories_and_route_save_and_submit(cli, sample, tmp_path, monkeypatch):
    from planning.plans import PlanStore, review

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    out = cli(["territories", "current", "--out", tmp_path / "etm"])
    assert out.exit_code == 0, out.output
    assert "Enterprise West – George Adams: Enterprise accounts in" in out.output
    assert "with the 246 named accounts, 100.0%" in out.output
    assert list(pd.read_csv(tmp_path / "etm" / "ObjectTerritory2AssignmentRuleItem.csv").columns) == \
        DOCUMENTED["ObjectTerritory2AssignmentRuleItem.csv"]
    new = sample.accounts.head(30).copy()
    new["account_id"] = "N" + new["account_id"].astype(str)
    new = new[["account_id", "name", "segment", "industry", "postal_code", "state", "arr_usd", "potential_usd",
               "employees"]]
    new.loc[new.index[0], "segment"] = "Galactic"  # rejected on validation, named by file, row and column
    new.to_csv(tmp_path / "new.csv", index=False)
    r = cli(["route", "current", "--accounts", tmp_path / "new.csv", "--out", tmp_path / "dl", "--save", "Routed",
             "--submit"])
    assert r.exit_code == 0, r.output
    assert "new.csv, row 2, column 'segment': unknown segment" in r.output
    assert "29 accounts routed" in r.output and "1 rows rejected on validation" in r.output
    assert "saved 'Routed' version 1 and submitted it for review" in r.output
    routed = pd.read_csv(tmp_path / "dl" / "routed_accounts.csv", dtype=str)
    assert len(routed) == 29 and routed["reason"].str.contains("→ T-").all()
    owners = pd.read_csv(tmp_path / "dl" / "account_owners.csv", dtype=str)
    assert list(owners.columns) == ["Id", "OwnerId"] and len(owners) == 29
    s = PlanStore()
    assert review.status(s, "Routed").state == "in_review"
    assert s.load_plan("Routed").assignment.reindex(new["account_id"]).notna().sum() == 29
    s.dispose()
    assert cli(["route", "current", "--accounts", tmp_path / "new.csv", "--submit"]).exit_code == 2


def test_export_crm_publishes_the_etm_rules_with_the_owner_files(cli, sample, tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", db)
    cur = sample.current_plan().to_frame()
    cur.drop(columns="owner_rep_id").to_csv(tmp_path / "prop.csv", index=False)
    assert cli(["plans", "save", tmp_path / "prop.csv", "--name", "Prop"]).exit_code == 0
    for step in (["submit", "Prop"], ["approve", "Prop", "--for", "finance"], ["approve", "Prop", "--for", "leadership"]):
        assert cli(["review", *step]).exit_code == 0
    d, z = tmp_path / "crm", tmp_path / "crm.zip"
    r = cli(["export-crm", "Prop", "--out-dir", d, "--zip", z])
    assert r.exit_code == 0, r.output
    for name, cols in DOCUMENTED.items():
        assert list(pd.read_csv(d / name, dtype=str, encoding="utf-8-sig").columns) == cols, name
    assert "Load order" in (d / "etm_README.txt").read_text()
    names = zipfile.ZipFile(io.BytesIO(z.read_bytes())).namelist()
    assert set(DOCUMENTED) | {"etm_README.txt", "account_owners.csv", "manifest.json"} <= set(names)
    items = pd.read_csv(d / "ObjectTerritory2AssignmentRuleItem.csv", dtype=str, encoding="utf-8-sig")
    assert set(items["Field"]) == {"Account.Segment__c", "Account.BillingState", "Account.BillingPostalCode"}
