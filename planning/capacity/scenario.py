"""Capacity scenarios: every assumption of a headcount plan, validated, JSON-safe.

A :class:`CapacityScenario` holds one :class:`SegmentAssumptions` per segment
(target, quota, attainment, ramp, attrition, hiring, support ratios, coverage
and pipeline inputs), the people in seat at the start of the plan year and a
few company-wide settings (support-role costs, budget, headcount cap, hiring
freeze).  ``to_dict()`` / ``from_dict()`` round-trip through JSON, YAML and
TOML; ``from_dict`` validates and raises :class:`ScenarioError` naming the
offending field.

Units: money is annual USD, durations are months, rates are fractions.
Months in hiring plans are the 12 calendar months of the plan year
(index 0 = January); ``earliest_start_month`` and ``freeze_from_month`` are
1-based calendar months (1 = January) because people type them.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from planning.reporting.formats import usd_whole

MONTHS = 12
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_ATTAINMENT = 2.0  # above 200% an "expected" (median) attainment is a typo, not a plan


class ScenarioError(ValueError):
    """An invalid assumption; the message names the field (e.g. ``segments.SMB.quota_usd``)."""


@dataclass
class SegmentAssumptions:
    """Assumptions for the quota-carrying reps (AEs) of one segment."""

    segment: str
    bookings_target_usd: float  # annual top-down target for the plan year
    quota_usd: float  # annual quota of one fully ramped rep
    attainment: float  # expected attainment of a fully ramped rep (fraction of quota)
    ramp_curve: tuple[float, ...]  # productivity in month 1, 2, ... of a new rep; must reach 1.0
    annual_attrition: float  # expected share of reps leaving per year
    time_to_hire_months: int  # requisition opened → rep in seat
    cost_per_head_usd: float  # fully loaded annual cost of one AE (OTE + benefits + tools)
    target_phasing: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25)  # share of target per quarter
    hiring_plan: tuple[int, ...] = (0,) * MONTHS  # planned new AEs starting in each month (Jan..Dec)
    earliest_start_month: int = 1  # first month (1 = Jan) a new requisition can start
    max_hires_per_month: int = 3  # recruiting capacity, used by the optimizer and the gap-closing plan
    sdr_per_ae: float = 0.0  # SDRs/BDRs per AE
    se_per_ae: float = 0.0  # sales engineers per AE
    opps_per_sdr_month: float = 0.0  # qualified opportunities one SDR creates per month
    opp_win_rate: float = 0.0  # qualified opportunity → closed-won
    avg_deal_usd: float = 0.0  # first-year bookings of a won deal
    open_pipeline_usd: float = 0.0  # qualified pipeline already open for the plan year
    arr_usd: float = 0.0  # today's ARR book (drives CSM headcount)
    accounts_to_cover: int = 0  # accounts in the segment (coverage lens)
    accounts_per_rep: float = 1.0  # coverage model: accounts one rep can cover
    attainment_source: str = "defaults"  # where the attainment came from (shown to users)


@dataclass
class Person:
    """One quota carrier in seat (or an open requisition) at the start of the plan."""

    rep_id: str
    segment: str
    start_date: str  # ISO date; ramp counts from it
    end_date: str | None = None  # ISO date of a known departure (status "leaving")
    status: str = "active"  # active / open_req / leaving
    name: str = ""


@dataclass
class CapacityScenario:
    """Every assumption of one capacity plan.  See docs/capacity.md for the formulas."""

    name: str
    plan_year: int
    segments: dict[str, SegmentAssumptions]
    people: list[Person] = field(default_factory=list)
    sdr_cost_usd: float = 0.0  # fully loaded annual cost of one SDR
    se_cost_usd: float = 0.0  # ... of one SE
    csm_cost_usd: float = 0.0  # ... of one CSM
    csm_book_usd: float = 2_500_000  # ARR one CSM covers
    support_today: dict[str, int] = field(default_factory=dict)  # SDR/SE/CSM heads in seat today
    backfill: bool = True  # replace leavers (expected attrition and known leavers) after time to hire
    freeze_from_month: int | None = None  # hiring freeze (no hires, no backfills) from this month (1-12)
    budget_usd: float | None = None  # annual cost limit for the optimizer (AEs + support)
    max_headcount: float | None = None  # AE headcount cap for the optimizer (any month)
    pipeline_coverage_target: float = 3.0  # qualified pipeline ÷ target below which capacity won't convert
    as_of: str | None = None  # date the starting state describes
    note: str = ""

    # --- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON/YAML/TOML-safe dict (lists, not tuples; no None inside lists)."""
        d = dataclasses.asdict(self)
        for seg in d["segments"].values():
            for k, v in seg.items():
                if isinstance(v, tuple):
                    seg[k] = list(v)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CapacityScenario":
        """Inverse of :meth:`to_dict`; validates and raises :class:`ScenarioError` naming the field."""
        if not isinstance(data, dict):
            raise ScenarioError("scenario must be a mapping of fields")
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ScenarioError(f"unknown scenario field(s): {', '.join(sorted(unknown))}")
        for req in ("name", "plan_year", "segments"):
            if req not in data:
                raise ScenarioError(f"{req}: missing (required)")
        segs = {}
        seg_fields = {f.name for f in dataclasses.fields(SegmentAssumptions)}
        if not isinstance(data["segments"], dict) or not data["segments"]:
            raise ScenarioError("segments: must map each segment name to its assumptions")
        for name, raw in data["segments"].items():
            raw = dict(raw or {})
            raw.setdefault("segment", name)
            bad = set(raw) - seg_fields
            if bad:
                raise ScenarioError(f"segments.{name}: unknown field(s) {', '.join(sorted(bad))}")
            missing = [f.name for f in dataclasses.fields(SegmentAssumptions)
                       if f.default is dataclasses.MISSING and f.name not in raw]
            if missing:
                raise ScenarioError(f"segments.{name}.{missing[0]}: missing (required)")
            for k in ("ramp_curve", "target_phasing", "hiring_plan"):
                if k in raw and raw[k] is not None:
                    if not isinstance(raw[k], (list, tuple)):
                        raise ScenarioError(f"segments.{name}.{k}: must be a list of numbers")
                    raw[k] = tuple(raw[k])
            segs[name] = SegmentAssumptions(**raw)
        data["segments"] = segs
        people = []
        for i, p in enumerate(data.get("people") or []):
            try:
                people.append(Person(**p))
            except TypeError as exc:
                raise ScenarioError(f"people[{i}]: {exc}") from exc
        data["people"] = people
        data["support_today"] = dict(data.get("support_today") or {})
        out = cls(**data)
        out.validate()
        return out

    def copy(self, **changes) -> "CapacityScenario":
        """A deep copy (via the dict form) with top-level ``changes`` applied."""
        out = CapacityScenario.from_dict(self.to_dict())
        return dataclasses.replace(out, **changes) if changes else out

    def with_segment(self, segment: str, **changes) -> "CapacityScenario":
        """A copy with one segment's assumptions changed."""
        out = self.copy()
        if segment not in out.segments:
            raise ScenarioError(f"segments.{segment}: unknown segment (known: {', '.join(out.segments)})")
        out.segments[segment] = dataclasses.replace(out.segments[segment], **changes)
        out.validate()
        return out

    # --- validation ----------------------------------------------------------------------
    def validate(self) -> "CapacityScenario":
        """Raise :class:`ScenarioError` for the first invalid assumption, naming its field."""
        _int_range("plan_year", self.plan_year, 1900, 2200)
        for name, s in self.segments.items():
            _validate_segment(f"segments.{name}", s)
        for i, p in enumerate(self.people):
            if p.segment not in self.segments:
                raise ScenarioError(f"people[{i}].segment: {p.segment!r} is not a segment of this scenario "
                                    f"(rep {p.rep_id})")
            for k in ("start_date", "end_date"):
                v = getattr(p, k)
                if v is None and k == "end_date":
                    continue
                try:
                    _parse_date(v)
                except (TypeError, ValueError) as exc:
                    raise ScenarioError(f"people[{i}].{k}: not a date ({v!r}, rep {p.rep_id})") from exc
        for k in ("sdr_cost_usd", "se_cost_usd", "csm_cost_usd"):
            _nonneg(k, getattr(self, k))
        _positive("csm_book_usd", self.csm_book_usd)
        _positive("pipeline_coverage_target", self.pipeline_coverage_target)
        if self.freeze_from_month is not None:
            _int_range("freeze_from_month", self.freeze_from_month, 1, MONTHS)
        if self.budget_usd is not None:
            _nonneg("budget_usd", self.budget_usd)
        if self.max_headcount is not None:
            _nonneg("max_headcount", self.max_headcount)
        return self


def _parse_date(v):
    import pandas as pd

    ts = pd.Timestamp(v)
    if pd.isna(ts):
        raise ValueError("missing")
    return ts


def _err(fld: str, reason: str, hint: str = "") -> ScenarioError:
    """A ScenarioError naming ``fld``; ``reason`` alone (no field path, no hint) is what an editor shows."""
    exc = ScenarioError(f"{fld}: {reason}" + (f"; {hint}" if hint else ""))
    exc.field, exc.reason = fld, reason
    return exc


def _shown(fld: str, v: float) -> str:
    """A value as the message quotes it: money as dollars, everything else with separators."""
    if fld.endswith("_usd"):
        return usd_whole(v)
    return f"{v:,g}"


def _num(fld: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(float(v)) or math.isinf(float(v)):
        raise _err(fld, f"must be a finite number (got {v!r})")
    return float(v)


def _nonneg(fld: str, v) -> None:
    if _num(fld, v) < 0:
        raise _err(fld, f"must not be negative (got {_shown(fld, v)})")


def _positive(fld: str, v) -> None:
    if _num(fld, v) <= 0:
        raise _err(fld, f"must be positive (got {_shown(fld, v)})")


def _fraction(fld: str, v, hi: float = 1.0) -> None:
    x = _num(fld, v)
    if not 0 <= x <= hi:
        raise _err(fld, f"must be between 0% and {hi:.0%} (got {x:.1%})")


def _int_range(fld: str, v, lo: int, hi: int) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or float(v) != int(v):
        raise _err(fld, f"must be a whole number (got {v!r})")
    if not lo <= int(v) <= hi:
        raise _err(fld, f"must be between {lo:,} and {hi:,} (got {int(v):,})")


def _attainment(fld: str, v) -> None:
    x = _num(fld, v)
    if not 0 < x <= MAX_ATTAINMENT:
        raise _err(fld, f"must be above 0% and at most {MAX_ATTAINMENT:.0%} (got {x:.0%})",
                   "in a scenario file give it as a fraction, 0.85 = 85%")


def _ramp(fld: str, curve: tuple) -> None:
    if not curve:
        raise _err(fld, "empty; give monthly productivity, e.g. [0, 0.25, 0.5, 0.75, 1.0]")
    for i, v in enumerate(curve):
        _fraction(f"{fld}[{i}]", v)
    if curve[-1] != 1.0:
        raise _err(fld, f"must reach 100% in its last month (ends at {curve[-1]:.0%})")
    if any(b < a for a, b in zip(curve, curve[1:])):
        raise _err(fld, "must not decrease from one month to the next ("
                   + ", ".join(f"{v:.0%}" for v in curve) + ")")


def _phasing(fld: str, phasing: tuple) -> None:
    if len(phasing) != 4:
        raise _err(fld, f"needs 4 quarterly shares (got {len(phasing)})")
    for i, v in enumerate(phasing):
        _fraction(f"{fld}[{i}]", v)
    if abs(sum(phasing) - 1.0) > 1e-6:
        raise _err(fld, f"quarterly shares must add up to 100% (they add up to {sum(phasing):.1%})")


def _hiring(fld: str, plan: tuple) -> None:
    if len(plan) != MONTHS:
        raise _err(fld, f"needs 12 monthly values Jan..Dec (got {len(plan)})")
    for i, v in enumerate(plan):
        _int_range(f"{fld}[{MONTH_NAMES[i]}]", v, 0, 10_000)


def _segment_checks(p: str, s: SegmentAssumptions) -> list:
    """One check per assumption (each raises a ScenarioError naming its field), in the order users read them."""
    checks = [
        lambda: _nonneg(f"{p}.bookings_target_usd", s.bookings_target_usd),
        lambda: _positive(f"{p}.quota_usd", s.quota_usd),
        lambda: _attainment(f"{p}.attainment", s.attainment),
        lambda: _ramp(f"{p}.ramp_curve", tuple(s.ramp_curve)),
        lambda: _fraction(f"{p}.annual_attrition", s.annual_attrition, hi=0.99),
        lambda: _int_range(f"{p}.time_to_hire_months", s.time_to_hire_months, 0, 24),
        lambda: _nonneg(f"{p}.cost_per_head_usd", s.cost_per_head_usd),
        lambda: _phasing(f"{p}.target_phasing", tuple(s.target_phasing)),
        lambda: _hiring(f"{p}.hiring_plan", tuple(s.hiring_plan)),
        lambda: _int_range(f"{p}.earliest_start_month", s.earliest_start_month, 1, MONTHS),
        lambda: _int_range(f"{p}.max_hires_per_month", s.max_hires_per_month, 0, 10_000),
    ]
    checks += [lambda k=k: _nonneg(f"{p}.{k}", getattr(s, k))
               for k in ("sdr_per_ae", "se_per_ae", "opps_per_sdr_month", "avg_deal_usd", "open_pipeline_usd",
                         "arr_usd")]
    checks += [lambda: _fraction(f"{p}.opp_win_rate", s.opp_win_rate),
               lambda: _int_range(f"{p}.accounts_to_cover", s.accounts_to_cover, 0, 10**9),
               lambda: _positive(f"{p}.accounts_per_rep", s.accounts_per_rep)]
    return checks


def segment_problems(prefix: str, s: SegmentAssumptions) -> list[ScenarioError]:
    """Every invalid assumption of one segment (not only the first), each a ScenarioError naming its field."""
    out = []
    for check in _segment_checks(prefix, s):
        try:
            check()
        except ScenarioError as exc:
            out.append(exc)
    return out


def _validate_segment(p: str, s: SegmentAssumptions) -> None:
    for check in _segment_checks(p, s):
        check()
