"""Comp plans: OTE, pay mix, tiered rates, cap, threshold, SPIFFs, credits, clawback; the payout curve.

Money is annual USD, attainment and rates are fractions (1.0 = 100% of quota).

* ``variable = OTE × variable share``; ``commission rate at target = variable ÷ quota``.
* Tiers are attainment bands ``[start, end)`` with a multiplier on that rate, paid
  *marginally*: each band's slice of attainment earns rate × multiplier.  So the
  commission at attainment ``a`` is ``variable × Σ_k m_k × |[0, a] ∩ [start_k, end_k)|``
  and does not depend on the quota itself.  A decelerator is a band below 1.0
  with a multiplier < 1, an accelerator a band above with a multiplier > 1.
* ``threshold``: below this attainment no commission is paid at all.
* ``cap_multiple``: commission is capped at this multiple of the target variable.
* Credited attainment = attainment × (1 − expansion share × (1 − expansion credit))
  × (1 + multi-year share × multi-year uplift).
* SPIFFs: a fixed amount paid to each rep at or above a minimum attainment.
* Clawback: commission on deals that churn within ``clawback_months`` is taken
  back: payout(all credit) − payout(credit without the churned deals).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planning.data.defaults import Settings


class CompPlanError(ValueError):
    """Bad comp plan input; the message names the field."""


@dataclass(frozen=True)
class Tier:
    """An attainment band ``[start, end)`` (fractions of quota; ``end=None`` is open-ended) and its rate multiplier."""

    start: float
    end: float | None
    multiplier: float


@dataclass(frozen=True)
class Spiff:
    """A fixed bonus (USD) paid to each rep at or above ``min_attainment``."""

    name: str
    amount_usd: float
    min_attainment: float = 0.0


@dataclass
class CompPlan:
    """One comp plan for a role and segment.  ``pay_mix`` is (base, variable) as fractions summing to 1."""

    name: str
    role: str
    segment: str
    ote_usd: float
    pay_mix: tuple[float, float]
    quota_usd: float
    tiers: tuple[Tier, ...] = (Tier(0.0, None, 1.0),)
    cap_multiple: float | None = None
    threshold: float = 0.0
    spiffs: tuple[Spiff, ...] = ()
    multi_year_share: float = 0.0
    multi_year_uplift: float = 0.0
    expansion_share: float = 0.0
    expansion_credit: float = 1.0
    clawback_months: int = 0

    def __post_init__(self):
        self.pay_mix = tuple(float(x) for x in self.pay_mix)
        self.tiers = tuple(t if isinstance(t, Tier) else Tier(**t) for t in self.tiers)
        self.spiffs = tuple(s if isinstance(s, Spiff) else Spiff(**s) for s in self.spiffs)
        self.validate()

    # --- validation ------------------------------------------------------------------------
    def validate(self) -> None:
        p = f"comp plan {self.name!r}"
        if len(self.pay_mix) != 2:
            raise CompPlanError(f"{p}: pay_mix must be (base, variable), got {self.pay_mix}")
        base, var = self.pay_mix
        if base < 0 or var < 0:
            raise CompPlanError(f"{p}: pay_mix must not be negative (base {base:.0%}, variable {var:.0%})")
        if abs(base + var - 1) > 1e-6:
            raise CompPlanError(f"{p}: pay_mix base {base:.0%} + variable {var:.0%} = {base + var:.0%}; "
                                "it must sum to 100%")
        for name in ("ote_usd", "quota_usd"):
            v = getattr(self, name)
            if v is None or not np.isfinite(v) or v <= 0:
                raise CompPlanError(f"{p}: {name} must be a positive amount in USD, got {v!r}")
        for name in ("threshold", "multi_year_share", "multi_year_uplift", "expansion_share", "expansion_credit"):
            if getattr(self, name) < 0:
                raise CompPlanError(f"{p}: {name} must not be negative, got {getattr(self, name)!r}")
        for name in ("multi_year_share", "expansion_share"):
            if getattr(self, name) > 1:
                raise CompPlanError(f"{p}: {name} is a share of bookings (0–1), got {getattr(self, name)!r}")
        if self.cap_multiple is not None and self.cap_multiple <= 0:
            raise CompPlanError(f"{p}: cap_multiple must be positive (or empty for no cap), got {self.cap_multiple!r}")
        if self.clawback_months < 0:
            raise CompPlanError(f"{p}: clawback_months must not be negative, got {self.clawback_months!r}")
        for s in self.spiffs:
            if s.amount_usd < 0 or s.min_attainment < 0:
                raise CompPlanError(f"{p}: SPIFF {s.name!r} amount_usd and min_attainment must not be negative")
        self._validate_tiers(p)

    def _validate_tiers(self, p: str) -> None:
        tiers = sorted(self.tiers, key=lambda t: t.start)
        if not tiers:
            raise CompPlanError(f"{p}: tiers: at least one tier is needed")
        for i, t in enumerate(tiers, 1):
            if t.multiplier < 0 or not np.isfinite(t.multiplier):
                raise CompPlanError(f"{p}: tiers: tier {i} ({_band(t)}) has a negative rate multiplier {t.multiplier}")
            if t.start < 0 or (t.end is not None and t.end <= t.start):
                raise CompPlanError(f"{p}: tiers: tier {i} ({_band(t)}) must have 0 ≤ start < end")
        if tiers[0].start != 0:
            raise CompPlanError(f"{p}: tiers: the first tier must start at 0% attainment (starts at {tiers[0].start:.0%})")
        for i, (a, b) in enumerate(zip(tiers, tiers[1:]), 1):
            if a.end is None or a.end > b.start + 1e-9:
                raise CompPlanError(f"{p}: tiers: tier {i} ({_band(a)}) overlaps tier {i + 1} ({_band(b)})")
            if a.end < b.start - 1e-9:
                raise CompPlanError(f"{p}: tiers: gap between tier {i} ({_band(a)}) and tier {i + 1} ({_band(b)})")
        if tiers[-1].end is not None:
            raise CompPlanError(f"{p}: tiers: the last tier must have no upper end (leave its end empty: "
                                f"and above); it ends at {tiers[-1].end:.0%}")
        self.tiers = tuple(tiers)

    # --- derived figures -------------------------------------------------------------------
    @property
    def base_usd(self) -> float:
        return self.ote_usd * self.pay_mix[0]

    @property
    def variable_usd(self) -> float:
        return self.ote_usd * self.pay_mix[1]

    @property
    def rate_at_target(self) -> float:
        """Commission rate at target = variable ÷ quota (USD of commission per USD booked)."""
        return self.variable_usd / self.quota_usd

    def credit_factor(self) -> float:
        """Credited attainment per unit of raw attainment (expansion and multi-year credit)."""
        return (1 - self.expansion_share * (1 - self.expansion_credit)) * (1 + self.multi_year_share * self.multi_year_uplift)

    def commission_fraction(self, credited: np.ndarray) -> np.ndarray:
        """Commission as a fraction of target variable at credited attainment (tiers, threshold, cap)."""
        a = np.asarray(credited, dtype=float)
        out = np.zeros_like(a)
        for t in self.tiers:
            width = np.inf if t.end is None else t.end - t.start
            out += t.multiplier * np.clip(a - t.start, 0.0, width)
        out = np.where(a < self.threshold, 0.0, out)
        if self.cap_multiple is not None:
            out = np.minimum(out, self.cap_multiple)
        return out

    def spiff_usd(self, credited: np.ndarray) -> np.ndarray:
        a = np.asarray(credited, dtype=float)
        out = np.zeros_like(a)
        for s in self.spiffs:
            out += np.where(a >= s.min_attainment, s.amount_usd, 0.0)
        return out

    def payout(self, attainment, variable_usd: float | np.ndarray | None = None, include_spiffs: bool = True) -> np.ndarray:
        """Variable pay (USD) at raw ``attainment`` (array, any shape): commission + SPIFFs.

        ``variable_usd`` overrides the plan's target variable (e.g. pro-rated for a mid-year start).
        """
        a = np.asarray(attainment, dtype=float) * self.credit_factor()
        var = self.variable_usd if variable_usd is None else variable_usd
        out = np.asarray(var) * self.commission_fraction(a)
        return out + self.spiff_usd(a) if include_spiffs and self.spiffs else out

    def payout_curve(self, max_attainment: float = 2.0, step: float = 0.05) -> pd.DataFrame:
        """Payout against attainment: attainment, commission/SPIFF/total USD, % of target variable, rate."""
        a = np.round(np.arange(0.0, max_attainment + 1e-9, step), 6)
        total = self.payout(a)
        comm = self.payout(a, include_spiffs=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            eff = np.where(a > 0, comm / (a * self.credit_factor() * self.quota_usd), np.nan)
        return pd.DataFrame({"plan": self.name, "attainment": a, "commission_usd": comm, "spiff_usd": total - comm,
                             "payout_usd": total, "pct_of_variable": total / self.variable_usd,
                             "effective_rate": eff, "total_pay_usd": total + self.base_usd})

    def summary(self) -> dict[str, Any]:
        """One row for plan tables and exports."""
        return {"plan": self.name, "role": self.role, "segment": self.segment, "ote_usd": self.ote_usd,
                "base_usd": self.base_usd, "variable_usd": self.variable_usd,
                "pay_mix": f"{self.pay_mix[0]:.0%}/{self.pay_mix[1]:.0%}", "quota_usd": self.quota_usd,
                "rate_at_target": self.rate_at_target,
                "tiers": "; ".join(f"{_band(t)} ×{t.multiplier:g}" for t in self.tiers),
                "cap": "No cap" if self.cap_multiple is None else f"{self.cap_multiple:.0%} of target variable",
                "threshold": self.threshold, "payout_at_target_usd": float(self.payout(1.0)),
                "payout_at_target_pct": float(self.payout(1.0) / self.variable_usd),
                "spiffs": "; ".join(f"{s.name} {s.amount_usd:,.0f} at ≥{s.min_attainment:.0%}" for s in self.spiffs),
                "clawback_months": self.clawback_months}

    def with_accelerator(self, multiplier: float, from_attainment: float | None = None) -> "CompPlan":
        """A copy whose accelerator band (from ``from_attainment``; default the first band above ×1, else 100%) pays ``multiplier``."""
        start = from_attainment
        if start is None:
            acc = [t.start for t in self.tiers if t.multiplier > 1]
            start = acc[0] if acc else 1.0
        tiers = []
        for t in self.tiers:
            if t.end is not None and t.end <= start:
                tiers.append(t)
            elif t.start >= start:
                continue
            else:
                tiers.append(Tier(t.start, start, t.multiplier))
        tiers.append(Tier(start, None, float(multiplier)))
        return dataclasses.replace(self, name=f"{self.name} (accel ×{multiplier:g})", tiers=tuple(tiers))

    def clawback(self, deals: pd.DataFrame, quota_usd: float | None = None) -> pd.DataFrame:
        """Commission clawed back per deal that churned within ``clawback_months``.

        ``deals`` has bookings_usd and churn_month (months from booking to churn, NaN if it did not
        churn), all for one rep's plan year.  Each clawed deal is charged its marginal commission:
        payout(all deals) − payout(all deals but this one); ``total`` row: payout(all) − payout(kept).
        """
        q = quota_usd or self.quota_usd
        d = deals.copy()
        if (d["bookings_usd"] < 0).any():
            raise CompPlanError("deals.bookings_usd: must not be negative")
        churned = d["churn_month"].notna() & (d["churn_month"] <= self.clawback_months) & (self.clawback_months > 0)
        total_att = d["bookings_usd"].sum() / q
        paid = float(self.payout(total_att, include_spiffs=False))
        d["clawed_back"] = churned
        d["clawback_usd"] = [paid - float(self.payout(total_att - b / q, include_spiffs=False)) if c else 0.0
                             for b, c in zip(d["bookings_usd"], churned)]
        kept_att = d.loc[~churned, "bookings_usd"].sum() / q
        d.attrs["commission_paid_usd"] = paid
        d.attrs["clawback_total_usd"] = paid - float(self.payout(kept_att, include_spiffs=False))
        return d

    # --- (de)serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["pay_mix"] = list(self.pay_mix)
        d["tiers"] = [dataclasses.asdict(t) for t in self.tiers]
        d["spiffs"] = [dataclasses.asdict(s) for s in self.spiffs]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CompPlan":
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise CompPlanError(f"comp plan {data.get('name', '?')!r}: unknown field(s) {', '.join(sorted(unknown))}")
        missing = {"name", "role", "segment", "ote_usd", "pay_mix", "quota_usd"} - set(data)
        if missing:
            raise CompPlanError(f"comp plan {data.get('name', '?')!r}: missing field(s) {', '.join(sorted(missing))}")
        data["tiers"] = tuple(Tier(**t) for t in data.get("tiers") or [{"start": 0.0, "end": None, "multiplier": 1.0}])
        data["spiffs"] = tuple(Spiff(**s) for s in data.get("spiffs") or [])
        return cls(**data)


def _band(t: Tier) -> str:
    """A band as a comp analyst writes it: "80%–100%", and the open one "100% and above"."""
    return f"{t.start:.0%} and above" if t.end is None else f"{t.start:.0%}–{t.end:.0%}"


def default_tiers(segment: str, defaults: Settings | None = None) -> tuple[Tier, ...]:
    """Accelerator from the segment's ``accelerator_from`` at the default multiplier.

    When acceleration starts below 100% (Enterprise), the band below it is paid at a
    lower multiplier so that payout at 100% attainment is exactly the target variable.
    """
    d = defaults or Settings()
    m = d.planning.comp_accelerator_multiplier
    start = d.segments[segment].accelerator_from if segment in d.segments else 1.0
    if start >= 1.0:
        return (Tier(0.0, start, 1.0), Tier(start, None, m))
    below = (1 - (1 - start) * m) / start
    return (Tier(0.0, start, max(below, 0.0)), Tier(start, None, m))


def default_plan(role: str = "AE", segment: str = "Mid-market", defaults: Settings | None = None,
                 quota_usd: float | None = None) -> CompPlan:
    """The default plan for a role/segment from ``SEGMENT_DEFAULTS`` (AEs) or ``ROLE_DEFAULTS`` (other roles)."""
    d = defaults or Settings()
    key = f"{segment} {role}" if role == "AE" else role
    seg = d.segments.get(segment)
    if role == "AE" and seg is not None:
        ote, base = seg.ote_usd, seg.pay_mix_base
    elif key in d.roles:
        lo, hi = d.roles[key].pay_mix_base_range
        ote, base = d.roles[key].ote_usd, (lo + hi) / 2
    else:
        raise CompPlanError(f"role: no defaults for {key!r} (known: {', '.join(d.roles)})")
    quota = quota_usd or (seg.quota_usd if seg is not None else ote)
    return CompPlan(name=key, role=role, segment=segment, ote_usd=float(ote), pay_mix=(base, 1 - base),
                    quota_usd=float(quota), tiers=default_tiers(segment, d))


def default_plans(segments: tuple[str, ...] | None = None, defaults: Settings | None = None) -> dict[str, CompPlan]:
    """One default AE plan per segment, keyed by segment."""
    d = defaults or Settings()
    return {s: default_plan("AE", s, d) for s in (segments or tuple(d.segments))}


def plans_to_dict(plans: dict[str, CompPlan]) -> dict[str, Any]:
    return {"plans": {k: p.to_dict() for k, p in plans.items()}}


def plans_from_dict(data: dict[str, Any]) -> dict[str, CompPlan]:
    raw = (data or {}).get("plans", data) or {}
    return {str(k): CompPlan.from_dict(v) for k, v in raw.items()}


def plan_table(plans: dict[str, CompPlan]) -> pd.DataFrame:
    return pd.DataFrame([p.summary() for p in plans.values()])


def per_rep_plans(plans: dict[str, CompPlan], quotas: pd.DataFrame) -> pd.DataFrame:
    """Per-rep plan summary: plan, OTE, base/variable (pro-rated by months in seat), quota, rate at target."""
    rows = []
    for tid, r in quotas.iterrows():
        plan = plans.get(r["segment"])
        if plan is None:
            continue
        months = float(r.get("months_in_seat", 12.0))
        var = plan.variable_usd * months / 12
        quota = float(r["quota_usd"])
        rows.append({"territory_id": tid, "rep_id": r.get("owner_rep_id"), "rep_name": r.get("rep_name"),
                     "segment": r["segment"], "plan": plan.name, "months_in_seat": months,
                     "ote_usd": plan.ote_usd * months / 12, "base_usd": plan.base_usd * months / 12,
                     "variable_usd": var, "quota_usd": quota,
                     "rate_at_target": var / quota if quota > 0 else np.nan,
                     "tiers": plan.summary()["tiers"], "cap": plan.summary()["cap"],
                     "clawback_months": plan.clawback_months})
    return pd.DataFrame(rows)
