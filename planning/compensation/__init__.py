"""Quota and compensation: quota allocation and coverage, comp plans, payout curves and the Monte Carlo cost.

quota_i = planned × s_i·c_i / Σ s_j·c_j; formulas in docs/quota-and-comp.md.

Public names, by module (import them from this package; they load on first use):
- ``comp_plan``: CompPlan, CompPlanError, default_plan, default_plans, default_tiers, per_rep_plans, plan_table,
  plans_from_dict, plans_to_dict, Spiff, Tier
- ``cost_sim``: attainment_params, CHUNK_DRAWS, chunk_rng, ChunkResult, compare_variants, CompSimResult,
  DISTRIBUTION_WORDS, DISTRIBUTIONS, merge_chunks, PERCENTILES, rep_attainment, SimChunk, simulate_chunk,
  simulate_cost, simulation_spec, SimulationSpec
- ``coverage``: coverage_words, fairness_flags, quota_export, QuotaResult
- ``plan_edits``: apply_plan_tables, PLAN_FIELDS, PLAN_PERCENT_COLUMNS, PLAN_RANGES, PLAN_SETTINGS_COLUMNS,
  plan_tables, PLAN_WHOLE_COLUMNS, PlanProblem, SPIFF_COLUMNS, TIER_COLUMNS
- ``quota``: history_bookings, monthly_capacity, plan_year_targets, quota_for_plan, territory_frame
- ``quota_settings``: COVERAGE_BY, GAP_MODES, GAP_WORDS, METHOD_WORDS, METHODS, POOL_WORDS, POOLS, QUARTERS,
  QuotaError, QuotaSettings, SETTING_WORDS, settings_in_words
- ``report``: attainment_assumed, comp_sheets, comp_template, labelled_sheets, plans_from, QUOTA_COLUMNS,
  quota_settings_from, quota_sheets, quota_template, read_config, SIM_KEYS, simulation_from, summary_for_display,
  write_template
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "CHUNK_DRAWS": "cost_sim",
    "COVERAGE_BY": "quota_settings",
    "ChunkResult": "cost_sim",
    "CompPlan": "comp_plan",
    "CompPlanError": "comp_plan",
    "CompSimResult": "cost_sim",
    "DISTRIBUTIONS": "cost_sim",
    "DISTRIBUTION_WORDS": "cost_sim",
    "GAP_MODES": "quota_settings",
    "GAP_WORDS": "quota_settings",
    "METHODS": "quota_settings",
    "METHOD_WORDS": "quota_settings",
    "PERCENTILES": "cost_sim",
    "PLAN_FIELDS": "plan_edits",
    "PLAN_PERCENT_COLUMNS": "plan_edits",
    "PLAN_RANGES": "plan_edits",
    "PLAN_SETTINGS_COLUMNS": "plan_edits",
    "PLAN_WHOLE_COLUMNS": "plan_edits",
    "POOLS": "quota_settings",
    "POOL_WORDS": "quota_settings",
    "PlanProblem": "plan_edits",
    "QUARTERS": "quota_settings",
    "QUOTA_COLUMNS": "report",
    "QuotaError": "quota_settings",
    "QuotaResult": "coverage",
    "QuotaSettings": "quota_settings",
    "SETTING_WORDS": "quota_settings",
    "SIM_KEYS": "report",
    "SPIFF_COLUMNS": "plan_edits",
    "SimChunk": "cost_sim",
    "SimulationSpec": "cost_sim",
    "Spiff": "comp_plan",
    "TIER_COLUMNS": "plan_edits",
    "Tier": "comp_plan",
    "apply_plan_tables": "plan_edits",
    "attainment_assumed": "report",
    "attainment_params": "cost_sim",
    "chunk_rng": "cost_sim",
    "comp_sheets": "report",
    "comp_template": "report",
    "compare_variants": "cost_sim",
    "coverage_words": "coverage",
    "default_plan": "comp_plan",
    "default_plans": "comp_plan",
    "default_tiers": "comp_plan",
    "fairness_flags": "coverage",
    "history_bookings": "quota",
    "labelled_sheets": "report",
    "merge_chunks": "cost_sim",
    "monthly_capacity": "quota",
    "per_rep_plans": "comp_plan",
    "plan_table": "comp_plan",
    "plan_tables": "plan_edits",
    "plan_year_targets": "quota",
    "plans_from": "report",
    "plans_from_dict": "comp_plan",
    "plans_to_dict": "comp_plan",
    "quota_export": "coverage",
    "quota_for_plan": "quota",
    "quota_settings_from": "report",
    "quota_sheets": "report",
    "quota_template": "report",
    "read_config": "report",
    "rep_attainment": "cost_sim",
    "settings_in_words": "quota_settings",
    "simulate_chunk": "cost_sim",
    "simulate_cost": "cost_sim",
    "simulation_from": "report",
    "simulation_spec": "cost_sim",
    "summary_for_display": "report",
    "territory_frame": "quota",
    "write_template": "report",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
