"""Lanes (planning/territories/lanes.py): which territories compete for an account before geography is read.

Hand-worked cases: one segment with a plain territory, an industry-only territory, an employee-band territory and an
industry-and-band territory; the most specific lane an account meets wins, bands include both ends, an account
with no employee count never enters a band lane, and an account no lane of its segment takes has lane ''.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.territories.lanes import account_lanes, lane_name, territory_lanes

TERRITORIES = pd.DataFrame({"segment": ["Mid-market", "Mid-market", "Mid-market", "Mid-market", "SMB"]},
                           index=pd.Index(["T-1", "T-2", "T-3", "T-4", "T-5"], name="territory_id"))
SETTINGS = {"industry_rules": {"T-2": ["Retail", "Healthcare"], "T-4": ["Healthcare"]},
            "employee_bands": {"T-3": [100, 500], "T-4": [100, 500]}}


def test_lane_names_read_as_words():
    assert lane_name("Mid-market") == "Mid-market"
    assert lane_name("Mid-market", ("Healthcare", "Retail")) == "Mid-market · Healthcare/Retail"
    assert lane_name("SMB", (), (100.0, 500.0)) == "SMB · 100–500 employees"
    assert lane_name("SMB", (), (1000.0, np.inf)) == "SMB · 1,000+ employees"
    assert lane_name("SMB", (), (-np.inf, 50.0)) == "SMB · up to 50 employees"


def test_territory_lanes_and_their_specificity():
    lanes = territory_lanes(TERRITORIES, SETTINGS)
    assert lanes.loc["T-1", "lane"] == "Mid-market" and lanes.loc["T-1", "specificity"] == 0
    # industries are sorted, so two territories with the same industries in another order share one lane
    assert lanes.loc["T-2", "lane"] == "Mid-market · Healthcare/Retail" and lanes.loc["T-2", "specificity"] == 2
    assert lanes.loc["T-3", "lane"] == "Mid-market · 100–500 employees" and lanes.loc["T-3", "specificity"] == 1
    assert lanes.loc["T-4", "lane"] == "Mid-market · Healthcare · 100–500 employees"
    assert lanes.loc["T-4", "specificity"] == 3
    assert lanes.loc["T-5", "lane"] == "SMB"


def test_an_open_ended_band():
    lanes = territory_lanes(TERRITORIES, {"employee_bands": {"T-3": [None, 50], "T-4": [1000, None]}})
    assert lanes.loc["T-3", "lane"] == "Mid-market · up to 50 employees"
    assert lanes.loc["T-4", "lane"] == "Mid-market · 1,000+ employees"


def test_each_account_takes_the_most_specific_lane_it_meets():
    accounts = pd.DataFrame({
        "segment":   ["Mid-market", "Mid-market", "Mid-market", "Mid-market", "Mid-market", "Mid-market", "SMB",
                      "Enterprise"],
        "industry":  ["Healthcare", "Healthcare", "Retail",     "Software",   "Software",   "Healthcare", "Retail",
                      "Retail"],
        "employees": [250,          800,          250,          100,          501,          np.nan,       10,
                      5000],
    }, index=[f"A-{i}" for i in range(1, 9)])
    got = account_lanes(accounts, territory_lanes(TERRITORIES, SETTINGS))
    assert got.to_dict() == {
        "A-1": "Mid-market · Healthcare · 100–500 employees",  # industry and band: the most specific
        "A-2": "Mid-market · Healthcare/Retail",  # healthcare, but above the band: industry lane
        "A-3": "Mid-market · Healthcare/Retail",  # industry beats band (specificity 2 > 1)
        "A-4": "Mid-market · 100–500 employees",  # the band includes its lower end
        "A-5": "Mid-market",  # just above the band, no industry rule: the plain segment
        "A-6": "Mid-market · Healthcare/Retail",  # no employee count: never in a band lane
        "A-7": "SMB",
        "A-8": "",  # no territory of its segment
    }


def test_an_account_no_lane_of_its_segment_takes():
    only_specific = territory_lanes(TERRITORIES.loc[["T-2"]], SETTINGS)
    accounts = pd.DataFrame({"segment": ["Mid-market", "Mid-market"], "industry": ["Software", "Retail"],
                             "employees": [50, 50]}, index=["A-1", "A-2"])
    assert account_lanes(accounts, only_specific).tolist() == ["", "Mid-market · Healthcare/Retail"]


def test_missing_columns_mean_no_industry_and_no_employee_count():
    accounts = pd.DataFrame({"segment": ["Mid-market", "SMB"]}, index=["A-1", "A-2"])
    assert account_lanes(accounts, territory_lanes(TERRITORIES, SETTINGS)).tolist() == ["Mid-market", "SMB"]
