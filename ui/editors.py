"""column_config for editable tables (``st.data_editor``): headers and help from the label registry, percentages
shown and typed as percentages (the frame holds points: 84.75 is shown "84.75%" and typing 70 means 70%), money
as whole dollars, counts as whole numbers.  No bounds in the grid: the core validates every value and the page
shows its message under the table, so a bad value never silently snaps to a limit.  The Capacity page's editors
(:func:`editor_config`) and the comp plan editor (:func:`typed_config`) build their columns with
:func:`number_column`."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.capacity import INT_COLUMNS, RAMP_COLUMNS, SHOWN_AS, is_percent
from planning.reporting import label_of

PERCENT_FORMAT = "%g%%"  # 84.75 → "84.75%"; 25 → "25%"


def _header(table: str, column: str) -> tuple[str, str]:
    if table == "ramp" and column in RAMP_COLUMNS:
        return f"Month {column[1:]}", f"Productivity of a new AE in month {column[1:]} in seat"
    if table == "phasing":
        return column, f"Share of the year's target booked in {column}"
    if table == "hiring":
        return column, f"New AEs starting in {column}"
    lab = label_of(SHOWN_AS.get(column, column))  # the target reads as the capacity target it is
    return lab.text, lab.help


def number_column(text: str, help_: str, kind: str, disabled: bool = False):
    """A typed number column of ``kind``: "pct" (points, "50%"; typing 50 means 50%), "money" (dollars),
    "whole" (a whole number), "ratio" ("1.5×") or anything else (as typed)."""
    fmt, step = {"pct": (PERCENT_FORMAT, 0.01), "money": ("dollar", 1), "whole": ("%d", 1),
                 "ratio": ("%g×", None)}.get(kind, ("%g", None))
    return st.column_config.NumberColumn(text, help=help_ or None, format=fmt, step=step, disabled=disabled)


def typed_config(frame: pd.DataFrame, percent: set[str], whole: set[str] = frozenset()) -> dict:
    """column_config for an editor frame of canonical columns: labels from the registry, the ``percent`` columns
    as points, the ``whole`` ones as whole numbers, the rest by their label's kind (money, ratio); text as text."""
    cfg = {}
    for col in frame.columns:
        lab = label_of(col)
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            kind = "pct" if col in percent else "whole" if col in whole else lab.kind
            cfg[col] = number_column(lab.text, lab.help, kind)
        else:
            cfg[col] = st.column_config.TextColumn(lab.text, help=lab.help or None)
    return cfg


def editor_config(table: str, frame: pd.DataFrame, disabled: tuple[str, ...] = ()) -> dict:
    """column_config for editor frame ``table`` (assumptions, phasing, ramp, hiring, support) of the Capacity
    page, with the index shown as "Segment"."""
    cfg = {"_index": st.column_config.Column("Segment", disabled=True)}
    for col in frame.columns:
        text, help_ = _header(table, col)
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        if col in disabled or not numeric:
            cfg[col] = st.column_config.TextColumn(text, help=help_ or None, disabled=col in disabled)
        elif is_percent(table, col):
            cfg[col] = number_column(text, help_, "pct")
        elif label_of(SHOWN_AS.get(col, col)).kind == "money":
            cfg[col] = number_column(text, help_, "money")
        else:
            cfg[col] = number_column(text, help_, "whole" if col in INT_COLUMNS or table == "hiring" else "number")
    return cfg
