"""Compare's comparison of plans, kept for every session, and the one a fresh session opens on, made ahead.

The comparison is cached across sessions on (data and store, the plans' keys, the baseline's key, the user's cache
scope): two users with the same scope share an entry, and no one is handed a comparison cut for another scope
(``ui.plan_picker.cache_scope``; issue 27).

Comparing the demo's two plans (today's ownership and the shipped draft) takes ~0.4 s, the largest part of
Compare's first open in a server process.  On the sample company the entry is also kept on disk, so a later
server process reads it instead.  :func:`warm_default_comparison` makes the entry a fresh session's Compare
opens on, for a user whose scope is known before anyone signs in (the local user, sign-in off), so the page's
first open reads it: ui.page_preload calls it in the background, while no script runs.  The page and the warm-up
pick the plans with the same function (:func:`default_picks`) and call the same cached function
(:func:`comparison`), so the entry made ahead is the one the page reads."""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:  # planning.plans.picking imports the plan store (SQLAlchemy): ui.scoped.data_key needs neither
    from planning.plans import PlanComparison, PlanRef


@st.cache_data(show_spinner=False, max_entries=6)
def comparison(version: str, keys: tuple[str, ...], base_key: str, who: tuple, _plans, _base,
               _view) -> PlanComparison:
    """``_view.compare(_plans, baseline=_base)``, kept per (``version``: ui.scoped.data_key, the plans' and the
    baseline's keys, ``who``: the role and team the view cuts for).  A manager's comparison is cut to their team in
    the core, and a role without view_quota gets no quota coverage, so ``who`` is always in the key.

    On the sample company the comparison is also kept on disk (ui.sample_entries), named by the scope and by the
    name and content of every plan (a saved plan's name and version could name another plan in another store), so a fresh
    server process reads it in milliseconds; an upload's stays in memory."""
    from planning.plans.picking import plan_digest
    from ui import sample_entries

    # the names too: a comparison's columns are named after its plans, and one content can go by two names
    plans = hashlib.sha1(repr([(p.name, plan_digest(p)) for p in (*_plans, _base)]).encode()).hexdigest()[:16]
    return sample_entries.kept("compare", "comparison", dataset_version(version), who, (plans,),
                               lambda: _view.compare(_plans, baseline=_base))


def default_picks(refs: list[PlanRef]) -> list[int]:
    """The plans Compare starts on: the first two made on this data (today's plan, then the working plan when one
    is chosen, else the first saved plan); plans made on another dataset are never picked by default."""
    return [i for i, r in enumerate(refs) if r.usable][:2]


def warm_default_comparison() -> PlanComparison | None:
    """The comparison a fresh session's Compare page opens on, for the local user on the sample company, made into
    the shared cache (None when there is nothing to make: sign-in on, no store, fewer than two plans).

    A fresh session has today's plan only and no working plan, and its baseline is the first plan on offer."""
    from planning.access import ScopedView, local_user
    from planning.plans import available_plans
    from ui import access, state
    from ui.plan_picker import cache_scope
    from ui.sample_entries import SAMPLE

    if access.auth_configured():  # a signed-in user's scope is not known before they sign in
        return None
    sample, store = state.shared_sample(), state.shared_store()
    state.seed_sample(store, sample)  # the shipped draft, as a sample session's first look at the store saves it
    view = ScopedView(local_user(), sample, store)
    today = sample.current_plan()
    session = {today.name: today}
    refs, problem = available_plans(session, view.store, view.fit_check)
    picks = default_picks(refs)
    if problem or len(picks) < 2:
        return None
    plans = [refs[i].load(session, view.store) for i in picks]
    return comparison(data_key(SAMPLE, view), tuple(refs[i].key(session) for i in picks), refs[0].key(session),
                      cache_scope(view.user), plans, refs[0].load(session, view.store), view)


def dataset_version(key: str) -> str:
    """The dataset's version in a :func:`data_key`."""
    return key.split("|", 1)[0]


def data_key(version: str, view) -> str:
    """Cache key for reports on one dataset version and plan store: the version and the store's URL (a saved plan's
    name and version name another plan in another store).  ui.scoped.data_key is this for the session's version."""
    raw = view.store.raw if view.store is not None else None
    return f"{version}|{getattr(raw, 'url', '')}"
