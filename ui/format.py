"""Display formatting (rounding happens here only, never in the data)."""
from __future__ import annotations

import math


def usd(value: float) -> str:
    """$1.23M / $456K / $789."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    a = abs(value)
    if a >= 1e9:
        return f"${value / 1e9:,.2f}B"
    if a >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if a >= 1e3:
        return f"${value / 1e3:,.0f}K"
    return f"${value:,.0f}"


def pct(value: float, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


MONEY_COLUMN = {"format": "dollar"}
