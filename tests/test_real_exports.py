"""Real CRM exports, messy on purpose (tests/data): which rows load, which are rejected (row, column, reason),
and rows read = loaded + rejected for every file."""
from pathlib import Path

import pandas as pd
import pytest

from planning.data import load_dataset

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def sf():
    return load_dataset(DATA / "salesforce_accounts.csv", DATA / "salesforce_users.csv", as_of="2026-11-30")


@pytest.fixture(scope="module")
def hubspot():
    return load_dataset(DATA / "hubspot_companies.csv", DATA / "salesforce_users.csv", as_of="2026-11-30")


def _errors(ds, table):
    return {(i.row, i.column): i.message for i in ds.report.issues if i.table == table and i.severity == "error"}


def _warnings(ds, table):
    return {(i.row, i.column): i.message for i in ds.report.issues if i.table == table and i.severity == "warning"}


def test_salesforce_users_titles_become_roles_and_segments(sf):
    reps = sf.reps.set_index("name")
    assert list(reps.index) == ["Maya Chen", "Tom Becker", "Lena Ortiz", "Sam Okafor", "Priya Shah", "Jon Weiss", "Ana Silva"]
    assert reps.loc["Maya Chen", ["role", "segment"]].tolist() == ["AE", "Enterprise"]
    assert reps.loc["Tom Becker", ["role", "segment"]].tolist() == ["AE", "Mid-market"]
    assert reps.loc["Lena Ortiz", ["role", "segment"]].tolist() == ["AE", "SMB"]
    assert reps.loc["Sam Okafor", "role"] == "SDR" and reps.loc["Priya Shah", "role"] == "Manager"
    assert reps.loc["Ana Silva", "role"] == "SE"
    # Salesforce's Manager column holds a name: resolved to the manager's rep_id
    assert reps.loc["Maya Chen", "manager_id"] == "005A5"
    # a misspelt title is read by its closest known title, with ONE warning naming the guess
    assert reps.loc["Jon Weiss", "role"] == "AE"
    assert "closest known title is 'account executive'" in _warnings(sf, "reps")[(7, "role")]
    # a title nothing is close to rejects that rep only
    assert _errors(sf, "reps") == {(8, "role"): _errors(sf, "reps")[(8, "role")]}
    assert "unknown role or job title" in _errors(sf, "reps")[(8, "role")]
    titles = sf.report.tables["reps"].titles.set_index("title")
    assert titles.loc["Enterprise AE", "how"] == "rule" and titles.loc["Acount Exec", "how"] == "guess"
    assert sf.report.tables["reps"].source == "Salesforce"


def test_salesforce_accounts_load_and_reject_exactly(sf):
    t = sf.report.tables["accounts"]
    assert (t.n_input, len(t.clean), len(t.rejects), t.blank_rows) == (13, 8, 5, 1)
    assert list(sf.accounts["account_id"]) == ["001A", "001B", "001C", "001D", "001E", "001F", "001H", "001I"]
    errors = _errors(sf, "accounts")
    assert set(errors) == {(8, "account_id"), (10, "postal_code"), (11, "account_id"), (14, "annual_revenue_usd"),
                           (15, "segment")}
    assert "duplicate account_id" in errors[(8, "account_id")]  # the first 001E (row 7) is kept
    assert "can't be placed" in errors[(10, "postal_code")]  # ZIP 00000 and no city to fall back to
    assert "must not be blank" in errors[(11, "account_id")]
    assert "no conversion rate" in errors[(14, "annual_revenue_usd")]  # ₩: KRW has no rate, never a guess
    assert "can't be derived" in errors[(15, "segment")]
    # field-level problems keep the account: a warning each, naming the row and column
    warnings = _warnings(sf, "accounts")
    assert set(warnings) == {(9, "annual_revenue_usd"), (12, "owner_rep_id"), (13, "owner_rep_id")}
    assert "must be zero or positive; left blank" in warnings[(9, "annual_revenue_usd")]  # -$2,000
    assert "unknown owner" in warnings[(13, "owner_rep_id")]  # 'Nobody Atall' is in no file: unassigned
    acc = sf.accounts.set_index("account_id")
    assert pd.isna(acc.loc["001F", "annual_revenue_usd"]) and acc.loc["001F", "annual_revenue_usd_as_written"] == "-$2,000"
    assert acc.loc["001F", "segment"] == "SMB"  # from its 30 employees
    assert pd.isna(acc.loc["001I", "owner_rep_id"]) and acc.loc["001I", "owner_rep_id_as_written"] == "Nobody Atall"
    assert all(w.file == "salesforce_accounts.csv" and w.row and w.column for w in sf.report.warnings
               if w.table == "accounts")
    counts = sf.report.counts().set_index("table").loc["accounts"]
    assert counts[["rows_read", "rows_loaded", "rows_rejected", "loaded_with_warnings", "warnings"]].tolist() == \
        [13, 8, 5, 3, 3]
    for table in sf.report.tables.values():
        assert table.n_input == len(table.clean) + len(table.rejects)


def test_no_cascade_account_of_a_rejected_rep_loads_without_owner(sf):
    acc = sf.accounts.set_index("account_id")
    assert pd.isna(acc.loc["001H", "owner_rep_id"])
    msg = _warnings(sf, "accounts")[(12, "owner_rep_id")]
    assert "salesforce_users.csv, row 8" in msg and "loaded without an owner" in msg
    assert acc.loc["001A", "owner_rep_id"] == "005A1"  # owners given as names


def test_rejects_carry_every_original_column(sf):
    rej = sf.report.rejects_frame()
    acc = rej.loc[rej["table"] == "accounts"].set_index("source_row")
    assert list(acc.index) == [8, 10, 11, 14, 15]
    nowhere = acc.loc[10]
    assert nowhere["Account Name"] == "Nowhere LLC" and nowhere["Billing Zip/Postal Code"] == "00000"
    assert nowhere["Website"] == "nowhere.com" and nowhere["Annual Revenue"] == "$1,000,000"
    assert acc.loc[14, "Annual Revenue"] == "₩5,000,000,000"
    assert acc["reasons"].str.len().gt(0).all()


def test_currencies_converted_with_the_rate_table_and_originals_kept(sf):
    acc = sf.accounts.set_index("account_id")
    assert acc.loc["001A", "annual_revenue_usd"] == 450_000_000  # "$" is USD
    assert acc.loc["001B", "annual_revenue_usd"] == pytest.approx(300_000_000 * 1.17)  # € at the default EUR rate
    assert acc.loc["001C", "annual_revenue_usd"] == pytest.approx(12_000_000 * 1.36)
    assert acc.loc["001D", "annual_revenue_usd"] == pytest.approx(80_000_000 * 0.73)  # C$
    assert acc.loc["001B", "annual_revenue_usd_original"] == 300_000_000
    assert acc.loc["001B", "annual_revenue_usd_currency"] == "EUR" and pd.isna(acc.loc["001A", "annual_revenue_usd_currency"])
    conv = sf.report.conversions_frame().set_index("currency")
    assert sorted(conv.index) == ["CAD", "EUR", "GBP"] and (conv["rows"] == 1).all()
    assert conv.loc["EUR", "rate_date"] == "2025-07-01"


def test_potential_estimated_and_marked(sf):
    acc = sf.accounts.set_index("account_id")
    assert (acc["potential_source"] == "estimated").all()
    # seats: 2,500 employees x 8% (Enterprise seat share) x $1,200 a seat
    assert acc.loc["001A", "potential_usd"] == pytest.approx(2500 * 0.08 * 1200)
    assert acc.loc["001A", "potential_method"] == "seats"
    # no employees: revenue $351M x 1.5% (Manufacturing IT spend) x 2% wallet share
    assert acc.loc["001B", "potential_usd"] == pytest.approx(351_000_000 * 0.015 * 0.02)
    assert acc.loc["001B", "potential_method"] == "it_spend"


def test_customers_from_type_where_arr_is_absent(sf):
    acc = sf.accounts.set_index("account_id")
    assert acc["is_customer"].to_dict() == {"001A": True, "001B": False, "001C": True, "001D": False,
                                            "001E": False, "001F": True, "001H": True, "001I": False}
    from planning.data import breakdown
    from planning.plans import metrics
    assert breakdown(sf.accounts, sf.reps, "segment")["customers"].sum() == 4  # not 0: the export has no ARR
    book = metrics(sf.current_plan(), sf.accounts, sf.reps, sf.plan_year, sf.settings)
    assert book.set_index("owner_name")["customers"].to_dict() == {"Maya Chen": 1, "Tom Becker": 0, "Lena Ortiz": 2,
                                                                    "Jon Weiss": 0}


def test_accounts_outside_the_us_are_placed_with_precision(sf):
    acc = sf.accounts.set_index("account_id")
    assert acc.loc[["001B", "001C", "001D"], "country"].tolist() == ["DE", "GB", "CA"]
    assert acc.loc["001B", ["lat", "lon"]].tolist() == pytest.approx([48.14, 11.58], abs=0.05)  # München
    assert acc.loc["001C", ["lat", "lon"]].tolist() == pytest.approx([51.51, -0.13], abs=0.05)  # London
    assert acc.loc["001D", ["lat", "lon"]].tolist() == pytest.approx([43.71, -79.40], abs=0.05)  # Toronto
    assert acc["geo_precision"].to_dict() == {"001A": "zip", "001B": "city", "001C": "city", "001D": "city",
                                              "001E": "zip", "001F": "zip", "001H": "zip", "001I": "zip"}
    assert acc.loc["001C", "region"] == "EMEA" and acc.loc["001D", "region"] == "Canada"
    assert acc.loc["001B", "postal_code"] == "80331"  # a German postcode is kept, not read as a US ZIP


def test_hubspot_latin1_semicolon_export(hubspot):
    t = hubspot.report.tables["accounts"]
    assert t.source == "HubSpot" and (t.n_input, len(t.clean), len(t.rejects)) == (6, 5, 1)
    acc = hubspot.accounts.set_index("account_id")
    assert list(acc.index) == ["H1", "H2", "H3", "H4", "H6"]
    assert acc.loc["H1", "name"] == "Müller AG" and acc.loc["H3", "city"] == "Zürich"  # Latin-1 decoded
    assert acc.loc["H1", "employees"] == 1200  # "1.200" in a ';' file is twelve hundred
    assert acc.loc["H1", "annual_revenue_usd"] == pytest.approx(250_000_000 * 1.17)  # "EUR 250.000.000"
    assert acc.loc["H2", "annual_revenue_usd"] == 12_500_000
    assert acc["is_customer"].to_dict() == {"H1": True, "H2": False, "H3": True, "H4": False, "H6": True}
    assert acc.loc["H6", ["state", "region", "geo_precision"]].tolist() == ["MO", "Central", "city"]
    errors = _errors(hubspot, "accounts")
    assert set(errors) == {(6, "annual_revenue_usd")}
    assert "currency not recognised" in errors[(6, "annual_revenue_usd")]  # "kr" could be SEK, NOK or DKK
    # employees -5: left blank, the segment comes from the revenue band (3,000,000 → SMB)
    assert "must be zero or positive; left blank" in _warnings(hubspot, "accounts")[(5, "employees")]
    assert pd.isna(acc.loc["H4", "employees"]) and acc.loc["H4", "employees_as_written"] == "-5"
    assert acc.loc["H4", "segment"] == "SMB"
    assert t.n_input == len(t.clean) + len(t.rejects)


def test_a_title_map_in_the_mapping_wins(sf):
    ds = load_dataset(DATA / "salesforce_accounts.csv", DATA / "salesforce_users.csv", as_of="2026-11-30",
                      mappings={"titles": {"Wizard": "SE", "Acount Exec": "AE/SMB"}})
    reps = ds.reps.set_index("name")
    assert reps.loc["Ghost Rep", "role"] == "SE" and reps.loc["Jon Weiss", ["role", "segment"]].tolist() == ["AE", "SMB"]
    assert not [i for i in ds.report.issues if i.table == "reps" and i.column == "role"]
    assert ds.accounts.set_index("account_id").loc["001H", "owner_rep_id"] == "005A7"


def test_cli_mapping_then_validate_with_it(cli, tmp_path):
    out = tmp_path / "mapping.yaml"
    r = cli(["mapping", "-a", DATA / "salesforce_accounts.csv", "-r", DATA / "salesforce_users.csv", "--out", out])
    assert r.exit_code == 0 and "Enterprise AE: AE/Enterprise" in out.read_text()
    text = out.read_text().replace("Acount Exec: AE", "Acount Exec: AE/SMB") + "  Wizard: SE\n"
    out.write_text(text)
    rejects = tmp_path / "rejects.csv"
    r = cli(["validate", "-a", DATA / "salesforce_accounts.csv", "-r", DATA / "salesforce_users.csv",
             "--mapping", out, "--rejects-out", rejects])
    assert r.exit_code == 0, r.output
    assert "detected source: accounts: Salesforce" in r.output and "EUR" in r.output
    assert "8 of 8 accounts carry an estimated potential" in r.output
    assert "unknown role" not in r.output  # the edited title map took Wizard and Acount Exec
    rej = pd.read_csv(rejects, dtype=str, encoding="utf-8-sig")
    assert list(rej.columns[:4]) == ["table", "file", "source_row", "reasons"]
    assert "Billing City" in rej.columns and list(rej["table"]) == ["accounts"] * 5  # no rep rejected any more
