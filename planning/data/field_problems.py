"""Field-level problems that keep the row: which bad fields are left blank (with a warning) instead of rejecting.

A bad value in a non-key field of an account (a negative employee count, a revenue of "n/a" or "12,5OO", a date
that isn't one) says nothing about whether the account exists: the account loads, the field is left blank, and
the cell as written in the file is kept in ``<field>_as_written`` and in the warning.  What a blank means then is
the loader's usual rule for a blank cell (a segment derived from the other band, a potential estimated, the
segment's default workload).

Fields that stay errors, and why:
- the key (``account_id``) and the name: without them there is no account to keep;
- ``arr_usd`` and ``open_pipeline_usd``: a blank reads as $0, which would silently change every book's figures;
- ``segment`` (an unknown picklist value is flagged, never guessed), ``locked`` (a blank would unlock a named
  account), coordinates outside their range;
- currency problems (no rate, an unknown or clashing currency): a row without a rate is an error, never a guess.

ZIPs and owners have their own fallbacks: validation's ``_place`` (the city and state) and
:func:`planning.data.cross_checks.resolve_owners` (unassigned).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# field → what the blank means, appended to the warning
SOFT_FIELDS: dict[str, dict[str, str]] = {
    "accounts": {
        "employees": "",
        "annual_revenue_usd": "",
        "potential_usd": ", so the potential is estimated",
        "workload_hours": ", so the segment's default workload is used",
        "next_renewal_date": "",
        "last_modified_date": "",
    },
}
NON_NEGATIVE = ("employees", "annual_revenue_usd", "potential_usd", "workload_hours")


def is_soft(table: str, column: str) -> bool:
    """True when a bad value in ``table.column`` blanks the field (a warning) rather than rejecting the row."""
    return column in SOFT_FIELDS.get(table, {})


def as_written_column(column: str) -> str:
    return f"{column}_as_written"


def keep_as_written(df: pd.DataFrame, original: pd.DataFrame, mask: pd.Series, column: str) -> None:
    """Blank ``column`` where ``mask`` holds, keeping the cell as written in the file in ``<column>_as_written``."""
    if not mask.any():
        return
    name = as_written_column(column)
    if name not in df:
        df[name] = pd.Series(np.nan, index=df.index, dtype=object)
    src = original[column] if column in original else df[column]
    df.loc[mask, name] = src[mask].astype(str).to_numpy()
    df.loc[mask, column] = pd.NaT if pd.api.types.is_datetime64_any_dtype(df[column]) else np.nan


def blanked_message(table: str, column: str, problem: str) -> str:
    return f"{problem}; left blank{SOFT_FIELDS[table][column]}"


def negatives(df: pd.DataFrame, table: str) -> dict[str, pd.Series]:
    """Per soft numeric field of ``table``: the rows holding a negative number."""
    return {c: df[c] < 0 for c in NON_NEGATIVE if is_soft(table, c) and c in df}
