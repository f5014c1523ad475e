"""Quota settings: the method, pooling, gap handling, bands and overrides that turn a target into quotas.

All amounts annual USD, ratios fractions; ``None`` fields take the editable defaults
(:class:`~planning.data.defaults.Settings`).  :mod:`planning.compensation.quota` explains each step.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning.data.defaults import Settings

METHODS = ("potential", "history", "even", "blend")
METHOD_WORDS = {"potential": "Territory potential", "history": "Historical bookings", "even": "Even split",
                "blend": "Weighted blend"}  # each method as the pages and the workbook name it
POOLS = ("segment", "segment_region", "company")
POOL_WORDS = {"segment": "each segment", "segment_region": "each segment × region", "company": "the whole company"}
GAP_MODES = ("respread", "gap")
GAP_WORDS = {"respread": "re-spread across the rest", "gap": "show as unallocated gap"}
# Each setting as the Quota and Comp page and the workbook's Settings sheet name it: a widget's label= and help=.
# A label fits a quarter of the page at 1,280 px (a longer one is cut off); the detail is in the help.
SETTING_WORDS = {
    "method": dict(label="Quota method", help="How each pool's target is split across territories."),
    "over_assignment": dict(label="Over-assignment", help="Σ quotas = target × (1 + this), so the company still "
                                                          "reaches its target when some reps miss."),
    "pool": dict(label="Split the target within", help="The groups whose target is split across their territories."),
    "coverage_band": dict(label="Coverage band (Σ quota ÷ target)",
                          help="Coverage ratios outside this band are flagged."),
    "ramp_adjust": dict(label="Ramp-adjust new hires",
                        help="New hires and open requisitions carry a quota reduced by their segment's ramp curve, "
                             "month by month. Off: a full quota from their first month."),
    "prorate": dict(label="Pro-rate part-year reps",
                    help="Reps who start or leave during the plan year get quota for their months in seat only. "
                         "Off: a full year's quota each."),
    "ramp_gap": dict(label="Ramp shortfall", help="The quota that ramp-adjusting takes off new hires: re-spread "
                                                  "across the rest of the pool, or shown as an unallocated gap."),
    "override_gap": dict(label="Override difference", help="The difference a typed quota makes: re-spread across "
                                                           "the rest of the pool, or shown as an unallocated gap."),
}
COVERAGE_BY = ("segment", "region", "manager", "quarter")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")


class QuotaError(ValueError):
    """Bad quota settings or inputs; the message names the field."""


@dataclass
class QuotaSettings:
    """How the target becomes quotas.  ``None`` fields take their value from :class:`~planning.data.defaults.Settings`.

    ``weights`` are the blend weights of potential / history / even (used by method ``blend``).
    ``coverage_band`` is (low, high) coverage ratio; outside it a group is flagged.
    ``rep_overrides``: rep_id (or territory_id) → annual quota USD; ``manager_overrides``: manager_id → team total USD.
    """

    method: str = "potential"
    over_assignment: float | None = None
    weights: dict[str, float] = field(default_factory=lambda: {"potential": 0.5, "history": 0.3, "even": 0.2})
    pool: str = "segment"
    coverage_band: tuple[float, float] | None = None
    ramp_adjust: bool = True
    prorate: bool = True
    ramp_gap: str = "respread"
    override_gap: str = "respread"
    rep_overrides: dict[str, float] = field(default_factory=dict)
    manager_overrides: dict[str, float] = field(default_factory=dict)
    fairness_tolerance: float | None = None
    history_quarters: int | None = None

    def resolved(self, defaults: Settings | None = None) -> "QuotaSettings":
        """A copy with every ``None`` filled from the defaults, validated."""
        p = (defaults or Settings()).planning
        over = p.quota_over_assignment if self.over_assignment is None else float(self.over_assignment)
        band = self.coverage_band or (1 + p.quota_over_assignment_range[0], 1 + p.quota_over_assignment_range[1])
        out = dataclasses.replace(
            self, over_assignment=over, coverage_band=(float(band[0]), float(band[1])),
            fairness_tolerance=p.quota_fairness_tolerance if self.fairness_tolerance is None else float(self.fairness_tolerance),
            history_quarters=p.attainment_history_quarters if self.history_quarters is None else int(self.history_quarters),
            weights=dict(self.weights), rep_overrides=dict(self.rep_overrides),
            manager_overrides=dict(self.manager_overrides))
        out.validate()
        return out

    def validate(self) -> None:
        if self.method not in METHODS:
            raise QuotaError(f"method: {self.method!r} is not one of {', '.join(METHODS)}")
        if self.pool not in POOLS:
            raise QuotaError(f"pool: {self.pool!r} is not one of {', '.join(POOLS)}")
        for name in ("ramp_gap", "override_gap"):
            if getattr(self, name) not in GAP_MODES:
                raise QuotaError(f"{name}: {getattr(self, name)!r} is not one of {', '.join(GAP_MODES)}")
        if self.over_assignment is not None and not (0 <= self.over_assignment <= 1):
            raise QuotaError(f"over_assignment: {self.over_assignment} must be a fraction between 0 and 1 (0.15 = 15%)")
        if self.coverage_band is not None:
            lo, hi = self.coverage_band
            if lo < 0 or hi < lo:
                raise QuotaError(f"coverage_band: ({lo}, {hi}) must be 0 ≤ low ≤ high")
        bad = set(self.weights) - {"potential", "history", "even"}
        if bad:
            raise QuotaError(f"weights: unknown basis {', '.join(sorted(bad))} (use potential, history, even)")
        if any(w < 0 for w in self.weights.values()):
            raise QuotaError("weights: blend weights must not be negative")
        if self.method == "blend" and sum(self.weights.values()) <= 0:
            raise QuotaError("weights: blend weights must add up to more than 0")
        for name in ("rep_overrides", "manager_overrides"):
            for k, v in getattr(self, name).items():
                if v is None or not np.isfinite(float(v)) or float(v) < 0:
                    raise QuotaError(f"{name}[{k}]: quota {v!r} must be a non-negative amount in USD")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["coverage_band"] = list(self.coverage_band) if self.coverage_band else None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "QuotaSettings":
        data = dict(data or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise QuotaError(f"unknown quota setting(s): {', '.join(sorted(unknown))}")
        if data.get("coverage_band") is not None:
            data["coverage_band"] = tuple(float(x) for x in data["coverage_band"])
        for k in ("rep_overrides", "manager_overrides"):
            data[k] = {str(a): float(b) for a, b in (data.get(k) or {}).items()}
        out = cls(**data)
        out.validate()
        return out


def settings_in_words(s: QuotaSettings) -> pd.DataFrame:
    """The settings as a person reads them (the workbook's Settings sheet): each setting named as the Quota and Comp
    page names it, rates as %, overrides as counts; setting files keep the canonical fields (to_dict)."""
    yes_no = {True: "yes", False: "no"}
    weights = ", ".join(f"{METHOD_WORDS[k]} {v:.0%}" for k, v in s.weights.items())
    band = "–".join(f"{b:.0%}" for b in s.coverage_band) if s.coverage_band else "the planning default"
    name = {k: words["label"] for k, words in SETTING_WORDS.items()}
    rows = [(name["method"], METHOD_WORDS.get(s.method, s.method)),
            (name["over_assignment"], "the planning default" if s.over_assignment is None
             else f"{s.over_assignment:.0%}"),
            ("Blend weights", weights if s.method == "blend" else f"not used ({weights})"),
            (name["pool"], POOL_WORDS.get(s.pool, s.pool)), (name["coverage_band"], band),
            (name["ramp_adjust"], yes_no[bool(s.ramp_adjust)]), (name["prorate"], yes_no[bool(s.prorate)]),
            (name["ramp_gap"], GAP_WORDS.get(s.ramp_gap, s.ramp_gap)),
            (name["override_gap"], GAP_WORDS.get(s.override_gap, s.override_gap)),
            ("Rep quotas typed", f"{len(s.rep_overrides):,}"), ("Team quotas typed", f"{len(s.manager_overrides):,}"),
            ("Fairness tolerance", "the planning default" if s.fairness_tolerance is None
             else f"±{s.fairness_tolerance:.0%}"),
            ("Quarters of history", "the planning default" if s.history_quarters is None else str(s.history_quarters))]
    return pd.DataFrame(rows, columns=["setting", "value"])
