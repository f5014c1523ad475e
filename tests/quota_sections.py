"""The Quota and Comp page's sections sit in lazy tabs after its headline (only the open one runs,
pages/4_Quota_and_Comp.py): tests open each one the way a click does, by setting the tabs' state."""
from __future__ import annotations

SECTIONS = ("Per-rep quotas", "Coverage", "Comp plans", "Cost simulation", "Save and export")
TABS = "qc_section"  # the tabs' key
COVERAGE_TABS = "qc_coverage_by"  # the coverage section's own lazy tabs (by segment, region, manager, quarter)


def open_section(at, name: str):
    """``at`` rerun with the section ``name`` open."""
    at.session_state[TABS] = name
    return at.run()


def edit_plan(at, segment: str, editor: str = "pay", row: int = 0, **cells):
    """``at`` rerun with the comp plan editor ``editor`` (pay, credit, tiers, spiffs) of ``segment`` edited as a
    user types: ``cells`` by canonical column, rates in percentage points (50 for 50%)."""
    at.session_state[f"cp_{editor}_{segment}"] = {"edited_rows": {row: cells}, "added_rows": [], "deleted_rows": []}
    return at.run()
