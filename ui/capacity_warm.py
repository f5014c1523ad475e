"""What a fresh session's Capacity Scenarios page opens on, made ahead into the shared caches.

The first open of Capacity Scenarios in a server process pre-filled the scenario from the data (~0.2 s), ran it
and its sensitivity and built the tables, the export and the charts (~0.4 s) before its last element: ~1.0 s of
server time against ~0.4 s for a second session (page_bench 2026-12-03).  None of it depends on the session: a
fresh session starts on the data's default scenario.  :func:`warm_steps` makes those entries for the local user
(sign-in off: the one user whose scope is known before anyone signs in) through the same cached functions and keys
the page uses, so the page's first open reads them; on the sample they are also kept on disk
(ui.sample_entries), so a later server process reads them in milliseconds.  ui.page_preload runs it in the
background, one step at a time while no script runs."""
from __future__ import annotations

from collections.abc import Iterator


def warm_steps() -> Iterator[str]:
    """Make the default entries of Capacity Scenarios for the local user on the sample company, yielding after
    each; nothing when sign-in is on."""
    from planning.access import Permission, ScopedView, local_user
    from planning.capacity import CapacityScenario
    from ui import access, state
    from ui import capacity_report as report
    from ui.sample_entries import SAMPLE

    if access.auth_configured():  # a signed-in user's scope is not known before they sign in
        return
    sample = state.shared_sample()
    user = local_user()
    view = ScopedView(user, sample, None)  # the page reads no plan for these
    sc_json = report.scenario_json(CapacityScenario.from_dict(report.default_scenario(SAMPLE, user, view)))
    yield "default scenario"
    report.people(sc_json, SAMPLE)
    report.target_note(sc_json, SAMPLE, user, sample)
    report.scope_note(SAMPLE, user, sample)
    yield "people and notes"
    report.overview(sc_json, SAMPLE, user)
    yield "overview"
    report.monthly(sc_json, SAMPLE, user, None, user.can(Permission.VIEW_COMP))
    yield "monthly charts"
