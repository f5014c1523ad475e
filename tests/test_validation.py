"""Every validation rule, on messy real-world files: each error names file, row and column."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from planning.data.dataset import load_dataset
from planning.data.files import FileError, read_table, suggest_mapping, to_safe_csv
from planning.data.validation import parse_number

REPS = (
    "rep_id,name,role,segment,region,postal_code,start_date,crm_user_id\n"
    "R-1,Ada Lovelace,AE,Mid-market,Northeast,02110,2022-01-01,005A1\n"
    "R-2,Alan Turing,AE,Mid-market,West,94105,2023-05-01,005A2\n"
)


def _accounts(text: str, name="accounts.csv", encoding="utf-8"):
    return load_dataset(text.encode(encoding), REPS.encode(), filenames={"accounts": name, "reps": "reps.csv"},
                        as_of="2026-11-30")


def _issue(ds, column):
    return [i for i in ds.report.issues if i.column == column]


@pytest.mark.parametrize("raw,expected", [
    ("$1,200,000", 1_200_000.0), ("1.200.000,50", 1_200_000.5), ("(500)", -500.0), ("1.5M", 1_500_000.0),
    ("250k", 250_000.0), ("", None), ("12,5", 12.5), ("€ 3 400", 3400.0), ("USD 99.95", 99.95),
])
def test_parse_number_handles_crm_money_formats(raw, expected):
    got = parse_number(raw)
    assert (pd.isna(got) if expected is None else got == pytest.approx(expected))


def test_bom_semicolons_currency_and_blank_lines():
    text = ("\ufeffAccount ID;Account Name;Billing Zip/Postal Code;ARR;Account Owner;Employees\n"
            "A1;Acme Inc;02139;$1,200,000;Ada Lovelace;1.200\n"
            "\n"
            "A2;Beta LLC;94105;\"$35,000\";R-2;80\n")
    ds = _accounts(text)
    acc = ds.accounts.set_index("account_id")
    assert list(acc.index) == ["A1", "A2"]
    assert acc.loc["A1", "arr_usd"] == 1_200_000.0 and acc.loc["A2", "arr_usd"] == 35_000.0
    assert acc.loc["A1", "employees"] == 1200 and acc.loc["A1", "segment"] == "Enterprise"
    assert acc.loc["A1", "owner_rep_id"] == "R-1"  # resolved from the owner's name
    assert acc.loc["A1", "state"] == "MA" and acc.loc["A1", "lat"] == pytest.approx(42.37, abs=0.05)
    assert acc.loc["A2", "source_row"] == 4  # the blank line keeps row numbers true to the file
    assert ds.report.tables["accounts"].blank_rows == 1


def test_latin1_file_is_read():
    text = "account_id,name,postal_code,segment\nA1,Café Zürich,10001,SMB\n"
    ds = _accounts(text, encoding="latin-1")
    assert ds.accounts.loc[0, "name"] == "Café Zürich"


def test_missing_required_column_is_a_file_error_naming_file_and_column():
    with pytest.raises(FileError) as exc:
        _accounts("Account Name,Zip\nAcme,10001\n", name="export.csv")
    msg = str(exc.value)
    assert "export.csv" in msg and "account_id" in msg and exc.value.column == "account_id"


def test_duplicate_ids_reject_the_later_rows_and_keep_the_first():
    ds = _accounts("account_id,name,postal_code,segment\nA1,First,10001,SMB\nA1,Second,10001,SMB\nA2,Third,10001,SMB\n")
    assert list(ds.accounts["name"]) == ["First", "Third"]
    rej = ds.report.tables["accounts"].rejects
    assert list(rej["source_row"]) == [3] and "duplicate account_id" in rej.loc[0, "reasons"]
    (issue,) = _issue(ds, "account_id")
    assert (issue.file, issue.row, issue.column) == ("accounts.csv", 3, "account_id")


@pytest.mark.parametrize("cell,message", [("-5000", "must be zero or positive"), ("lots", "not a number")])
def test_negative_or_non_numeric_money(cell, message):
    ds = _accounts(f"account_id,name,postal_code,segment,arr_usd\nA1,Ok,10001,SMB,100\nA2,Bad,10001,SMB,{cell}\n")
    assert list(ds.accounts["account_id"]) == ["A1"]
    (issue,) = _issue(ds, "arr_usd")
    assert issue.row == 3 and message in issue.message and issue.value == cell


def test_unknown_owner_loads_the_account_unassigned_with_a_warning():
    ds = _accounts("account_id,name,postal_code,segment,owner_rep_id\nA1,Ok,10001,SMB,R-1\nA2,Lost,10001,SMB,Nobody Known\n")
    acc = ds.accounts.set_index("account_id")
    assert list(acc.index) == ["A1", "A2"] and len(ds.report.tables["accounts"].rejects) == 0
    assert acc.loc["A1", "owner_rep_id"] == "R-1" and pd.isna(acc.loc["A2", "owner_rep_id"])
    assert acc.loc["A2", "owner_rep_id_as_written"] == "Nobody Known" and pd.isna(acc.loc["A1", "owner_rep_id_as_written"])
    (issue,) = _issue(ds, "owner_rep_id")
    assert (issue.file, issue.row, issue.severity, issue.value) == ("accounts.csv", 3, "warning", "Nobody Known")
    assert "unknown owner" in issue.message and "reps.csv" in issue.message and "unassigned" in issue.message


def test_bad_coordinates_and_unplaceable_postal_codes():
    text = ("account_id,name,segment,postal_code,lat,lon\n"
            "A1,Ok,SMB,,40.7,-74.0\n"
            "A2,Atlantic,SMB,,0,0\n"
            "A3,Nowhere,SMB,00000,,\n"
            "A4,Typo,SMB,ABCDE,,\n"
            "A5,Half,SMB,,40.7,\n")
    ds = _accounts(text)
    assert list(ds.accounts["account_id"]) == ["A1"]
    reasons = ds.report.tables["accounts"].rejects.set_index("account_id")["reasons"]
    assert len(reasons) == 4 and not ds.report.warnings  # nothing placed A3 / A4: no city, no lat/lon
    assert "latitude outside the US" in reasons["A2"]
    assert "can't be placed" in reasons["A3"]
    assert "not a US ZIP" in reasons["A4"]
    assert "both be given" in reasons["A5"]


def test_unknown_segment_rejected_blank_segment_derived_from_bands():
    text = ("account_id,name,postal_code,segment,employees\n"
            "A1,Big,10001,,5000\nA2,Mid,10001,,250\nA3,Small,10001,,12\nA4,Odd,10001,Galactic,10\nA5,Unknown,10001,,\n")
    ds = _accounts(text)
    seg = ds.accounts.set_index("account_id")["segment"]
    assert seg.to_dict() == {"A1": "Enterprise", "A2": "Mid-market", "A3": "SMB"}
    reasons = ds.report.tables["accounts"].rejects.set_index("account_id")["reasons"]
    assert "unknown segment" in reasons["A4"] and "can't be derived" in reasons["A5"]


def test_counts_always_add_up_and_nothing_is_lost(sample):
    for t in sample.report.tables.values():
        assert t.n_input == len(t.clean) + len(t.rejects)
    counts = sample.report.counts().set_index("table")
    # the sample's messy rows: 5 rejected; 'Orphaned Owner Labs' (owner R-999, in no file) loads unassigned
    assert counts.loc["accounts", ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [6014, 6009, 5]
    assert counts.loc["accounts", ["loaded_with_warnings", "warnings"]].tolist() == [1, 1]
    (warning,) = sample.report.warnings
    assert (warning.file, warning.row, warning.column, warning.value) == ("accounts.csv", 6012, "owner_rep_id", "R-999")


def test_salesforce_and_hubspot_headers_are_mapped():
    sf = suggest_mapping("accounts", ["Account ID", "Account Name", "Billing Zip/Postal Code", "Annual Revenue",
                                      "Employees", "Account Owner"])
    assert sf == {"Account ID": "account_id", "Account Name": "name", "Billing Zip/Postal Code": "postal_code",
                  "Annual Revenue": "annual_revenue_usd", "Employees": "employees", "Account Owner": "owner_rep_id"}
    hs = suggest_mapping("accounts", ["Record ID", "Company name", "Company owner", "Postal Code", "Number of employees"])
    assert hs["Company name"] == "name" and hs["Company owner"] == "owner_rep_id" and hs["Record ID"] == "account_id"


def test_manual_mapping_overrides_the_suggestion():
    text = "Id,Company,Zip,Legacy Owner,Owner,Segment\nA1,Acme,10001,R-2,R-1,SMB\n"
    ds = load_dataset(text.encode(), REPS.encode(), mappings={"accounts": {"Legacy Owner": "owner_rep_id", "Owner": ""}},
                      filenames={"accounts": "a.csv", "reps": "r.csv"}, as_of="2026-11-30")
    assert ds.accounts.loc[0, "owner_rep_id"] == "R-2"


def test_excel_and_parquet_inputs(tmp_path):
    df = pd.DataFrame({"Account ID": ["A1", "A2"], "Account Name": ["X", "Y"], "Billing Zip/Postal Code": ["02139", "2139"],
                       "Employees": [50, 5000]})
    xlsx, pq = tmp_path / "a.xlsx", tmp_path / "a.parquet"
    df.to_excel(xlsx, index=False)
    df.to_parquet(pq)
    for path in (xlsx, pq):
        ds = load_dataset(path, REPS.encode(), filenames={"reps": "reps.csv"}, as_of="2026-11-30")
        assert list(ds.accounts["postal_code"]) == ["02139", "02139"]  # Excel's lost leading zero restored
        assert list(ds.accounts["segment"]) == ["SMB", "Enterprise"]


def test_upload_bytes_are_never_modified():
    data = bytearray(b"account_id,name,postal_code\nA1,X,10001\n")
    before = bytes(data)
    read_table(io.BytesIO(data), "a.csv")
    assert bytes(data) == before


def test_unknown_industry_is_flagged_not_rejected():
    ds = _accounts("account_id,name,postal_code,segment,industry\nA1,X,10001,SMB,Underwater Basketweaving\n")
    assert len(ds.accounts) == 1
    (issue,) = _issue(ds, "industry")
    assert issue.severity == "warning"


def test_reps_table_rules():
    reps = ("rep_id,name,role,segment,manager_id,status,capacity_override\n"
            "R-1,Ada,AE,SMB,M-9,active,0.5\nR-2,Bob,Wizard,SMB,,active,\nR-3,Cy,AE,SMB,,retired,\nR-4,Di,BDR,,,,85%\n")
    ds = load_dataset(b"account_id,name,postal_code,segment\nA1,X,10001,SMB\n", reps.encode(),
                      filenames={"accounts": "a.csv", "reps": "people.csv"}, as_of="2026-11-30")
    r = ds.reps.set_index("rep_id")
    assert list(r.index) == ["R-1", "R-4"]
    assert r.loc["R-4", "role"] == "SDR" and r.loc["R-4", "capacity_override"] == pytest.approx(0.85)
    assert pd.isna(r.loc["R-1", "manager_id"])  # unknown manager: warned and cleared, rep kept
    msgs = {(i.row, i.column): i.message for i in ds.report.issues if i.table == "reps"}
    assert "unknown role" in msgs[(3, "role")] and "unknown status" in msgs[(4, "status")]
    assert "manager not found" in msgs[(2, "manager_id")]


def test_safe_csv_neutralises_formulas_but_not_negative_numbers():
    out = to_safe_csv(pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "ok"], "v": [-5, 1, 2]})).decode("utf-8-sig")
    assert "'=HYPERLINK" in out and "'+1" in out and ",-5" in out
