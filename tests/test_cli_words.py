"""Every CLI command prints for a person in the user's words (issue 26): headers from the label registry, money as
$1.85M in headlines and whole dollars in tables, shares as %, counts with separators, people as "Liam Turner
(R-010)", and the solver's terms under "Solver details".  Each command runs on the sample company; its output must
hold no canonical field name (``arr_usd``, ``capacity_share``, ``pct_accounts_moved``...) and no float printed with
more than two decimals.  Files written for machines (CSV, the JSON of a stored job) keep canonical names."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from planning.capacity import default_scenario
from planning.data.dataset import SAMPLE_DIR
from planning.plans import PlanStore, plan_summary
from planning.plans.sample_proposal import load_sample_proposal
from planning.reporting import LABELS, count, pct, usd, usd_whole
from planning.reporting import figures as F

# a canonical name reads as one: has an underscore, or ends in a unit suffix; plain words ("segment") are words.
# A change id (deleted_account:0012...) is what `crm-changes --reject` takes, so it stays as written
FIELD_NAMES = sorted(k for k in LABELS if "_" in k)
RAW = re.compile(r"\b(" + "|".join(map(re.escape, FIELD_NAMES)) + r")\b(?!:)|\b\w+_(usd|share|hours|mi)\b|\bpct_\w+")
LONG_FLOAT = re.compile(r"(?<![\w.×])-?\d[\d,]*\.\d{3,}(?![\w.])")  # a tier's ×0.875 is the plan's own rate
# lines that name a column of the user's own file (the loader's messages), or machine output (JSON), or the
# solver's banner on stdout
EXEMPT = re.compile(r"^\s*(ERROR|WARNING) |^(result|settings) \(JSON\):|^Running HiGHS|^Copyright|^Includes ")


def words_problems(output: str) -> list[str]:
    """Lines of ``output`` holding a canonical field name or a float with more than two decimals."""
    bad = []
    for line in output.splitlines():
        if EXEMPT.search(line):
            continue
        if RAW.search(line) or LONG_FLOAT.search(line):
            bad.append(line.strip()[:160])
    return bad


def test_the_check_catches_field_names_and_long_floats():
    assert words_problems("   segment  arr_usd  capacity_share") and words_problems("cost_usd 14144707.2")
    assert words_problems("pct_accounts_moved 0.23") and words_problems("mean 8235561.5385")
    assert not words_problems("Mid-market  $18,565,489  46.4%  1.22×  Liam Turner (R-010)")
    assert not words_problems("wrote carve_assignment.csv (6,009 accounts)")  # a file name is not a field


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A plan store with the sample proposal saved as 'Prop' (approved, so it can be published) and a capacity
    scenario 'Base'."""
    from planning.data import load_sample
    from planning.plans import review

    tmp = tmp_path_factory.mktemp("words")
    db = f"sqlite:///{tmp / 'plans.sqlite'}"
    ds = load_sample()
    prop = load_sample_proposal(ds.reps)
    prop.name = "Prop"
    s = PlanStore(db)
    s.save_plan(prop, summary=plan_summary(prop, ds.accounts, ds.reps, ds.plan_year, ds.settings))
    s.save_scenario("capacity", "Base", default_scenario(ds).to_dict())
    from planning.access.directory import cli_user

    admin = cli_user(s, None)
    review.submit(s, admin, "Prop", None, "")
    review.decide(s, admin, "Prop", None, "approve", "", as_="finance")
    review.decide(s, admin, "Prop", None, "approve", "", as_="leadership")
    newer = tmp / "newer.csv"
    pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str, keep_default_na=False).iloc[1:40].to_csv(newer, index=False)
    return db, tmp, newer, ds, prop


def commands(db, tmp, newer) -> dict[str, list]:
    d = ["--db", db]
    return {
        "summary": ["summary"], "summary by owner": ["summary", "--by", "owner"], "validate": ["validate"],
        "quota": ["quota"], "comp-sim": ["comp-sim", "--draws", "500"], "capacity": ["capacity", "--tornado"],
        "capacity --optimize": ["capacity", "--optimize", "--max-headcount", "40"],
        "carve": ["carve", "--cluster", "inprocess", "--out", tmp / "a.csv", "--summary-out", tmp / "t.csv"],
        "disruption": ["disruption", "current", "Prop", *d],
        "compare": ["compare", "current", "Prop", "--capacity", "Base", *d],
        "territories": ["territories", "Prop", *d], "route": ["route", "Prop", "--accounts", newer, *d],
        "crm-changes": ["crm-changes", "Prop", "--new-accounts", newer, *d],
        "plans list": ["plans", "list", *d], "plans show": ["plans", "show", "Prop", *d],
        "plans versions": ["plans", "show", "Prop", "--versions", *d], "review status": ["review", "status", "Prop", *d],
        "review inbox": ["review", "inbox", *d], "review log": ["review", "log", "Prop", *d],
        "users list": ["users", "list", *d], "jobs list": ["jobs", "list", *d],
        "export-crm": ["export-crm", "Prop", "--out-dir", tmp / "crm", *d], "users whoami": ["users", "whoami", *d],
        "change leave": ["change", "leave", "R-010", "--last-day", "2027-03-31", "--time-limit", "30", *d],
    }


@pytest.mark.parametrize("name", list(commands("db", Path("tmp"), "new")))
def test_every_command_prints_words(cli, store, name):
    db, tmp, newer, _ds, _prop = store
    r = cli(commands(db, tmp, newer)[name])
    assert r.exit_code == 0, r.output
    assert words_problems(r.output) == [], f"{name}:\n" + "\n".join(words_problems(r.output))


def test_a_sweep_and_its_job_print_words(cli, store):
    db, *_ = store
    r = cli(["sweep", "--capacity", "Base", "--cluster", "inprocess", "--db", db])
    assert r.exit_code == 0, r.output
    job, text = re.search(r"job (\d+):", r.output).group(1), r.output
    for args in (["jobs", "list"], ["jobs", "show", job]):
        shown = cli([*args, "--db", db])
        assert shown.exit_code == 0 and "Where it ran" in shown.output, shown.output
        text += shown.output
    assert words_problems(text) == [], "\n".join(words_problems(text))
    assert "settings (JSON): {" in text and "Latest message" in text  # stored settings stay machine-readable
    assert "Accounts moved" in text  # the shared figure, not the carve's own count of moves


def test_summary_figures_by_hand(cli, sample):
    r = cli(["summary"])
    assert r.exit_code == 0, r.output
    mid = next(x for x in r.output.splitlines() if x.strip().startswith("Mid-market"))
    arr = sample.accounts.loc[sample.accounts["segment"] == "Mid-market", "arr_usd"].sum()
    assert usd_whole(arr) == "$18,565,489" and "$18,565,489" in mid  # a table: whole dollars
    assert "1,802" in mid and pct(arr / sample.accounts["arr_usd"].sum(), 1) == "46.4%" and "46.4%" in mid
    assert "Liam Turner (R-010)" in r.output  # people as people read them
    assert "Share of ARR" in r.output and "Capacity share" in r.output and "Nina Peterson (R-016)" in r.output
    nina = next(x for x in r.output.splitlines() if "Nina Peterson (R-016)" in x)
    assert nina.rstrip().endswith("16.7%")  # leaves in February: 2 of 12 months, not "0"


def test_compare_and_disruption_print_the_shared_figures(cli, store):
    db, _tmp, _newer, ds, prop = store
    want = {**F.moved_between(ds.current_plan(), prop, ds.accounts), "quota_reps": F.quota_reps(prop),
            "ae_cost_usd": F.ae_cost(prop, ds.settings)}
    r = cli(["compare", "current", "Prop", "--db", db])
    assert r.exit_code == 0, r.output
    assert (f"accounts moved {count(want['accounts_moved'])}, ARR moved {usd(want['arr_moved_usd'])}, quota reps "
            f"{count(want['quota_reps'])}, AE cost {usd(want['ae_cost_usd'])}") in r.output
    rows = {x.strip().split("  ")[0]: x for x in r.output.splitlines() if x.strip()}  # row label → the line
    assert usd_whole(want["ae_cost_usd"]) in rows["AE cost"] and "$7,875,000" in rows["AE cost"]
    assert rows["Share of accounts moved"].rstrip().endswith(pct(want["pct_accounts_moved"], 1))
    solver = "Solver details"
    assert solver not in r.output  # compare runs no solver
    r = cli(["disruption", "current", "Prop", "--db", db])
    assert r.exit_code == 0, r.output
    assert (f"{count(want['accounts_moved'])} of {count(len(ds.accounts))} accounts moved "
            f"({pct(want['pct_accounts_moved'], 1)}); ARR moved {usd(want['arr_moved_usd'])}") in r.output
    assert "Ava Harris (M-01)" in r.output and "Liam Turner (R-010)" in r.output


def test_carve_headline_in_words_and_solver_details_last(default_carve):
    output, out, _ = default_carve  # the default carve, run once for every test that reads it (tests/conftest.py)
    lines = [x for x in output.splitlines() if x.strip() and not x.strip().startswith("…")]
    assert lines[0].startswith("Balanced plan found") and "accounts move" in lines[0]
    assert output.index("Solver details") > output.index("Balance per metric")
    assert "status:" not in output and "objective" not in output.split("Solver details")[0]
    assert list(pd.read_csv(out, nrows=1).columns)[:1] != ["Account ID"]  # the CSV stays canonical


def test_files_for_machines_keep_canonical_names_workbooks_carry_labels(cli, tmp_path):
    csv, xlsx = tmp_path / "quotas.csv", tmp_path / "quotas.xlsx"
    r = cli(["quota", "--out", csv, "--xlsx", xlsx])
    assert r.exit_code == 0, r.output
    assert "quota_usd" in pd.read_csv(csv, nrows=1, encoding="utf-8-sig").columns  # for re-import
    sheet = pd.read_excel(xlsx, sheet_name="Quotas", nrows=1)
    assert "Quota" in sheet.columns and "quota_usd" not in sheet.columns  # for a person
    out = tmp_path / "book.csv"
    assert cli(["summary", "--out", out]).exit_code == 0
    assert {"territory_id", "arr_usd", "capacity_share"} <= set(pd.read_csv(out, nrows=1, encoding="utf-8-sig").columns)
