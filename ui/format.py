"""Display formatting for the shells: the core's formats (planning.reporting.formats), so a page, the CLI and
every export print a figure the same way.  Rounding happens there only, never in the data."""
from __future__ import annotations

from planning.reporting.formats import count, pct, person, ratio, usd, usd_whole  # noqa: F401 - re-exported

MONEY_COLUMN = {"format": "dollar"}
