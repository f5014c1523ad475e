"""Money in other currencies: detect the currency of each amount and convert it to USD with a dated rate table.

Multi-currency CRMs export amounts in the record's currency: a symbol or ISO code in the cell ("€300,000",
"GBP 1.2M", "C$50,000") or a per-row code column (Salesforce ``Currency ISO Code``).  Amounts are converted
with :class:`RateTable`, a user setting (``currency`` section of the settings file, editable on the Data page).
A currency without a rate is an error on that row and column: the loader never guesses, and a symbol
other than a bare "$" is never read as USD.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Symbols and prefixes → ISO 4217 code.  Longer prefixes first so "C$" wins over "$".
SYMBOLS: dict[str, str] = {
    "US$": "USD", "USD$": "USD", "C$": "CAD", "CA$": "CAD", "CAN$": "CAD", "A$": "AUD", "AU$": "AUD",
    "NZ$": "NZD", "S$": "SGD", "HK$": "HKD", "MX$": "MXN", "R$": "BRL", "CN¥": "CNY", "RMB": "CNY",
    "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₪": "ILS", "₺": "TRY", "zł": "PLN",
    "Fr.": "CHF", "$": "USD",
}
# ISO codes recognised in a cell or a currency column.  A code outside this list is reported, not guessed.
ISO_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "JPY", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
             "INR", "SGD", "HKD", "CNY", "KRW", "BRL", "MXN", "ZAR", "ILS", "TRY", "AED", "SAR")
AMBIGUOUS = {"kr": "kr (SEK, NOK or DKK?)"}

_sym = "|".join(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True))
_code = r"[A-Za-z]{3}"
# A currency marker before or after the number: "€ 1.200", "1 200 €", "EUR 300", "300 GBP", "-$5", "($500)".
CELL_RE = re.compile(rf"^\s*(?P<sign>[-(]?)\s*(?P<pre>{_sym}|{_code}|kr)?\s*(?P<num>[-+]?[0-9.,'\s\u00a0\u202f]*[0-9]"
                     rf"[0-9.,'\u00a0\u202f]*(?:\s?(?:k|m|mm|b|bn))?)\s*(?P<post>{_sym}|{_code}|kr)?\s*\)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    currency: str  # ISO 4217 code
    usd_per_unit: float  # USD for one unit of the currency
    as_of: str  # date the rate is from (YYYY-MM-DD)
    source: str = "indicative default; replace with your finance team's planning rate"


@dataclass(frozen=True)
class RateTable:
    """Dated conversion rates to USD.  The most recent rate on or before the data's date is used."""

    rates: tuple[Rate, ...] = (
        Rate("EUR", 1.17, "2025-07-01"), Rate("GBP", 1.36, "2025-07-01"), Rate("CAD", 0.73, "2025-07-01"),
        Rate("AUD", 0.65, "2025-07-01"), Rate("CHF", 1.25, "2025-07-01"), Rate("JPY", 0.0069, "2025-07-01"),
        Rate("SEK", 0.105, "2025-07-01"), Rate("NOK", 0.099, "2025-07-01"), Rate("DKK", 0.157, "2025-07-01"),
        Rate("INR", 0.0117, "2025-07-01"), Rate("SGD", 0.78, "2025-07-01"), Rate("NZD", 0.60, "2025-07-01"),
    )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.rates], columns=["currency", "usd_per_unit", "as_of", "source"])

    def lookup(self, as_of: pd.Timestamp | None = None) -> dict[str, tuple[float, str]]:
        """currency → (USD per unit, rate date): the latest rate on or before ``as_of`` (else the earliest)."""
        out: dict[str, tuple[float, str]] = {"USD": (1.0, "")}
        df = self.frame()
        if df.empty:
            return out
        df["date"] = pd.to_datetime(df["as_of"], errors="coerce")
        for cur, g in df.sort_values("date").groupby("currency"):
            usable = g if as_of is None else g.loc[g["date"] <= as_of]
            row = (usable if len(usable) else g.iloc[:1]).iloc[-1]
            out[str(cur).upper()] = (float(row["usd_per_unit"]), str(row["as_of"]))
        return out

    @staticmethod
    def from_records(records) -> "RateTable":
        rates = []
        for r in records:
            r = dict(r)
            rates.append(Rate(str(r["currency"]).strip().upper(), float(r["usd_per_unit"]), str(r.get("as_of", "")),
                              str(r.get("source") or "settings")))
        return RateTable(tuple(rates))


def code_of(marker: pd.Series) -> pd.Series:
    """A symbol or code as written → ISO code (upper case); '?' marks an unknown 3-letter code or 'kr'."""
    m = marker.astype(object).where(marker.notna(), "").astype(str).str.strip()
    upper = m.str.upper()
    by_symbol = m.map(SYMBOLS).fillna(upper.map({k.upper(): v for k, v in SYMBOLS.items()}))
    iso = upper.where(upper.isin(ISO_CODES))
    out = by_symbol.fillna(iso)
    unknown = (m != "") & out.isna()
    return out.where(~unknown, "?" + m).where(m != "", np.nan)


def split_cells(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Formatted money cells → (number text without the currency marker, currency code or NaN).

    A cell with two different markers ("€300 GBP") gets code '?€/GBP' so it is reported, not guessed.
    """
    text = cells.astype(str)
    # Fast path for the common US export: "$1,234.50" / "-$5" (no regex extraction per cell).
    dollar = text.str.fullmatch(r"-?\$-?[0-9,]*[0-9](\.[0-9]+)?")
    if dollar.all():
        return text.str.replace("$", "", regex=False), pd.Series("USD", index=cells.index, dtype=object)
    if dollar.any():
        rest_num, rest_code = split_cells(cells[~dollar])
        num = text.str.replace("$", "", regex=False).where(dollar, rest_num)
        code = pd.Series("USD", index=cells.index, dtype=object).where(dollar, rest_code)
        return num, code
    parts = text.str.extract(CELL_RE).astype(object)  # all-NaN groups must stay text-like, not float
    pre, post = code_of(parts["pre"]), code_of(parts["post"])
    clash = pre.notna() & post.notna() & (pre != post)
    code = pre.fillna(post)
    code = code.where(~clash, "?" + parts["pre"].fillna("").astype(str) + "/" + parts["post"].fillna("").astype(str))
    matched = parts["num"].notna()
    sign = parts["sign"].fillna("")
    num = sign + parts["num"].fillna("").astype(str).str.strip() + sign.map({"(": ")"}).fillna("")
    return num.where(matched, cells.astype(str)), code.where(matched, np.nan)


@dataclass
class Conversion:
    """What one money column's conversion did, for the Data page and the CLI."""

    column: str
    currency: str
    rows: int
    usd_per_unit: float
    rate_date: str
    original_total: float
    usd_total: float


@dataclass
class CurrencyResult:
    usd: np.ndarray  # converted amounts (annual USD); NaN where a rate is missing
    currency: pd.Series  # ISO code per row (NaN = USD / blank)
    original: np.ndarray  # the amount as written, in its own currency
    missing_rate: pd.Series  # bool: the currency is known but has no rate → error on this row and column
    unknown_code: pd.Series  # bool: marker not recognised (e.g. 'kr', 'XYZ') → error
    conversions: list[Conversion] = field(default_factory=list)


def convert(column: str, amounts: np.ndarray, codes: pd.Series, rates: dict[str, tuple[float, str]]) -> CurrencyResult:
    """Convert ``amounts`` (numbers in the currency ``codes`` names, NaN code = USD) to USD, vectorised."""
    codes = codes.reset_index(drop=True)
    unknown = codes.astype(str).str.startswith("?") & codes.notna()
    known_code = codes.where(~unknown)
    usd_code = known_code.isna() | (known_code == "USD")
    rate = known_code.map(lambda c: rates.get(c, (np.nan, ""))[0] if isinstance(c, str) else np.nan)
    rate = rate.where(~usd_code, 1.0).astype(float).to_numpy()
    has_amount = ~np.isnan(amounts)
    missing = pd.Series(np.isnan(rate) & ~unknown.to_numpy() & has_amount)
    out = amounts * rate
    conversions = []
    foreign = ~usd_code & ~unknown & ~missing & pd.Series(has_amount)
    for cur, idx in foreign[foreign].groupby(known_code[foreign]).groups.items():
        idx = np.asarray(list(idx))
        r, d = rates[cur]
        conversions.append(Conversion(column, cur, len(idx), r, d, float(np.nansum(amounts[idx])), float(np.nansum(out[idx]))))
    return CurrencyResult(out, known_code.where(~usd_code), amounts.copy(), missing,
                          unknown & pd.Series(has_amount | codes.notna().to_numpy()), conversions)
