"""The demo company is deterministic and has the intended shape."""
from __future__ import annotations

import filecmp

import pandas as pd

from planning.plans.plan import metrics, productivity_variance
from sample_data.generate import SAMPLE_DIR_FILES, generate


def test_generator_is_deterministic_and_matches_committed_files(tmp_path):
    generate(tmp_path)
    from planning.data.dataset import SAMPLE_DIR

    for name in SAMPLE_DIR_FILES:
        assert filecmp.cmp(tmp_path / name, SAMPLE_DIR / name, shallow=False), f"{name} differs from a fresh generation"


def test_shape_of_the_company(sample):
    acc, reps = sample.accounts, sample.reps
    assert 5_900 <= len(acc) <= 6_100
    assert abs(acc["arr_usd"].sum() - 40_000_000) < 100_000
    assert set(acc["segment"]) == {"Enterprise", "Mid-market", "SMB"}
    assert acc["industry"].nunique() >= 10 and acc["state"].nunique() >= 40
    assert acc["lat"].notna().all()
    assert 55 <= len(reps) <= 65
    assert (reps["role"] == "Manager").sum() == 8
    assert set(reps["region"]) == {"West", "Central", "Northeast", "Southeast"}
    assert set(reps["role"]) >= {"AE", "SDR", "SE", "CSM", "Manager"}
    assert (reps["status"] == "open_req").sum() == 1
    recent = pd.to_datetime(reps["start_date"]) > sample.as_of - pd.DateOffset(months=6)
    assert ((reps["role"] == "AE") & recent & (reps["status"] == "active")).sum() >= 3  # ramping new hires
    assert (acc["open_pipeline_usd"] > 0).mean() > 0.2
    renew = acc["next_renewal_date"].dropna()
    assert renew.dt.month.nunique() == 12  # renewals spread over the year
    assert sample.targets["bookings_target_usd"].sum() > 0 and set(sample.targets["period"]) == {f"2027-Q{q}" for q in range(1, 5)}
    # lognormal ARR: a long right tail
    cust = acc.loc[acc["arr_usd"] > 0, "arr_usd"]
    assert cust.mean() > 1.5 * cust.median()


def test_todays_plan_is_unbalanced_beyond_two_x(sample):
    book = metrics(sample.current_plan(), sample.accounts, sample.reps, sample.plan_year)
    pv = productivity_variance(book, threshold=2.0).set_index("segment")
    assert pv["flag"].all() and (pv["ratio"] > 2).all()
