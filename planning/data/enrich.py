"""Steps of account/rep validation for real exports: currencies, job titles, places outside the US,
customer status and estimated potential.  :mod:`planning.data.validation` calls these; each is vectorised
(one look-up per distinct value at most) so a 100,000-row export stays fast.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data import currency as cur
from planning.data import places
from planning.data.potential import fill_potential
from planning.data.titles import apply_title_map, suggest_title_map

WARNING = "warning"
US_LAT, US_LON = (17.0, 72.0), (-180.0, -60.0)

# Customer status words (Salesforce Type, HubSpot Lifecycle Stage, Dynamics Relationship Type), lower case.
CUSTOMER_WORDS = ("customer", "evangelist", "client", "active customer")
NOT_CUSTOMER_WORDS = ("prospect", "lead", "subscriber", "marketingqualifiedlead", "salesqualifiedlead",
                      "marketing qualified lead", "sales qualified lead", "opportunity", "former customer",
                      "churned", "partner", "reseller", "competitor", "vendor", "other", "investor", "press",
                      "supplier", "consultant", "influencer")


def money_cells(s: pd.Series, slow: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """For formatted money cells at positions ``slow``: (cells without the currency marker, ISO code per cell)."""
    sub = s.iloc[slow]
    nums, codes = cur.split_cells(sub)
    return nums, codes


def convert_money(df: pd.DataFrame, col, money_codes: dict[str, pd.Series], rates: dict) -> list[cur.Conversion]:
    """Convert every money column to USD; errors for unknown currencies, missing rates and clashes.

    ``money_codes`` holds, per column, the currency marker found in each cell (NaN: none).  The row's
    ``currency`` column applies to cells without an explicit marker; a bare "$" yields to it too.
    """
    row_code = cur.code_of(df["currency"]) if "currency" in df else pd.Series(np.nan, index=df.index)
    bad_row = row_code.astype(str).str.startswith("?") & row_code.notna()
    col.add_many(bad_row, "currency", "currency code not recognised (use an ISO code such as EUR, GBP, CAD)")
    row_code = row_code.where(~bad_row)
    conversions = []
    for name, cell_code in money_codes.items():
        values = df[name].to_numpy(dtype=float)
        cell = cell_code.reindex(df.index)
        soft = cell.isna() | (cell == "USD")  # a bare "$" or no marker: the row's currency decides
        clash = ~soft & row_code.notna() & (cell != row_code) & ~cell.astype(str).str.startswith("?")
        col.add_many(clash & ~np.isnan(values), name, "amount's currency differs from the row's currency column")
        code = cell.where(~soft, row_code.where(row_code.notna(), cell))
        if (code.isna() | (code == "USD")).all():
            continue  # all USD: nothing to convert
        res = cur.convert(name, values, code.reset_index(drop=True), rates)
        res.missing_rate.index = df.index
        res.unknown_code.index = df.index
        codes = pd.Series(res.currency.to_numpy(), index=df.index)
        col.add_many(res.unknown_code, name, "currency not recognised; give an ISO code (EUR, GBP, SEK…)",
                     values=code.astype(str).str.lstrip("?"))
        col.add_many(res.missing_rate & ~res.unknown_code, name,
                     "no conversion rate to USD for this currency; add it to the rate table in the settings",
                     values=code)
        foreign = codes.notna() & ~res.missing_rate
        if foreign.any():
            df[f"{name}_original"] = np.where(foreign, res.original, np.nan)
            df[f"{name}_currency"] = codes.where(foreign)
        df[name] = np.where(codes.notna(), res.usd, values)
        conversions.extend(res.conversions)
    return conversions


def map_titles(df: pd.DataFrame, col, user_titles: dict | None, first_row: pd.Series) -> pd.DataFrame:
    """Titles → role (and segment where the title names one).  One warning per distinct guessed title.

    Returns the title map used (title, role, segment, how, closest_known_title, rows).
    """
    from planning.data.validation import Issue

    s = df["role"]
    table = suggest_title_map(s, user_titles)
    role, seg = apply_title_map(s, table)
    blank = s.isna() | (s.astype(str).str.strip() == "")
    col.add_many(role.isna() & ~blank, "role", "unknown role or job title (no rule matches and nothing is close); "
                 "add the title to the title map")
    for _, r in table.loc[table["how"] == "guess"].iterrows():
        where = s.astype(str).str.strip() == r["title"]
        row = int(first_row[where].min())
        col.issues.append(Issue(col.table, col.file, row, "role", r["title"],
                                f"unknown job title on {r['rows']} row(s): read as {r['role']}, the closest known title "
                                f"is '{r['closest_known_title']}'; edit the title map to change it", WARNING))
    df["role"] = role
    df["_title_segment"] = seg
    return table


def place_world(df: pd.DataFrame, col, table: str) -> None:
    """Countries, non-US postcodes and cities → lat/lon with ``geo_precision``; US-box check for US rows."""
    country = places.normalise_country(df["country"]) if "country" in df else pd.Series(np.nan, index=df.index)
    unknown_country = country.astype(str).str.startswith("?") & country.notna()
    col.add_many(unknown_country, "country", "country not recognised (use a name or ISO code)")
    country = country.where(~unknown_country)
    df["country"] = country.fillna("US")
    us = df["country"] == "US"
    has_coords = df["lat"].notna() & df["lon"].notna()
    out_box = us & has_coords & ~(df["lat"].between(*US_LAT) & df["lon"].between(*US_LON))
    col.add_many(out_box & ~df["lat"].between(*US_LAT), "lat", "latitude outside the US (17..72); set the country")
    col.add_many(out_box & df["lat"].between(*US_LAT), "lon", "longitude outside the US (-180..-60); set the country")
    prec = pd.Series(np.where(has_coords, "coordinates", None), index=df.index, dtype=object)
    prec[df.get("_zip_placed", pd.Series(False, index=df.index)).fillna(False).astype(bool)] = "zip"
    need = df["lat"].isna() | df["lon"].isna()
    if need.any() and ("city" in df or (~us).any()):
        city = df["city"] if "city" in df else pd.Series(np.nan, index=df.index)
        # Postcode first (FSA / postcode area), then the city column, then the capital.
        pc_city, pc_prec = places.postal_city(df["country"].where(need), df["postal_code"].where(need & ~us))
        by_pc = places.locate_cities(df["country"].where(pc_city.notna()), pc_city)
        by_city = places.locate_cities(df["country"].where(need & city.notna()), city.where(need),
                                       df["state"].where(us) if "state" in df else None)
        steps = [(by_pc, pc_prec), (by_city, "city")]
        if (need & ~us).any():
            steps.append((places.capitals(df["country"].where(need & ~us)), "country"))
        for found, label in steps:
            fill = need & found["lat"].notna()
            df.loc[fill, "lat"], df.loc[fill, "lon"] = found.loc[fill, "lat"], found.loc[fill, "lon"]
            if "state" in df and "admin1" in found:  # a US city fills the blank state (and so the region)
                st_fill = fill & us & df["state"].isna()
                df["state"] = df["state"].astype(object)
                df.loc[st_fill, "state"] = found.loc[st_fill, "admin1"]
            prec[fill] = label[fill] if isinstance(label, pd.Series) else label
            need = need & ~fill
    df["geo_precision"] = prec.where(df["lat"].notna(), "none")
    only_country = ~us & (df["geo_precision"] == "country")
    col.add_many(only_country, "city" if "city" in df else "country",
                 "placed only to the country (no known city or postcode)", WARNING)
    unplaced = ~us & df["lat"].isna() & ~unknown_country
    col.add_many(unplaced, "country", "can't be placed: no coordinates, known city or postcode for this country")


def customer_status(df: pd.DataFrame, col, arr_blank: pd.Series) -> None:
    """``is_customer``: ARR above zero, or, where ARR is blank, a customer type / lifecycle stage."""
    t = df["account_type"].astype(object).where(df["account_type"].notna(), "").astype(str).str.strip().str.lower()
    by_type = t.isin(CUSTOMER_WORDS) | (t.str.startswith("customer") & ~t.str.contains("former"))
    known = by_type | t.isin(NOT_CUSTOMER_WORDS) | t.str.contains("former|prospect|partner|lead") | (t == "")
    col.add_many(~known, "account_type", "unknown account type / lifecycle stage; not counted as a customer", WARNING)
    df["is_customer"] = (df["arr_usd"].fillna(0) > 0) | (arr_blank & by_type)


def potential(df: pd.DataFrame, factors) -> pd.DataFrame:
    return fill_potential(df, factors)


def country_region(df: pd.DataFrame, country_regions: dict[str, str]) -> pd.Series:
    """Region for accounts outside the US from the settings' country map ("International" when absent)."""
    nonus = df["country"].ne("US") & df["country"].notna()
    reg = df["country"].map(country_regions).fillna("International")
    return df["region"].where(~nonus | df["region"].notna(), reg)
