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
