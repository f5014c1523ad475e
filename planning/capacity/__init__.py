"""Capacity planning: headcount by segment and role, month by month, and what-if scenarios.

RRE = Σ heads × ramp % × attainment; capacity = RRE × quota ÷ 12; formulas in docs/capacity.md.

Public names, by module (import them from this package; they load on first use):
- ``files``: inherited_segments, merge_scenario_dict, read_scenario_file, scenario_from_file, write_scenario_file
- ``from_data``: default_scenario, earliest_start, segment_attainment
- ``result``: CapacityResult
- ``scenario``: CapacityScenario, MAX_ATTAINMENT, MONTH_NAMES, MONTHS, Person, ScenarioError, SegmentAssumptions
- ``sensitivity``: tornado, TORNADO_DRIVERS
- ``simulation``: COVERAGE_DISAGREEMENT, expected_bookings, hire_response, hires_needed, hiring_stop_month,
  monthly_attrition, ramp_at, ramped_rep_equivalents, run_scenario, target_by_month
- ``tables``: ASSUMPTION_COLUMNS, COMPARE_ROWS, compare_summaries, INT_COLUMNS, months_of, QUARTERS, RAMP_MONTHS,
  scenario_from_tables, scenario_tables, SUPPORT_COLUMNS
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "ASSUMPTION_COLUMNS": "tables",
    "COMPARE_ROWS": "tables",
    "COVERAGE_DISAGREEMENT": "simulation",
    "CapacityResult": "result",
    "CapacityScenario": "scenario",
    "INT_COLUMNS": "tables",
    "MAX_ATTAINMENT": "scenario",
    "MONTHS": "scenario",
    "MONTH_NAMES": "scenario",
    "Person": "scenario",
    "QUARTERS": "tables",
    "RAMP_MONTHS": "tables",
    "SUPPORT_COLUMNS": "tables",
    "ScenarioError": "scenario",
    "SegmentAssumptions": "scenario",
    "TORNADO_DRIVERS": "sensitivity",
    "compare_summaries": "tables",
    "default_scenario": "from_data",
    "earliest_start": "from_data",
    "expected_bookings": "simulation",
    "hire_response": "simulation",
    "hires_needed": "simulation",
    "hiring_stop_month": "simulation",
    "inherited_segments": "files",
    "merge_scenario_dict": "files",
    "monthly_attrition": "simulation",
    "months_of": "tables",
    "ramp_at": "simulation",
    "ramped_rep_equivalents": "simulation",
    "read_scenario_file": "files",
    "run_scenario": "simulation",
    "scenario_from_file": "files",
    "scenario_from_tables": "tables",
    "scenario_tables": "tables",
    "segment_attainment": "from_data",
    "target_by_month": "simulation",
    "tornado": "sensitivity",
    "write_scenario_file": "files",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
