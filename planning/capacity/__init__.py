"""Capacity planning: headcount by segment and role, month by month, and what-if scenarios.

RRE = Σ heads × ramp % × attainment; capacity = RRE × quota ÷ 12; formulas in docs/capacity.md.

Public names, by module (import them from this package; they load on first use):
- ``files``: inherited_segments, merge_scenario_dict, read_scenario_file, scenario_from_file, write_scenario_file
- ``from_data``: capacity_targets, default_scenario, derived_target_note, earliest_start, left_out_note,
  segment_attainment
- ``result``: CapacityResult
- ``scenario``: CapacityScenario, MAX_ATTAINMENT, MONTH_NAMES, MONTHS, Person, ScenarioError, segment_problems,
  SegmentAssumptions
- ``sensitivity``: tornado, TORNADO_DRIVERS
- ``simulation``: COVERAGE_DISAGREEMENT, expected_bookings, hire_response, hires_needed, hiring_stop_month,
  monthly_attrition, ramp_at, ramped_rep_equivalents, run_scenario, target_by_month
- ``tables``: apply_tables, ASSUMPTION_COLUMNS, CellProblem, DIGITS, INT_COLUMNS, is_percent, months_of,
  PERCENT_COLUMNS, QUARTERS, RAMP_COLUMNS, RAMP_MONTHS, scenario_from_tables, scenario_tables, SHOWN_AS,
  SUPPORT_COLUMNS, TABLES
- ``views``: assumptions_view, can, compare_amounts, COMPARE_LABELS, COMPARE_ROWS, compare_summaries, compare_table,
  COST_COLUMNS, COST_OF_SALES_HELP, DRIVER_WORDS, export_sheets, headline, hidden_columns, hiring_export, is_hidden,
  Metric, monthly_view, people_view, QUOTA_COLUMNS, scoped, SEGMENT_COLUMNS, segment_view, support_view,
  tornado_view, with_needed_hires
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "ASSUMPTION_COLUMNS": "tables",
    "COMPARE_LABELS": "views",
    "COMPARE_ROWS": "views",
    "COST_COLUMNS": "views",
    "COST_OF_SALES_HELP": "views",
    "COVERAGE_DISAGREEMENT": "simulation",
    "CapacityResult": "result",
    "CapacityScenario": "scenario",
    "CellProblem": "tables",
    "DIGITS": "tables",
    "DRIVER_WORDS": "views",
    "INT_COLUMNS": "tables",
    "MAX_ATTAINMENT": "scenario",
    "MONTHS": "scenario",
    "MONTH_NAMES": "scenario",
    "Metric": "views",
    "PERCENT_COLUMNS": "tables",
    "Person": "scenario",
    "QUARTERS": "tables",
    "QUOTA_COLUMNS": "views",
    "RAMP_COLUMNS": "tables",
    "RAMP_MONTHS": "tables",
    "SEGMENT_COLUMNS": "views",
    "SHOWN_AS": "tables",
    "SUPPORT_COLUMNS": "tables",
    "ScenarioError": "scenario",
    "SegmentAssumptions": "scenario",
    "TABLES": "tables",
    "TORNADO_DRIVERS": "sensitivity",
    "apply_tables": "tables",
    "assumptions_view": "views",
    "can": "views",
    "capacity_targets": "from_data",
    "compare_amounts": "views",
    "compare_summaries": "views",
    "compare_table": "views",
    "default_scenario": "from_data",
    "derived_target_note": "from_data",
    "earliest_start": "from_data",
    "expected_bookings": "simulation",
    "export_sheets": "views",
    "headline": "views",
    "hidden_columns": "views",
    "hire_response": "simulation",
    "hires_needed": "simulation",
    "hiring_export": "views",
    "hiring_stop_month": "simulation",
    "inherited_segments": "files",
    "is_hidden": "views",
    "is_percent": "tables",
    "left_out_note": "from_data",
    "merge_scenario_dict": "files",
    "monthly_attrition": "simulation",
    "monthly_view": "views",
    "months_of": "tables",
    "people_view": "views",
    "ramp_at": "simulation",
    "ramped_rep_equivalents": "simulation",
    "read_scenario_file": "files",
    "run_scenario": "simulation",
    "scenario_from_file": "files",
    "scenario_from_tables": "tables",
    "scenario_tables": "tables",
    "scoped": "views",
    "segment_attainment": "from_data",
    "segment_problems": "scenario",
    "segment_view": "views",
    "support_view": "views",
    "target_by_month": "simulation",
    "tornado": "sensitivity",
    "tornado_view": "views",
    "with_needed_hires": "views",
    "write_scenario_file": "files",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
