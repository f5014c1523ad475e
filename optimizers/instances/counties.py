"""Synthetic county-covering companies for the contiguity tests and benchmark."""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data.boundaries import NON_CONUS, counties


def county_instance(n_reps: int, seed: int = 0, states: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts, reps) covering every county of the lower 48 (or of ``states``), in the canonical schema.

    Each county gets one to four accounts at its centre with log-normal potential; reps live in counties
    drawn in proportion to potential; today's owner of a county is one of its three nearest reps.
    """
    rng = np.random.default_rng(seed)
    c = counties()
    c = c.loc[c["state"].isin(states) if states else ~c["state"].isin(NON_CONUS)].reset_index(drop=True)
    per = rng.integers(1, 5, len(c))
    ci = np.repeat(np.arange(len(c)), per)
    n = len(ci)
    potential = np.round(rng.lognormal(np.log(60_000), 0.5, n), -2)
    lat, lon = c["lat"].to_numpy()[ci], c["lon"].to_numpy()[ci]
    w = np.bincount(ci, weights=potential, minlength=len(c))
    homes = rng.choice(len(c), n_reps, replace=False, p=w / w.sum())
    rep_ids = np.array([f"R-{i + 1:03d}" for i in range(n_reps)])
    reps = pd.DataFrame({
        "rep_id": rep_ids, "name": [f"Rep {i + 1}" for i in range(n_reps)], "role": "AE", "segment": "Mid-market",
        "manager_id": np.nan, "region": np.nan, "area": np.nan, "postal_code": np.nan,
        "lat": c["lat"].to_numpy()[homes], "lon": c["lon"].to_numpy()[homes], "start_date": pd.Timestamp("2020-01-01"),
        "end_date": pd.NaT, "status": "active", "capacity_override": np.nan, "quota_usd": np.nan, "crm_user_id": np.nan,
    })
    d = (c["lat"].to_numpy()[:, None] - reps["lat"].to_numpy()[None, :]) ** 2 + \
        ((c["lon"].to_numpy()[:, None] - reps["lon"].to_numpy()[None, :]) * 0.8) ** 2
    near = np.argsort(d, axis=1)[:, :3]
    owner_c = rep_ids[near[np.arange(len(c)), rng.integers(0, 3, len(c))]]
    accounts = pd.DataFrame({
        "account_id": [f"A{i:06d}" for i in range(n)], "name": [f"Account {i}" for i in range(n)],
        "segment": "Mid-market", "industry": "Software", "postal_code": pd.Series([None] * n, dtype=object),
        "state": c["state"].to_numpy()[ci], "region": np.nan, "lat": lat, "lon": lon, "arr_usd": 0.0,
        "potential_usd": potential, "employees": 200.0, "workload_hours": 12.0, "next_renewal_date": pd.NaT,
        "open_pipeline_usd": 0.0, "owner_rep_id": owner_c[ci], "locked": False,
        "parent_account_id": pd.Series([None] * n, dtype=object), "county_fips": c["county_fips"].to_numpy()[ci],
    })
    return accounts, reps
