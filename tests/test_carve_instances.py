"""The carving benchmark's instance families: each one's defining property, determinism, and the metros family
(today's benchmark instance) unchanged byte for byte."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from optimizers.instances.companies import FAMILIES, OFFICES, conus_zips, make_instance
from planning.data.geo import haversine_mi, zip_table

# land area, square miles (US Census)
NORTHEAST = {"NY": 54_555, "NJ": 8_723, "PA": 46_054, "MA": 10_554, "CT": 5_543, "RI": 1_545}
MOUNTAIN = {"MT": 147_040, "WY": 97_813, "ID": 83_569, "NV": 110_572, "UT": 84_897}


def test_the_metros_family_is_todays_instance_byte_for_byte():
    # the benchmark rows and the carve tests were measured on these frames: the families must not change them
    acc, reps = make_instance(1000, 10)
    digest = hashlib.sha256((acc.to_csv() + reps.to_csv()).encode()).hexdigest()
    assert digest == "cc903c4ef44345532e99d15fff84221522be7439c5f47148b8daae533566d105"
    same = make_instance(1000, 10, family="metros")
    pd.testing.assert_frame_equal(acc, same[0])
    pd.testing.assert_frame_equal(reps, same[1])


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_is_deterministic_by_seed_and_in_the_canonical_schema(family):
    a1, r1 = make_instance(600, 9, seed=3, family=family, segments=("Mid-market", "SMB"))
    a2, r2 = make_instance(600, 9, seed=3, family=family, segments=("Mid-market", "SMB"))
    pd.testing.assert_frame_equal(a1, a2)
    pd.testing.assert_frame_equal(r1, r2)
    a3, _ = make_instance(600, 9, seed=4, family=family, segments=("Mid-market", "SMB"))
    assert not np.array_equal(a1["lat"].to_numpy(), a3["lat"].to_numpy())
    base_a, base_r = make_instance(600, 9, seed=3, segments=("Mid-market", "SMB"))
    assert list(a1.columns) == list(base_a.columns) and list(r1.columns) == list(base_r.columns)
    assert len(a1) == 600 and len(r1) == 9 and a1["account_id"].is_unique
    # today's owner is a rep of the account's own segment
    seg_of = r1.set_index("rep_id")["segment"]
    assert (a1["owner_rep_id"].map(seg_of) == a1["segment"]).all()


def test_an_unknown_family_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown instance family 'suburbs'"):
        make_instance(10, 2, family="suburbs")


def test_zips_accounts_and_reps_sit_on_real_lower_48_zip_centroids():
    acc, reps = make_instance(3000, 20, seed=5, family="zips")
    table = zip_table()
    at = table.loc[acc["postal_code"]]
    np.testing.assert_array_equal(acc["lat"].to_numpy(), at["lat"].to_numpy())
    np.testing.assert_array_equal(acc["lon"].to_numpy(), at["lon"].to_numpy())
    assert (acc["state"].to_numpy() == at["state"].to_numpy()).all()
    home = table.loc[reps["postal_code"]]
    np.testing.assert_array_equal(reps["lat"].to_numpy(), home["lat"].to_numpy())
    # lower 48 and DC only: no Alaska, Hawaii or territories, 49 "states" to draw from
    assert not acc["state"].isin(["AK", "HI", "PR", "VI", "GU"]).any()
    assert conus_zips()["state"].nunique() == 49
    # every rep lives at the ZIP of one of the accounts
    assert set(reps["postal_code"]) <= set(acc["postal_code"])


def test_zips_are_dense_in_the_northeast_and_thin_in_the_mountain_west():
    acc, _ = make_instance(20_000, 60, seed=4, family="zips")
    per_sq_mi = {name: acc["state"].isin(list(area)).sum() / sum(area.values())
                 for name, area in (("northeast", NORTHEAST), ("mountain", MOUNTAIN))}
    assert per_sq_mi["northeast"] > 10 * per_sq_mi["mountain"]  # about 18× at this seed


def test_zips_potential_has_a_heavy_tail_with_whales():
    zips, _ = make_instance(20_000, 60, seed=4, family="zips")
    metros, _ = make_instance(20_000, 60, seed=4)
    assert np.log(zips["potential_usd"]).std() == pytest.approx(1.2, abs=0.03)
    assert np.log(metros["potential_usd"]).std() == pytest.approx(0.6, abs=0.03)

    def top_share(s):  # share of all potential held by the largest 1% of accounts
        v = np.sort(s.to_numpy())[::-1]
        return v[: len(v) // 100].sum() / v.sum()
    assert top_share(zips["potential_usd"]) > 0.10 > 2 * top_share(metros["potential_usd"])
    assert zips["potential_usd"].max() > 30 * zips["potential_usd"].median()


def test_uneven_reps_put_a_third_of_the_homes_at_three_offices_and_keep_the_metros_accounts():
    acc, reps = make_instance(3000, 30, seed=2, family="uneven_reps")
    m_acc, m_reps = make_instance(3000, 30, seed=2)
    # the same accounts as the metros company; only the reps (and so today's nearest owners) differ
    pd.testing.assert_frame_equal(acc.drop(columns="owner_rep_id"), m_acc.drop(columns="owner_rep_id"))
    miles = np.stack([haversine_mi(reps["lat"], reps["lon"], lat, lon) for lat, lon in OFFICES])
    near = miles.min(axis=0) < 25
    assert near.sum() >= 10  # ceil(30 / 3); a stray metros home may happen to sit near an office too
    assert np.bincount(miles.argmin(axis=0)[near], minlength=3).min() >= 3  # each office gets its share
    m_miles = np.stack([haversine_mi(m_reps["lat"], m_reps["lon"], lat, lon) for lat, lon in OFFICES])
    assert (m_miles.min(axis=0) < 25).sum() <= 3
    # the reps who did not move keep the metros homes
    same = (reps["lat"].to_numpy() == m_reps["lat"].to_numpy())
    assert same.sum() == 30 - 10


def test_smb_is_many_small_alike_accounts_on_the_metros_map():
    acc, reps = make_instance(50_000, 100, seed=1, family="smb")
    m_acc, _ = make_instance(50_000, 100, seed=1)
    assert len(acc) / len(reps) == 500  # the SMB motion: 500 accounts a rep
    np.testing.assert_array_equal(acc["lat"].to_numpy(), m_acc["lat"].to_numpy())
    assert acc["potential_usd"].median() == pytest.approx(6_000, rel=0.02)
    assert np.log(acc["potential_usd"]).std() == pytest.approx(0.5, abs=0.02)
    assert acc["potential_usd"].sum() < m_acc["potential_usd"].sum() / 9
    assert acc["workload_hours"].between(2, 4).all() and acc["employees"].between(5, 99).all()
    assert acc["arr_usd"].gt(0).mean() == pytest.approx(0.5, abs=0.01)
