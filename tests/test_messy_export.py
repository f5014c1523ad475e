"""A messy CRM export (tests/data/messy, also uploaded through every page in Chromium by
tests/e2e/test_messy_upload_every_page.py): what loads, what is rejected and which warnings name file, row, column.

Hand-worked from the files: 20 account rows, one rejected (Krona AB's currency "XYZ"), 19 loaded; 8 people."""
from pathlib import Path

import pandas as pd
import pytest

from planning.data import load_dataset
from planning.data.dates import parse_dates

MESSY = Path(__file__).resolve().parent / "data" / "messy"


@pytest.fixture(scope="module")
def messy():
    return load_dataset(MESSY / "crm_accounts.csv", MESSY / "crm_users.csv", as_of="2026-11-30")


def _issues(ds, table, severity):
    return {(i.row, i.column): i.message for i in ds.report.issues if i.table == table and i.severity == severity}


def test_rows_read_are_loaded_plus_rejected(messy):
    counts = messy.report.counts().set_index("table")
    assert counts.loc["accounts", ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [20, 19, 1]
    assert counts.loc["reps", ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [8, 8, 0]
    assert set(_issues(messy, "accounts", "error")) == {(17, "currency")}  # XYZ: never a guessed rate


def test_every_warning_names_file_row_and_column(messy):
    warnings = _issues(messy, "accounts", "warning")
    assert set(warnings) == {(7, "employees"), (15, "employees"), (16, "employees"), (8, "annual_revenue_usd"),
                             (9, "postal_code"), (10, "owner_rep_id"), (21, "next_renewal_date"),
                             (4, "owner_rep_id"), (7, "owner_rep_id"), (14, "owner_rep_id"), (18, "owner_rep_id")}
    assert all(w.file == "crm_accounts.csv" for w in messy.report.warnings if w.table == "accounts")
    assert "placed by its city and state" in warnings[(9, "postal_code")]
    assert "unknown owner" in warnings[(10, "owner_rep_id")]  # Nobody Atall is in no file
    segment = next(i for i in messy.report.warnings if i.table == "reps")  # "=1+2 Will": an AE with no segment
    assert (segment.file, segment.row, segment.column, segment.value) == ("crm_users.csv", 7, "segment", "")


def test_an_owner_name_two_people_share_is_not_guessed(messy):
    acc = messy.accounts.set_index("account_id")
    msg = _issues(messy, "accounts", "warning")[(4, "owner_rep_id")]
    assert "shared by 005M3, 005M4" in msg and "loaded unassigned" in msg
    assert pd.isna(acc.loc["001M03", "owner_rep_id"]) and acc.loc["001M03", "owner_rep_id_as_written"] == "Lena Ortiz"
    assert acc.loc["001M01", "owner_rep_id"] == "005M1"  # a name one person has resolves as before


def test_excel_serial_dates_and_us_dates_with_a_time(messy):
    acc, reps = messy.accounts.set_index("account_id"), messy.reps.set_index("rep_id")
    assert acc.loc["001M01", "next_renewal_date"] == pd.Timestamp("2026-03-31")  # 46112 days after 1899-12-30
    assert acc.loc["001M02", "last_modified_date"] == pd.Timestamp("2025-08-01")  # 45870
    assert acc.loc["001M01", "last_modified_date"] == pd.Timestamp("2026-11-03 09:15")  # 11/3/2026 9:15 AM
    assert reps.loc["005M1", "start_date"] == pd.Timestamp("2022-01-01")  # 44562
    assert pd.isna(acc.loc["001M20", "next_renewal_date"])  # "not a date": blank, with a warning
    got = parse_dates(pd.Series(["12345", "99999", "45870.0", "2026-10-01"]))
    assert got.isna().tolist() == [True, True, False, False]  # serials outside 1954–2119 are no dates


def test_user_text_is_kept_as_written(messy):
    acc, reps = messy.accounts.set_index("account_id"), messy.reps.set_index("rep_id")
    assert acc.loc["001M10", "name"] == "=1+2 Will" and acc.loc["001M10", "owner_rep_id"] == "005M6"
    assert acc.loc["001M11", "name"].startswith("[Your session expired")
    assert reps.loc["005M7", "name"].startswith("[Your session expired")
    # money in the row's ISO currency, converted with the rate table
    assert acc.loc["001M02", "annual_revenue_usd"] == pytest.approx(300_000_000 * 1.17)
    assert acc.loc["001M12", "country"] == "JP" and acc.loc["001M13", "country"] == "AU"
