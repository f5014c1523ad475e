"""Plans: the Plan type and its metrics, the versioned store, disruption, compare and the CRM round trip.

A Plan is an assignment account → territory plus its territories, settings and metrics; today's CRM ownership,
a proposal, an edited copy and a saved version are all Plans.

Public names, by module (import them from this package; they load on first use):
- ``compare``: account_moves, best_in_row, compare_capacity, compare_plans, differs, HEADLINE_BETTER, HEADLINE_ROWS,
  LOWER_IS_BETTER, MAX_PLANS, plan_cost, plan_summary, PlanComparison
- ``crm``: apply_changes, CHANGE_COLUMNS, CHANGE_TYPES, crm_export, CrmExport, DataChanges, detect_changes,
  developer_name, load_crm_accounts, plan_from_assignment
- ``disruption_report``: ACCOUNT_COLUMNS, disruption, DisruptionReport, manager_summary_html, NO_MANAGER, UNASSIGNED
- ``plan``: BALANCE_FIGURES, balance_figures, BALANCE_METRICS, balance_table, capacity_targets, current_plan,
  METRIC_LABELS, metrics, Plan, productivity_variance, rollup, territories_from_reps, TERRITORY_COLUMNS
- ``store``: APP_NAME, available_plans, default_url, items, meta_table, metadata, MIGRATIONS, payloads, plan_digest,
  plan_from_dict, PLAN_KIND, plan_refs, plan_to_dict, PlanRef, PlanStore, SAVE_RETRIES, SCENARIO_KINDS,
  SCHEMA_VERSION, StoredVersion, StoreError, versions_table
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "ACCOUNT_COLUMNS": "disruption_report",
    "APP_NAME": "store",
    "BALANCE_FIGURES": "plan",
    "BALANCE_METRICS": "plan",
    "CHANGE_COLUMNS": "crm",
    "CHANGE_TYPES": "crm",
    "CrmExport": "crm",
    "DataChanges": "crm",
    "DisruptionReport": "disruption_report",
    "HEADLINE_BETTER": "compare",
    "HEADLINE_ROWS": "compare",
    "LOWER_IS_BETTER": "compare",
    "MAX_PLANS": "compare",
    "METRIC_LABELS": "plan",
    "MIGRATIONS": "store",
    "NO_MANAGER": "disruption_report",
    "PLAN_KIND": "store",
    "Plan": "plan",
    "PlanComparison": "compare",
    "PlanRef": "store",
    "PlanStore": "store",
    "SAVE_RETRIES": "store",
    "SCENARIO_KINDS": "store",
    "SCHEMA_VERSION": "store",
    "StoreError": "store",
    "StoredVersion": "store",
    "TERRITORY_COLUMNS": "plan",
    "UNASSIGNED": "disruption_report",
    "account_moves": "compare",
    "apply_changes": "crm",
    "available_plans": "store",
    "balance_figures": "plan",
    "balance_table": "plan",
    "best_in_row": "compare",
    "capacity_targets": "plan",
    "compare_capacity": "compare",
    "compare_plans": "compare",
    "crm_export": "crm",
    "current_plan": "plan",
    "default_url": "store",
    "detect_changes": "crm",
    "developer_name": "crm",
    "differs": "compare",
    "disruption": "disruption_report",
    "items": "store",
    "load_crm_accounts": "crm",
    "manager_summary_html": "disruption_report",
    "meta_table": "store",
    "metadata": "store",
    "metrics": "plan",
    "payloads": "store",
    "plan_cost": "compare",
    "plan_digest": "store",
    "plan_from_assignment": "crm",
    "plan_from_dict": "store",
    "plan_refs": "store",
    "plan_summary": "compare",
    "plan_to_dict": "store",
    "productivity_variance": "plan",
    "rollup": "plan",
    "territories_from_reps": "plan",
    "versions_table": "store",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    # lazy: a page that needs one name must not pay for every heavy library the package touches
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
