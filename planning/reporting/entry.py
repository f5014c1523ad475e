"""How people type numbers into the editors: percentages as percentages, whole numbers as whole numbers.

An editor frame holds a rate as percentage points (84.75 is shown "84.75%", and typing 70 means 70%, never 7,000%);
:func:`from_points` turns a typed value back into the fraction the core keeps, and keeps the exact fraction when the
cell still shows it (0.8474999999999999 is shown 84.75 and stays 0.8474999999999999).  :func:`read_number` reads
one typed cell or says in words why it cannot ("empty; enter a value").  The Capacity page's editors
(planning.capacity.tables) and the comp plan editor (planning.compensation.plan_edits) both read through these."""
from __future__ import annotations

import math

import pandas as pd

PERCENT_DIGITS = 2  # decimals of a percentage in an editor (84.75%)


def to_points(fraction: float) -> float:
    """A fraction as the percentage points an editor shows: 0.8475 → 84.75."""
    return round(float(fraction) * 100, PERCENT_DIGITS)


def from_points(points: float, keep: float | None = None) -> float:
    """Typed percentage points as a fraction: 70 → 0.7; ``keep`` (the value before the edit) when the cell still
    shows it, so an untouched cell never changes the value by its display rounding."""
    if keep is not None and not blank(keep) and to_points(keep) == round(float(points), PERCENT_DIGITS):
        return keep
    return float(points) / 100


def blank(value) -> bool:
    """An empty cell: None, NaN or pd.NA."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def read_number(value, whole: bool = False) -> float | int:
    """One typed cell as a number (an int with ``whole``); raises ValueError with the reason in words."""
    if blank(value):
        raise ValueError("empty; enter a value")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"not a number ({value!r})") from None
    if whole:
        if number != int(number):
            raise ValueError(f"must be a whole number (got {number:g})")
        return int(number)
    return number


def percent_words(fraction: float) -> str:
    """A fraction as a typed percentage reads in a message: 0.5 → "50%", 0.125 → "12.5%", 50 → "5,000%"."""
    return f"{to_points(fraction):,.{PERCENT_DIGITS}f}".rstrip("0").rstrip(".") + "%"
