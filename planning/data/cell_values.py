"""What one cell of an export means: money and other numbers as CRMs and spreadsheets write them, yes/no flags, and
the canonical segment, role and status names behind their everyday spellings.

:mod:`planning.data.validation` applies these to whole columns (once per distinct value); each returns None for a
cell it cannot read, so the validator can name the row and column."""
from __future__ import annotations

import re

import numpy as np

_MONEY_STRIP = re.compile(r"[\s$€£¥\u00a0\u202f]|USD|EUR|GBP", re.IGNORECASE)
_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}


def parse_number(value, european: bool = False) -> float | None:
    """'$1,200,000' → 1200000; '(500)' → -500; '1.2M' → 1200000; '' → NaN; junk → None."""
    if value is None:
        return np.nan
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    text = _MONEY_STRIP.sub("", str(value))
    if text == "" or text.lower() in ("nan", "none", "null", "n/a", "na", "-"):
        return np.nan
    percent = text.endswith("%")
    text = text.rstrip("%")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    mult = 1.0
    m = re.match(r"^(.*?)(k|mm|m|bn|b)$", text, re.IGNORECASE)
    if m:
        text, mult = m.group(1), _SUFFIX[m.group(2).lower()]
    if european or re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"-?\d+,\d{1,2}", text):  # decimal comma: 12,5
        text = text.replace(",", ".")
    try:
        out = float(text) * mult
    except ValueError:
        return None
    out = out / 100 if percent else out
    return -out if negative else out


_TRUE = {"true", "yes", "y", "1", "x", "t", "locked", "named"}
_FALSE = {"false", "no", "n", "0", "", "f", "nan", "none"}


def parse_bool(value) -> bool | None:
    """'Yes', 'x', 'locked', '1.0' → True; 'No', '', '0' → False; anything else → None."""
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


SEGMENT_ALIASES = {
    "enterprise": "Enterprise", "ent": "Enterprise", "large enterprise": "Enterprise", "strategic": "Enterprise",
    "global": "Enterprise", "mid-market": "Mid-market", "midmarket": "Mid-market", "mid market": "Mid-market",
    "mm": "Mid-market", "commercial": "Mid-market", "smb": "SMB", "small business": "SMB", "small": "SMB",
    "smb/small": "SMB", "s&mb": "SMB",
}
ROLE_ALIASES = {
    "ae": "AE", "account executive": "AE", "sdr": "SDR", "bdr": "SDR", "sales development": "SDR",
    "business development": "SDR", "se": "SE", "sales engineer": "SE", "solutions engineer": "SE",
    "csm": "CSM", "customer success": "CSM", "customer success manager": "CSM", "manager": "Manager",
    "sales manager": "Manager", "first-line manager": "Manager", "rvp": "Manager", "channel": "Channel",
    "partner manager": "Channel",
}
STATUS_ALIASES = {
    "active": "active", "open_req": "open_req", "open req": "open_req", "open requisition": "open_req",
    "req": "open_req", "planned": "open_req", "leaving": "leaving", "notice": "leaving", "terminated": "leaving",
}


def canonical(value, aliases: dict[str, str]) -> str | None:
    """The canonical name of ``value`` by ``aliases`` (case-insensitive); "" for a blank cell, None when unknown."""
    text = str(value).strip()
    if text == "" or text.lower() == "nan":
        return ""
    return aliases.get(text.lower())
