"""One working plan, chosen in the sidebar and kept across pages: today's plan, this session's runs, or a saved
plan the user may see.  It is remembered in session state and in the URL (``?plan=…``), so a reload keeps it;
the plan pickers (Disruption, Compare) start from it.

A plan is named by a token: ``session:<name>`` for a plan of this session (today's plan, a carve run, an edit),
``saved:<name>`` for the latest version of a saved plan."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ui import state

if TYPE_CHECKING:  # planning.plans.picking imports the plan store (SQLAlchemy): not needed to start the app
    from planning.plans import PlanRef

KEY = "working_plan"  # session state: the token
PARAM = "plan"  # the URL's query parameter
WIDGET = "working_plan_pick"


def token_of(ref: PlanRef) -> str:
    return f"{ref.source}:{ref.name}"


def saved_token(name: str) -> str:
    return f"saved:{name}"


def session_token(name: str) -> str:
    return f"session:{name}"


def working_token() -> str | None:
    """The working plan's token: this session's choice, else the URL's (a reload), else None (today's plan)."""
    tok = st.session_state.get(KEY)
    if tok is None:
        tok = st.query_params.get(PARAM) or None
        if tok:
            st.session_state[KEY] = tok
    return tok


def set_working(token: str) -> None:
    """Make ``token`` the working plan, in this session and in the URL."""
    st.session_state[KEY] = token
    st.query_params[PARAM] = token


def working_index(refs: list[PlanRef]) -> int | None:
    """Where the working plan is among ``refs`` (None when it is not there, is made on another dataset (a reload
    after an upload), or none is chosen)."""
    tok = working_token()
    return next((i for i, r in enumerate(refs) if token_of(r) == tok and r.usable), None)


def first_working(refs: list[PlanRef]) -> tuple[list[PlanRef], int | None]:
    """``refs`` with the working plan moved right after today's plan (the first), and its new index.

    Pickers that default to "the first plan, then the next one" (Disruption's A and B, Compare's first two)
    so start from today's plan and the working plan."""
    i = working_index(refs)
    if i is None or i == 0:
        return refs, i
    out = [refs[0], refs[i]] + [r for j, r in enumerate(refs) if j not in (0, i)]
    return out, 1


def _changed() -> None:
    set_working(st.session_state[WIDGET])


def sidebar() -> None:
    """The sidebar's "Working plan" selectbox (for users who may see plans)."""
    from planning.access import Permission
    from planning.plans import available_plans
    from ui import access, scoped

    if not access.user().can(Permission.VIEW_PLANS):
        return
    # the pickers' own list, from the plan store as the user sees it, without the plans made on another dataset
    view = scoped.view()
    refs, _problem = available_plans(state.session_plans(), view.store, view.fit_check)
    refs = [r for r in refs if r.usable]
    tokens = [token_of(r) for r in refs]
    labels = dict(zip(tokens, (r.label for r in refs)))
    tok = working_token()
    if tok and st.query_params.get(PARAM) != tok:  # a page switch may have dropped it from the URL
        st.query_params[PARAM] = tok
    st.session_state[WIDGET] = tok if tok in labels else tokens[0]
    with st.sidebar:
        st.selectbox("Working plan", tokens, key=WIDGET, format_func=labels.get, on_change=_changed,
                     help="The plan you are working on: Disruption and Compare start from it, on every page, and "
                          "a reload keeps it.")
