"""Reading user files (CSV, Excel, Parquet), CRM column mapping, and safe exports.

Reading never modifies the user's file: it works on a copy of the bytes.
Every raw row keeps ``source_row``, its row number as a spreadsheet shows it
(the header is row 1), so every error can point at the exact cell.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from planning.data.schema import COLUMNS

SOURCE_ROW = "source_row"


@dataclass
class RawTable:
    """A user file read as text, before validation."""

    file: str  # display name used in every message
    frame: pd.DataFrame  # original headers, string cells, plus SOURCE_ROW
    blank_rows: int = 0  # fully empty lines skipped (they hold no data)
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


class FileError(ValueError):
    """A problem that stops a whole file from loading (unreadable, missing column)."""

    def __init__(self, file: str, message: str, column: str | None = None, row: int | None = None):
        self.file, self.column, self.row = file, column, row
        where = file + (f", row {row}" if row else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")


def _read_bytes(source: str | Path | bytes | BinaryIO) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        p = Path(source)
        if not p.exists():
            raise FileError(str(p), "file not found")
        return p.read_bytes(), p.name
    if isinstance(source, bytes):
        return source, "upload"
    name = getattr(source, "name", "upload")
    data = source.getvalue() if hasattr(source, "getvalue") else source.read()
    return bytes(data), Path(str(name)).name


def _decode(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(enc)
            if enc == "utf-16" and not data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                continue
            return text, enc
        except UnicodeDecodeError:
            continue
    # cp1252 is the superset of Latin-1 that Excel writes on Windows.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join([ln for ln in text.splitlines() if ln.strip()][:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=header.count)


def read_table(source: str | Path | bytes | BinaryIO, file: str | None = None) -> RawTable:
    """Read CSV, Excel or Parquet into a :class:`RawTable` of text cells."""
    data, name = _read_bytes(source)
    file = file or name
    suffix = Path(file).suffix.lower()
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a file-level error
            raise FileError(file, f"cannot read as Excel: {exc}") from exc
        enc, delim = "xlsx", ""
    elif suffix == ".parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001
            raise FileError(file, f"cannot read as Parquet: {exc}") from exc
        frame = frame.astype(object).where(frame.notna(), "")
        enc, delim = "parquet", ""
    else:
        text, enc = _decode(data)
        if not text.strip():
            raise FileError(file, "the file is empty")
        delim = _sniff_delimiter(text)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False,
                                skip_blank_lines=False, skipinitialspace=True)
        except Exception as exc:  # noqa: BLE001
            raise FileError(file, f"cannot read as CSV: {exc}") from exc
        if enc != "utf-8-sig":
            notes.append(f"read as {enc}")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[:, [c for c in frame.columns if c and not c.startswith("Unnamed:")] or list(frame.columns)]
    frame[SOURCE_ROW] = range(2, len(frame) + 2)
    cells = frame.drop(columns=[SOURCE_ROW]).astype(str).apply(lambda s: s.str.strip())
    blank = (cells == "").all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    return RawTable(file=file, frame=frame, blank_rows=int(blank.sum()), encoding=enc, delimiter=delim, notes=notes)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def suggest_mapping(table: str, source_columns: list[str]) -> dict[str, str]:
    """Map source column → canonical column by name and CRM synonyms (Salesforce, HubSpot).

    Exact canonical names win over synonyms; each canonical column is used once.
    """
    from planning.data.presets import detect_source, preset_synonyms

    by_norm = {_norm(c): c for c in source_columns if c != SOURCE_ROW}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    # A detected CRM's own headers come first ("Type" is the account type in Salesforce, "Owner" the owner in Dynamics).
    preset = preset_synonyms(detect_source(list(by_norm.values())), table)
    for passes in ("preset", "name", "synonym"):
        for spec in COLUMNS[table]:
            if spec.name in mapping.values():
                continue
            candidates = (list(preset.get(spec.name, ())) if passes == "preset" else
                          [spec.name] if passes == "name" else list(spec.synonyms))
            for cand in candidates:
                src = by_norm.get(_norm(cand))
                if src is not None and src not in used:
                    mapping[src] = spec.name
                    used.add(src)
                    break
    return mapping


def resolve_mapping(raw: RawTable, table: str, mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Source column → canonical column: the suggestion, overridden by ``mapping``.

    A mapping value of ``""`` or ``None`` ignores that source column.
    """
    auto = suggest_mapping(table, list(raw.frame.columns))
    if mapping:
        # A manual choice for a canonical column replaces the automatic one.
        chosen = {v for v in mapping.values() if v}
        auto = {k: v for k, v in auto.items() if v not in chosen and k not in mapping}
        auto.update({k: v for k, v in mapping.items() if v})
    missing_src = [k for k in auto if k not in raw.frame.columns]
    if missing_src:
        raise FileError(raw.file, f"mapping names column(s) not in the file: {', '.join(missing_src)}")
    return auto


def apply_mapping(raw: RawTable, resolved: dict[str, str]) -> pd.DataFrame:
    """Keep the mapped source columns, renamed to canonical names (``resolved`` from :func:`resolve_mapping`)."""
    keep = list(resolved) + [SOURCE_ROW]
    return raw.frame.loc[:, keep].rename(columns=resolved).copy()


# -- safe exports ---------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe.

    Numbers (including negative ones) are left alone: only strings are risky.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        try:  # vectorised: every table a page draws passes here, so the per-cell lambda cost each rerun
            risky = s.str.startswith(_FORMULA_START, na=False).fillna(False).astype(bool)
        except (AttributeError, TypeError):  # no text at all in an object column (e.g. only dates or lists)
            continue
        if risky.any():
            out[col] = s.where(~risky, "'" + s[risky].astype(str))
    return out


def to_safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel reads accents) with formula injection neutralised."""
    return neutralise_formulas(df).to_csv(index=False).encode("utf-8-sig")


def to_safe_excel(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame; text is never written as a formula."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        for name, frame in sheets.items():
            neutralise_formulas(frame).to_excel(xw, sheet_name=name[:31], index=False)
    return buf.getvalue()


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_safe_csv(df))
    return path
