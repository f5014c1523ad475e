"""Compare's comparison and Disruption's report, kept for every session, and the ones a fresh session opens on,
made ahead.

Both are cached across sessions on (data and store, the plans' keys, the user's cache scope): two users with the
same scope share an entry, and no one is handed one cut for another scope (``ui.sample_entries.scope_of``; issue
27).  On the sample company they are also kept on disk (ui.sample_entries), named by the scope and by the name and
content of every plan (a saved plan's name and version could name another plan in another store), so a later server
process reads them in milliseconds; an upload's stay in memory.

Comparing the demo's two plans (today's ownership and the shipped draft) takes ~0.4 s and their disruption report
~0.2 s, the largest parts of those pages' first open in a server process.  :func:`warm_default_comparison` and
:func:`warm_default_disruption` make the entries a fresh session opens on, for a user whose scope is known before
anyone signs in (the local user, sign-in off): ui.page_preload calls them in the background, while no script runs.
The pages and the warm-ups pick the plans with the same functions (:func:`default_picks`, :func:`default_b`) and
call the same cached functions, so the entry made ahead is the one the page reads."""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import streamlit as st

from ui.sample_entries import scope_of

if TYPE_CHECKING:  # planning.plans.picking imports the plan store (SQLAlchemy): ui.scoped.data_key needs neither
    from planning.plans import DisruptionReport, PlanComparison, PlanRef


@st.cache_data(show_spinner=False, max_entries=6)
def comparison(version: str, keys: tuple[str, ...], base_key: str, who: tuple, _plans, _base,
               _view) -> PlanComparison:
    """``_view.compare(_plans, baseline=_base)``, kept per (``version``: ui.scoped.data_key, the plans' and the
    baseline's keys, ``who``: the role and team the view cuts for).  A manager's comparison is cut to their team in
    the core, and a role without view_quota gets no quota coverage, so ``who`` is always in the key.

    On the sample company the comparison is also kept on disk (ui.sample_entries), named by the scope and by the
    name and content of every plan (a saved plan's name and version could name another plan in another store), so a fresh
    server process reads it in milliseconds; an upload's stays in memory."""
    from ui import sample_entries

    return sample_entries.kept("compare", "comparison", dataset_version(version), who, (plans_digest((*_plans, _base)),),
                               lambda: _view.compare(_plans, baseline=_base))


@st.cache_data(show_spinner=False, max_entries=16)
def disruption_report(rk: tuple, _a, _b, _view) -> DisruptionReport:
    """Disruption's report for ``rk`` = (data key, plan A's key, plan B's key, window, user scope): the scope (role
    and team) is part of the key, since a manager's report is cut to their team in the core.  On the sample
    company it is kept on disk too (see the module's docstring)."""
    from ui import sample_entries

    plans = plans_digest((_a, _b))
    return sample_entries.kept("disruption", "report", dataset_version(rk[0]), rk[4], (plans, rk[3]),
                               lambda: _view.disruption(_a, _b, renewal_window_days=rk[3]))


def default_b(refs: list[PlanRef], a_idx: int) -> int:
    """Disruption's plan B to start on: the first plan after A's that is made on this data (A's when none is)."""
    return next((i for i in range(len(refs)) if i != a_idx and refs[i].usable), a_idx)


def plans_digest(plans) -> str:
    """A short digest of each plan's name and content (a comparison's and a report's columns carry the names, and
    one content can go by two names)."""
    from planning.plans.picking import plan_digest

    return hashlib.sha1(repr([(p.name, plan_digest(p)) for p in plans]).encode()).hexdigest()[:16]


def default_picks(refs: list[PlanRef]) -> list[int]:
    """The plans Compare starts on: the first two made on this data (today's plan, then the working plan when one
    is chosen, else the first saved plan); plans made on another dataset are never picked by default."""
    return [i for i, r in enumerate(refs) if r.usable][:2]


def warm_default_comparison() -> PlanComparison | None:
    """The comparison a fresh session's Compare page opens on, for the local user on the sample company, made into
    the shared cache (None when there is nothing to make: sign-in on, no store, fewer than two plans).

    A fresh session has today's plan only and no working plan, and its baseline is the first plan on offer."""
    made = local_sample_refs()
    if made is None:
        return None
    view, session, refs = made
    picks = default_picks(refs)
    if len(picks) < 2:
        return None
    plans = [refs[i].load(session, view.store) for i in picks]
    return comparison(data_key(sample_version(), view), tuple(refs[i].key(session) for i in picks),
                      refs[0].key(session), scope_of(view.user), plans, refs[0].load(session, view.store), view)


def dataset_version(key: str) -> str:
    """The dataset's version in a :func:`data_key`."""
    return key.split("|", 1)[0]


def warm_default_disruption() -> DisruptionReport | None:
    """The report a fresh session's Disruption page opens on (today's plan → the first other plan made on this data,
    the data's renewal window), for the local user on the sample company, made into the shared cache; None when
    there is nothing to make (sign-in on, fewer than two plans)."""
    made = local_sample_refs()
    if made is None:
        return None
    view, session, refs = made
    b = default_b(refs, 0)
    if b == 0:
        return None
    rk = (data_key(sample_version(), view), refs[0].key(session), refs[b].key(session),
          int(view.dataset.settings.planning.renewal_window_days), scope_of(view.user))
    return disruption_report(rk, refs[0].load(session, view.store), refs[b].load(session, view.store), view)


def local_sample_refs():
    """(the local user's view of the sample and the shared store, a fresh session's plans, the plans on offer), or
    None when sign-in is on or the store cannot be read."""
    from planning.access import ScopedView, local_user
    from planning.plans import available_plans
    from ui import access, state

    if access.auth_configured():  # a signed-in user's scope is not known before they sign in
        return None
    sample, store = state.shared_sample(), state.shared_store()
    state.seed_sample(store, sample)  # the shipped draft, as a sample session's first look at the store saves it
    view = ScopedView(local_user(), sample, store)
    today = sample.current_plan()
    session = {today.name: today}
    refs, problem = available_plans(session, view.store, view.fit_check)
    return None if problem else (view, session, refs)


def sample_version() -> str:
    from ui.sample_entries import SAMPLE

    return SAMPLE


def data_key(version: str, view) -> str:
    """Cache key for reports on one dataset version and plan store: the version and the store's URL (a saved plan's
    name and version name another plan in another store).  ui.scoped.data_key is this for the session's version."""
    raw = view.store.raw if view.store is not None else None
    return f"{version}|{getattr(raw, 'url', '')}"
