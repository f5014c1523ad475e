"""Reusable Streamlit widgets: downloads (formula-injection safe), metric rows.

Downloads are deferred: the file is written when someone clicks, not on every rerun of the page (an Excel
workbook took ~0.7 s of each Finance rerun)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.data import to_safe_csv, to_safe_excel
from planning.reporting import present


def download_csv(df: pd.DataFrame, label: str, file_name: str, key: str | None = None) -> None:
    """A CSV with canonical column names (meant for re-import), written on click."""
    st.download_button(label, data=lambda: to_safe_csv(df), file_name=file_name, mime="text/csv", key=key or file_name)


def download_excel(sheets: dict[str, pd.DataFrame], label: str, file_name: str, key: str | None = None) -> None:
    """An Excel workbook for people: headers from the label registry, written on click."""
    st.download_button(label, data=lambda: to_safe_excel({n: present(f) for n, f in sheets.items()}),
                       file_name=file_name, key=key or file_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def money_config(columns: list[str]) -> dict:
    """column_config entries showing USD columns as dollars (display only)."""
    return {c: st.column_config.NumberColumn(c, format="dollar") for c in columns}
