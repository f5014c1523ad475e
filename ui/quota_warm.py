"""What a fresh session's Quota and Comp page (and Finance after it) opens on, made ahead into the shared caches.

The first open of Quota and Comp in a server process set the quotas (~0.1 s), simulated the comp cost (~0.1 s) and
built the quota tables, coverage, payout curves, simulation figures, charts and export sheets (~0.3 s) before its
last element: 0.5-1.4 s of server time against ~0.1 s for a second session (page_bench 2026-12-03).  None of it
depends on the session: a fresh session starts on the default plan, the default quota settings and comp plans, and
the default simulation.  :func:`warm_first_open` makes those entries, for the local user (sign-in off: the one
user whose scope is known before anyone signs in), through the same cached functions and keys the pages use, so
the page's first open reads them.  ui.page_preload runs :func:`warm_steps` in the background, one step at
a time while no script runs."""
from __future__ import annotations

import json
from collections.abc import Iterator


def warm_first_open() -> bool:
    """Make every entry of :func:`warm_steps` at once; False when there was nothing to make."""
    return bool(list(warm_steps()))


def warm_steps() -> Iterator[str]:
    """Make the default entries of Quota and Comp and of Finance for the local user on the sample company, yielding
    after each (~0.1 s apiece: ui.page_preload waits for a quiet server between them, so a click waits behind one
    at most); nothing when sign-in is on or the data has no bookings target."""
    from planning.access import ScopedView, local_user
    from planning.compensation import QuotaSettings, default_plans, plans_from_dict, plans_to_dict
    from planning.reporting import bookings_target
    from ui import access, state
    from ui import quota_reports as qr
    from ui import quota_state as qs
    from ui.sample_entries import SAMPLE

    if access.auth_configured():  # a signed-in user's scope is not known before they sign in
        return
    sample, store = state.shared_sample(), state.shared_store()
    if bookings_target(sample.targets, sample.plan_year) is None:
        return
    state.seed_sample(store, sample)  # the shipped draft, as a sample session's first look at the store saves it
    view = ScopedView(local_user(), sample, store)
    plan = _default_plan(view)
    fingerprint = qs.plan_fingerprint(plan)
    # Finance opened first reads the session's settings as they are; Quota and Comp resolves them on the data's
    for settings in (QuotaSettings.from_dict({}), QuotaSettings.from_dict({}).resolved(sample.settings)):
        result = qs._quota(SAMPLE, view.user, fingerprint, json.dumps(settings.to_dict(), sort_keys=True), plan, view)
        yield "quotas"
    qkey = qr.quota_key(plan, result.settings, SAMPLE)
    qr.quota_view(qkey, view.user, plan, result)
    yield "quota tables"
    plans = plans_from_dict(plans_to_dict(default_plans(defaults=sample.settings)))  # as the session keeps them
    qr.payout_view(qr.plans_json(plans), SAMPLE)
    cfg = qs.sim_config_default(sample.settings)
    skey = qs.sim_key(result, plans, cfg, SAMPLE)
    sim = qs.shared_simulation(skey, view, result, plans, cfg)
    yield "simulation"
    qr.sim_view(skey, view.user, sim)
    yield "simulation figures"
    qr.export_sheets(qkey, skey, view.user, result, plans, sim)
    yield "export sheets"
    qr.finance_view(qkey, skey, view.user, plan, result, sim)
    yield "finance"


def _default_plan(view):
    """The plan a fresh session sets quotas on (ui.quota_state.plan_options): no working plan is chosen yet, so
    the saved plan waiting in review, else today's."""
    from planning.plans import available_plans
    from ui import quota_state as qs

    today = view.dataset.current_plan()
    session = {today.name: today}
    refs, _problem = available_plans(session, view.store, view.fit_check)
    refs = [r for r in refs if r.usable]
    return refs[qs._in_review(view.store, refs) or 0].load(session, view.store)
