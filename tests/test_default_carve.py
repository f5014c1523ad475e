"""What a user gets by default (issue 24): the demo company's Mid-market and SMB carve by county, each territory
one piece within the bands, Enterprise by account (named accounts); the CLI's `carve` says so in its --help and
its output.  The carve itself runs once per test process (the ``default_carve`` fixture in tests/conftest.py)."""
from __future__ import annotations

import pandas as pd

from optimizers.carve import DEFAULT_TOLERANCE


def test_carve_help_says_what_the_default_is(cli):
    r = cli(["carve", "--help"])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.replace("│", " ").split())  # the help as read, its box and line breaks dropped
    assert "the demo: Mid-market and SMB by county, one piece each; Enterprise by account" in said


def test_the_default_carve_says_which_segments_are_geographic_and_that_each_is_one_piece(default_carve):
    output, _, _ = default_carve
    lines = output.splitlines()
    assert ("territories: Mid-market and SMB: territories of whole counties, one piece each; Enterprise: named "
            "accounts") in lines
    assert "All 23 territories are one piece." in lines  # 13 Mid-market + 10 SMB books
    assert output.startswith("Balanced plan found") or "\nBalanced plan found" in output
    # the polish's own figures come last, under "Solver details", as on the page; the plan's words never have them
    words, details = output.split("\nSolver details:")
    assert "solver plan" not in words and "polish" not in words
    assert "Units the one-piece polish moved" in details and "before → after the polish" in details


def test_the_default_carve_assigns_every_account_once_holds_the_bands_and_draws_one_piece_per_territory(
        default_carve, sample):
    """The property, read off the files a user gets: every account once, every book within its default band, each
    Mid-market and SMB territory one piece on the map (the map's own count, planning.plans.territory_pieces_of),
    every county of a geographic segment whole in one territory, and Enterprise not drawn by county."""
    from planning.data.boundaries import account_counties
    from planning.plans import territory_pieces_of
    from planning.plans.carving_units import outlying_family_accounts

    _, out, summ = default_carve
    a = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert a["account_id"].is_unique and set(a["account_id"]) == set(sample.accounts["account_id"].astype(str))
    assert a["territory_id"].notna().all()
    books = pd.read_csv(summ, encoding="utf-8-sig")
    assert books["accounts"].sum() == len(sample.accounts)
    for m in ("potential_usd", "accounts"):  # the default bands: ±10% on potential and on account count
        dev = (books[m] / books[f"target_{m}"] - 1).abs()
        assert dev.max() <= DEFAULT_TOLERANCE[m] + 1e-6, books.loc[dev.idxmax()]
    plan = a.set_index("account_id")["territory_id"]
    acc = sample.accounts.assign(account_id=sample.accounts["account_id"].astype(str))
    geo = acc.loc[acc["segment"].isin(["Mid-market", "SMB"])]
    pieces = territory_pieces_of(plan, geo)
    assert len(pieces) == 23 and (pieces == 1).all(), pieces[pieces > 1]
    county = pd.Series(account_counties(geo).to_numpy(), index=geo.index)
    whole = geo.loc[~outlying_family_accounts(geo, county)]  # a family's outlying accounts ride with its main county
    owners = whole.assign(county=county, t=whole["account_id"].map(plan)).groupby(["segment", "county"])["t"]
    assert (owners.nunique() == 1).all()
    ent = books.loc[books["segment"] == "Enterprise"]
    assert len(ent) == 8 and (ent["accounts"] > 0).all()
