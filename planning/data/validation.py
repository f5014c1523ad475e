"""Row-level validation: raw user table → (clean frame, rejected rows with reasons).

Nothing is dropped silently.  Every input row ends up either in ``clean`` or
in ``rejects`` (with its original cells, its spreadsheet row number and the
reasons), so ``n_input == len(clean) + len(rejects)`` always holds.  Warnings
(an unknown industry, an account without a location) keep the row and are
listed in ``issues``.

A bad non-key field of an account is a warning, not a reject: the field is left blank and the value as written
is kept (:mod:`planning.data.field_problems`); a ZIP that can't be placed falls back to the city and state.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data import enrich, field_problems, geo, places
from planning.data.cell_values import SEGMENT_ALIASES, STATUS_ALIASES, canonical, parse_bool, parse_number
from planning.data.dates import parse_dates
from planning.data.defaults import REP_STATUSES, SEGMENTS, Settings
from planning.data.files import SOURCE_ROW, FileError, RawTable, apply_mapping, resolve_mapping
from planning.data.presets import compose_names, detect_source
from planning.data.schema import COLUMNS, required_columns, spec
from planning.data.validation_report import ERROR, WARNING, Issue, TableResult, ValidationReport

__all__ = ["ERROR", "WARNING", "Issue", "TableResult", "ValidationReport", "canonical", "column_help",
           "derive_segment", "parse_bool", "parse_number", "validate_table"]  # the parsers: planning.data.cell_values


def derive_segment(employees: pd.Series, revenue: pd.Series, settings: Settings) -> pd.Series:
    """Segment from employee bands, else from revenue bands; NaN when neither is known."""
    b = settings.bands
    by_emp = np.select([employees >= b.enterprise_min_employees, employees >= b.midmarket_min_employees,
                        employees >= 0], ["Enterprise", "Mid-market", "SMB"], default="")
    by_rev = np.select([revenue >= b.enterprise_min_revenue_usd, revenue >= b.midmarket_min_revenue_usd,
                        revenue >= 0], ["Enterprise", "Mid-market", "SMB"], default="")
    out = np.where(by_emp != "", by_emp, by_rev)
    return pd.Series(out, index=employees.index).replace("", np.nan)


# -- the validator --------------------------------------------------------------------------
class _Collector:
    def __init__(self, table: str, file: str, frame: pd.DataFrame, original: pd.DataFrame):
        self.table, self.file, self.frame, self.original = table, file, frame, original
        self.issues: list[Issue] = []
        self.bad: dict[int, list[str]] = {}  # frame index → reasons (errors only)

    def add(self, idx, column, message, severity=ERROR, value=None):
        row = int(self.frame.at[idx, SOURCE_ROW]) if idx is not None else None
        if value is None and idx is not None:
            src = self.original if column in self.original.columns else self.frame
            value = src.at[idx, column] if column in src.columns else None
        blank = value is None or (not isinstance(value, str) and pd.isna(value))  # a blank cell reads "", not "nan"
        self.issues.append(Issue(self.table, self.file, row, column, "" if blank else str(value), message, severity))
        if severity == ERROR and idx is not None:
            self.bad.setdefault(idx, []).append(f"{column}: {message}" if column else message)

    def add_many(self, mask: pd.Series, column, message, severity=ERROR, values: pd.Series | None = None):
        for idx in mask[mask].index:
            self.add(idx, column, message, severity, None if values is None else values.at[idx])

    def field_problem(self, mask: pd.Series, column: str, message: str) -> None:
        """A bad value: blanks a soft field (a warning naming the value as written), else rejects the row."""
        if not mask.any():
            return
        if field_problems.is_soft(self.table, column):
            self.add_many(mask, column, field_problems.blanked_message(self.table, column, message), WARNING)
            field_problems.keep_as_written(self.frame, self.original, mask, column)
        else:
            self.add_many(mask, column, message)


def _by_distinct(s: pd.Series, fn) -> pd.Series:
    """``s.map(fn)`` computed once per distinct value: exports repeat owners, segments, ZIPs and flags."""
    key = s.astype(object).where(s.notna(), None)
    uniq = pd.unique(key.to_numpy())
    table = {u: fn(np.nan if u is None else u) for u in uniq}
    return pd.Series([table[k] for k in key.to_numpy()], index=s.index, dtype=object)


def _is_blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype(str).str.strip().isin(["", "nan", "NaN", "None", "NaT"])


def validate_table(raw: RawTable, table: str, mapping: dict[str, str] | None = None,
                   settings: Settings | None = None, titles: dict | None = None,
                   as_of: pd.Timestamp | None = None) -> TableResult:
    """Map, coerce and check one table.  Raises :class:`FileError` only for file-level problems.

    ``titles`` is the user's title → role map for the reps table (the ``titles`` section of a mapping file).
    """
    settings = settings or Settings()
    used_mapping, mapped = _map_columns(raw, table, mapping)
    original = raw.frame
    df = mapped.copy()
    for c in COLUMNS[table]:
        if c.name not in df.columns:
            df[c.name] = np.nan
    col = _Collector(table, raw.file, df, mapped)
    non_us = _non_us_rows(df, table)

    # 1. coerce by kind
    money_codes, title_map = _coerce_by_kind(df, col, raw.delimiter, titles, non_us)
    conversions = enrich.convert_money(df, col, money_codes, settings.currency.lookup(as_of)) if money_codes else []
    if "_title_segment" in df:
        df["segment"] = df["segment"].fillna(df.pop("_title_segment"))
    for name, negative in field_problems.negatives(df, table).items():  # before segments and potential use them
        col.field_problem(negative, name, "must be zero or positive")

    # 2. table-specific derivations and checks
    _derive_by_table(df, col, table, settings)

    # 3. schema checks, then 4. split clean / rejects; nothing is lost
    _schema_checks(df, col, table)
    clean, rejects = _split(df, col, table, original)
    result = TableResult(table, raw.file, clean, rejects, col.issues,
                         n_input=len(original), blank_rows=raw.blank_rows,
                         mapping=used_mapping, source=detect_source(list(original.columns)), titles=title_map,
                         conversions=conversions, original=original)
    assert result.counts_add_up
    return result


def _map_columns(raw: RawTable, table: str, mapping: dict[str, str] | None) -> tuple[dict[str, str], pd.DataFrame]:
    """The mapping used (the user's, else the detected one) and the table under canonical names; a missing required
    column is a file-level error."""
    used_mapping = resolve_mapping(raw, table, mapping)
    if table == "reps" and "name" not in used_mapping.values():
        full = compose_names(raw.frame)
        if full is not None:  # user exports without a full-name column: First Name + Last Name
            raw.frame["Full Name (First + Last)"] = full
            used_mapping["Full Name (First + Last)"] = "name"
    mapped = apply_mapping(raw, used_mapping)
    missing = [c for c in required_columns(table) if c not in mapped.columns]
    if missing:
        found = ", ".join(c for c in raw.frame.columns if c != SOURCE_ROW)
        raise FileError(raw.file, f"missing required column(s) {', '.join(missing)} for the {table} table "
                                  f"(found: {found}). Map a column to it or add it.", column=missing[0], row=1)
    return used_mapping, mapped


def _non_us_rows(df: pd.DataFrame, table: str) -> pd.Series:
    """Accounts outside the US (their postcodes are not ZIPs); a blank country is filled from the postcode."""
    if table != "accounts":
        return pd.Series(False, index=df.index)
    ctry = places.normalise_country(df["country"]).fillna(places.guess_country_from_postal(df["postal_code"]))
    df["country"] = df["country"].where(~_is_blank(df["country"]), ctry.where(ctry.notna(), np.nan))
    return ctry.notna() & (ctry != "US")


def _coerce_by_kind(df: pd.DataFrame, col: _Collector, delimiter: str, titles: dict | None,
                    non_us: pd.Series) -> tuple[dict[str, pd.Series], pd.DataFrame | None]:
    """Every column parsed by its kind (number, date, yes/no, picklist, ZIP, text), each bad cell reported; returns
    the money cells' currency markers and the title → role map the reps table used (None for other tables)."""
    money_codes: dict[str, pd.Series] = {}
    title_map = None
    for c in COLUMNS[col.table]:
        blank = _is_blank(df[c.name])
        if c.kind in ("money", "number", "int", "lat", "lon", "fraction"):
            _coerce_number(df, col, c, blank, delimiter, money_codes)
        elif c.kind == "date":
            _coerce_date(df, col, c.name, blank)
        elif c.kind == "bool":
            _coerce_bool(df, col, c.name, blank)
        elif c.kind == "role":
            title_map = enrich.map_titles(df, col, titles, df[SOURCE_ROW])
        elif c.kind in ("segment", "status"):
            _coerce_picklist(df, col, c.name, c.kind)
        elif c.kind == "postal":
            _coerce_postal(df, col, c.name, blank, non_us)
        else:
            s = df[c.name]
            df[c.name] = _by_distinct(s.astype(object).where(~blank, np.nan), lambda v: v.strip() if isinstance(v, str) else v)
    return money_codes, title_map


def _coerce_date(df: pd.DataFrame, col: _Collector, name: str, blank: pd.Series) -> None:
    parsed = parse_dates(df[name].where(~blank))  # ISO, US with a time, Excel serial days
    df[name] = parsed
    col.field_problem(parsed.isna() & ~blank, name, "not a date (use YYYY-MM-DD)")


def _coerce_bool(df: pd.DataFrame, col: _Collector, name: str, blank: pd.Series) -> None:
    parsed = _by_distinct(df[name], parse_bool)
    col.add_many(parsed.isna() & ~blank, name, "not a yes/no value")
    df[name] = parsed.fillna(False).astype(bool)


def _coerce_picklist(df: pd.DataFrame, col: _Collector, name: str, kind: str) -> None:
    """A segment or rep status from its known values and aliases; anything else is flagged, never guessed."""
    aliases = {"segment": SEGMENT_ALIASES, "status": STATUS_ALIASES}[kind]
    known = {"segment": SEGMENTS, "status": REP_STATUSES}[kind]
    canon = _by_distinct(df[name], lambda v: canonical(v, aliases))
    col.add_many(canon.isna(), name, f"unknown {kind}; expected one of {', '.join(known)}")
    df[name] = canon.replace("", np.nan)


def _coerce_postal(df: pd.DataFrame, col: _Collector, name: str, blank: pd.Series, non_us: pd.Series) -> None:
    s = df[name]
    df[name] = _by_distinct(s, geo.normalise_zip).where(~non_us, s.astype(str).str.strip().str.upper())
    if col.table == "accounts":  # an account's malformed ZIP may still be placed by its city (see _place)
        df["_zip_malformed"] = df[name].isna() & ~blank
    else:
        col.add_many(df[name].isna() & ~blank, name, "not a US ZIP code")


def _derive_by_table(df: pd.DataFrame, col: _Collector, table: str, settings: Settings) -> None:
    """Placement (accounts and reps), segments and potential (accounts), roles and capacity (reps), one target per
    segment, region and period (targets)."""
    if table in ("accounts", "reps"):
        _place(df, col, table)
    if table == "accounts":
        _derive_accounts(df, col, settings)
    if table == "reps":
        _derive_reps(df, col, settings)
    if table == "targets":
        dup = df.duplicated(["segment", "region", "period"], keep="first")
        col.add_many(dup, "period", "duplicate target for this segment, region and period")


def _coerce_number(df: pd.DataFrame, col: _Collector, c, blank: pd.Series, delimiter: str,
                   money_codes: dict[str, pd.Series]) -> None:
    """One numeric column: plain numbers vectorised, formatted cells ("$1,200", "(5)") one by one; money cells'
    currency markers into ``money_codes``.  A bad cell rejects the row, or blanks a soft field with a warning."""
    s, table = df[c.name], col.table
    # Plain numbers take the vectorised path; only formatted cells ("$1,200", "(5)") go cell by cell.
    values = pd.to_numeric(s.where(~blank), errors="coerce").astype(float).to_numpy(copy=True)
    if delimiter == ";":  # European file: "1.200" is twelve hundred, not 1.2
        values[s.astype(str).str.fullmatch(r"-?\d{1,3}(\.\d{3})+").to_numpy(dtype=bool)] = np.nan
    slow = np.flatnonzero(np.isnan(values) & ~blank.to_numpy())
    bad_arr = np.zeros(len(s), dtype=bool)
    cells = s.iloc[slow]
    if c.kind == "money" and len(slow):  # "€300,000", "GBP 1.2M": the marker is the cell's currency
        cells, codes = enrich.money_cells(s, slow)
        if codes.notna().any():
            money_codes[c.name] = codes.set_axis(s.index[slow])
    if c.kind == "money" and "currency" in df and df["currency"].notna().any():
        money_codes.setdefault(c.name, pd.Series(np.nan, index=s.index[:0], dtype=object))
    if len(slow) and delimiter != ";":  # "1,200,000" after the marker is gone: still vectorised
        plain = cells.astype(str).str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+(\.\d+)?").to_numpy(dtype=bool)
        values[slow[plain]] = pd.to_numeric(cells[plain].str.replace(",", "", regex=False)).to_numpy(dtype=float)
        slow, cells = slow[~plain], cells[~plain]
    for pos, cell in zip(slow, cells):
        v = parse_number(cell)  # None marks junk; blank cells never get here
        bad_arr[pos] = v is None
        values[pos] = np.nan if v is None else v
    bad = pd.Series(bad_arr, index=s.index)
    if field_problems.is_soft(table, c.name):  # "n/a" in a soft field: blanked with a warning, not silently
        bad |= pd.Series(np.isnan(values), index=s.index) & ~blank
    df[c.name] = pd.Series(values, index=s.index)
    col.field_problem(bad, c.name, "not a number")
    if c.kind == "fraction":
        pct = df[c.name] > 2  # "85" written as a percent
        df.loc[pct, c.name] = df.loc[pct, c.name] / 100


def _schema_checks(df: pd.DataFrame, col: _Collector, table: str) -> None:
    """The pandera schema, lazily so every failing cell is reported; imported here because pandera costs about a
    second and a cold start on the cached sample never validates."""
    import pandera.pandas as pa

    from planning.data.checks import SCHEMAS

    schema = SCHEMAS[table]
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for _, fc in exc.failure_cases.iterrows():
            idx = fc["index"]
            if idx is None or (isinstance(idx, float) and np.isnan(idx)):
                continue
            colname = fc["column"]
            if any(r.startswith(f"{colname}:") for r in col.bad.get(int(idx), [])):
                continue  # already reported more precisely (e.g. unknown value) during coercion
            check = str(fc["check"])
            if check == "field_uniqueness" or "unique" in check:
                msg = f"duplicate {colname}; the first occurrence was kept"
            elif check.startswith("not_nullable"):
                msg = "must not be blank"
            else:
                msg = check
            col.add(int(idx), colname, msg)


def _split(df: pd.DataFrame, col: _Collector, table: str,
           original: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(clean rows, rejected rows with every original cell, their source row and reasons)."""
    bad_idx = sorted(col.bad)
    clean = df.drop(index=bad_idx).drop(columns=["_zip_placed"], errors="ignore").reset_index(drop=True)
    if clean.empty:  # no row survived: text columns must stay text, not the float of an all-NaN column
        for c in COLUMNS[table]:
            if c.kind not in ("money", "number", "int", "lat", "lon", "fraction", "date", "bool"):
                clean[c.name] = clean[c.name].astype(object)
    rejects = original.loc[original.index.isin(bad_idx)].copy()
    rejects["reasons"] = [" | ".join(col.bad[i]) for i in rejects.index]
    rejects = rejects[[SOURCE_ROW] + [c for c in rejects.columns if c not in (SOURCE_ROW, "reasons")] + ["reasons"]]
    return clean, rejects.reset_index(drop=True)




def _place(df: pd.DataFrame, col: _Collector, table: str) -> None:
    """Fill lat/lon/state from the ZIP where blank.

    A rep's unknown ZIP is a warning.  An account's ZIP that can't be placed (unknown, or not a ZIP at all) is left
    blank with the value as written kept: the account is placed by its lat/lon when given, else by its city and
    state (precision ``city``), each with a warning; only an account that nothing places is rejected.
    """
    one_coord = df["lat"].isna() ^ df["lon"].isna()
    col.add_many(one_coord, "lat", "latitude and longitude must both be given")
    has_zip = df["postal_code"].notna()
    no_coords = df["lat"].isna() | df["lon"].isna()
    if "state" not in df.columns:
        df["state"] = np.nan
    us = df["country"].isna() | df["country"].astype(str).str.upper().isin(["US", "USA", "UNITED STATES"]) \
        if "country" in df else pd.Series(True, index=df.index)
    need = has_zip & (no_coords | df["state"].isna()) & us
    # Only rows that need placing are looked up: a file with coordinates never loads the ZIP table.
    located = geo.locate_zips(df.loc[need, "postal_code"]).reindex(df.index) if need.any() else \
        pd.DataFrame({"lat": np.nan, "lon": np.nan, "state": np.nan}, index=df.index)
    unknown = need & located["lat"].isna()
    malformed = df.pop("_zip_malformed") if "_zip_malformed" in df else pd.Series(False, index=df.index)
    if table != "accounts":
        col.add_many(unknown & no_coords, "postal_code", "postal code can't be placed (not a known US ZIP)", WARNING)
        col.add_many(unknown & ~no_coords, "postal_code", "postal code unknown; using the given lat/lon", WARNING)
    df.loc[no_coords, "lat"] = located.loc[no_coords, "lat"]
    df.loc[no_coords, "lon"] = located.loc[no_coords, "lon"]
    df["_zip_placed"] = no_coords & located["lat"].notna()
    if table == "accounts":
        enrich.place_world(df, col, table)
        _zip_fallback(df, col, [(unknown, "postal code can't be placed (not a known US ZIP)"),
                                (malformed, "not a US ZIP code")], no_coords)
    df["state"] = df["state"].astype(object).where(df["state"].notna(), located["state"])
    df["state"] = df["state"].map(lambda v: v.upper() if isinstance(v, str) and len(v) == 2 else v)


def _zip_fallback(df: pd.DataFrame, col: _Collector, problems: list[tuple[pd.Series, str]],
                  no_coords: pd.Series) -> None:
    """Accounts whose ZIP couldn't place them, after the city look-up: a warning where placed, else a reject."""
    for bad, what in problems:
        given = bad & ~no_coords
        by_city = bad & no_coords & df["lat"].notna()
        nowhere = bad & no_coords & df["lat"].isna()
        col.add_many(nowhere, "postal_code", f"{what}, and no known city and state to place the account by")
        col.add_many(given, "postal_code", f"{what}; left blank, the account is placed by its lat/lon", WARNING)
        col.add_many(by_city, "postal_code", f"{what}; left blank, the account is placed by its city and state "
                                             "(precision: city)", WARNING)
        field_problems.keep_as_written(df, col.original, given | by_city, "postal_code")


def _derive_accounts(df: pd.DataFrame, col: _Collector, settings: Settings) -> None:
    derived = derive_segment(df["employees"], df["annual_revenue_usd"], settings)
    df["segment_derived"] = df["segment"].isna() & derived.notna()
    df["segment"] = df["segment"].fillna(derived)
    col.add_many(df["segment"].isna(), "segment",
                 "segment is blank and can't be derived (no usable employees or annual revenue)")
    df["region"] = df["region"].fillna(df["state"].map(settings.regions))
    df["region"] = enrich.country_region(df, settings.country_regions)
    enrich.customer_status(df, col, df["arr_usd"].isna())
    filled = enrich.potential(df, settings.potential)
    for c in ("potential_usd", "potential_source", "potential_method"):
        df[c] = filled[c]
    for c in ("arr_usd", "open_pipeline_usd"):
        df[c] = df[c].fillna(0.0)
    default_hours = df["segment"].map({k: v.workload_hours_per_account for k, v in settings.segments.items()})
    df["workload_default"] = df["workload_hours"].isna()
    df["workload_hours"] = df["workload_hours"].fillna(default_hours)
    known = set(settings.industries)
    unknown_ind = df["industry"].notna() & ~df["industry"].isin(known)
    col.add_many(unknown_ind, "industry", "industry not in the picklist; kept and flagged", WARNING)
    no_loc = df["lat"].isna() & ~df.index.isin(list(col.bad))  # a rejected row already says why
    col.add_many(no_loc & df["postal_code"].isna(), "postal_code", "no location (postal code or lat/lon)", WARNING)


def _derive_reps(df: pd.DataFrame, col: _Collector, settings: Settings) -> None:
    df["status"] = df["status"].fillna("active")
    nonsel = df["role"].isin(["Manager", "SDR", "SE", "CSM"])
    ae_no_seg = df["segment"].isna() & ~nonsel & df["role"].notna()
    col.add_many(ae_no_seg, "segment", "an AE needs a segment", WARNING)
    df["region"] = df["region"].fillna(df["state"].map(settings.regions) if "state" in df else np.nan)


def column_help(table: str, column: str) -> str:
    s = spec(table, column)
    return f"{s.name}: {s.description}"
