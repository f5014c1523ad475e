"""A scenario as editable tables (one row per segment) and back; side-by-side comparison.

The Scenarios page edits these frames with ``st.data_editor``; the functions
here are pure pandas so the conversion is tested without Streamlit.
Rates stay fractions (0.85) and money annual USD; display formatting is the page's job.
"""
from __future__ import annotations

import dataclasses
import math

import pandas as pd

from planning.capacity.scenario import MONTH_NAMES, MONTHS, CapacityScenario, ScenarioError

ASSUMPTION_COLUMNS = ["bookings_target_usd", "quota_usd", "attainment", "annual_attrition", "time_to_hire_months",
                      "cost_per_head_usd", "earliest_start_month", "max_hires_per_month"]
SUPPORT_COLUMNS = ["sdr_per_ae", "se_per_ae", "opps_per_sdr_month", "opp_win_rate", "avg_deal_usd",
                   "open_pipeline_usd", "arr_usd", "accounts_to_cover", "accounts_per_rep"]
INT_COLUMNS = {"time_to_hire_months", "earliest_start_month", "max_hires_per_month", "accounts_to_cover"}
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
RAMP_MONTHS = 12  # longest ramp the editor shows (months in seat)


def scenario_tables(sc: CapacityScenario) -> dict[str, pd.DataFrame]:
    """Editor frames indexed by segment: assumptions, phasing, ramp, hiring, support."""
    segs = list(sc.segments.values())
    idx = pd.Index([s.segment for s in segs], name="segment")
    assumptions = pd.DataFrame([{c: getattr(s, c) for c in ASSUMPTION_COLUMNS} for s in segs], index=idx)
    assumptions["attainment_source"] = [s.attainment_source for s in segs]
    phasing = pd.DataFrame([list(s.target_phasing) for s in segs], index=idx, columns=QUARTERS)
    ramp = pd.DataFrame([list(s.ramp_curve) + [None] * (RAMP_MONTHS - len(s.ramp_curve)) for s in segs],
                        index=idx, columns=[f"M{i + 1}" for i in range(RAMP_MONTHS)], dtype=float)
    hiring = pd.DataFrame([list(s.hiring_plan) for s in segs], index=idx, columns=list(MONTH_NAMES)).astype(int)
    support = pd.DataFrame([{c: getattr(s, c) for c in SUPPORT_COLUMNS} for s in segs], index=idx)
    return {"assumptions": assumptions, "phasing": phasing, "ramp": ramp, "hiring": hiring, "support": support}


def _cell(v, field: str, as_int: bool):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        raise ScenarioError(f"{field}: empty; enter a value")
    v = float(v)
    if as_int:
        if v != int(v):
            raise ScenarioError(f"{field}: must be a whole number (got {v:g})")
        return int(v)
    return v


def scenario_from_tables(sc: CapacityScenario, tables: dict[str, pd.DataFrame], **changes) -> CapacityScenario:
    """``sc`` with the edited frames (any subset) and top-level ``changes`` applied; validated."""
    segs = {}
    for name, seg in sc.segments.items():
        upd = {}
        for key, cols in (("assumptions", ASSUMPTION_COLUMNS), ("support", SUPPORT_COLUMNS)):
            t = tables.get(key)
            if t is not None and name in t.index:
                for c in cols:
                    if c in t.columns:
                        upd[c] = _cell(t.at[name, c], f"segments.{name}.{c}", c in INT_COLUMNS)
        t = tables.get("phasing")
        if t is not None and name in t.index:
            vals = [_cell(t.at[name, q], f"segments.{name}.target_phasing[{q}]", False) for q in QUARTERS]
            total = sum(vals)
            if total > 0 and abs(total - 1) <= 0.005:  # tolerate display rounding: renormalise to exactly 100%
                vals = [v / total for v in vals]
            upd["target_phasing"] = tuple(vals)
        t = tables.get("ramp")
        if t is not None and name in t.index:
            curve = []
            for v in t.loc[name].tolist():
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    break
                curve.append(float(v))
            upd["ramp_curve"] = tuple(curve)
        t = tables.get("hiring")
        if t is not None and name in t.index:
            upd["hiring_plan"] = tuple(
                0 if (v is None or (isinstance(v, float) and math.isnan(v)))
                else _cell(v, f"segments.{name}.hiring_plan[{m}]", True) for m, v in zip(MONTH_NAMES, t.loc[name]))
        segs[name] = dataclasses.replace(seg, **upd)
    out = dataclasses.replace(sc, segments=segs, **changes)
    out.validate()
    return out


COMPARE_ROWS = [
    ("target_usd", "Target (USD)"), ("expected_bookings_usd", "Expected bookings (USD)"), ("gap_usd", "Gap (USD)"),
    ("attainment_of_target", "Expected ÷ target"), ("headcount_start", "AEs in January"),
    ("headcount_end", "AEs in December"), ("hires", "Planned hires"), ("hires_needed", "Hires still needed"),
    ("backfills", "Expected backfills"), ("cost_usd", "Cost (USD)"), ("cost_of_sales", "Cost of sales"),
    ("bookings_per_head_usd", "Bookings per AE (USD)"), ("pipeline_capped_bookings_usd", "Bookings the pipeline supports (USD)"),
    ("new_hire_share", "Bookings from this year's hires"), ("risk", "Risk"), ("risk_reasons", "Why"),
]


def compare_summaries(summaries: dict[str, dict]) -> pd.DataFrame:
    """Side-by-side table: one column per scenario, one row per headline figure (see COMPARE_ROWS)."""
    data = {name: [s.get(k) for k, _ in COMPARE_ROWS] for name, s in summaries.items()}
    return pd.DataFrame(data, index=[label for _, label in COMPARE_ROWS])


def months_of(hiring_plan) -> list[str]:
    """Month names with hires, for captions ("Feb ×2, Mar ×1")."""
    return [f"{MONTH_NAMES[m]} ×{int(h)}" for m, h in enumerate(hiring_plan[:MONTHS]) if h]
