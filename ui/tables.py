"""Every user-facing table goes through :func:`show_table`: headers from the label registry, money in whole
dollars, rates as %, counts with separators, and text cells that a spreadsheet would run as a formula
neutralised (so even a copy out of the grid is safe).  The frame passed in keeps canonical column names; only
what is drawn changes."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from planning.data import neutralise_formulas
from planning.reporting import kinds, label_of, mostly_figures
from planning.reporting.labels import TIME

# Streamlit's NumberColumn (format, step) per kind, display only: the step sets the decimals the browser shows
# ("dollar" with step 1 is $1,849,165; "percent" with step 0.001 is 23.4%).
_FORMATS = {"money": ("dollar", 1), "pct": ("percent", 0.001), "count": ("localized", 1), "ratio": ("%.2f×", None),
            "hours": ("localized", 1), "miles": ("%.1f", None), "months": ("%.0f", None), "number": ("%.1f", None)}


def column_config(frame: pd.DataFrame, overrides: dict | None = None) -> dict:
    """column_config for ``frame``'s canonical columns: the label as header, the definition as help, the format
    of the column's kind.  ``overrides`` (canonical name → column config) win."""
    cfg = {}
    for col, kind in kinds(frame.columns).items():
        lab = label_of(col)
        fmt = _FORMATS.get(kind)
        numeric = col in frame and pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        if kind == TIME and col in frame and pd.api.types.is_datetime64_any_dtype(frame[col]):
            # the timestamp stays in the grid (it sorts by time); it reads as formats.moment does: "3 Dec 14:05 UTC"
            cfg[col] = st.column_config.DatetimeColumn(lab.text, help=lab.help or None, format="D MMM HH:mm [UTC]",
                                                       timezone="UTC")
        elif fmt and numeric:
            cfg[col] = st.column_config.NumberColumn(lab.text, help=lab.help or None, format=fmt[0], step=fmt[1])
        else:  # text: a column of figures written as words (a figures × plans table) reads from the right
            # the first 100 rows decide: enough to tell figures from words, cheap on a 6,000-row table
            right = col in frame and pd.api.types.is_string_dtype(frame[col]) and mostly_figures(frame[col].head(100))
            cfg[col] = st.column_config.Column(lab.text, help=lab.help or None, alignment="right" if right else None)
    cfg.update(overrides or {})
    return cfg


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """What is sent to the browser: money rounded to whole dollars (display only) and text neutralised."""
    out = neutralise_formulas(frame)
    for col, kind in kinds(out.columns).items():
        if kind == "money" and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(0)
    return out


def shown_decimals(config) -> int | None:
    """The decimals a number column shows, when the browser cuts its values to them: Streamlit's NumberColumn
    *truncates* a value to its step's decimals (step 1 draws 44,999.99999999999 as "$44,999") and a printf "%d"
    drops the fraction; None when the browser rounds (no step) or the column is not a number."""
    tc = (config.get("type_config") or {}) if isinstance(config, dict) else {}
    if tc.get("type") != "number":
        return None
    if tc.get("step"):
        return max(0, -Decimal(str(tc["step"])).normalize().as_tuple().exponent)
    fmt = tc.get("format") or ""
    return 0 if "%d" in fmt or "%i" in fmt else None


def rounded_as_shown(frame: pd.DataFrame, config: dict) -> pd.DataFrame:
    """``frame`` with each number column rounded to the decimals it is shown with (display only), so that what
    the browser draws is the value rounded, never cut: $45,000 for a payout of 44,999.99999999999."""
    out = frame
    for col, cfg in config.items():
        digits = shown_decimals(cfg)
        if digits is not None and col in frame.columns and pd.api.types.is_float_dtype(frame[col]):
            out = out.copy() if out is frame else out
            out[col] = out[col].round(digits)
    return out


def show_table(frame: pd.DataFrame, *, key: str | None = None, overrides: dict | None = None,
               hide_index: bool = True, height: int | str | None = None, **kwargs):
    """Draw ``frame`` (canonical columns) as a labelled, formatted table.  Extra keyword arguments go to
    ``st.dataframe`` (e.g. ``on_select``)."""
    return show_prepared(prepare_table(frame, overrides), key=key, hide_index=hide_index, height=height, **kwargs)


def prepare_table(frame: pd.DataFrame, overrides: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """What :func:`show_table` sends for ``frame``: (display frame, column config).  A page that caches its
    tables keeps this beside them and draws it with :func:`show_prepared`, so a rerun does not format them again."""
    config = column_config(frame, overrides)
    return rounded_as_shown(display_frame(frame), config), config


def show_prepared(prepared: tuple[pd.DataFrame, dict], *, key: str | None = None, hide_index: bool = True,
                  height: int | str | None = None, **kwargs):
    """Draw a table prepared by :func:`prepare_table` (treated as read-only: shared caches hold it)."""
    shown, config = prepared
    # a missing value reads "–" as in formats.missing (Streamlit's grid would write "None")
    args = dict(hide_index=hide_index, width="stretch", column_config=config, key=key, placeholder="–")
    if height is not None:
        args["height"] = height
    return st.dataframe(shown, **args, **kwargs)
