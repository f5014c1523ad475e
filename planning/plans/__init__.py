"""Plans: the Plan type and its metrics, the versioned store, disruption, compare and the CRM round trip.

A Plan is an assignment account → territory plus its territories, settings and metrics; today's CRM ownership,
a proposal, an edited copy and a saved version are all Plans.

Public names, by module (import them from this package; they load on first use):
- ``compare``: account_moves, best_in_row, compare_capacity, compare_plans, differs, HEADLINE_BETTER, HEADLINE_ROWS,
  LOWER_IS_BETTER, MAX_PLANS, plan_cost, plan_summary, PlanComparison
- ``crm``: apply_changes, CHANGE_COLUMNS, CHANGE_TYPES, crm_export, crm_frame, CrmExport, DataChanges,
  detect_changes, developer_name, load_crm_accounts, plan_from_assignment
- ``dataset_fit``: dataset_stamp, DatasetFit, fingerprint, fit_of, FIT_SHARE, FitCheck, made_on_name,
  PlanDataMismatch, shared_accounts, shared_note, SHOWN_IDS
- ``disruption_report``: ACCOUNT_COLUMNS, disruption, DisruptionReport, NO_MANAGER, UNASSIGNED
- ``edits``: live_balance, resolve_edits, UNIT_PREFIXES
- ``jobs_table``: JOB_ACTIVE, JOB_FINISHED, JOB_STATUSES, JobRecords, jobs_metadata, migrate_jobs, store_jobs
- ``manager_summary``: manager_summary_html
- ``move_reasons``: move_reasons
- ``picking``: available_plans, plan_digest, plan_refs, PlanRef, saved_fit, usable_plans
- ``plan``: BALANCE_FIGURES, balance_figures, BALANCE_METRICS, balance_table, capacity_targets, current_plan,
  METRIC_LABELS, metrics, Plan, productivity_variance, rollup, territories_from_reps, TERRITORY_COLUMNS
- ``publish``: publish_plan
- ``review``: comment, decide, record_publication, resolve, reviewer_scope, submit, withdraw
- ``review_log``: create_tables, DECISIONS, EVENT_COLUMNS, events, RETRIES, ReviewError, STATES
- ``review_tables``: comments_table, decisions_table, event_words, inbox_table, log_table, review_time,
  reviewer_words, STATE_WORDS, status_text, target_words
- ``review_view``: actor_label, history, inbox, INBOX_COLUMNS, MANAGER_STATUS_COLUMNS, manager_statuses,
  opening_plan, OTHER_TEAM, ReviewStatus, status, statuses, Viewer, viewer_of, visible_events
- ``sample_proposal``: load_sample_proposal, seed_store
- ``saving``: MadeOn, save_made_on
- ``serialize``: jsonable, plan_from_dict, plan_to_dict, utc_timestamp
- ``shapes``: account_territories, county_owners, map_units, shapes_summary, territory_book, territory_shapes,
  to_geojson, write_geojson
- ``shapes_export``: colour_of, PALETTE, render_map
- ``store``: default_url, PlanStore, SAVE_RETRIES
- ``store_errors``: StoreError
- ``store_schema``: items, meta_table, metadata, MIGRATIONS, payloads, PLAN_KIND, SCENARIO_KINDS, SCHEMA_VERSION,
  StoredVersion, versions_table
- ``teams``: MANAGER_COLUMNS, plan_managers, target_teams
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "ACCOUNT_COLUMNS": "disruption_report",
    "BALANCE_FIGURES": "plan",
    "BALANCE_METRICS": "plan",
    "CHANGE_COLUMNS": "crm",
    "CHANGE_TYPES": "crm",
    "CrmExport": "crm",
    "DECISIONS": "review_log",
    "DataChanges": "crm",
    "DatasetFit": "dataset_fit",
    "DisruptionReport": "disruption_report",
    "EVENT_COLUMNS": "review_log",
    "FIT_SHARE": "dataset_fit",
    "FitCheck": "dataset_fit",
    "HEADLINE_BETTER": "compare",
    "HEADLINE_ROWS": "compare",
    "INBOX_COLUMNS": "review_view",
    "JOB_ACTIVE": "jobs_table",
    "JOB_FINISHED": "jobs_table",
    "JOB_STATUSES": "jobs_table",
    "JobRecords": "jobs_table",
    "LOWER_IS_BETTER": "compare",
    "MANAGER_COLUMNS": "teams",
    "MANAGER_STATUS_COLUMNS": "review_view",
    "MAX_PLANS": "compare",
    "METRIC_LABELS": "plan",
    "MIGRATIONS": "store_schema",
    "MadeOn": "saving",
    "NO_MANAGER": "disruption_report",
    "OTHER_TEAM": "review_view",
    "PALETTE": "shapes_export",
    "PLAN_KIND": "store_schema",
    "Plan": "plan",
    "PlanComparison": "compare",
    "PlanDataMismatch": "dataset_fit",
    "PlanRef": "picking",
    "PlanStore": "store",
    "RETRIES": "review_log",
    "ReviewError": "review_log",
    "ReviewStatus": "review_view",
    "SAVE_RETRIES": "store",
    "SCENARIO_KINDS": "store_schema",
    "SCHEMA_VERSION": "store_schema",
    "SHOWN_IDS": "dataset_fit",
    "STATES": "review_log",
    "STATE_WORDS": "review_tables",
    "StoreError": "store_errors",
    "StoredVersion": "store_schema",
    "TERRITORY_COLUMNS": "plan",
    "UNASSIGNED": "disruption_report",
    "UNIT_PREFIXES": "edits",
    "Viewer": "review_view",
    "account_moves": "compare",
    "account_territories": "shapes",
    "actor_label": "review_view",
    "apply_changes": "crm",
    "available_plans": "picking",
    "balance_figures": "plan",
    "balance_table": "plan",
    "best_in_row": "compare",
    "capacity_targets": "plan",
    "colour_of": "shapes_export",
    "comment": "review",
    "comments_table": "review_tables",
    "compare_capacity": "compare",
    "compare_plans": "compare",
    "county_owners": "shapes",
    "create_tables": "review_log",
    "crm_export": "crm",
    "crm_frame": "crm",
    "current_plan": "plan",
    "dataset_stamp": "dataset_fit",
    "decide": "review",
    "decisions_table": "review_tables",
    "default_url": "store",
    "detect_changes": "crm",
    "developer_name": "crm",
    "differs": "compare",
    "disruption": "disruption_report",
    "event_words": "review_tables",
    "events": "review_log",
    "fingerprint": "dataset_fit",
    "fit_of": "dataset_fit",
    "history": "review_view",
    "inbox": "review_view",
    "inbox_table": "review_tables",
    "items": "store_schema",
    "jobs_metadata": "jobs_table",
    "jsonable": "serialize",
    "live_balance": "edits",
    "load_crm_accounts": "crm",
    "load_sample_proposal": "sample_proposal",
    "log_table": "review_tables",
    "made_on_name": "dataset_fit",
    "manager_statuses": "review_view",
    "manager_summary_html": "manager_summary",
    "map_units": "shapes",
    "meta_table": "store_schema",
    "metadata": "store_schema",
    "metrics": "plan",
    "migrate_jobs": "jobs_table",
    "move_reasons": "move_reasons",
    "opening_plan": "review_view",
    "payloads": "store_schema",
    "plan_cost": "compare",
    "plan_digest": "picking",
    "plan_from_assignment": "crm",
    "plan_from_dict": "serialize",
    "plan_managers": "teams",
    "plan_refs": "picking",
    "plan_summary": "compare",
    "plan_to_dict": "serialize",
    "productivity_variance": "plan",
    "publish_plan": "publish",
    "record_publication": "review",
    "render_map": "shapes_export",
    "resolve": "review",
    "resolve_edits": "edits",
    "review_time": "review_tables",
    "reviewer_scope": "review",
    "reviewer_words": "review_tables",
    "rollup": "plan",
    "save_made_on": "saving",
    "saved_fit": "picking",
    "seed_store": "sample_proposal",
    "shapes_summary": "shapes",
    "shared_accounts": "dataset_fit",
    "shared_note": "dataset_fit",
    "status": "review_view",
    "status_text": "review_tables",
    "statuses": "review_view",
    "store_jobs": "jobs_table",
    "submit": "review",
    "target_teams": "teams",
    "target_words": "review_tables",
    "territories_from_reps": "plan",
    "territory_book": "shapes",
    "territory_shapes": "shapes",
    "to_geojson": "shapes",
    "usable_plans": "picking",
    "utc_timestamp": "serialize",
    "versions_table": "store_schema",
    "viewer_of": "review_view",
    "visible_events": "review_view",
    "withdraw": "review",
    "write_geojson": "shapes",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
