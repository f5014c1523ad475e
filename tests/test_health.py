"""Data-health report on the sample company and on hand-made cases."""
import pandas as pd

from planning.data.health import duplicate_accounts, health_report, normalise_domain, normalise_name


def test_normalisers():
    assert normalise_name("The Blue Ridge Co., Inc.") == "blue ridge"
    assert normalise_domain("https://www.Acme.com/about") == "acme.com"


def test_duplicates_on_domain_or_name():
    df = pd.DataFrame({"account_id": ["1", "2", "3", "4"], "name": ["Acme Inc", "ACME, Inc.", "Beta", "Gamma LLC"],
                       "domain": ["acme.com", None, "beta.io", "www.beta.io"], "owner_rep_id": None, "arr_usd": 0.0})
    d = duplicate_accounts(df)
    groups = d.groupby("duplicate_group")["account_id"].apply(sorted).to_dict()
    assert groups == {"domain:beta.io": ["3", "4"], "name:acme": ["1", "2"]}


def test_sample_health(sample):
    h = health_report(sample.accounts, sample.reps, sample.as_of, sample.settings)
    # the generator injects 8 duplicate records; its orphaned-owner row (R-999, loaded unassigned) copies a 9th
    assert h.duplicates["duplicate_group"].nunique() == 9
    assert len(h.no_owner) == 37  # 36 unowned in the CRM + R-999's account (owner in no file)
    assert list(h.reps_without_accounts["rep_id"]) == ["REQ-01"]
    s = h.summary().set_index("check")
    assert s.loc["Accounts without an owner", "count"] == 37


def test_duplicates_are_found_by_domain_first_then_name_and_missing_names_are_not_duplicates():
    import pandas as pd

    accounts = pd.DataFrame({
        "account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7"],
        "name": ["Acme Inc", "ACME, LLC", "Other Co", "The Acme", None, None, "Beta"],
        "domain": ["https://www.acme.com/x", "acme.com", "acme.com ", None, None, None, "  "],
        "owner_rep_id": ["R-1"] * 7, "arr_usd": [1.0] * 7,
    })
    dup = duplicate_accounts(accounts)
    # A1, A2, A3 share acme.com; A4 'The Acme' → 'acme' is left alone on names (A1, A2 already claimed);
    # A5 and A6 have no name and no domain: not a group
    assert dup["account_id"].tolist() == ["A1", "A2", "A3"]
    assert set(dup["duplicate_group"]) == {"domain:acme.com"} and set(dup["matched_on"]) == {"domain"}
