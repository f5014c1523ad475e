"""The demo company opens with a draft proposal: shipped in sample_data, seeded into an empty store."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from planning.plans import PlanStore
from planning.plans import load_sample_proposal, seed_store


def test_shipped_draft_covers_every_sample_account_and_meets_the_default_bands(sample):
    plan = load_sample_proposal(sample.reps)
    assert plan is not None and plan.kind == "proposal"
    assert set(plan.assignment.index) == set(sample.accounts["account_id"].astype(str))
    assert plan.assignment.isin(plan.territories.index).all()
    moved = (plan.owners().reindex(sample.accounts["account_id"].astype(str)).to_numpy()
             != sample.accounts["owner_rep_id"].to_numpy())
    assert 0.15 * len(sample.accounts) < moved.sum() < 0.35 * len(sample.accounts)  # the default carve, not 47%


def test_seeded_once_into_an_empty_store_only(tmp_path, sample):
    import dataclasses

    from planning.plans import dataset_stamp

    store = PlanStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
    assert seed_store(store, sample) == "FY27 draft (default carve)"
    assert seed_store(store, sample) is None  # not twice
    assert store.list_plans()["name"].tolist() == ["FY27 draft (default carve)"]
    # made on the sample, as every saved plan records
    assert store.load_plan("FY27 draft (default carve)").settings["made_on"] == \
        dataset_stamp(sample.name, sample.accounts, sample.reps)
    other = PlanStore(f"sqlite:///{tmp_path / 'q.sqlite'}")
    stale = dataclasses.replace(sample, accounts=sample.accounts.iloc[:-1])
    assert seed_store(other, stale) is None  # a stale draft is not seeded


def test_disruption_page_shows_a_real_report_on_first_open(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'first.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "6_Disruption.py"), default_timeout=120).run()
    assert not at.exception
    assert not any("Only today's plan exists" in i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Accounts moved"].replace(",", "")) > 1000
