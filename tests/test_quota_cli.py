"""`python -m planning quota` and `comp-sim`: settings files, flags, outputs and clear errors."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml


def test_quota_template_then_run_with_outputs(cli, tmp_path, sample):
    cfg = tmp_path / "quota.yaml"
    assert cli(["quota", "--write-template", cfg]).exit_code == 0
    data = yaml.safe_load(cfg.read_text())
    assert data["quota"]["over_assignment"] == pytest.approx(sample.settings.planning.quota_over_assignment)
    data["quota"]["over_assignment"] = 0.10
    data["quota"]["rep_overrides"] = {"R-001": 1_500_000}
    cfg.write_text(yaml.safe_dump(data))
    out, xlsx = tmp_path / "q.csv", tmp_path / "q.xlsx"
    res = cli(["quota", "--config", cfg, "--out", out, "--xlsx", xlsx])
    assert res.exit_code == 0, res.output
    assert "Coverage by segment" in res.output and "Coverage by quarter" in res.output
    q = pd.read_csv(out)
    target = sample.targets.loc[sample.targets["period"].str.startswith(str(sample.plan_year)), "bookings_target_usd"].sum()
    assert q["quota_usd"].sum() == pytest.approx(target * 1.10)
    assert q.set_index("owner_rep_id").loc["R-001", "quota_usd"] == pytest.approx(1_500_000)
    assert {"Q1_quota_usd", "Q4_quota_usd", "flags"} <= set(q.columns)
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"Quotas", "Coverage by segment", "Coverage by manager", "Coverage by quarter"} <= set(sheets)


def test_quota_flags_override_the_file(cli):
    res = cli(["quota", "--method", "even", "--over-assignment", "0.2"])
    assert res.exit_code == 0 and "by even, over-assignment 20%" in res.output


def test_quota_bad_settings_exit_2(cli, tmp_path):
    res = cli(["quota", "--method", "vibes"])
    assert res.exit_code == 2 and "method" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("quota:\n  over_assignmnet: 0.1\n")
    res = cli(["quota", "--config", bad])
    assert res.exit_code == 2 and "over_assignmnet" in res.output


def test_comp_sim_runs_and_is_reproducible(cli, tmp_path):
    cfg = tmp_path / "comp.yaml"
    assert cli(["comp-sim", "--write-template", cfg]).exit_code == 0
    data = yaml.safe_load(cfg.read_text())
    assert set(data["plans"]) == {"Enterprise", "Mid-market", "SMB"}
    a = cli(["comp-sim", "--config", cfg, "--draws", 2000, "--seed", 7, "--out", tmp_path / "a.csv"])
    b = cli(["comp-sim", "--config", cfg, "--draws", 2000, "--seed", 7, "--out", tmp_path / "b.csv"])
    assert a.exit_code == 0, a.output
    for text in ("Cost distribution", "P10", "P90", "Company bookings vs target", "accelerator"):
        assert text in a.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv"))


def test_comp_sim_bad_plan_names_the_field(cli, tmp_path):
    cfg = tmp_path / "comp.yaml"
    cli(["comp-sim", "--write-template", cfg])
    data = yaml.safe_load(cfg.read_text())
    data["plans"]["SMB"]["pay_mix"] = [0.6, 0.3]
    cfg.write_text(yaml.safe_dump(data))
    res = cli(["comp-sim", "--config", cfg, "--draws", 100])
    assert res.exit_code == 2 and "pay_mix" in res.output and "100%" in res.output


def test_quota_on_a_saved_plan(cli, sample):
    from planning.plans.store import PlanStore

    plan = sample.current_plan()
    plan.name = "Saved for quota CLI"
    PlanStore().save_plan(plan, note="test")
    res = cli(["quota", "--plan", "Saved for quota CLI"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Saved for quota CLI: quotas for")
    res = cli(["quota", "--plan", "No such plan"])
    assert res.exit_code == 2 and "No such plan" in res.output
