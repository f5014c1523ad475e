"""Replacing the dataset with an upload: who may, how big a file may be, and the key that lets sessions share one
loaded dataset.

* Only a user who may change data (``EDIT_PLANS``: sales ops, admins) may replace the dataset; anyone else is
  refused by :func:`load_upload` itself, whatever called it.
* Each file has a size and a row limit (:class:`UploadLimits`, from ``planning.upload_max_mb`` /
  ``planning.upload_max_rows`` in the settings, or ``$PLANNER_UPLOAD_MAX_MB`` / ``$PLANNER_UPLOAD_MAX_ROWS``).
  A file over either limit is refused with a message naming the file and the limit, and both are checked before
  the file is parsed (:func:`precheck`): the size on the bytes, the rows by :func:`count_rows`, a count of records
  on the raw bytes (CSV) or the sheet's recorded dimension (Excel) or the file's metadata (Parquet).  The count
  after parsing stays as a backstop for a file whose records the cheap count cannot see.
* :func:`preview_upload` is what the mapping review needs of a file (its columns, row count and the values of its
  low-cardinality columns), not the parsed file itself, so a shell can compute it in another process and keep
  only the small preview.  Given a :class:`~planning.data.parsed_uploads.ParsedUploads`, the preview keeps its
  parse there and :func:`load_upload` reads it back instead of parsing the same bytes again.
* :func:`upload_key` is a hash of everything the load depends on (the bytes, file names, mapping, settings and
  date), so a shell can cache the loaded :class:`~planning.data.dataset.Dataset` once for every session that
  uploads the same files.
"""
from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planning.access.roles import Permission
from planning.access.users import User, require
from planning.data.dataset import Dataset, load_dataset
from planning.data.defaults import Settings
from planning.data.files import SOURCE_ROW, FileError, RawTable, read_table
from planning.data.parsed_uploads import ParsedUploads

MAX_MB_ENV, MAX_ROWS_ENV = "PLANNER_UPLOAD_MAX_MB", "PLANNER_UPLOAD_MAX_ROWS"
_MB = 1024 * 1024  # Streamlit's server.maxUploadSize counts megabytes of 1,048,576 bytes


@dataclass(frozen=True)
class UploadLimits:
    """The most one uploaded file may hold: ``max_mb`` megabytes and ``max_rows`` data rows."""

    max_mb: float = 50.0
    max_rows: int = 250_000

    @classmethod
    def from_settings(cls, settings: Settings | None = None, env: Mapping | None = None) -> UploadLimits:
        """The settings' limits, each overridden by its environment variable when set."""
        plan = (settings or Settings()).planning
        env = env or {}
        mb = float(env.get(MAX_MB_ENV) or plan.upload_max_mb)
        rows = int(float(env.get(MAX_ROWS_ENV) or plan.upload_max_rows))
        if mb <= 0 or rows <= 0:
            raise ValueError(f"upload limits must be positive (got {mb:g} MB, {rows:,} rows)")
        return cls(mb, rows)

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * _MB)

    @property
    def uploader_mb(self) -> int:
        """The limit in whole megabytes, for a file picker that refuses bigger files before sending them."""
        return max(1, int(self.max_mb))


class UploadTooLarge(FileError):
    """A file over the size or row limit; the message names the file and the limit."""


def check_size(file: str, nbytes: int, limits: UploadLimits) -> None:
    """Refuse ``file`` when it is over the size limit (checked before anything reads it)."""
    if nbytes > limits.max_bytes:
        size = f"{nbytes / _MB:,.1f} MB" if nbytes >= _MB else f"{nbytes / 1024:,.0f} KB"
        raise UploadTooLarge(file, f"the file is {size}; an upload may be at most "
                                   f"{limits.max_mb:,g} MB per file (setting planning.upload_max_mb). Split the "
                                   "export or leave out columns the planner does not use.")


def check_rows(file: str, rows: int, limits: UploadLimits) -> None:
    """Refuse ``file`` when it has more data rows than the row limit."""
    if rows > limits.max_rows:
        raise UploadTooLarge(file, f"the file has {rows:,} rows; an upload may have at most {limits.max_rows:,} "
                                   "rows per file (setting planning.upload_max_rows). Filter the export (for "
                                   "example to active accounts) and upload it again.")


_BLANK_CELL = b" \t\r,;|\""  # what a row with no data holds: separators, spaces and empty quotes
_EXCEL, _PARQUET = (".xlsx", ".xlsm"), ".parquet"


def count_rows(name: str, data: bytes) -> int | None:
    """Data rows in an uploaded file, counted without parsing it (None when the format records no count).

    CSV and text: records on the raw bytes (line breaks outside quoted fields), less the header and blank
    records; a file whose quotes do not pair up is counted by its line breaks.  Excel: the first sheet's recorded
    dimension, read in openpyxl's read-only mode (no cell is loaded), less the header.  Parquet: the row count in
    the file's metadata."""
    suffix = Path(name).suffix.lower()
    if suffix in _EXCEL:
        return _excel_rows(data)
    if suffix == _PARQUET:
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(io.BytesIO(data)).metadata.num_rows)
        except Exception:  # noqa: BLE001 - unreadable: the reader says why, with the file's name
            return None
    if suffix == ".xls":
        return None
    return _text_rows(data)


def _excel_rows(data: bytes) -> int | None:
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            rows = ws.max_row  # from the sheet's <dimension ref="A1:Q250001"/>; None when the writer left it out
        finally:
            wb.close()
    except Exception:  # noqa: BLE001
        return None
    return max(0, rows - 1) if rows else None


def _text_rows(data: bytes) -> int:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: count on the text, re-encoded as UTF-8
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    newline = 10 if b"\n" in data else 13  # a file with only carriage returns (old Mac) breaks lines on them
    arr = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(arr == newline)
    quotes = np.flatnonzero(arr == 34)
    if len(quotes) and len(quotes) % 2 == 0:  # a break after an odd number of quotes is inside a quoted field
        breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(data)]))
    first = np.full(len(starts), 32, dtype=np.uint8)  # the byte each record starts with (a space when empty)
    inside = starts < len(arr)
    first[inside] = arr[starts[inside]]
    first_blank = np.isin(first, np.frombuffer(_BLANK_CELL + b"\n", dtype=np.uint8))
    short = np.flatnonzero(first_blank & (ends - starts <= 256))  # only these can be blank: checked one by one
    blank = sum(1 for i in short if not data[starts[i]:ends[i]].strip(_BLANK_CELL))
    records = len(starts) - blank
    return max(0, records - 1)  # less the header


def check_rows_before_parsing(file: str, data: bytes, limits: UploadLimits) -> int | None:
    """Refuse ``file`` when the cheap count (:func:`count_rows`) is over the row limit; returns the count."""
    rows = count_rows(file, data)
    if rows is not None:
        check_rows(file, rows, limits)
    return rows


def precheck(file: str, data: bytes, limits: UploadLimits) -> int | None:
    """The checks that need no parsing: the size, then the row count on the raw bytes.  Cheap enough for the
    server's own process (a 50 MB CSV is counted in about a tenth of a second)."""
    check_size(file, len(data), limits)
    return check_rows_before_parsing(file, data, limits)


PREVIEW_DISTINCT = 2_000  # a column with more distinct values than this keeps no values in the preview


@dataclass(frozen=True)
class FilePreview:
    """What the mapping review shows of an uploaded file: its name, columns and data rows, and for each column
    with at most :data:`PREVIEW_DISTINCT` distinct values, the rows per distinct non-blank value."""

    file: str
    columns: list[str]
    rows: int
    values: dict[str, pd.Series] = field(default_factory=dict)

    def column(self, name: str) -> pd.Series | None:
        """The column's non-blank values, each repeated as often as it occurs (None when not kept)."""
        counts = self.values.get(name)
        if counts is None:
            return None
        return pd.Series(np.repeat(counts.index.to_numpy(dtype=object), counts.to_numpy()), dtype=object)


def _parse(name: str, data: bytes, parsed: ParsedUploads | None, *, keep: bool) -> RawTable:
    """``data`` read as ``name``: the kept parse of these very bytes when ``parsed`` has one, else read (and kept
    there when ``keep``)."""
    raw = parsed.get(name, data) if parsed is not None else None
    if raw is None:
        raw = read_table(data, name)
        if keep and parsed is not None:
            parsed.put(name, data, raw)
    return raw


def preview_upload(name: str, data: bytes, limits: UploadLimits, parsed: ParsedUploads | None = None) -> FilePreview:
    """Check ``data`` against the limits, read it, and keep what the mapping review needs (see
    :class:`FilePreview`).  Raises :class:`UploadTooLarge` or ``FileError`` as :func:`load_upload` does.  With
    ``parsed``, the parse is kept there for the load."""
    precheck(name, data, limits)
    raw = _parse(name, data, parsed, keep=True)
    check_rows(name, len(raw.frame), limits)
    cols = [c for c in raw.frame.columns if c != SOURCE_ROW]
    values = {}
    for c in cols:
        text = raw.frame[c].astype(str).str.strip()
        counts = text[text != ""].value_counts(sort=False)
        if len(counts) <= PREVIEW_DISTINCT:
            values[c] = counts
    return FilePreview(raw.file, cols, len(raw.frame), values)


def upload_key(files: Mapping[str, tuple[str, bytes]], mappings: Mapping | None, settings: Settings | None,
               as_of: pd.Timestamp | str | None) -> str:
    """A hash of everything a load depends on: the same files, mapping, settings and date give the same key."""
    h = hashlib.sha256()
    for table in sorted(files):
        name, data = files[table]
        h.update(f"\0{table}\0{name}\0{len(data)}\0".encode())
        h.update(data)
    h.update(repr(sorted((k, sorted((v or {}).items())) for k, v in (mappings or {}).items())).encode())
    h.update(repr(settings or Settings()).encode())
    h.update(str(pd.Timestamp(as_of).date() if as_of is not None else "").encode())
    return h.hexdigest()[:16]


def load_upload(user: User, files: Mapping[str, tuple[str, bytes]], *, mappings: Mapping | None = None,
                settings: Settings | None = None, limits: UploadLimits | None = None,
                as_of: pd.Timestamp | str | None = None, parsed: ParsedUploads | None = None) -> Dataset:
    """Load uploaded files (table → (file name, bytes)) as the new dataset, for a user who may change data.

    Raises :class:`~planning.access.AccessDenied` for anyone else, :class:`UploadTooLarge` for a file over a
    limit (size and rows before parsing it, rows again after), and ``FileError`` as :func:`load_dataset` does.
    A file :func:`preview_upload` already read into ``parsed`` is not parsed again."""
    require(user, Permission.EDIT_PLANS)
    limits = limits or UploadLimits.from_settings(settings, os.environ)
    for name, data in files.values():
        precheck(name, data, limits)
    raws = {}
    for table, (name, data) in files.items():
        raws[table] = _parse(name, data, parsed, keep=False)
        check_rows(name, len(raws[table].frame), limits)
    first = files.get("accounts", next(iter(files.values())))[0]
    return load_dataset(**raws, mappings=dict(mappings or {}), settings=settings, as_of=as_of, name=first,
                        filenames={t: n for t, (n, _) in files.items()})
