"""A plan never meets data it was not made on: the rule (planning.plans.dataset_fit), the stamp the store records,
the pickers, the Disruption and Compare pages against an upload, and the CLI twin."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.data import load_dataset
from planning.data.dataset import SAMPLE_DIR
from planning.data.read_only import read_only
from planning.plans import FitCheck, PlanDataMismatch, PlanStore, available_plans, dataset_stamp, fingerprint, fit_of

PAGES = Path(__file__).resolve().parents[1] / "pages"


# ------------------------------------------------------------------ the rule, on hand-made ids
def test_same_data_is_same():
    f = fit_of(["a", "b", "c"], ["c", "b", "a"])
    assert (f.status, f.shared, f.missing_count, f.extra_count, f.marker) == ("same", 3, 0, 0, "")
    assert f.usable and f.message("'P'") == ""


def test_changed_export_opens_and_says_how_many_accounts_differ():
    plan = [f"A{i}" for i in range(10)]
    data = plan[:8] + ["N1"]  # a re-upload: two accounts gone, one new
    f = fit_of(plan, data, "Acme 2026-Q3")
    assert (f.status, f.shared, f.missing, f.extra) == ("changed", 8, ("A8", "A9"), ("N1",))
    assert f.usable
    assert f.marker == " — 2 accounts not in the current data"
    assert f.message("'Q3 plan' v2") == (
        "'Q3 plan' v2 was made on a different version of this data: 2 accounts of this plan are not in the current "
        "data (A8, A9); 1 account of the current data is not in this plan (N1). Its figures here are over the 8 "
        "accounts both have; the Plans page's CRM changes (`crm-changes` in the CLI) bring the plan up to date with "
        "the current data.")


def test_unrelated_data_is_another_dataset():
    plan = [f"A{i}" for i in range(31)]
    f = fit_of(plan, [f"U{i}" for i in range(19)], "Northwind Demo")
    assert (f.status, f.shared, f.missing_count, f.extra_count) == ("other", 0, 31, 19)
    assert not f.usable
    assert f.marker == " — made on another dataset (Northwind Demo)"
    msg = f.message("'Demo' v1")
    assert msg.startswith("'Demo' v1 was made on 'Northwind Demo': only 0 of its 31 accounts are in the current data")
    assert "A0, A1, A10, A11, A12 and 26 more" in msg  # five ids named, the rest counted


def test_a_small_upload_inside_a_big_plan_is_another_dataset():
    """19 of the plan's 6,000 accounts: the plan covers the data, but the data is not the plan's (the bug: "0 moved"
    next to "Lost 6")."""
    f = fit_of([f"A{i}" for i in range(6000)], [f"A{i}" for i in range(19)])
    assert (f.status, f.shared) == ("other", 19)
    assert fit_of([f"A{i}" for i in range(19)], [f"A{i}" for i in range(6000)]).status == "other"


def test_one_team_viewer_gets_counts_not_ids():
    f = fit_of(["a", "b"], ["a", "z"], show_ids=False)
    assert (f.status, f.missing, f.extra, f.missing_count) == ("changed", (), (), 1)
    assert "(b)" not in f.message("'P'") and "1 account of this plan is not" in f.message("'P'")


def test_fingerprint_is_stable_and_content_based(sample):
    acc, reps = sample.accounts, sample.reps
    assert fingerprint(acc["account_id"], reps["rep_id"]) == fingerprint(acc["account_id"][::-1], reps["rep_id"])
    assert fingerprint(acc["account_id"][1:], reps["rep_id"]) != fingerprint(acc["account_id"], reps["rep_id"])
    stamp = dataset_stamp(sample.name, acc, reps)
    assert stamp == {"name": sample.name, "fingerprint": fingerprint(acc["account_id"], reps["rep_id"]),
                     "accounts": len(acc), "reps": len(reps)}


def test_require_refuses_another_datasets_plan(sample):
    check = FitCheck.of("Upload", sample.accounts.head(19))
    with pytest.raises(PlanDataMismatch, match=r"only 19 of its 6,009 accounts are in the current data"):
        check.require(sample.current_plan(), "'Demo' v1")
    assert FitCheck.of(sample.name, sample.accounts).require(sample.current_plan()).status == "same"


# ------------------------------------------------------------------ the store's stamp and the pickers
@pytest.fixture()
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_saved_version_records_its_dataset_and_older_plans_are_unknown(db, sample):
    from planning.access import Role, ScopedView, User

    store = PlanStore(db)
    ops = User("ops@x.test", "Ops", Role.SALES_OPS)
    ScopedView(ops, sample, store).save_plan(sample.current_plan(), name="Stamped")
    store.save_plan(sample.current_plan(), name="Old")  # as saved before stamps existed
    assert store.load_plan("Stamped").settings["made_on"] == dataset_stamp(sample.name, sample.accounts, sample.reps)
    assert "made_on" not in store.load_plan("Old").settings
    small = FitCheck.of("Upload", sample.accounts.head(19))
    refs, problem = available_plans({}, store, small)
    assert problem is None
    assert [r.label for r in refs] == ["Old v1 (saved) — made on another dataset (name not recorded)",
                                       f"Stamped v1 (saved) — made on another dataset ({sample.name})"]
    assert not any(r.usable for r in refs)
    changed = FitCheck.of("Re-export", sample.accounts.iloc[:-30])
    refs, _ = available_plans({}, store, changed)
    assert [r.label for r in refs] == ["Old v1 (saved) — 30 accounts not in the current data",
                                       "Stamped v1 (saved) — 30 accounts not in the current data"]
    assert refs[0].load({}, store).name == "Old v1 (saved)"  # the marker is the picker's, not the plan's name


# ------------------------------------------------------------------ the pages against an upload
def _upload(sample, accounts: pd.DataFrame, name: str):
    acc = (SAMPLE_DIR / "accounts.csv").read_text().splitlines()
    keep = set(accounts["account_id"].astype(str))
    body = "\n".join([acc[0]] + [line for line in acc[1:] if line.split(",", 1)[0] in keep]) + "\n"
    return read_only(load_dataset(body.encode(), (SAMPLE_DIR / "reps.csv").read_bytes(), as_of=sample.as_of,
                                  plan_year=sample.plan_year, name=name))


def _page(name: str, ds) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=180)
    at.session_state["dataset"] = ds
    at.session_state["dataset_version"] = f"upload:{name}:{len(ds.accounts)}"
    return at


def _save_demo(db, sample):
    PlanStore(db).save_plan(sample.current_plan(), name="Demo",
                            made_on=dataset_stamp(sample.name, sample.accounts, sample.reps))


def test_disruption_never_mixes_a_sample_plan_with_an_upload(db, sample):
    _save_demo(db, sample)
    at = _page("6_Disruption.py", _upload(sample, sample.accounts.head(19), "Messy upload")).run()
    assert not at.exception
    b = at.selectbox(key="dis_b")
    assert b.options == ["Current CRM ownership", f"Demo v1 (saved) — made on another dataset ({sample.name})"]
    assert b.value == 0  # B never starts on another dataset's plan
    assert any("Only today's plan exists" in i.value for i in at.info)
    b.select(1).run()
    assert not at.exception
    err = " ".join(e.value for e in at.error)
    assert "only 19 of its 6,009 accounts are in the current data" in err
    assert "5,990 accounts of this plan are not in the current data" in err
    assert not at.metric  # no "Accounts moved" and no "Lost 6"


def test_disruption_opens_a_plan_on_a_changed_export_and_says_so(db, sample):
    _save_demo(db, sample)
    at = _page("6_Disruption.py", _upload(sample, sample.accounts.iloc[:-30], "Re-export")).run()
    assert not at.exception
    assert at.selectbox(key="dis_b").value == 1
    assert any("30 accounts of this plan are not in the current data" in w.value for w in at.warning)
    assert "Accounts moved" in {m.label for m in at.metric}


def test_compare_never_mixes_a_sample_plan_with_an_upload(db, sample):
    _save_demo(db, sample)
    at = _page("7_Compare.py", _upload(sample, sample.accounts.head(19), "Messy upload")).run()
    assert not at.exception
    assert at.multiselect(key="cmp_plans").value == [0]  # only today's plan fits by default
    at.multiselect(key="cmp_plans").set_value([0, 1]).run()
    assert not at.exception
    assert any("only 19 of its 6,009 accounts" in e.value for e in at.error)
    assert not at.dataframe  # no comparison table


def test_plans_page_refuses_to_load_another_datasets_plan(db, sample):
    _save_demo(db, sample)
    at = _page("8_Plans.py", _upload(sample, sample.accounts.head(19), "Messy upload")).run()
    assert not at.exception
    assert any("made on" in e.value and "only 19 of its 6,009" in e.value for e in at.error)
    at.button(key="lib_load").click().run()
    assert not at.exception
    assert any(e.value.startswith("Not loaded") for e in at.error)
    assert list(at.session_state["session_plans"]) == ["Current CRM ownership"]


# ------------------------------------------------------------------ the CLI twin
def _csv(tmp_path, sample, rows: pd.DataFrame) -> Path:
    acc = (SAMPLE_DIR / "accounts.csv").read_text().splitlines()
    keep = set(rows["account_id"].astype(str))
    p = tmp_path / "upload.csv"
    p.write_text("\n".join([acc[0]] + [line for line in acc[1:] if line.split(",", 1)[0] in keep]) + "\n")
    return p


def test_cli_refuses_another_datasets_plan(db, sample, cli, tmp_path):
    _save_demo(db, sample)
    acc = _csv(tmp_path, sample, sample.accounts.head(19))
    r = cli(["disruption", "current", "Demo", "--accounts", acc, "--reps", SAMPLE_DIR / "reps.csv",
             "--as-of", "2026-11-30"])
    assert r.exit_code == 2
    assert f"'Demo' was made on '{sample.name}': only 19 of its 6,009 accounts are in the current data" in r.output
    assert "accounts moved" not in r.output


def test_cli_uses_a_plan_on_a_changed_export_with_a_warning(db, sample, cli, tmp_path):
    _save_demo(db, sample)
    acc = _csv(tmp_path, sample, sample.accounts.iloc[:-30])
    r = cli(["disruption", "current", "Demo", "--accounts", acc, "--reps", SAMPLE_DIR / "reps.csv",
             "--as-of", "2026-11-30"])
    assert r.exit_code == 0, r.output
    assert "warning: 'Demo' was made on a different version of this data: 30 accounts" in r.output
    assert "accounts moved" in r.output
