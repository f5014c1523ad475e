"""The leaver's two options and the hire's carve on the sample company (jobs.change_job), checked for their
properties: the placeholder keeps every account, the split moves only the leaver's book to same-segment
territories within the bands, the hire stays within its disruption budget, and quota only moves."""
from __future__ import annotations

import pandas as pd
import pytest

from jobs.change_job import hire_options, leaver_options
from planning.changes import CHANGE_KIND, change_of, hire, leaver, side_by_side
from planning.plans import load_sample_proposal


@pytest.fixture(scope="module")
def base(sample):
    return load_sample_proposal(sample.reps)


@pytest.fixture(scope="module")
def leaver_pair(sample, base):
    spec = leaver("R-010", "2027-03-31", sample.plan_year, base.name)
    return spec, leaver_options(sample, base, spec, time_limit=30)


def _leaver_book(base) -> pd.Index:
    return base.assignment.index[base.owners().astype(object).fillna("").eq("R-010").to_numpy()]


def test_the_placeholder_keeps_every_account(base, leaver_pair):
    _, (hold, _) = leaver_pair
    assert hold.option == "placeholder" and hold.ok
    assert hold.plan.assignment.equals(base.assignment)
    owned = base.territories.index[base.territories["owner_rep_id"] == "R-010"]
    assert hold.plan.territories.loc[owned, "owner_rep_id"].isna().all()  # open, to be hired
    assert hold.figures()["new_open_territories"] == 1


def test_the_split_moves_only_the_leavers_book_to_the_same_segment_within_the_bands(sample, base, leaver_pair):
    _, (_, split) = leaver_pair
    assert split.ok, split.notes
    changed = split.plan.assignment.index[(split.plan.assignment != base.assignment.reindex(split.plan.assignment.index))
                                          .to_numpy()]
    book = _leaver_book(base)
    assert set(changed) == set(book)  # every one of the leaver's accounts, and nothing else
    receivers = split.plan.territories.loc[split.plan.assignment[book].unique()]
    assert set(receivers["segment"]) == {"Mid-market"} and receivers["owner_rep_id"].notna().all()
    assert "R-010" not in set(split.plan.territories["owner_rep_id"].dropna())
    assert split.solver["mode"] == "hard"  # the bands held as constraints on the balanced draft
    bal = split.solver["balance"]
    assert (bal["worst_dev_after"] <= bal["band"] + 1e-6).all()


def test_quota_moves_with_the_book_and_is_pro_rated_from_the_effective_date(leaver_pair):
    _, options = leaver_pair
    for o in options:
        books = o.books.set_index("holder")
        annual = books.at["R-010", "annual_quota_usd"]
        assert books.at["R-010", "prorated_quota_usd"] == pytest.approx(annual * 3 / 12)
        assert books["quota_change_usd"].sum() == pytest.approx(0, abs=1e-6)  # it moves, it is not made
        gained = books.loc[books["gained"] > 0]
        share = gained["potential_after_usd"] - gained["potential_before_usd"]  # what each receiver took
        expected = annual * 9 / 12 * share / share.sum()
        assert gained["quota_change_usd"].to_numpy() == pytest.approx(expected.to_numpy())


def test_both_options_side_by_side_and_the_holdover(leaver_pair):
    spec, options = leaver_pair
    table = side_by_side(options).set_index("figure")
    assert list(table.columns) == [o.title for o in options]
    book = options[0].disruption.company["accounts_moved"]
    assert table.loc["accounts_moved"].tolist() == [book, book]  # either way, the leaver's whole book changes hands
    held = options[1].holdover
    assert len(held) and (held["credited_until"] == pd.Timestamp("2027-06-29")).all()
    assert (held["open_pipeline_usd"] > 0).all()
    for o in options:
        assert o.plan.kind == CHANGE_KIND and change_of(o.plan).effective_date == pd.Timestamp("2027-04-01")


def test_a_hire_is_carved_within_its_disruption_budget(sample, base):
    spec = hire("Mid-market", "West", "2027-05-01", sample.plan_year, base.name, max_moves=30, max_arr_moved=400_000)
    (opt,) = hire_options(sample, base, spec, time_limit=30)
    assert opt.ok, opt.notes
    figs = opt.figures()
    assert 0 < figs["accounts_moved"] <= 30
    assert figs["arr_moved_usd"] <= 400_000 + 1e-6
    new = opt.plan.territories.loc[opt.plan.territories.index.str.startswith("T-HIRE")]
    assert len(new) == 1 and new["owner_rep_id"].isna().all()
    assert (new["segment"].iat[0], new["region"].iat[0]) == ("Mid-market", "West")
    books = opt.books.set_index("holder")
    # the hire's quota starts pro-rated: 8 of 12 months of the quota its potential carried
    assert books.at[new.index[0], "prorated_quota_usd"] > 0
    assert books["quota_change_usd"].sum() == pytest.approx(0, abs=1e-6)
    # … and ramps: Mid-market's 0/25/50/75/90% over May–December averages 67.5%; nobody else ramps
    hire_book = books.loc[new.index[0]]
    assert hire_book["ramped_quota_usd"] == pytest.approx(hire_book["prorated_quota_usd"] * 5.4 / 8)
    others = books.drop(index=new.index[0])
    assert (others["ramped_quota_usd"] == others["prorated_quota_usd"]).all()
    assert figs["ramp_relief_usd"] == pytest.approx(hire_book["prorated_quota_usd"] * (1 - 5.4 / 8))
    assert any("ramp-adjusted" in n and "67.5%" in n for n in opt.notes)
    assert change_of(opt.plan).max_moves == 30 and "at most 30 accounts" in opt.notes[0]


def test_quota_coverage_disruption_and_compare_work_on_a_change_version(sample, base, leaver_pair):
    """A change version is a Plan like any other: the quota allocation, its coverage and the comparison take it."""
    from planning.access import Role, User
    from planning.access import ScopedView

    _, (_, split) = leaver_pair
    view = ScopedView(User("ops@x", role=Role.SALES_OPS), sample)
    quotas = view.quota(split.plan)
    assert "T-R-010" not in quotas.table.index and quotas.total_quota_usd > 0
    assert len(quotas.coverage("segment"))
    assert split.plan.name == f"{base.name} – leaver 2027-04-01 (split)"  # reads apart from its base, names no one
    cmp = view.compare([base, split.plan], baseline=base)
    assert list(cmp.headline.columns) == [base.name, split.plan.name]
    assert cmp.quota.loc["Mid-market", split.plan.name] == pytest.approx(cmp.quota.loc["Mid-market", base.name])
    report = view.disruption(base, split.plan)
    assert report.company["accounts_moved"] == len(_leaver_book(base))


def test_the_options_run_as_a_job_the_page_follows(sample, base, tmp_path):
    from jobs import job_manager
    from jobs.change_job import submit_change
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    spec = leaver("R-010", "2027-03-31", sample.plan_year, base.name)
    job_id = submit_change(store, sample, base, spec, user="ops")
    assert job_manager().wait(job_id, 180)
    records = JobRecords(store.engine)
    job = records.get(job_id)
    assert job["kind"] == "change" and job["status"] == "succeeded", job
    assert job["message"].startswith("2 of 2 option(s) ready")
    options = job_manager().result(job_id, records)
    assert [o.option for o in options] == ["placeholder", "split"]
    assert store.list_plans().empty  # a run saves nothing until a person saves an option
    store.dispose()
