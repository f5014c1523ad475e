"""The session's scoped accessor: ``view = scoped.view()`` is the dataset, the plans and the reports on them as the
signed-in user may see them (:class:`planning.access.ScopedView`).  Pages read through it, not through
``state.dataset()`` or ``state.store()`` (tests/test_scoped_by_construction.py keeps it so).

One view is kept per session for as long as the user, the dataset and the store stay the same, so what it has
cut (a manager's team, the visible columns) is cut once, not on every rerun."""
from __future__ import annotations

import streamlit as st

from planning.access import ScopedView

_KEY = "_scoped_view"


def view(*, store_optional: bool = False, store: bool = True) -> ScopedView:
    """The accessor for this run: the session's dataset and plan store, as the signed-in user sees them.

    A store that cannot be opened raises, unless ``store_optional``: the view then has no store (``view.store``
    is None) and the page keeps its work in the session (Quota and Comp, Finance).  ``store=False``: a view
    without the store, for a page that reads none (Data): opening it (SQLAlchemy, the tables, the sample's draft)
    then waits until after the page is drawn, which matters on the first page after a server start."""
    from ui import access, state

    user = access.user()
    try:
        raw = state.raw_store() if store else None
    except Exception:  # a driver or configuration problem: the caller says what it means for the page
        if not store_optional:
            raise
        raw = None
    ds = state.dataset()
    kept = st.session_state.get(_KEY)
    if kept is not None and kept[0] == user and kept[1] is ds and kept[2] is raw:
        return kept[3]
    v = ScopedView(user, ds, raw)
    st.session_state[_KEY] = (user, ds, raw, v)
    return v


def data_key(v: ScopedView) -> str:
    """A cache key for reports on this session's data and plans: the dataset's version and the plan store's URL
    (a saved plan's name and version name another plan in another store)."""
    from ui import state
    from ui.plan_reports import data_key as key_of

    return key_of(state.dataset_version(), v)
