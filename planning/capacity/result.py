"""The capacity simulation's result: monthly and per-segment frames, support roles, and the headline summary.

Money is annual USD unless a column says per month; ratios are fractions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planning.capacity.scenario import MONTH_NAMES, CapacityScenario


@dataclass
class CapacityResult:
    """Output of :func:`run_scenario`: monthly and per-segment frames, support roles, notes."""

    scenario: CapacityScenario
    monthly: pd.DataFrame  # one row per segment × month
    segments: pd.DataFrame  # one row per segment: lenses, gap, hires needed, cost
    support: pd.DataFrame  # one row per support role: today, needed (start/end), cost
    notes: list[str] = field(default_factory=list)

    def company_monthly(self) -> pd.DataFrame:
        """All segments added up per month."""
        num = self.monthly.drop(columns=["segment", "month_name", "month_start"]).groupby("month").sum()
        num.insert(0, "month_name", list(MONTH_NAMES))
        return num.reset_index()

    def hiring_plan(self) -> pd.DataFrame:
        """The hiring table for export: segment × month with planned hires, backfills, hires needed, cost."""
        cols = ["segment", "month", "month_name", "month_start", "headcount", "hires", "open_reqs", "backfills",
                "departures", "hires_needed", "rre", "capacity_usd", "capacity_target_usd", "gap_usd", "cost_usd"]
        return self.monthly[cols].copy()

    def headcount_table(self) -> pd.DataFrame:
        """Segment × month expected AE headcount (wide), for display."""
        t = self.monthly.pivot(index="segment", columns="month_name", values="headcount")
        return t[list(MONTH_NAMES)].reindex(list(self.scenario.segments))

    def summary(self) -> dict:
        """Headline figures (annual USD, heads) for comparing scenarios side by side."""
        m, s = self.monthly, self.segments
        cm = self.company_monthly()
        start, end = float(cm["headcount"].iloc[0]), float(cm["headcount"].iloc[-1])
        expected, target = float(s["expected_bookings_usd"].sum()), float(s["capacity_target_usd"].sum())
        cost = float(m["cost_usd"].sum())
        selling = cost - float(m["csm_cost_usd"].sum())  # cost of sales: AEs, SDRs, SEs (CSMs serve the base)
        avg_heads = float(cm["headcount"].mean())
        pipe_supported = float(s["pipeline_supported_usd"].sum())
        new_share = float(s["new_hire_bookings_usd"].sum() / expected) if expected > 0 else 0.0
        gap = target - expected
        short = s.loc[s["pipeline_coverage"] < self.scenario.pipeline_coverage_target, "segment"].tolist()
        reasons = []
        if target > 0 and gap / target > 0.10:
            reasons.append(f"capacity is {gap / target:.0%} short of target")
        elif gap > 0:
            reasons.append(f"capacity is {gap / target:.0%} short of target")
        if short:
            reasons.append(f"pipeline under {self.scenario.pipeline_coverage_target:g}× target in {', '.join(short)}")
        if new_share > 0.20:
            reasons.append(f"{new_share:.0%} of bookings depend on reps hired this year")
        high = (target > 0 and gap / target > 0.10) or new_share > 0.35 or len(short) > 1
        risk = "high" if high else ("medium" if reasons else "low")
        return {
            "scenario": self.scenario.name,
            "headcount_start": start,
            "headcount_end": end,
            "hires": int(s["planned_hires"].sum()),
            "open_reqs": int(s["open_reqs"].sum()),
            "backfills": float(s["backfills"].sum()),
            "hires_needed": int(s["hires_needed"].sum()),
            "cost_usd": cost,
            "ae_cost_usd": float(m["ae_cost_usd"].sum()),
            "support_cost_usd": float(m["support_cost_usd"].sum()),
            "expected_bookings_usd": expected,
            "capacity_target_usd": target,
            "gap_usd": gap,
            "attainment_of_target": expected / target if target > 0 else float("nan"),
            "pipeline_supported_usd": pipe_supported,
            "pipeline_capped_bookings_usd": float(s[["expected_bookings_usd", "pipeline_supported_usd"]].min(axis=1).sum()),
            "csm_cost_usd": float(m["csm_cost_usd"].sum()),
            "cost_of_sales": selling / expected if expected > 0 else float("nan"),
            "bookings_per_head_usd": expected / avg_heads if avg_heads > 0 else float("nan"),
            "rre_start": float(cm["rre"].iloc[0]),
            "rre_end": float(cm["rre"].iloc[-1]),
            "new_hire_share": new_share,
            "risk": risk,
            "risk_reasons": "; ".join(reasons) if reasons else "capacity covers target with pipeline to match",
        }
