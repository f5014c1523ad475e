"""Dates as CRM exports write them: ISO, US "3/14/2026 9:05 AM", and Excel serial day numbers.

An export opened and saved in Excel often turns a date column into serial numbers ("45870" for 2025-08-01): days
since 1899-12-30 (Excel's epoch, shifted by its 1900 leap-year bug).  A whole number between 20,000 (1954-10-03) and
80,000 (2119-01-10) in a date column is read as one; anything else that is not a date stays unreadable."""
from __future__ import annotations

import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SERIAL_DAYS = (20_000, 80_000)  # the serials read as dates: 1954-10-03 … 2119-01-10


def parse_dates(cells: pd.Series) -> pd.Series:
    """Cells as written → datetimes (NaT for a blank or a cell that is no date)."""
    parsed = pd.to_datetime(cells, errors="coerce", format="mixed")
    text = cells.astype("string").str.strip()
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(\.0+)?", na=False)), errors="coerce")
    serial = serial.where(serial.between(*SERIAL_DAYS))
    if serial.notna().any():
        parsed = parsed.where(serial.isna(), EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
    return parsed
