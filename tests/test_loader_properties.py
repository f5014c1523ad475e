"""Property: random junk in any cell of a valid export never crashes the loader and never loses a row."""
import csv
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.data import FileError, load_dataset

ACCOUNTS = pd.DataFrame({
    "Account ID": ["001A", "001B", "001C", "001D"], "Account Name": ["Acme", "Beta", "Crown", "Maple"],
    "Account Owner": ["Maya Chen", "Tom Becker", "005A1", "Maya Chen"], "Type": ["Customer", "Prospect", "Customer", ""],
    "Industry": ["Software", "Retail", "Media", "Energy"], "Annual Revenue": ["$450,000,000", "€3,000,000", "£12M", "900000"],
    "Employees": ["2500", "40", "60", ""], "ARR": ["$120,000", "", "0", "15000"], "Billing City": ["Boston", "München", "London", "Toronto"],
    "Billing Zip/Postal Code": ["02110", "80331", "SW1A 1AA", "M5V 2T6"], "Billing Country": ["USA", "Germany", "UK", "Canada"],
    "Currency ISO Code": ["USD", "EUR", "GBP", "CAD"], "Last Modified Date": ["2026-10-01", "2026-09-01", "", "2026-01-05"],
})
USERS = pd.DataFrame({"User ID": ["005A1", "005A2", "005A3"], "Full Name": ["Maya Chen", "Tom Becker", "Priya Shah"],
                      "Role": ["Enterprise AE", "Mid-Market AE", "RVP Sales"], "Manager": ["Priya Shah", "Priya Shah", ""]})

JUNK = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "-1", "(5)", "1e309", "nan", "NULL", "€", "kr 5", "XYZ 12", "C$-3", "1.2.3", "$$", "0x10",
                     "99999999999999999999", "ZZ9 9ZZ", "Narnia", "?", "=cmd|' /C calc'!A0", "1,2,3", "12/31/1999",
                     "Wizard", "BDR", "Sr. SE", "Customer", "None"]),
    st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, quoting=csv.QUOTE_ALL)
    return buf.getvalue().encode("utf-8")


def _junk(frame: pd.DataFrame, data) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        for i in range(len(out)):
            if data.draw(st.booleans(), label=f"{col}[{i}]?"):
                out.at[i, col] = data.draw(JUNK, label=f"{col}[{i}]")
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_junk_never_raises_and_never_loses_a_row(data):
    accounts, users = _junk(ACCOUNTS, data), _junk(USERS, data)
    try:
        ds = load_dataset(_csv(accounts), _csv(users), filenames={"accounts": "a.csv", "reps": "r.csv"}, as_of="2026-11-30")
    except FileError:
        return  # the loader's own clear, file-level error (e.g. an unreadable file)
    for table, written in (("accounts", accounts), ("reps", users)):
        t = ds.report.tables[table]
        assert t.n_input == len(t.clean) + len(t.rejects)
        assert t.n_input + t.blank_rows == len(written)
        assert t.rejects["reasons"].astype(str).str.len().gt(0).all()
    for w in ds.report.warnings:  # every warning names its file, row and column
        assert w.file in ("a.csv", "r.csv") and w.row and w.row >= 2 and w.column
    acc = ds.accounts
    for kept in [c for c in acc.columns if c.endswith("_as_written")]:  # a value kept as written was blanked
        assert acc.loc[acc[kept].notna(), kept.removesuffix("_as_written")].isna().all()
    for col in ("lat", "lon", "potential_usd", "arr_usd"):
        assert col in ds.accounts.columns
    assert (ds.accounts["potential_usd"] >= 0).all() and (ds.accounts["arr_usd"] >= 0).all()
