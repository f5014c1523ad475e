"""Replacing the dataset with an upload: who may, how big a file may be, and the key that lets sessions share one
loaded dataset.

* Only a user who may change data (``EDIT_PLANS``: sales ops, admins) may replace the dataset; anyone else is
  refused by :func:`load_upload` itself, whatever called it.
* Each file has a size and a row limit (:class:`UploadLimits`, from ``planning.upload_max_mb`` /
  ``planning.upload_max_rows`` in the settings, or ``$PLANNER_UPLOAD_MAX_MB`` / ``$PLANNER_UPLOAD_MAX_ROWS``).
  A file over either limit is refused with a message naming the file and the limit.
* :func:`upload_key` is a hash of everything the load depends on (the bytes, file names, mapping, settings and
  date), so a shell can cache the loaded :class:`~planning.data.dataset.Dataset` once for every session that
  uploads the same files.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from planning.access.roles import Permission
from planning.access.users import User, require
from planning.data.dataset import Dataset, load_dataset
from planning.data.defaults import Settings
from planning.data.files import FileError, read_table

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
                as_of: pd.Timestamp | str | None = None) -> Dataset:
    """Load uploaded files (table → (file name, bytes)) as the new dataset, for a user who may change data.

    Raises :class:`~planning.access.AccessDenied` for anyone else, :class:`UploadTooLarge` for a file over a
    limit (size before reading it, rows after), and ``FileError`` as :func:`load_dataset` does."""
    require(user, Permission.EDIT_PLANS)
    limits = limits or UploadLimits.from_settings(settings, os.environ)
    for name, data in files.values():
        check_size(name, len(data), limits)
    raws = {}
    for table, (name, data) in files.items():
        raws[table] = read_table(data, name)
        check_rows(name, len(raws[table].frame), limits)
    first = files.get("accounts", next(iter(files.values())))[0]
    return load_dataset(**raws, mappings=dict(mappings or {}), settings=settings, as_of=as_of, name=first,
                        filenames={t: n for t, (n, _) in files.items()})
