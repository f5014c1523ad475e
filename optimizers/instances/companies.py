"""Synthetic carving instances (benchmarks and property tests), in four families.

- ``metros`` (:func:`make_instance`'s default, the benchmark's original company): accounts in Gaussian clusters
  around 40 US metros, log-normal potential (σ 0.6) and ARR, rep homes near the metros in proportion to the
  accounts.
- ``zips``: accounts at real US ZIP centroids (lower 48 and DC, from the ``zipcodes`` package), drawn uniformly
  over ZIPs, so the Northeast corridor is dense and the Mountain West nearly empty; potential log-normal with
  σ 1.2 (a few whale accounts); rep homes at the ZIPs of randomly drawn accounts.
- ``uneven_reps``: the metros company (same accounts), but a third of the reps live in three office metros
  (New York, Chicago, San Francisco): reps are hired where the office is, not where the accounts are.
- ``smb``: the metros geography with many small, alike accounts (potential median $6,000, σ 0.5; a couple of
  hours of work each), the SMB motion; its natural size is 50,000 accounts × 100 reps (500 a rep).

In every family today's owner is usually one of the three nearest reps, but a share of accounts sit with a
random rep, the way CRM ownership drifts.  Reps of one segment unless ``segments`` says otherwise.  Every family
is deterministic by seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

METROS = np.array([
    (40.71, -74.01), (34.05, -118.24), (41.88, -87.63), (29.76, -95.37), (33.45, -112.07), (39.95, -75.17),
    (29.42, -98.49), (32.72, -117.16), (32.78, -96.80), (37.34, -121.89), (30.27, -97.74), (30.33, -81.66),
    (39.96, -82.99), (35.23, -80.84), (37.77, -122.42), (39.77, -86.16), (47.61, -122.33), (39.74, -104.99),
    (38.91, -77.04), (42.36, -71.06), (36.16, -86.78), (42.33, -83.05), (45.52, -122.68), (35.15, -90.05),
    (36.17, -115.14), (38.25, -85.76), (43.04, -87.91), (35.08, -106.65), (36.15, -95.99), (38.58, -121.49),
    (33.75, -84.39), (25.76, -80.19), (44.98, -93.27), (40.44, -79.99), (39.10, -94.58), (41.50, -81.69),
    (27.95, -82.46), (35.78, -78.64), (29.95, -90.07), (40.76, -111.89),
])
FAMILIES = ("metros", "zips", "uneven_reps", "smb")
OFFICES = METROS[[0, 2, 14]]  # the uneven_reps family's offices: New York, Chicago, San Francisco
OFFICE_SHARE = 1 / 3  # share of the uneven_reps family's reps who live at an office
OFFICE_SPREAD_DEG = 0.1  # their homes' scatter around the office, degrees (about 7 miles)
ZIPS_SIGMA = 1.2  # log-normal σ of the zips family's potential (metros: 0.6)


@dataclass(frozen=True)
class Profile:
    """What one account looks like: potential, the customer share and ARR, work hours, employees, pipeline."""
    potential_median: float = 60_000.0
    potential_sigma: float = 0.6
    customer_share: float = 0.4
    arr_median: float = 30_000.0
    hours_customer: float = 16.0
    hours_prospect: float = 10.0
    hours_spread: int = 5  # plus 0 … spread−1 hours
    employees: tuple[int, int] = (100, 1000)
    pipeline_share: float = 0.1
    pipeline_usd: float = 25_000.0


MID_MARKET = Profile()
SMB = Profile(potential_median=6_000.0, potential_sigma=0.5, customer_share=0.5, arr_median=2_500.0,
              hours_customer=3.0, hours_prospect=2.0, hours_spread=2, employees=(5, 100), pipeline_share=0.05,
              pipeline_usd=2_500.0)


def _region(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.where(lon < -104, "West", np.where(lon < -88, "Central", np.where(lat > 38.5, "Northeast", "Southeast")))


def _three_nearest(lat: np.ndarray, lon: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray,
                   chunk_cells: int = 2_000_000) -> np.ndarray:
    """Indices of each point's (up to) three nearest reps, nearest first, in row chunks: a dense
    accounts × reps matrix is 3.3 GB at 500,000 × 833 (and its argsort as much again)."""
    n, m = len(lat), len(r_lat)
    k = min(3, m)
    out = np.zeros((n, k), dtype=np.int64)
    step = max(1, chunk_cells // max(m, 1))
    for s in range(0, n, step):
        d = (lat[s:s + step, None] - r_lat[None, :]) ** 2 + ((lon[s:s + step, None] - r_lon[None, :]) * 0.8) ** 2
        near = np.argpartition(d, k - 1, axis=1)[:, :k] if k < m else np.broadcast_to(np.arange(m), d.shape)
        order = np.argsort(np.take_along_axis(d, near, axis=1), axis=1, kind="stable")
        out[s:s + step] = np.take_along_axis(near, order, axis=1)
    return out


def make_instance(n_accounts: int, n_reps: int, seed: int = 0, segments: tuple[str, ...] = ("Mid-market",),
                  stray_share: float = 0.25, locked_share: float = 0.0, as_of: str = "2026-11-01",
                  family: str = "metros"):
    """(accounts, reps) frames in the canonical schema, of one of :data:`FAMILIES` (see the module docstring)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown instance family {family!r} (known: {', '.join(FAMILIES)})")
    rng = np.random.default_rng(seed)
    if family == "zips":
        return _zips(rng, n_accounts, n_reps, segments, stray_share, locked_share, as_of)
    profile = SMB if family == "smb" else MID_MARKET
    rng.integers(0, len(METROS), n_accounts)  # an unused first draw, kept so the metros instances stay as they were
    weights = rng.dirichlet(np.ones(len(METROS)) * 2)
    m = rng.choice(len(METROS), n_accounts, p=weights)
    lat = METROS[m, 0] + rng.normal(0, 1.2, n_accounts)
    lon = METROS[m, 1] + rng.normal(0, 1.5, n_accounts)
    seg = np.array(segments)[rng.integers(0, len(segments), n_accounts)]
    potential = _potential(rng, profile, n_accounts)
    book = _book(rng, profile, n_accounts, as_of)
    # reps: homes near metros weighted like the accounts, split across segments
    rm = rng.choice(len(METROS), n_reps, p=weights)
    r_lat = METROS[rm, 0] + rng.normal(0, 0.5, n_reps)
    r_lon = METROS[rm, 1] + rng.normal(0, 0.5, n_reps)
    if family == "uneven_reps":
        r_lat, r_lon = _at_offices(np.random.default_rng([seed, 1]), r_lat, r_lon)
    return _frames(rng, profile, lat, lon, seg, potential, book, r_lat, r_lon, segments, stray_share, locked_share)


def _potential(rng: np.random.Generator, profile: Profile, n: int) -> np.ndarray:
    return np.round(rng.lognormal(np.log(profile.potential_median), profile.potential_sigma, n), -2)


def _book(rng: np.random.Generator, profile: Profile, n: int, as_of: str) -> dict:
    """Customer or prospect, ARR, work hours and the next renewal, in the metros family's order of draws."""
    customer = rng.random(n) < profile.customer_share
    arr = np.where(customer, np.round(rng.lognormal(np.log(profile.arr_median), 0.5, n)), 0.0)
    workload = np.where(customer, profile.hours_customer, profile.hours_prospect) + rng.integers(0, profile.hours_spread, n)
    renew = pd.Timestamp(as_of) + pd.to_timedelta(rng.integers(10, 400, n), unit="D")
    return {"customer": customer, "arr": arr, "workload": workload, "renew": renew}


def _at_offices(rng: np.random.Generator, r_lat: np.ndarray, r_lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A third (rounded up) of the reps, drawn at random, moved to live near one of the three :data:`OFFICES`
    (dealt in turn); the others keep their homes."""
    n = len(r_lat)
    moved = rng.choice(n, int(np.ceil(n * OFFICE_SHARE)), replace=False)
    office = OFFICES[np.arange(len(moved)) % len(OFFICES)]
    r_lat, r_lon = r_lat.copy(), r_lon.copy()
    r_lat[moved] = office[:, 0] + rng.normal(0, OFFICE_SPREAD_DEG, len(moved))
    r_lon[moved] = office[:, 1] + rng.normal(0, OFFICE_SPREAD_DEG, len(moved))
    return r_lat, r_lon


def conus_zips() -> pd.DataFrame:
    """ZIP centroids of the lower 48 states and DC (index zip, columns lat, lon, state), sorted by ZIP."""
    from planning.data.boundaries import NON_CONUS
    from planning.data.geo import zip_table

    t = zip_table()
    keep = ~t["state"].isin(NON_CONUS) & t["lat"].between(24, 50) & t["lon"].between(-125, -66)
    return t.loc[keep, ["lat", "lon", "state"]].sort_index()


def _zips(rng: np.random.Generator, n_accounts: int, n_reps: int, segments: tuple[str, ...], stray_share: float,
          locked_share: float, as_of: str):
    """The zips family: every account at a real ZIP centroid drawn uniformly (with replacement) over the lower
    48's ZIPs; reps at the ZIPs of accounts drawn at random (without replacement while there are enough)."""
    zips = conus_zips()
    zi = rng.integers(0, len(zips), n_accounts)
    lat, lon = zips["lat"].to_numpy()[zi], zips["lon"].to_numpy()[zi]
    seg = np.array(segments)[rng.integers(0, len(segments), n_accounts)]
    profile = Profile(potential_sigma=ZIPS_SIGMA)
    potential = _potential(rng, profile, n_accounts)
    book = _book(rng, profile, n_accounts, as_of)
    home = zi[rng.choice(n_accounts, n_reps, replace=n_reps > n_accounts)]
    accounts, reps = _frames(rng, profile, lat, lon, seg, potential, book, zips["lat"].to_numpy()[home],
                             zips["lon"].to_numpy()[home], segments, stray_share, locked_share)
    accounts["postal_code"] = zips.index.to_numpy()[zi].astype(object)
    accounts["state"] = zips["state"].to_numpy()[zi].astype(object)
    reps["postal_code"] = zips.index.to_numpy()[home].astype(object)
    return accounts, reps


def _frames(rng: np.random.Generator, profile: Profile, lat, lon, seg, potential, book: dict, r_lat, r_lon,
            segments: tuple[str, ...], stray_share: float, locked_share: float):
    """The (accounts, reps) frames from the drawn points, with today's owners (usually one of the three nearest
    reps of the account's segment, ``stray_share`` a random one of them)."""
    n_accounts, n_reps = len(lat), len(r_lat)
    r_seg = np.array(segments)[np.arange(n_reps) % len(segments)]
    rep_ids = np.array([f"R-{i + 1:04d}" for i in range(n_reps)])
    reps = pd.DataFrame({
        "rep_id": rep_ids, "name": [f"Rep {i + 1}" for i in range(n_reps)], "role": "AE", "segment": r_seg,
        "manager_id": np.nan, "region": _region(r_lat, r_lon), "area": np.nan, "postal_code": np.nan,
        "lat": r_lat, "lon": r_lon, "start_date": pd.Timestamp("2020-01-01"), "end_date": pd.NaT,
        "status": "active", "capacity_override": np.nan, "quota_usd": np.nan, "crm_user_id": np.nan,
    })
    owner = np.empty(n_accounts, dtype=object)
    for s in segments:
        ia = np.flatnonzero(seg == s)
        ir = np.flatnonzero(r_seg == s)
        near = _three_nearest(lat[ia], lon[ia], r_lat[ir], r_lon[ir])
        pick = near[np.arange(len(ia)), rng.integers(0, min(3, len(ir)), len(ia))]
        stray = rng.random(len(ia)) < stray_share
        pick = np.where(stray, rng.integers(0, len(ir), len(ia)), pick)
        owner[ia] = rep_ids[ir[pick]]
    customer = book["customer"]
    accounts = pd.DataFrame({
        "account_id": [f"A{i:06d}" for i in range(n_accounts)], "name": [f"Account {i}" for i in range(n_accounts)],
        "segment": seg, "industry": "Software", "postal_code": pd.Series([None] * n_accounts, dtype=object), "state": np.nan,
        "region": _region(lat, lon), "lat": lat, "lon": lon, "arr_usd": book["arr"], "potential_usd": potential,
        "employees": rng.integers(*profile.employees, n_accounts).astype(float),
        "workload_hours": book["workload"].astype(float), "next_renewal_date": book["renew"].where(customer, pd.NaT),
        "open_pipeline_usd": np.where(rng.random(n_accounts) < profile.pipeline_share, profile.pipeline_usd, 0.0),
        "owner_rep_id": owner, "locked": rng.random(n_accounts) < locked_share,
        "parent_account_id": pd.Series([None] * n_accounts, dtype=object),
    })
    return accounts, reps
