"""Potential (whitespace) when the export has none: a documented estimate from firmographics.

Most CRM exports carry no potential.  Planners then estimate it and say so (shared/domain.md "Real exports"):

* **seats**: employees × the share of staff who would use the product × the annual price per seat, or
* **IT spend**: annual revenue × the industry's IT-spend share × the product's share of that wallet.

The seat route is used where employees are known, the IT-spend route where only revenue is.  The factors
are settings (:class:`PotentialFactors`: IT-spend share and seat share per industry, seat price and wallet
share per segment), shown beside the result on the Data page.  An uploaded potential always wins, cell by
cell; every value records its source in ``potential_source``: ``uploaded``, ``estimated`` or ``missing``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

UPLOADED, ESTIMATED, MISSING = "uploaded", "estimated", "missing"

# IT spend as a share of revenue.  Published cross-industry ratios sit in the low single digits: higher in
# banking and software, lower in manufacturing and retail.  Indicative defaults; edit to your own research.
IT_SPEND_SHARE = {
    "Software": 0.065, "Financial Services": 0.070, "Telecommunications": 0.045, "Healthcare": 0.040,
    "Education": 0.040, "Media": 0.040, "Professional Services": 0.040, "Government": 0.040,
    "Logistics": 0.025, "Energy": 0.020, "Manufacturing": 0.015, "Retail": 0.015,
}


@dataclass(frozen=True)
class SegmentPotential:
    seat_price_usd: float  # annual list price of one seat (annual USD)
    seat_share: float  # share of employees who would use the product (fraction)
    wallet_share: float  # share of the account's IT spend the product can take (fraction)


@dataclass(frozen=True)
class PotentialFactors:
    """Editable factors of the potential estimate (settings section ``potential``)."""

    segments: dict[str, SegmentPotential] = field(default_factory=lambda: {
        "Enterprise": SegmentPotential(seat_price_usd=1_200.0, seat_share=0.08, wallet_share=0.02),
        "Mid-market": SegmentPotential(seat_price_usd=1_000.0, seat_share=0.10, wallet_share=0.02),
        "SMB": SegmentPotential(seat_price_usd=800.0, seat_share=0.15, wallet_share=0.02),
    })
    it_spend_share: dict[str, float] = field(default_factory=lambda: dict(IT_SPEND_SHARE))
    default_it_spend_share: float = 0.035  # industries not in the table (cross-industry average)
    industry_seat_share: dict[str, float] = field(default_factory=dict)  # overrides the segment's seat share

    def frame(self) -> pd.DataFrame:
        """The factors as one table for display: per segment and per industry."""
        seg = pd.DataFrame([{"factor": f"{k}: seat price (USD/yr) · seat share · wallet share",
                             "value": f"{v.seat_price_usd:,.0f} · {v.seat_share:.0%} · {v.wallet_share:.1%}"}
                            for k, v in self.segments.items()])
        ind = pd.DataFrame([{"factor": f"{k}: IT spend share of revenue", "value": f"{v:.1%}"}
                            for k, v in {**self.it_spend_share, "(other industries)": self.default_it_spend_share}.items()])
        return pd.concat([seg, ind], ignore_index=True)


def estimate_potential(accounts: pd.DataFrame, factors: PotentialFactors) -> tuple[pd.Series, pd.Series]:
    """(estimate in annual USD, method) per account: 'seats', 'it_spend' or NaN where neither can be computed."""
    seg = accounts["segment"]
    price = seg.map({k: v.seat_price_usd for k, v in factors.segments.items()}).astype(float)
    share = seg.map({k: v.seat_share for k, v in factors.segments.items()}).astype(float)
    if factors.industry_seat_share:
        share = accounts["industry"].map(factors.industry_seat_share).astype(float).fillna(share)
    wallet = seg.map({k: v.wallet_share for k, v in factors.segments.items()}).astype(float)
    it = accounts["industry"].map(factors.it_spend_share).astype(float).fillna(factors.default_it_spend_share)
    emp, rev = accounts["employees"].astype(float), accounts["annual_revenue_usd"].astype(float)
    # A negative input is an error reported on its own column; it must not turn into a negative estimate.
    by_seats = emp.where(emp >= 0) * share * price
    by_revenue = rev.where(rev >= 0) * it * wallet
    method = pd.Series(np.where(by_seats.notna(), "seats", np.where(by_revenue.notna(), "it_spend", None)),
                       index=accounts.index, dtype=object)
    return by_seats.fillna(by_revenue), method


def fill_potential(accounts: pd.DataFrame, factors: PotentialFactors) -> pd.DataFrame:
    """Fill blank potentials with the estimate; add ``potential_source`` and ``potential_method``.

    An uploaded value (including an uploaded 0) is kept.  Accounts that can't be estimated get 0 and
    ``missing``, so sums stay defined and the pages can say how many there are.
    """
    uploaded = accounts["potential_usd"].notna()
    est, method = estimate_potential(accounts, factors)
    source = np.where(uploaded, UPLOADED, np.where(est.notna(), ESTIMATED, MISSING))
    out = accounts.assign(potential_usd=accounts["potential_usd"].fillna(est).fillna(0.0),
                          potential_source=source,
                          potential_method=method.where(~uploaded & est.notna(), None))
    return out


def potential_summary(accounts: pd.DataFrame) -> dict[str, int]:
    """Accounts per potential source ({'uploaded': n, 'estimated': n, 'missing': n})."""
    src = accounts["potential_source"] if "potential_source" in accounts else pd.Series(UPLOADED, index=accounts.index)
    counts = src.value_counts()
    return {k: int(counts.get(k, 0)) for k in (UPLOADED, ESTIMATED, MISSING)}


def potential_note(accounts: pd.DataFrame) -> str | None:
    """A plain sentence for the pages when some potentials are not uploaded; None when all are."""
    s = potential_summary(accounts)
    n = len(accounts)
    if n == 0 or s[UPLOADED] == n:
        return None
    parts = []
    if s[ESTIMATED]:
        parts.append(f"{s[ESTIMATED]:,} of {n:,} accounts carry an **estimated** potential "
                     "(employees × seat share × seat price, or revenue × IT-spend share × wallet share)")
    if s[MISSING]:
        parts.append(f"{s[MISSING]:,} have **no potential** at all (no employees or revenue to estimate from; counted as 0)")
    return "; ".join(parts) + ". Upload your own scores in a potential column to replace them."
