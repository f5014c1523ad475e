"""The Territories page's reading of a plan as rules, kept for every session, and the one a fresh session opens on,
made ahead.

Reading a plan's territories as rules (their definitions, the sentences and rule rows, and how far the rules alone
agree with the plan) takes ~0.2-0.3 s on the demo company: most of the page's first open in a server process.
It is kept across sessions on (data and store, the plan's key, the user's cache scope: ``ui.sample_entries.scope_of``,
so no one is handed what was cut for another scope) and, on the sample company, on disk too (ui.sample_entries),
named by the scope and by the plan's name, content and settings, so a later server process reads it in
milliseconds; an upload's stays in memory.  :func:`warm_default_definitions` makes the entry a fresh session opens
on (today's plan, for the local user: sign-in off) from ui.page_preload, with the same key the page reads."""
from __future__ import annotations

import hashlib
import json

import streamlit as st


@st.cache_resource(show_spinner="Reading the territories' rules…", max_entries=16)
def definitions(rk: tuple, _plan, _view):
    """(definitions as the user may see them, their sentences, rule rows, the plan's agreement or None for a scoped
    user) for ``rk`` = (data key, the plan's key, *the user's scope)."""
    from ui import sample_entries
    from ui.plan_reports import plans_digest, dataset_version

    settings = hashlib.sha1(json.dumps(_plan.settings, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return sample_entries.kept("territories", "definitions", dataset_version(rk[0]), tuple(rk[2:]),
                               (plans_digest((_plan,)), settings), lambda: _read(_plan, _view))


def _read(plan, view):
    from planning.territories import agreement, describe, rule_rows

    defs = view.territory_definitions(plan)
    words = describe(defs, view.reps)
    agree = None if view.scoped else agreement(defs, plan, view.accounts)
    return defs, words, rule_rows(defs), agree


def warm_default_definitions():
    """The entry a fresh session's Territories page opens on (the first plan on offer: today's), for the local user
    on the sample company, made into the shared cache; None when there is nothing to make (sign-in on, no store)."""
    from ui.plan_reports import local_sample_refs, sample_version, data_key
    from ui.sample_entries import scope_of

    made = local_sample_refs()
    if made is None:
        return None
    view, session, refs = made
    if not refs:
        return None
    rk = (data_key(sample_version(), view), refs[0].key(session), *scope_of(view.user))
    return definitions(rk, refs[0].load(session, view.store), view)
