"""`python -m planning carve`: writes the CRM assignment and territory summary; exit 1 with a diagnosis when infeasible."""
from __future__ import annotations

import re

import pandas as pd

from planning.reporting import PLAN_FROM_WORDS, usd_whole


# These tests are about the CLI's files, rules, diagnosis, saving, frontier and threads, not geography: they carve
# every segment by account (0.9 s) instead of the demo's default county territories (~4 s each, issue 24).  What a
# user gets by default is tested in tests/test_default_carve.py.
BY_ACCOUNT = ["--units", "account"]


def _plan_from_words_of_every_step() -> set[str]:
    """What a one-part carve can say it came from (a step alone, or a start rebalanced when the LP ran out)."""
    return set(PLAN_FROM_WORDS.values()) | {f"{w}, rebalanced account by account (the LP ran out of time)"
                                             for w in PLAN_FROM_WORDS.values()}


def test_carve_cli_writes_assignment_and_summary(cli, tmp_path, sample):
    cfg = tmp_path / "carve.yaml"
    cfg.write_text("carve:\n  metrics: [potential_usd, accounts]\n  tolerance: {potential_usd: 0.12, accounts: 0.12}\n"
                   "  time_limit: 60\n")
    out, summ = tmp_path / "assign.csv", tmp_path / "terr.csv"
    r = cli(["carve", *BY_ACCOUNT, "--config", cfg, "--mode", "hard", "--out", out, "--summary-out", summ])
    assert r.exit_code == 0, r.output
    # the headline in the planner's words; the solver's terms after it, in the page's "Solver details"
    assert "plan found — within " in r.output and "Worst deviation after" in r.output
    details = r.output.split("Solver details:")[1]
    assert "optimal (proven within the gap target)" in details and "Gap to the LP bound" in details
    # the repair ladder's step in the words of the page's Solver details
    said = [x.strip() for x in details.splitlines() if x.strip().startswith("Plan from ")]
    assert len(said) == 1, r.output
    steps = [re.sub(r" \(\d+ parts?\)$", "", step) for step in said[0][len("Plan from "):].strip().split("; ")]
    assert steps and set(steps) <= _plan_from_words_of_every_step(), said  # per part when the parts differ
    a = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert len(a) == len(sample.accounts) and a["account_id"].is_unique
    assert {"new_owner_id", "new_owner_name", "old_owner_id", "reason"} <= set(a.columns)
    t = pd.read_csv(summ, encoding="utf-8-sig")
    assert t["accounts"].sum() == len(sample.accounts)
    assert "target_potential_usd" in t.columns


def test_carve_cli_infeasible_prints_diagnosis_and_exits_1(cli, tmp_path):
    r = cli(["carve", *BY_ACCOUNT, "--account-capacity", "--out", tmp_path / "a.csv", "--summary-out", tmp_path / "t.csv"])
    assert r.exit_code == 1
    assert "No plan meets these bands and rules" in r.output and "infeasible (no plan exists)" in r.output
    assert "Enterprise" in r.output and "coverage model" in r.output
    assert "Traceback" not in r.output


def test_carve_cli_bad_setting_exits_2(cli, tmp_path):
    r = cli(["carve", "--metrics", "revenue", "--out", tmp_path / "a.csv"])
    assert r.exit_code == 2
    assert "unknown balance metric" in r.output


def test_carve_cli_save_only_when_a_plan_is_found(cli, tmp_path, sample):
    from planning.plans import dataset_stamp
    from planning.plans.store import PlanStore

    db = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    ok = cli(["carve", *BY_ACCOUNT, "--save", "FY27 carve", "--db", db, "--note", "first cut",
              "--out", tmp_path / "a.csv", "--summary-out", tmp_path / "t.csv"])
    assert ok.exit_code == 0, ok.output
    assert "saved as FY27 carve" in ok.output
    bad = cli(["carve", *BY_ACCOUNT, "--save", "FY27 carve", "--db", db, "--account-capacity",
               "--out", tmp_path / "b.csv", "--summary-out", tmp_path / "u.csv"])
    assert bad.exit_code == 1
    store = PlanStore(db)
    plans = store.list_plans()
    assert plans.loc[plans["name"] == "FY27 carve", "version"].iat[0] == 1  # the failed run saved nothing
    assert store.load_plan("FY27 carve").kind == "proposal"
    # made on the data carved (the sample company): the pickers check a plan against the data by this stamp
    assert store.load_plan("FY27 carve").settings["made_on"] == dataset_stamp(sample.name, sample.accounts,
                                                                               sample.reps)
    # the library shows a saved proposal's headline figures like any other plan's
    row = plans.set_index("name").loc["FY27 carve"]
    assert row["arr_usd"] > 0 and row["potential_cv"] >= 0 and row["quota_reps"] > 0 and row["status"]
    listed = cli(["plans", "list", "--db", db])
    line = next(ln for ln in listed.output.splitlines() if "FY27 carve" in ln)
    assert "nan" not in line and usd_whole(row["arr_usd"]) in line


def test_carve_cli_rules_first(cli, tmp_path, sample):
    out = tmp_path / "a.csv"
    r = cli(["carve", *BY_ACCOUNT, "--mode", "soft", "--industry-rule", "T-R-012=Healthcare,Software", "--employee-band",
             "T-R-013=100-400", "--out", out, "--summary-out", tmp_path / "t.csv"])
    assert r.exit_code == 0, r.output
    a = pd.read_csv(out, encoding="utf-8-sig", dtype={"account_id": str}).merge(
        sample.accounts[["account_id", "industry", "employees"]].astype({"account_id": str}), on="account_id")
    assert set(a.loc[a["new_owner_id"] == "R-012", "industry"]) <= {"Healthcare", "Software"}
    emp = a.loc[a["new_owner_id"] == "R-013", "employees"]
    assert len(emp) and emp.between(100, 400).all()


def test_carve_cli_frontier_writes_the_curve_and_picks_a_point(cli, tmp_path, sample):
    front, out, summ = tmp_path / "frontier.csv", tmp_path / "assign.csv", tmp_path / "terr.csv"
    r = cli(["carve", *BY_ACCOUNT, "--frontier", 3, "--frontier-out", front, "--pick", 3, "--time-limit", 120,
             "--out", out, "--summary-out", summ])
    assert r.exit_code == 0, r.output
    assert "moves fewer than" in r.output and "proposal: point 3 (shortest travel)" in r.output
    f = pd.read_csv(front, encoding="utf-8-sig")
    assert f["label"].iat[0] == "fewest moves" and f["label"].iat[-1] == "shortest travel"
    assert f["accounts_moved"].is_monotonic_increasing and f["travel_mi"].is_monotonic_decreasing
    a = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert (a["moved"] == "True").sum() >= f["accounts_moved"].iat[-1]  # the picked point's plan was written
    bad = cli(["carve", *BY_ACCOUNT, "--frontier", 3, "--pick", 9, "--out", out, "--summary-out", summ])
    assert bad.exit_code == 2 and "--pick" in bad.output


def test_carve_cli_threads_one_after_another_gives_the_same_plan(cli, tmp_path):
    cfg = tmp_path / "carve.yaml"
    cfg.write_text("carve:\n  metrics: [potential_usd, accounts]\n  tolerance: {potential_usd: 0.12, accounts: 0.12}\n"
                   "  time_limit: 60\n")
    plans = []
    for threads in ("2", "1"):
        out = tmp_path / f"assign_{threads}.csv"
        r = cli(["carve", *BY_ACCOUNT, "--config", cfg, "--threads", threads, "--out", out, "--summary-out", tmp_path / "t.csv"])
        assert r.exit_code == 0, r.output
        plans.append(pd.read_csv(out, encoding="utf-8-sig", dtype=str).set_index("account_id")["new_owner_id"])
    assert (plans[0] == plans[1].reindex(plans[0].index)).all()  # the parts are independent: same plan either way
    r = cli(["carve", "--threads", "-1", "--out", tmp_path / "a.csv"])
    assert r.exit_code == 2 and "threads must be ≥ 0" in r.output
