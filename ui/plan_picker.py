"""The header shared by the pages that pick plans (Disruption, Compare): title, caption, and the plans on offer.

The pickers start from the working plan chosen in the sidebar (ui.working_plan): it is listed right after today's
plan, so "the first plan, then the next" (Disruption's A and B, Compare's first two) reads today → working plan."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from planning.data import Dataset
from planning.plans import Plan, PlanRef, available_plans
from ui import scoped, state, working_plan
from ui.plain import md_escape


@dataclass
class PlanChoices:
    """What a plan-picking page works with.  ``problem`` is the store's warning (None when it could be read);
    ``ds`` and ``store`` are ui.scoped.view()'s (the user's scope)."""

    ds: Dataset
    store: Any  # planning.plans.PlanStore; typed loosely so this module does not import SQLAlchemy
    session: dict[str, Plan]
    refs: list[PlanRef]
    labels: list[str]
    problem: str | None
    working: int | None = None  # index of the working plan in ``refs`` (None: today's plan or none chosen)


def plan_page_header(title: str, caption: str) -> PlanChoices:
    """Draw the page title and caption, then list this session's plans and the saved ones.

    When the plan library cannot be read the page still offers the session's plans, under a warning.
    """
    view = scoped.view()  # the dataset and the plan store as the user sees them
    ds = view.dataset
    st.title(title)
    st.caption(caption)
    store = view.store
    session = state.session_plans()
    refs, problem = available_plans(session, store, view.fit_check)  # each saved plan with its fit to the data
    if problem:
        st.warning(problem)
    refs, working = working_plan.first_working(refs)
    return PlanChoices(ds, store, session, refs, [r.label for r in refs], problem, working)


def check_fit(chosen: list[PlanRef]) -> None:
    """Say how the chosen plans meet the data in use (planning.plans.dataset_fit): a warning for a plan made on a
    changed version of it, and for a plan made on another dataset an error naming what does not match, after which
    the page stops, so no figure of that plan is ever set against this data."""
    wrong = False
    for ref in dict.fromkeys(chosen):  # the same plan picked twice is told once
        fit = ref.fit
        if fit is None or fit.status == "same":
            continue
        (st.warning if fit.usable else st.error)(md_escape(fit.message(repr(ref.plan_name))))
        wrong = wrong or not fit.usable
    if wrong:
        st.stop()
