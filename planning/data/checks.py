"""The pandera schemas for the clean, canonical frames.

Every check here becomes a row-level rejection reason in :mod:`planning.data.validation`.  Kept apart from the
column dictionary (:mod:`planning.data.schema`) so that only validating a file imports pandera.
"""
from __future__ import annotations

import pandera.pandas as pa

from planning.data.defaults import REP_STATUSES, ROLES, SEGMENTS


def _money(nullable=True):
    return pa.Column(float, pa.Check.ge(0, error="must be zero or positive"), nullable=nullable, coerce=True)


ACCOUNTS_SCHEMA = pa.DataFrameSchema(
    {
        "account_id": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank"),
                                unique=True, report_duplicates="exclude_first"),
        "name": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank")),
        "segment": pa.Column(str, pa.Check.isin(SEGMENTS, error=f"must be one of {', '.join(SEGMENTS)}"), nullable=True),
        # Accounts may lie outside the US: the US box is checked for US rows in planning.data.enrich.place_world.
        "lat": pa.Column(float, pa.Check.in_range(-90.0, 90.0, error="latitude outside -90..90"), nullable=True),
        "lon": pa.Column(float, pa.Check.in_range(-180.0, 180.0, error="longitude outside -180..180"), nullable=True),
        "arr_usd": _money(),
        "potential_usd": _money(),
        "annual_revenue_usd": _money(),
        "open_pipeline_usd": _money(),
        "employees": pa.Column(float, pa.Check.ge(0, error="must be zero or positive"), nullable=True),
        "workload_hours": pa.Column(float, pa.Check.ge(0, error="must be zero or positive"), nullable=True),
    },
    strict=False,
    name="accounts",
)

REPS_SCHEMA = pa.DataFrameSchema(
    {
        "rep_id": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank"),
                            unique=True, report_duplicates="exclude_first"),
        "name": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank")),
        "role": pa.Column(str, pa.Check.isin(ROLES, error=f"must be one of {', '.join(ROLES)}")),
        "segment": pa.Column(str, pa.Check.isin(SEGMENTS, error=f"must be one of {', '.join(SEGMENTS)}"), nullable=True),
        "status": pa.Column(str, pa.Check.isin(REP_STATUSES, error=f"must be one of {', '.join(REP_STATUSES)}")),
        "capacity_override": pa.Column(float, pa.Check.in_range(0, 2, error="must be between 0 and 2"), nullable=True),
        "quota_usd": _money(),
        "lat": pa.Column(float, pa.Check.in_range(17.0, 72.0, error="latitude outside the US (17..72)"), nullable=True),
        "lon": pa.Column(float, pa.Check.in_range(-180.0, -60.0, error="longitude outside the US (-180..-60)"), nullable=True),
    },
    strict=False,
    name="reps",
)

TARGETS_SCHEMA = pa.DataFrameSchema(
    {
        "segment": pa.Column(str, pa.Check.isin(SEGMENTS, error=f"must be one of {', '.join(SEGMENTS)}")),
        "region": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank")),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}(-(Q[1-4]|H[12]|\d{2}))?$",
                                                      error="must look like 2027, 2027-Q1, 2027-H1 or 2027-01")),
        "bookings_target_usd": _money(nullable=False),
    },
    strict=False,
    name="targets",
)

HISTORY_SCHEMA = pa.DataFrameSchema(
    {
        "rep_id": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank")),
        "period": pa.Column(str, pa.Check.str_length(min_value=4, error="must not be blank")),
        "quota_usd": pa.Column(float, pa.Check.gt(0, error="must be positive"), coerce=True),
        "bookings_usd": _money(nullable=False),
    },
    strict=False,
    name="history",
)

TERRITORIES_SCHEMA = pa.DataFrameSchema(
    {
        "territory_id": pa.Column(str, pa.Check.str_length(min_value=1, error="must not be blank"),
                                  unique=True, report_duplicates="exclude_first"),
    },
    strict=False,
    name="territories",
)

SCHEMAS = {
    "accounts": ACCOUNTS_SCHEMA,
    "reps": REPS_SCHEMA,
    "targets": TARGETS_SCHEMA,
    "history": HISTORY_SCHEMA,
    "territories": TERRITORIES_SCHEMA,
}
