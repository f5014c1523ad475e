"""Field-level problems keep the account (issue 26): a bad non-key field is left blank with the value as written
kept, an unplaceable ZIP falls back to the city and state, an owner in no file leaves the account unassigned.

Every case is a small hand-made CSV: the counts (read = loaded + rejected), the blanked value, the value as
written, and the file, row and column each warning names are checked exactly.
"""
from __future__ import annotations

import pandas as pd
import pytest

from planning.data import load_dataset

REPS = "rep_id,name,role,segment\nR-1,Ada Lovelace,AE,SMB\nR-2,Alan Turing,AE,Mid-market\n"


def _load(accounts: str):
    return load_dataset(accounts.encode(), REPS.encode(), filenames={"accounts": "messy.csv", "reps": "people.csv"},
                        as_of="2026-11-30")


def _counts(ds) -> list[int]:
    c = ds.report.counts().set_index("table").loc["accounts"]
    return c[["rows_read", "rows_loaded", "rows_rejected", "loaded_with_warnings", "warnings"]].tolist()


def _warnings(ds) -> dict[tuple[int, str], object]:
    return {(w.row, w.column): w for w in ds.report.warnings if w.table == "accounts"}


def test_negative_employee_count_is_blanked_kept_as_written_and_warned():
    ds = _load("account_id,name,postal_code,segment,employees,annual_revenue_usd\n"
               "A1,Fine Co,10001,,250,\n"
               "A2,Minus Co,10001,,-40,3000000\n"
               "A3,Nothing Else,10001,,-7,\n"
               "A4,Has Segment,10001,Mid-market,-12,\n")
    # read 4 = loaded 3 + rejected 1; 3 warnings, 2 of them on loaded rows (A3's row is rejected)
    assert _counts(ds) == [4, 3, 1, 2, 3]
    acc = ds.accounts.set_index("account_id")
    assert pd.isna(acc.loc["A2", "employees"]) and acc.loc["A2", "employees_as_written"] == "-40"
    assert acc.loc["A1", "employees"] == 250 and pd.isna(acc.loc["A1", "employees_as_written"])
    assert acc.loc["A2", "segment"] == "SMB"  # from its $3,000,000 revenue, since the employee count is blank
    assert acc.loc["A4", "segment"] == "Mid-market" and acc.loc["A4", "employees_as_written"] == "-12"
    w = _warnings(ds)[(3, "employees")]
    assert (w.file, w.row, w.column, w.value, w.severity) == ("messy.csv", 3, "employees", "-40", "warning")
    assert w.message == "must be zero or positive; left blank"
    assert str(w) == ("WARNING messy.csv, row 3, column 'employees': must be zero or positive; left blank "
                      "(as written: '-40')")
    # A3 (row 4) has nothing else to segment it by: rejected, and the reject keeps every original value
    rej = ds.report.tables["accounts"].rejects
    assert rej["source_row"].tolist() == [4] and "segment is blank and can't be derived" in rej.loc[0, "reasons"]
    original = rej.loc[0, ["account_id", "name", "postal_code", "employees"]].tolist()
    assert original == ["A3", "Nothing Else", "10001", "-7"]


@pytest.mark.parametrize("cell", ["n/a", "12,5OO"])
def test_unparseable_revenue_is_blanked_kept_as_written_and_warned(cell):
    ds = _load("account_id,name,postal_code,employees,annual_revenue_usd,arr_usd\n"
               "A1,Good Co,10001,40,\"$2,000,000\",100\n"
               f"A2,Messy Co,10001,60,\"{cell}\",200\n"
               f"A3,Lost Co,10001,,\"{cell}\",300\n")
    # A3 has neither employees nor a readable revenue: its segment can't be derived, so it alone is rejected
    assert _counts(ds) == [3, 1 + 1, 1, 1, 2]
    acc = ds.accounts.set_index("account_id")
    assert list(acc.index) == ["A1", "A2"]
    assert pd.isna(acc.loc["A2", "annual_revenue_usd"]) and acc.loc["A2", "annual_revenue_usd_as_written"] == cell
    assert acc.loc["A2", "arr_usd"] == 200 and acc.loc["A2", "segment"] == "SMB"
    assert acc.loc["A1", "annual_revenue_usd"] == 2_000_000
    w = _warnings(ds)
    assert set(w) == {(3, "annual_revenue_usd"), (4, "annual_revenue_usd")}
    assert (w[(3, "annual_revenue_usd")].file, w[(3, "annual_revenue_usd")].value) == ("messy.csv", cell)
    assert w[(3, "annual_revenue_usd")].message == "not a number; left blank"
    rej = ds.report.tables["accounts"].rejects
    assert rej["source_row"].tolist() == [4] and rej.loc[0, "annual_revenue_usd"] == cell
    assert "can't be derived" in rej.loc[0, "reasons"]


def test_bad_dates_and_potential_are_blanked_but_arr_still_rejects():
    ds = _load("account_id,name,postal_code,segment,next_renewal_date,potential_usd,employees,arr_usd\n"
               "A1,Date Co,10001,SMB,31/31/2027,,50,0\n"
               "A2,Pot Co,10001,SMB,2027-03-01,lots,50,0\n"
               "A3,Arr Co,10001,SMB,,,50,-5\n")
    assert _counts(ds) == [3, 2, 1, 2, 2]
    acc = ds.accounts.set_index("account_id")
    assert pd.isna(acc.loc["A1", "next_renewal_date"]) and acc.loc["A1", "next_renewal_date_as_written"] == "31/31/2027"
    assert acc.loc["A2", "next_renewal_date"] == pd.Timestamp("2027-03-01")
    # an unreadable potential is left blank, so the potential is estimated: 50 employees × 15% × $800 a seat
    assert acc.loc["A2", "potential_usd"] == pytest.approx(50 * 0.15 * 800)
    assert acc.loc["A2", "potential_source"] == "estimated" and acc.loc["A2", "potential_usd_as_written"] == "lots"
    assert "so the potential is estimated" in _warnings(ds)[(3, "potential_usd")].message
    # a blank ARR would read as $0 and change every book: a bad ARR still rejects the row
    assert ds.report.tables["accounts"].rejects["source_row"].tolist() == [4]


def test_unplaceable_zip_falls_back_to_the_city_and_state():
    ds = _load("account_id,name,segment,postal_code,city,state,lat,lon\n"
               "A1,Known Zip,SMB,78701,,,,\n"
               "A2,Unknown Zip,SMB,00000,Austin,TX,,\n"
               "A3,Not A Zip,SMB,ABCDE,Portland,ME,,\n"
               "A4,Given Coords,SMB,00000,,,40.7,-74.0\n"
               "A5,Nowhere,SMB,00000,,TX,,\n"
               "A6,Wrong State,SMB,00000,Austin,ZZ,,\n")
    assert _counts(ds) == [6, 4, 2, 3, 3]
    acc = ds.accounts.set_index("account_id")
    assert list(acc.index) == ["A1", "A2", "A3", "A4"]
    assert acc["geo_precision"].to_dict() == {"A1": "zip", "A2": "city", "A3": "city", "A4": "coordinates"}
    assert acc.loc["A2", ["lat", "lon"]].tolist() == pytest.approx([30.27, -97.74], abs=0.05)  # Austin, TX
    assert acc.loc["A3", ["lat", "lon"]].tolist() == pytest.approx([43.66, -70.26], abs=0.05)  # Portland, Maine
    assert acc.loc["A2", "state"] == "TX" and acc.loc["A2", "region"] == "Central"
    assert acc.loc[["A2", "A3", "A4"], "postal_code"].isna().all()
    assert acc.loc[["A2", "A3", "A4"], "postal_code_as_written"].tolist() == ["00000", "ABCDE", "00000"]
    w = _warnings(ds)
    assert set(w) == {(3, "postal_code"), (4, "postal_code"), (5, "postal_code")}
    assert w[(3, "postal_code")].file == "messy.csv" and w[(3, "postal_code")].value == "00000"
    assert w[(3, "postal_code")].message == ("postal code can't be placed (not a known US ZIP); left blank, "
                                             "the account is placed by its city and state (precision: city)")
    assert w[(4, "postal_code")].message.startswith("not a US ZIP code; left blank")
    assert "placed by its lat/lon" in w[(5, "postal_code")].message
    # nothing places A5 (a state, no city) or A6 (no Austin in a state "ZZ"; never another state's Austin)
    rej = ds.report.tables["accounts"].rejects.set_index("source_row")
    assert list(rej.index) == [6, 7]
    assert "no known city and state" in rej.loc[6, "reasons"] and rej.loc[7, "city"] == "Austin"


def test_owner_in_no_file_loads_unassigned_with_a_warning():
    ds = _load("account_id,name,postal_code,segment,owner_rep_id\n"
               "A1,Ada's,10001,SMB,Ada Lovelace\n"
               "A2,Orphan,10001,SMB,R-404\n"
               "A3,Unowned,10001,SMB,\n")
    assert _counts(ds) == [3, 3, 0, 1, 1]
    acc = ds.accounts.set_index("account_id")
    assert acc["owner_rep_id"].tolist()[0] == "R-1" and acc.loc[["A2", "A3"], "owner_rep_id"].isna().all()
    assert acc.loc["A2", "owner_rep_id_as_written"] == "R-404" and pd.isna(acc.loc["A3", "owner_rep_id_as_written"])
    (w,) = ds.report.warnings
    assert (w.file, w.row, w.column, w.value) == ("messy.csv", 3, "owner_rep_id", "R-404")
    assert w.message == ("unknown owner: not a rep_id, name or CRM user id in the reps file (people.csv); "
                         "the account is loaded unassigned")
    assignment = ds.current_plan().assignment  # today's plan: A1 in Ada's territory, A2 and A3 unassigned
    assert assignment.notna().tolist() == [True, False, False]


MIXED = ("account_id,name,postal_code,segment,employees,owner_rep_id\n"
         "A1,Fine,10001,SMB,10,R-1\n"
         "A2,Minus,10001,SMB,-3,R-1\n"
         ",No Id,10001,SMB,5,R-1\n"
         "A4,Orphan,10001,SMB,5,Nobody\n")


def test_report_keeps_warnings_apart_from_rejects():
    rep = _load(MIXED).report
    assert rep.rejects_frame()["source_row"].tolist() == [4]
    warn = rep.warnings_frame()
    assert warn[["file", "row", "column", "value"]].values.tolist() == [
        ["messy.csv", 3, "employees", "-3"], ["messy.csv", 5, "owner_rep_id", "Nobody"]]
    assert (warn["severity"] == "warning").all()
    lines = rep.summary_lines()
    assert lines[0] == "Rejected: 1 row(s) not loaded (1 error(s)); each keeps every original value."
    assert lines[1] == "  ERROR messy.csv, row 4, column 'account_id': must not be blank"
    assert lines[2].startswith("Warnings: 2, on 2 loaded row(s); these rows loaded")
    assert lines[3:] == ["  WARNING messy.csv, row 3, column 'employees': must be zero or positive; left blank "
                         "(as written: '-3')",
                         "  WARNING messy.csv, row 5, column 'owner_rep_id': unknown owner: not a rep_id, name or "
                         "CRM user id in the reps file (people.csv); the account is loaded unassigned "
                         "(as written: 'Nobody')"]
    assert (rep.exit_status(strict=True), rep.exit_status(strict=False)) == (1, 0)


def test_strict_fails_on_rejects_only(tmp_path):
    rep = _load(MIXED.replace(",No Id,10001,SMB,5,R-1\n", "A3,Has Id,10001,SMB,5,R-1\n")).report
    assert not len(rep.rejects_frame()) and len(rep.warnings) == 2
    assert rep.exit_status(strict=True) == 0  # warnings load their rows; --strict fails on rejected rows only


def test_cli_validate_writes_rejects_and_warnings_apart(cli, tmp_path):
    acc, reps = tmp_path / "messy.csv", tmp_path / "people.csv"
    acc.write_text(MIXED)
    reps.write_text(REPS)
    rejects, warnings = tmp_path / "rejects.csv", tmp_path / "warnings.csv"
    r = cli(["validate", "-a", acc, "-r", reps, "--rejects-out", rejects, "--warnings-out", warnings])
    assert r.exit_code == 0, r.output
    assert r.output.index("Rejected: 1 row(s)") < r.output.index("Warnings: 2, on 2 loaded row(s)")
    assert "WARNING messy.csv, row 3, column 'employees'" in r.output
    rej = pd.read_csv(rejects, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert rej[["source_row", "name", "employees"]].values.tolist() == [["4", "No Id", "5"]]
    warn = pd.read_csv(warnings, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    # text cells are made formula-safe in every CSV the app writes: "-3" as written reads "'-3"
    assert warn[["row", "column", "value"]].values.tolist() == [["3", "employees", "'-3"],
                                                                ["5", "owner_rep_id", "Nobody"]]
    assert cli(["validate", "-a", acc, "-r", reps, "--strict"]).exit_code == 1
    acc.write_text(MIXED.replace(",No Id,", "A3,Has Id,"))
    assert cli(["validate", "-a", acc, "-r", reps, "--strict"]).exit_code == 0
