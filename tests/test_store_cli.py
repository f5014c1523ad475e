"""CLI: plans list/show/save/rename/clone/delete/restore, disruption, compare, export-crm and crm-changes."""
from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from planning.data.dataset import SAMPLE_DIR
from planning.plans.store import PlanStore


@pytest.fixture()
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)  # commands without --db must use it too
    return url


def _proposal_csv(tmp_path, sample, n=120) -> str:
    cur = sample.current_plan().to_frame()
    terrs = cur["territory_id"].dropna().unique()
    cur.loc[: n - 1, "territory_id"] = [terrs[(i * 7) % len(terrs)] for i in range(n)]
    path = tmp_path / "proposal.csv"
    cur.drop(columns="owner_rep_id").to_csv(path, index=False)
    return str(path)


def test_plans_crud(cli, db, tmp_path, sample):
    r = cli(["plans", "save", "current", "--db", db, "--author", "ana", "--note", "baseline"])
    assert r.exit_code == 0, r.output
    assert "saved 'Current CRM ownership' version 1" in r.output
    prop = _proposal_csv(tmp_path, sample)
    assert cli(["plans", "save", prop, "--name", "Prop", "--note", "v1"]).exit_code == 0  # DATABASE_URL
    r = cli(["plans", "save", prop, "--name", "Prop", "--note", "v2"])
    assert "version 2" in r.output
    r = cli(["plans", "list", "--db", db])
    assert "Prop" in r.output and "baseline" in r.output
    r = cli(["plans", "show", "Prop", "--versions", "--db", db])
    assert "v1" in r.output and "v2" in r.output
    out = tmp_path / "prop.csv"
    r = cli(["plans", "show", "Prop@1", "--db", db, "--out", out])
    assert r.exit_code == 0 and "Prop v1" in r.output
    back = pd.read_csv(out, dtype=str)
    assert list(back.columns) == ["account_id", "territory_id", "owner_rep_id"] and len(back) == len(sample.accounts)
    assert cli(["plans", "clone", "Prop@1", "Prop copy", "--db", db]).exit_code == 0
    assert cli(["plans", "rename", "Prop copy", "Prop B", "--db", db]).exit_code == 0
    assert cli(["plans", "delete", "Prop B", "--yes", "--db", db]).exit_code == 0
    assert PlanStore(db).plan_names() == ["Current CRM ownership", "Prop"]
    assert cli(["plans", "restore", "Prop B", "--db", db]).exit_code == 0
    assert "Prop B" in PlanStore(db).plan_names()
    r = cli(["plans", "show", "Nope", "--db", db])
    assert r.exit_code == 2 and "no saved plan named 'Nope'" in r.output
    r = cli(["plans", "rename", "Prop", "Prop B", "--db", db])
    assert r.exit_code == 2 and "exists" in r.output


def test_scenario_commands(cli, db):
    s = PlanStore(db)
    s.save_scenario("capacity", "Base", {"x": 1})
    r = cli(["plans", "list", "--scenarios", "--db", db])
    assert "capacity" in r.output and "Base" in r.output
    assert cli(["plans", "clone", "Base", "Base 2", "--scenario", "capacity", "--db", db]).exit_code == 0
    assert cli(["plans", "delete", "Base", "--scenario", "capacity", "-y", "--db", db]).exit_code == 0
    assert s.list_scenarios()["name"].tolist() == ["Base 2"]


def test_disruption_cli(cli, db, tmp_path, sample):
    prop = _proposal_csv(tmp_path, sample)
    cli(["plans", "save", prop, "--name", "Prop", "--db", db])
    out, html = tmp_path / "r.xlsx", tmp_path / "m.html"
    r = cli(["disruption", "current", "Prop", "--out", out, "--db", db])
    assert r.exit_code == 0, r.output
    xls = pd.read_excel(out, sheet_name=None)
    moved = len(xls["Moved accounts"])
    assert f"{moved:,} of {len(sample.accounts):,} accounts moved" in r.output
    assert 0 < moved <= 120
    r = cli(["disruption", "current", prop, "--manager", "M-07", "--html", html, "--db", db])
    assert r.exit_code == 0 and "Team of Aaron Lewis (M-07):" in r.output
    assert "Aaron Lewis" in html.read_text() or "M-07" in html.read_text()
    r = cli(["disruption", "current", "Prop", "--manager", "M-99", "--db", db])
    assert r.exit_code == 2 and "manages nobody" in r.output
    r = cli(["disruption", "current", "Missing", "--db", db])
    assert r.exit_code == 2 and "Missing" in r.output


def test_compare_cli(cli, db, tmp_path, sample):
    prop = _proposal_csv(tmp_path, sample)
    cli(["plans", "save", prop, "--name", "Prop", "--db", db])
    from planning.capacity import default_scenario

    PlanStore(db).save_scenario("capacity", "Base", default_scenario(sample).to_dict())
    out = tmp_path / "c.xlsx"
    r = cli(["compare", "current", "Prop", "--capacity", "Base", "--out", out, "--db", db])
    assert r.exit_code == 0, r.output
    assert "Quota coverage" in r.output and "Capacity scenarios" in r.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"Headline", "Balance", "Disruption", "Moved accounts", "Quota coverage", "Capacity"} <= set(sheets)
    r = cli(["compare", "current", "--db", db])
    assert r.exit_code == 2 and "2 to 4" in r.output


def test_export_crm_and_changes(cli, db, tmp_path, sample):
    prop = _proposal_csv(tmp_path, sample)
    cli(["plans", "save", prop, "--name", "Prop", "--db", db])
    d, z = tmp_path / "crm", tmp_path / "crm.zip"
    r = cli(["export-crm", "Prop", "--out-dir", d, "--db", db])  # a draft is never published
    assert r.exit_code == 2 and "only an approved version" in r.output and not d.exists()
    for step in (["submit", "Prop"], ["approve", "Prop", "--for", "finance"], ["approve", "Prop", "--for", "leadership"]):
        assert cli(["review", *step, "--db", db]).exit_code == 0
    r = cli(["export-crm", "Prop", "--out-dir", d, "--changed-only", "--zip", z, "--db", db])
    assert r.exit_code == 0, r.output
    manifest = json.loads((d / "manifest.json").read_text())
    assert manifest["plan"] == "Prop" and manifest["version"] == 1 and manifest["approved_by"].endswith("@localhost")
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(z.read_bytes())).namelist()
    owners = pd.read_csv(d / "account_owners.csv", dtype=str, encoding="utf-8-sig")
    assert list(owners.columns) == ["Id", "OwnerId"] and 0 < len(owners) <= 120
    assert owners["OwnerId"].str.startswith("005").all()
    assert "quotas.csv" in zipfile.ZipFile(io.BytesIO(z.read_bytes())).namelist()
    rule_files = [f for f in d.iterdir() if f.name.startswith("ObjectTerritory2AssignmentRule")]
    assert rule_files, sorted(f.name for f in d.iterdir())
    items = pd.read_csv(d / "ObjectTerritory2AssignmentRuleItem.csv", dtype=str, encoding="utf-8-sig")
    assert (items["Field"] == "Account.Segment__c").any()  # the default segment field

    # the org's own segment field and territory model go into the rules
    d2 = tmp_path / "crm2"
    r = cli(["export-crm", "Prop", "--out-dir", d2, "--segment-field", "Sales_Segment__c", "--model-id",
             "0MA5e000000TEST", "--db", db])
    assert r.exit_code == 0, r.output
    items = pd.read_csv(d2 / "ObjectTerritory2AssignmentRuleItem.csv", dtype=str, encoding="utf-8-sig")
    assert (items["Field"] == "Account.Sales_Segment__c").any() and not (items["Field"] == "Account.Segment__c").any()
    rules = pd.read_csv(d2 / "ObjectTerritory2AssignmentRule.csv", dtype=str, encoding="utf-8-sig")
    assert (rules["Territory2ModelId"] == "0MA5e000000TEST").all()

    raw = pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str, keep_default_na=False).iloc[1:]
    newer = tmp_path / "newer.csv"
    raw.to_csv(newer, index=False)
    changes = tmp_path / "changes.csv"
    r = cli(["crm-changes", "Prop", "--new-accounts", newer, "--out", changes, "--apply", "--db", db])
    assert r.exit_code == 0, r.output
    assert "1 deleted account" in r.output and "saved 'Prop' version 2" in r.output
    first = pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str).iloc[0]["account_id"]  # dropped from the export
    v2 = PlanStore(db).load_plan("Prop")
    assert first not in v2.assignment.index
    assert first in PlanStore(db).load_plan("Prop", 1).assignment.index
    r = cli(["crm-changes", "Prop@1", "--new-accounts", newer, "--reject", "deleted_account", "--db", db])
    assert r.exit_code == 0 and r.output.rstrip().endswith("no")  # the rejected change: Accept "no"


def test_every_option_has_help(cli):
    from typer.main import get_command

    from cli import app

    root = get_command(app)
    names = ["disruption", "compare", "export-crm", "crm-changes"]
    cmds = [root.commands[n] for n in names]
    cmds += list(root.commands["plans"].commands.values())
    for cmd in cmds:
        for p in cmd.params:
            assert getattr(p, "help", None) or p.name == "help", f"{cmd.name}: {p.name} has no help"
        assert cli([*(["plans"] if cmd not in [root.commands[n] for n in names] else []), cmd.name,
                    "--help"]).exit_code == 0


def test_bad_store_url_is_a_clear_error(cli):
    r = cli(["plans", "list", "--db", "nonsense"])
    assert r.exit_code == 2 and "cannot open the plan store nonsense" in r.output
    r = cli(["plans", "list", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"])
    assert r.exit_code == 2 and "secret" not in r.output and "***" in r.output
