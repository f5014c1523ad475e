"""Mid-year changes after a plan is published: leavers, hires, pro-rated quotas and the holdover (issue 25).

A change version is a Plan of kind ``change`` derived from a plan, with the change (kind, rep, effective date,
the plan it derives from, the option, the holdover days) in its settings.  The carves behind a split or a hire
run in ``jobs/change_job.py``; everything else is here.

Public names, by module (import them from this package; they load on first use):
- ``holdover``: HOLDOVER_COLUMNS, holdover_report, holdover_total
- ``options``: BOOK_COLUMNS, ChangeOption, evaluate, side_by_side, SIDE_BY_SIDE_ROWS, side_by_side_words
- ``quota_moves``: flows_between, holder_potential, holder_quotas, prorate, QUOTA_CHANGE_COLUMNS, quota_changes,
  ramp_share
- ``saving``: base_plan, CRM_PLAN, review_note, save_option, split_ref
- ``spec``: CHANGE_KIND, change_of, ChangeError, ChangeSpec, hire, KINDS, leaver, months_before, OPTION_TITLES,
  OPTIONS
- ``versions``: apply_carve, carve_inputs, change_version, default_name, hire_territory, leaver_territories,
  placeholder_plan, rep_row
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "BOOK_COLUMNS": "options",
    "CHANGE_KIND": "spec",
    "CRM_PLAN": "saving",
    "ChangeError": "spec",
    "ChangeOption": "options",
    "ChangeSpec": "spec",
    "HOLDOVER_COLUMNS": "holdover",
    "KINDS": "spec",
    "OPTIONS": "spec",
    "OPTION_TITLES": "spec",
    "QUOTA_CHANGE_COLUMNS": "quota_moves",
    "SIDE_BY_SIDE_ROWS": "options",
    "apply_carve": "versions",
    "base_plan": "saving",
    "carve_inputs": "versions",
    "change_of": "spec",
    "change_version": "versions",
    "default_name": "versions",
    "evaluate": "options",
    "flows_between": "quota_moves",
    "hire": "spec",
    "hire_territory": "versions",
    "holder_potential": "quota_moves",
    "holder_quotas": "quota_moves",
    "holdover_report": "holdover",
    "holdover_total": "holdover",
    "leaver": "spec",
    "leaver_territories": "versions",
    "months_before": "spec",
    "placeholder_plan": "versions",
    "prorate": "quota_moves",
    "quota_changes": "quota_moves",
    "ramp_share": "quota_moves",
    "rep_row": "versions",
    "review_note": "saving",
    "save_option": "saving",
    "side_by_side": "options",
    "side_by_side_words": "options",
    "split_ref": "saving",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
