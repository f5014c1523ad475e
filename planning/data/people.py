"""People facts derived from the reps table: tenure, ramp state, capacity share.

A rep's *capacity share* is the part of a full book the rep should carry in
the plan year: months in seat in the year (start and leave dates pro-rate it)
times the average ramp factor over those months.  ``capacity_override`` on the
reps table replaces it.  Carving targets and quota use these shares.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data.defaults import QUOTA_ROLES, Settings


def month_index(dates: pd.Series, year_start: pd.Timestamp) -> pd.Series:
    """Whole months from ``year_start`` to each date (negative = before the year)."""
    d = pd.to_datetime(dates)
    return (d.dt.year - year_start.year) * 12 + (d.dt.month - year_start.month)


def tenure_months(reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Completed months since start at ``as_of`` (negative for future starts, NaN if unknown)."""
    start = pd.to_datetime(reps["start_date"])
    return ((as_of.year - start.dt.year) * 12 + (as_of.month - start.dt.month)).astype(float)


def ramp_factor(months_in_seat: np.ndarray, curve: tuple[float, ...]) -> np.ndarray:
    """Ramp % for a rep in their n-th month (0-based); 100% after the curve ends."""
    m = np.asarray(months_in_seat, dtype=float)
    arr = np.asarray(curve + (1.0,), dtype=float)
    idx = np.clip(np.nan_to_num(m, nan=len(curve)), 0, len(curve)).astype(int)
    return np.where(m < 0, 0.0, arr[idx])


def capacity_share(reps: pd.DataFrame, plan_year: int, settings: Settings | None = None) -> pd.Series:
    """Share of a full year's book for each rep over ``plan_year`` (0–1, or the override).

    Averaged over the 12 months of the plan year: 0 in months before the start
    or after the end date, the segment's ramp curve in the first months.
    Open requisitions use their planned start date.
    """
    settings = settings or Settings()
    year_start = pd.Timestamp(year=plan_year, month=1, day=1)
    start_m = month_index(reps["start_date"].fillna(pd.Timestamp("1900-01-01")), year_start).to_numpy()
    end = reps["end_date"] if "end_date" in reps else pd.Series(pd.NaT, index=reps.index)
    end_m = month_index(end.fillna(pd.Timestamp("2200-12-01")), year_start).to_numpy()
    months = np.arange(12)[None, :]
    in_seat = (months >= start_m[:, None]) & (months <= end_m[:, None])
    shares = np.zeros(len(reps))
    for i, seg in enumerate(reps["segment"].to_numpy()):
        curve = settings.segments[seg].ramp_curve if seg in settings.segments else (1.0,)
        f = ramp_factor(months[0] - start_m[i], curve)
        shares[i] = float((f * in_seat[i]).mean())
    out = pd.Series(shares, index=reps.index, name="capacity_share")
    if "capacity_override" in reps:
        out = reps["capacity_override"].astype(float).fillna(out)
    return out


def quota_carriers(reps: pd.DataFrame) -> pd.DataFrame:
    """Reps that own territories: AEs and channel reps (active, leaving or open requisitions)."""
    return reps.loc[reps["role"].isin(QUOTA_ROLES)]
