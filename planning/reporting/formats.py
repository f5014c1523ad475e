"""How numbers read: money as $1.85M in headlines and whole dollars in tables, rates as %, counts with separators,
people as "Liam Turner (R-010)".  Rounding happens here only, never in the data."""
from __future__ import annotations

import math

import pandas as pd


def missing(value) -> bool:
    """None, NaN, pd.NA or NaT: a cell with no value (read as "–")."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def usd(value: float) -> str:
    """A headline amount: $1.23B / $1.23M / $456K / $789; a negative one as -$5K.  Less than half a dollar either
    way reads $0 (a sum of rounded shares lands at -1e-9, which read "$-0")."""
    if missing(value):
        return "–"
    a = abs(value)
    if a < 0.5:
        return "$0"
    sign = "-" if value < 0 else ""
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.2f}B"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1e3:
        return f"{sign}${a / 1e3:,.0f}K"
    return f"{sign}${a:,.0f}"


def usd_whole(value: float) -> str:
    """A table amount in whole dollars: $1,849,165; -$5,000; $0 for less than half a dollar either way."""
    if missing(value):
        return "–"
    if abs(value) < 0.5:
        return "$0"
    return f"-${abs(value):,.0f}" if value < 0 else f"${value:,.0f}"


def pct(value: float, digits: int = 0) -> str:
    """A fraction as a percentage: 0.2345 → "23%" (digits=0) or "23.5%" (digits=1)."""
    if missing(value):
        return "–"
    return f"{value * 100:.{digits}f}%"


def count(value) -> str:
    """A count with separators: 6007 → "6,007"."""
    if missing(value):
        return "–"
    return f"{int(round(float(value))):,}"


def counted(value, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular for one: (1, "field") → "1 field"; (2,400, "row") → "2,400 rows"."""
    one = not missing(value) and int(round(float(value))) == 1
    return f"{count(value)} {noun if one else (plural or noun + 's')}"


def ratio(value: float, digits: int = 2) -> str:
    """A ratio: 1.218 → "1.22×"; infinity (an empty book) → "no smallest book"."""
    if missing(value):
        return "–"
    if math.isinf(value):
        return "∞ (an empty book)"
    return f"{value:.{digits}f}×"


def moment(t) -> str:
    """A moment as people read it in a review: "3 Dec 14:05 UTC" (in UTC, as every stored time; "" for none).
    Short enough that the Review managers' grid reads whole at 1,280 px; the year is left out because a review runs
    for days, not years.  The page's grid draws a TIME column in the same form (ui.tables), from the timestamp."""
    if t is None or pd.isna(t):
        return ""
    t = pd.Timestamp(t)
    t = t.tz_convert("UTC") if t.tzinfo is not None else t
    return f"{t.day} {t:%b %H:%M} UTC"


def cell(value, kind: str) -> str | None:
    """One table cell in the format of its label's kind (planning.reporting.labels): money in whole dollars, a
    rate as a percentage with one decimal (as a table's percent column reads), a count with separators, a ratio
    with ×, hours with "h"; None for a kind without a word format (the caller picks a number format)."""
    fmt = TABLE_FORMATS.get(kind)
    return None if fmt is None else fmt(value)


def person(name, rep_id) -> str:
    """A person as people read them: "Liam Turner (R-010)"; the id alone when the name is unknown, and
    "Open territory" for no one."""
    rid = "" if missing(rep_id) else str(rep_id).strip()
    nm = "" if missing(name) else str(name).strip()
    if not rid and not nm:
        return "Open territory"
    if not nm or nm == rid:
        return rid
    return f"{nm} ({rid})" if rid else nm


def people(reps: pd.DataFrame) -> pd.Series:
    """rep_id → "Name (rep_id)" for every row of a reps table (columns rep_id and name)."""
    ids = reps["rep_id"].astype(str)
    names = reps["name"] if "name" in reps else pd.Series("", index=reps.index)
    return pd.Series([person(n, r) for n, r in zip(names, ids)], index=ids.to_numpy(), dtype=object)


def person_of(rep_id, reps: pd.DataFrame) -> str:
    """One rep id as "Name (rep_id)" from a reps table."""
    if missing(rep_id):
        return "Open territory"
    match = reps.loc[reps["rep_id"].astype(str) == str(rep_id)]
    return person(match["name"].iloc[0] if len(match) and "name" in match else "", rep_id)


# kind → how a table cell of that kind reads (see :func:`cell`)
TABLE_FORMATS = {"money": usd_whole, "pct": lambda v: pct(v, 1), "count": count, "ratio": ratio,
                 "hours": lambda v: "–" if missing(v) else f"{count(v)} h"}
