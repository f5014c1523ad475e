"""Tables as plain text for a person (the CLI): headers from the label registry, every cell in its kind's format
(planning.reporting.formats), so a printed table reads as the page's table of the same frame.

The frame passed in keeps canonical column names; only the text changes.  Money reads in whole dollars, rates as
percentages, counts with separators, ratios with ×, dates as days; a number with no registered kind shows at most
two decimals.  Files written for re-import or machines (CSV) never pass through here: they keep canonical names.
"""
from __future__ import annotations

import datetime as _dt
import math
import re

import numpy as np
import pandas as pd

from planning.reporting.formats import cell, missing, moment
from planning.reporting.labels import DATE, MILES, MONTHS, NUMBER, TEXT, TIME, label, label_of, present

# kinds with no word format in TABLE_FORMATS: how a number of that kind reads (the page's NumberColumn formats)
_NUMBER_FORMATS = {NUMBER: "{:,.1f}", MILES: "{:,.1f}", MONTHS: "{:,.0f}"}


def _decimals(values: pd.Series) -> int:
    """The fewest decimals (0, 1 or 2) that show every finite number of a column as it reads to two decimals."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = np.round(v[np.isfinite(v)], 2)
    return next((d for d in (0, 1) if np.allclose(np.round(v, d), v)), 2)


def text_cell(value, kind: str, decimals: int = 2) -> str:
    """One cell as a person reads it, by its column's (or row's) kind; "–" for a missing number.  A number of no
    registered kind reads with separators and ``decimals`` decimals."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if missing(value):
        return "" if kind == TEXT else "–"
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        if kind == TIME:
            return moment(value)
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d %H:%M") if (ts.hour, ts.minute) != (0, 0) else ts.strftime("%Y-%m-%d")
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if (word := cell(value, kind)) is not None:
        return word
    if kind in _NUMBER_FORMATS and math.isfinite(value):
        return _NUMBER_FORMATS[kind].format(value)
    if kind == DATE:  # a date column holding a number (a year): as written
        return str(value)
    if isinstance(value, (int, np.integer)):  # an id or a year (job 1234, plan year 2027): no separators
        return str(value)
    return f"{value:,.{decimals}f}" if math.isfinite(value) else "–"


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (canonical columns) with every cell a string in its column's format and the columns renamed to
    their labels.  A named index becomes the first column(s)."""
    if frame.index.names != [None]:
        frame = frame.reset_index()
    out = pd.DataFrame(index=frame.index)
    for pos, col in enumerate(frame.columns):
        kind, values = label_of(col).kind, frame.iloc[:, pos]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        digits = _decimals(values) if numeric else 2
        out[pos] = [text_cell(v, kind, digits) for v in values]
    out.columns = list(frame.columns)
    return present(out)


def row_labels(keys) -> list[str]:
    """Unique row labels of a figures × plans table: a headline figure's own label, else the registry's (the key
    added when two agree)."""
    from planning.reporting.figures import FIGURES

    out: list[str] = []
    for k in keys:
        text = FIGURES[k].label if k in FIGURES else label(k) if isinstance(k, str) else str(k)
        out.append(f"{text} ({k})" if text in out else text)
    return out


def row_kind(key) -> str:
    """How a figure row's cells read: the headline figure's kind, else the registry's."""
    from planning.reporting.figures import FIGURES

    return FIGURES[key].kind if key in FIGURES else label_of(key).kind


def text_rows(wide: pd.DataFrame, kind_of=None, name: str = "") -> pd.DataFrame:
    """A figures × plans table (index: canonical figure keys) as text: rows by :func:`row_labels`, each row's cells
    in the kind of ``kind_of(key)`` (default :func:`row_kind`); ``name`` heads the label column."""
    kind_of = kind_of or row_kind
    keys = list(wide.index)
    out = pd.DataFrame({str(c): [text_cell(v, kind_of(k)) for k, v in zip(keys, wide[c])] for c in wide.columns})
    out.insert(0, name or " ", row_labels(keys))
    return out


# a figure as the formats write it: "$1,852,204", "-$5K", "14.8%", "1.22×", "2,706 h", "35", "–"; a long digit
# string with no separators is an id ("0012027005652"), not a figure
_FIGURE = re.compile(r"^(–|[-+]?\$?(\d{1,3}(,\d{3})+|\d{1,4})(\.\d+)?(%|×|[KMB]| h)?|∞.*)$")


def mostly_figures(cells) -> bool:
    """True when most filled cells of a text column are figures ("$1,852,204", "14.8%", "1.22×", "–"): a column to
    read from the right, in a printed table and in the page's grid alike."""
    filled = [str(c).strip() for c in cells if not missing(c) and str(c).strip()]
    return sum(not _FIGURE.match(c) for c in filled) * 2 <= len(filled)


def _words_left(shown: pd.DataFrame) -> pd.DataFrame:
    """Words read from the left, figures from the right: a column whose filled cells are mostly words, not figures
    ("$1,852,204", "14.8%", "–"), is padded to its width, header included, so the table prints it left-aligned
    (pandas right-aligns every column)."""
    out = shown.copy()
    names = []
    for pos, col in enumerate(shown.columns):
        cells = shown.iloc[:, pos].astype(str)
        if mostly_figures(cells):  # "high" among figures keeps its column right-aligned
            names.append(col)
            continue
        width = max([len(str(col))] + cells.str.len().tolist())
        out.iloc[:, pos] = cells.str.ljust(width)
        names.append(str(col).ljust(width))
    out.columns = names
    return out


def render(frame: pd.DataFrame, max_rows: int = 60, *, as_text: bool = False) -> str:
    """A frame as an aligned text table: :func:`text_frame` of it (``as_text``: already text, headers kept), at
    most ``max_rows`` rows and a line counting the rest; "(none)" for no rows."""
    if frame.empty:
        return "(none)"
    shown = frame.head(max_rows) if as_text else text_frame(frame.head(max_rows))
    text = _words_left(shown).to_string(index=False)
    if len(frame) > max_rows:
        text += f"\n... {len(frame) - max_rows:,} more rows"
    return text
