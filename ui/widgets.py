"""Reusable Streamlit widgets: downloads (formula-injection safe), metric rows.

Downloads are deferred: the file is written when someone clicks, not on every rerun of the page (an Excel
workbook took ~0.7 s of each Finance rerun).  Every download button of the app is drawn here, by
:func:`download_file`, and a click does not rerun the page (``on_click="ignore"``).  Why: in Streamlit 1.67 a
deferred button's click sends the rerun first and the file request second.  The rerun draws the button again under a
new file id and, when it finishes, drops the old id's callable (``MediaFileManager.remove_orphaned_files``).  When
the rerun finished before the server looked the old id up (a quick fragment rerun, or a loaded machine delaying the
file request), the request failed with "Deferred file … not found" and no file came (issue 27, seen in the
Chromium per-role pass).  A download changes nothing the page shows, so it has nothing to rerun for."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from planning.data import to_safe_csv, to_safe_excel
from planning.reporting import present

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FileData = bytes | str


def download_file(label: str, data: Callable[[], FileData] | FileData, file_name: str, mime: str, key: str,
                  where=st, help: str | None = None) -> None:
    """A download button in ``where`` (a column, the sidebar; the page by default) that does not rerun the page.
    ``data``: a callable writing the file on click (for anything that takes time to build), or the file itself."""
    where.download_button(label, data=data, file_name=file_name, mime=mime, key=key, help=help, on_click="ignore")


def download_csv(df: pd.DataFrame, label: str, file_name: str, key: str | None = None) -> None:
    """A CSV with canonical column names (meant for re-import), written on click."""
    download_file(label, lambda: to_safe_csv(df), file_name, "text/csv", key or file_name)


def download_excel(sheets: dict[str, pd.DataFrame], label: str, file_name: str, key: str | None = None) -> None:
    """An Excel workbook for people: headers from the label registry, written on click."""
    download_file(label, lambda: to_safe_excel({n: present(f) for n, f in sheets.items()}), file_name, XLSX,
                  key or file_name)


def money_config(columns: list[str]) -> dict:
    """column_config entries showing USD columns as dollars (display only)."""
    return {c: st.column_config.NumberColumn(c, format="dollar") for c in columns}
