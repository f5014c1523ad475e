"""What validating the files found: per-table results, every issue by file, row and column, and the report.

Two kinds of issue, kept apart everywhere (the Data page, ``python -m planning validate`` and its CSV files):

- an **error** rejects its row: the row is not loaded and keeps every original cell in ``rejects``;
- a **warning** loads the row: a bad non-key field (a negative employee count, an unreadable revenue) is left
  blank with the value as written kept beside it (``<field>_as_written``), a ZIP that can't be placed falls back
  to the city and state, an owner found in no file leaves the account unassigned.

Rows read = rows loaded + rows rejected, always.  ``--strict`` fails on rejected rows only, as it always has:
a warning never stops a load (see :meth:`ValidationReport.exit_status`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planning.data.files import SOURCE_ROW

ERROR, WARNING = "error", "warning"
ISSUE_COLUMNS = ["severity", "table", "file", "row", "column", "value", "message"]


@dataclass
class Issue:
    table: str
    file: str
    row: int | None  # spreadsheet row (header = 1); None for file-level issues
    column: str | None
    value: str  # the cell as written in the file
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row else "")
        where += f", column '{self.column}'" if self.column else ""
        shown = "as written" if self.severity == WARNING else "value"
        val = f" ({shown}: {self.value!r})" if self.value not in ("", "nan", "None") else ""
        return f"{self.severity.upper()} {where}: {self.message}{val}"


@dataclass
class TableResult:
    table: str
    file: str
    clean: pd.DataFrame
    rejects: pd.DataFrame  # original cells + source_row + reasons
    issues: list[Issue] = field(default_factory=list)
    n_input: int = 0
    blank_rows: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # the CRM the header looks like (Salesforce, HubSpot, Dynamics 365)
    titles: pd.DataFrame | None = None  # reps: the title → role map used
    conversions: list = field(default_factory=list)  # currency conversions (planning.data.currency.Conversion)
    original: pd.DataFrame | None = field(default=None, repr=False)  # every original cell, for rejects

    @property
    def counts_add_up(self) -> bool:
        return self.n_input == len(self.clean) + len(self.rejects)

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    def loaded_with_warnings(self) -> int:
        """Loaded rows that carry at least one warning (a blanked field, a city fallback, no owner)."""
        rows = {i.row for i in self.warnings if i.row is not None}
        if not rows or SOURCE_ROW not in self.clean:
            return 0
        return int(self.clean[SOURCE_ROW].isin(rows).sum())


@dataclass
class ValidationReport:
    tables: dict[str, TableResult] = field(default_factory=dict)

    @property
    def issues(self) -> list[Issue]:
        return [i for t in self.tables.values() for i in t.issues]

    @property
    def errors(self) -> list[Issue]:
        """The errors, table by table in the order loaded and by row within each."""
        return self._in_file_order(ERROR)

    @property
    def warnings(self) -> list[Issue]:
        """The warnings, table by table in the order loaded and by row within each."""
        return self._in_file_order(WARNING)

    def _in_file_order(self, severity: str) -> list[Issue]:
        return [i for t in self.tables.values()
                for i in sorted((i for i in t.issues if i.severity == severity), key=lambda i: i.row or 0)]

    def issues_frame(self, severity: str | None = None) -> pd.DataFrame:
        """Every issue (or only ``severity``'s): severity, table, file, row, column, value as written, message."""
        chosen = self.issues if severity is None else self._in_file_order(severity)
        if not chosen:
            return pd.DataFrame(columns=ISSUE_COLUMNS)
        return pd.DataFrame([{c: getattr(i, c) for c in ISSUE_COLUMNS} for i in chosen])[ISSUE_COLUMNS]

    def warnings_frame(self) -> pd.DataFrame:
        """The warnings: rows that loaded, each with the file, row and column named and the value as written."""
        return self.issues_frame(WARNING)

    def rejects_frame(self) -> pd.DataFrame:
        """Every rejected row of every table: table, file, row, reasons, then every original column."""
        frames = [t.rejects.assign(table=name, file=t.file) for name, t in self.tables.items() if len(t.rejects)]
        first = ["table", "file", SOURCE_ROW, "reasons"]
        if not frames:
            return pd.DataFrame(columns=first)
        out = pd.concat(frames, ignore_index=True)
        return out[first + [c for c in out.columns if c not in first]]

    def conversions_frame(self) -> pd.DataFrame:
        cols = ["table", "column", "currency", "rows", "usd_per_unit", "rate_date", "original_total", "usd_total"]
        rows = [{"table": n, **c.__dict__} for n, t in self.tables.items() for c in t.conversions]
        return pd.DataFrame(rows, columns=cols)

    def sources(self) -> dict[str, str]:
        return {n: t.source for n, t in self.tables.items() if t.source}

    def counts(self) -> pd.DataFrame:
        """Per table: rows read = rows loaded + rows rejected; loaded rows with a warning; warnings; blank lines."""
        return pd.DataFrame([
            {"table": n, "file": t.file, "rows_read": t.n_input, "rows_loaded": len(t.clean),
             "rows_rejected": len(t.rejects), "loaded_with_warnings": t.loaded_with_warnings(),
             "warnings": len(t.warnings), "blank_lines_skipped": t.blank_rows}
            for n, t in self.tables.items()
        ])

    def summary_lines(self) -> list[str]:
        """The report as text: rejected rows first, then warnings, each issue naming its file, row and column."""
        lines = []
        if self.errors:
            n = sum(len(t.rejects) for t in self.tables.values())
            lines.append(f"Rejected: {n:,} row(s) not loaded ({len(self.errors):,} error(s)); "
                         "each keeps every original value.")
            lines += [f"  {i}" for i in self.errors]
        if self.warnings:
            n = sum(t.loaded_with_warnings() for t in self.tables.values())
            lines.append(f"Warnings: {len(self.warnings):,}, on {n:,} loaded row(s); these rows loaded, as each "
                         "message says (a field left blank keeps its value as written).")
            lines += [f"  {i}" for i in self.warnings]
        return lines

    def exit_status(self, strict: bool) -> int:
        """1 when ``strict`` and any row was rejected, else 0.  Warnings never fail a load, strict or not."""
        return 1 if strict and any(len(t.rejects) for t in self.tables.values()) else 0
