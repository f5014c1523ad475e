"""Synthetic carving instances (benchmarks and property tests).

Accounts cluster around US metros; potential and ARR are log-normal; today's
owner is usually one of the three nearest reps but a share of accounts sit
with a random rep, the way CRM ownership drifts.  Reps of one segment unless
``segments`` says otherwise.
"""
from __future__ import annotations

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
                  stray_share: float = 0.25, locked_share: float = 0.0, as_of: str = "2026-11-01"):
    """(accounts, reps) frames in the canonical schema."""
    rng = np.random.default_rng(seed)
    m = rng.integers(0, len(METROS), n_accounts)
    weights = rng.dirichlet(np.ones(len(METROS)) * 2)
    m = rng.choice(len(METROS), n_accounts, p=weights)
    lat = METROS[m, 0] + rng.normal(0, 1.2, n_accounts)
    lon = METROS[m, 1] + rng.normal(0, 1.5, n_accounts)
    seg = np.array(segments)[rng.integers(0, len(segments), n_accounts)]
    potential = np.round(rng.lognormal(np.log(60_000), 0.6, n_accounts), -2)
    customer = rng.random(n_accounts) < 0.4
    arr = np.where(customer, np.round(rng.lognormal(np.log(30_000), 0.5, n_accounts)), 0.0)
    workload = np.where(customer, 16.0, 10.0) + rng.integers(0, 5, n_accounts)
    renew = pd.Timestamp(as_of) + pd.to_timedelta(rng.integers(10, 400, n_accounts), unit="D")
    # reps: homes near metros weighted like the accounts, split across segments
    rm = rng.choice(len(METROS), n_reps, p=weights)
    r_lat = METROS[rm, 0] + rng.normal(0, 0.5, n_reps)
    r_lon = METROS[rm, 1] + rng.normal(0, 0.5, n_reps)
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
    accounts = pd.DataFrame({
        "account_id": [f"A{i:06d}" for i in range(n_accounts)], "name": [f"Account {i}" for i in range(n_accounts)],
        "segment": seg, "industry": "Software", "postal_code": pd.Series([None] * n_accounts, dtype=object), "state": np.nan,
        "region": _region(lat, lon), "lat": lat, "lon": lon, "arr_usd": arr, "potential_usd": potential,
        "employees": rng.integers(100, 1000, n_accounts).astype(float), "workload_hours": workload.astype(float),
        "next_renewal_date": renew.where(customer, pd.NaT), "open_pipeline_usd": np.where(rng.random(n_accounts) < 0.1, 25_000.0, 0.0),
        "owner_rep_id": owner, "locked": rng.random(n_accounts) < locked_share,
        "parent_account_id": pd.Series([None] * n_accounts, dtype=object),
    })
    return accounts, reps
