"""The pieces of real-export loading on their own: titles, currencies, potential, presets, places, mapping file."""
import numpy as np
import pandas as pd
import pytest

from planning.data import load_settings
from planning.data.currency import RateTable, Rate, convert, split_cells
from planning.data.mapping_file import dump_mapping, parse_mapping
from planning.data.places import normalise_country, postal_city
from planning.data.potential import PotentialFactors, fill_potential, potential_note
from planning.data.presets import detect_source
from planning.data.titles import classify_title, suggest_title_map


@pytest.mark.parametrize("title, role, segment", [
    ("Account Executive", "AE", None), ("AE", "AE", None), ("Sr. Account Executive", "AE", None),
    ("Enterprise AE", "AE", "Enterprise"), ("Mid-Market AE", "AE", "Mid-market"), ("Commercial AE", "AE", "Mid-market"),
    ("SMB AE", "AE", "SMB"), ("SDR", "SDR", None), ("BDR", "SDR", None), ("Sales Development Representative", "SDR", None),
    ("SE", "SE", None), ("Solutions Engineer", "SE", None), ("Sales Engineer", "SE", None),
    ("Solutions Consultant", "SE", None), ("CSM", "CSM", None), ("Customer Success Manager", "CSM", None),
    ("Account Manager", "CSM", None), ("Sales Manager", "Manager", None), ("Director, Sales", "Manager", None),
    ("RVP Sales", "Manager", None), ("VP Sales", "Manager", None), ("Partner Manager", "Channel", None),
])
def test_common_sales_titles(title, role, segment):
    got = classify_title(title)
    assert (got.role, got.segment) == (role, segment)


def test_title_map_one_row_per_distinct_title_and_user_entries_win():
    t = suggest_title_map(pd.Series(["SMB AE", "SMB AE", " SMB AE", "Acount Exec", "Ninja", None, ""]),
                          {"Ninja": {"role": "SE"}})
    assert t.set_index("title")["rows"].to_dict() == {"Acount Exec": 1, "Ninja": 1, "SMB AE": 3}
    assert t.set_index("title").loc["Ninja", ["role", "how"]].tolist() == ["SE", "map"]
    assert t.set_index("title").loc["Acount Exec", ["role", "how"]].tolist() == ["AE", "guess"]


def test_currency_markers_are_read_never_guessed():
    num, code = split_cells(pd.Series(["€300,000,000", "£1,200", "C$50", "EUR 300", "300 GBP", "-$5", "($500)",
                                       "1.2M €", "kr 100", "XYZ 5", "€300 GBP", "¥1,000"]))
    assert code.tolist() == ["EUR", "GBP", "CAD", "EUR", "GBP", "USD", "USD", "EUR", "?kr", "?XYZ", "?€/GBP", "JPY"]
    assert num.tolist()[:7] == ["300,000,000", "1,200", "50", "300", "300", "-5", "(500)"]


def test_convert_uses_the_rate_and_flags_missing_rates():
    rates = RateTable((Rate("EUR", 1.10, "2026-01-01"),)).lookup()
    res = convert("arr_usd", np.array([100.0, 200.0, 50.0, np.nan]), pd.Series(["EUR", "GBP", np.nan, "EUR"]), rates)
    assert res.usd[0] == pytest.approx(110.0) and np.isnan(res.usd[1]) and res.usd[2] == 50.0
    assert res.missing_rate.tolist() == [False, True, False, False]
    (c,) = res.conversions
    assert (c.currency, c.rows, c.original_total, c.usd_total) == ("EUR", 1, 100.0, pytest.approx(110.0))


def test_dated_rates_pick_the_latest_on_or_before_the_data_date():
    table = RateTable((Rate("EUR", 1.00, "2025-01-01"), Rate("EUR", 1.20, "2026-06-01"), Rate("EUR", 1.50, "2027-01-01")))
    assert table.lookup(pd.Timestamp("2026-11-30"))["EUR"] == (1.20, "2026-06-01")
    assert table.lookup(pd.Timestamp("2024-01-01"))["EUR"] == (1.00, "2025-01-01")  # before every rate: the earliest


def test_rates_and_potential_factors_are_settings(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("currency:\n  rates:\n    - {currency: KRW, usd_per_unit: 0.00072, as_of: 2026-10-01}\n"
                 "potential:\n  segments:\n    SMB: {seat_price_usd: 500}\n  default_it_spend_share: 0.03\n")
    s = load_settings(f)
    assert s.currency.lookup()["KRW"] == (0.00072, "2026-10-01")
    assert s.potential.segments["SMB"].seat_price_usd == 500 and s.potential.segments["SMB"].seat_share == 0.15
    assert s.potential.default_it_spend_share == 0.03


def test_potential_estimate_hand_worked_and_uploaded_values_win():
    acc = pd.DataFrame({"segment": ["SMB", "Mid-market", "Enterprise", "SMB"], "industry": ["Retail", "Software", None, None],
                        "employees": [50, np.nan, np.nan, np.nan], "annual_revenue_usd": [np.nan, 40e6, 1e9, np.nan],
                        "potential_usd": [np.nan, np.nan, 0.0, np.nan]})
    out = fill_potential(acc, PotentialFactors())
    assert out["potential_usd"].tolist() == pytest.approx([50 * 0.15 * 800, 40e6 * 0.065 * 0.02, 0.0, 0.0])
    assert out["potential_source"].tolist() == ["estimated", "estimated", "uploaded", "missing"]
    note = potential_note(out)
    assert "2 of 4 accounts carry an **estimated** potential" in note and "1 have **no potential**" in note


def test_presets_detected_from_the_header():
    assert detect_source(["Account ID", "Account Name", "Account Owner", "Billing City"]) == "Salesforce"
    assert detect_source(["Record ID", "Company name", "Company owner", "Lifecycle Stage"]) == "HubSpot"
    assert detect_source(["(Do Not Modify) Account", "(Do Not Modify) Row Checksum", "Account Name",
                          "Address 1: City"]) == "Dynamics 365"
    assert detect_source(["account_id", "name"]) is None


def test_dynamics_export_maps_and_loads():
    from planning.data import load_dataset
    acc = ("(Do Not Modify) Account,(Do Not Modify) Row Checksum,Account Name,Owner,Address 1: City,"
           "Address 1: ZIP/Postal Code,Address 1: Country/Region,Relationship Type,Number of Employees\n"
           "a1b2,xx,Northwind,Ann Lee,Vancouver,V6B 1A1,Canada,Customer,250\n"
           "c3d4,yy,Contoso,Ann Lee,Leeds,LS1 4AP,United Kingdom,Prospect,40\n")
    reps = "(Do Not Modify) User,Full Name,Title\nu1,Ann Lee,Mid-Market Account Executive\n"
    ds = load_dataset(acc.encode(), reps.encode(), filenames={"accounts": "d365.csv", "reps": "users.csv"}, as_of="2026-11-30")
    assert ds.report.sources() == {"reps": "Dynamics 365", "accounts": "Dynamics 365"}
    a = ds.accounts.set_index("account_id")
    assert a["owner_rep_id"].tolist() == ["u1", "u1"] and a["country"].tolist() == ["CA", "GB"]
    assert a["geo_precision"].tolist() == ["city", "city"] and a["is_customer"].tolist() == [True, False]
    assert ds.reps.loc[0, "role"] == "AE" and ds.reps.loc[0, "segment"] == "Mid-market"


def test_countries_and_postcodes():
    assert normalise_country(pd.Series(["Canada", "UK", "Deutschland", "USA", "GBR", None, "Narnia"])).tolist()[:5] == \
        ["CA", "GB", "DE", "US", "GB"]
    city, prec = postal_city(pd.Series(["CA", "CA", "GB"]), pd.Series(["M5V 2T6", "P3A 1A1", "EH1 1YZ"]))
    assert city.tolist() == ["Toronto", "Toronto", "Edinburgh"] and prec.tolist() == ["city", "region", "city"]


def test_unplaceable_foreign_account_is_reported_by_row_and_column():
    from planning.data import load_dataset
    acc = "account_id,name,segment,country,city\nA1,Ok,SMB,France,Lyon\nA2,Far,SMB,Atlantis,Nowhere\nA3,Vague,SMB,Japan,\n"
    ds = load_dataset(acc.encode(), b"rep_id,name,role\nR1,Ann,AE\n", filenames={"accounts": "a.csv", "reps": "r.csv"},
                      as_of="2026-11-30")
    a = ds.accounts.set_index("account_id")
    assert list(a.index) == ["A1", "A3"] and a["geo_precision"].tolist() == ["city", "country"]
    issues = {(i.row, i.column): (i.severity, i.message) for i in ds.report.issues}
    assert issues[(3, "country")] == ("error", "country not recognised (use a name or ISO code)")
    assert issues[(4, "city")][0] == "warning" and "only to the country" in issues[(4, "city")][1]


def test_mapping_file_round_trip_and_unknown_sections():
    m = {"accounts": {"Legacy Owner": "owner_rep_id"}, "titles": {"Enterprise AE": "AE/Enterprise"}}
    assert parse_mapping(dump_mapping(m), "m.yaml") == m
    with pytest.raises(ValueError, match="unknown section"):
        parse_mapping("acounts: {}\n", "m.yaml")
