"""Save a carve run as a plan, then submit the saved version for review — the start of the review path.

A carve is a run until someone saves it here (nothing is saved by the job).  Once saved, the session's copy of the
run gives way to the saved plan (so pickers list the plan once) and the saved version becomes the working plan;
"Submit for review" calls the core's :func:`planning.plans.review.submit` for exactly that version."""
from __future__ import annotations

import streamlit as st

from jobs.carve_job import save_result
from optimizers.carve import CarveResult
from planning.access import AccessDenied, Permission, ScopedView, User
from ui import state, working_plan
from ui.access import plain

SAVED = "carve_saved"  # result key → (plan name, version) saved from it in this session
FLASH = "carve_review_flash"  # what the last Submit for review did, shown after its rerun


def saved_ref(result_key: str) -> tuple[str, int] | None:
    """The (name, version) this session saved from the result shown under ``result_key``, if any."""
    return st.session_state.get(SAVED, {}).get(result_key)


def _save(res: CarveResult, ds, view: ScopedView, me: User, result_key: str, name: str) -> None:
    try:
        ref = save_result(view.store, res, name, me.email, ds)  # stamped as made on ds
    except Exception as exc:  # noqa: BLE001 - a store problem (or a refusal) is shown; the run stays on the page
        st.error(f"Not saved: {plain(exc)}")
        return
    st.session_state.setdefault(SAVED, {})[result_key] = (ref["plan"], int(ref["version"]))
    state.session_plans().pop(res.plan.name, None)  # the saved plan stands for the run from now on
    working_plan.set_working(working_plan.saved_token(ref["plan"]))
    st.success(f"Saved “{plain(ref['plan'])}” (version {ref['version']}). It is now your working plan.")


def _submit(view: ScopedView, me: User, name: str, version: int, note: str) -> None:
    from planning.plans import review

    try:
        review.submit(view.store, me, name, version, note)
        st.session_state[FLASH] = ("success", f"“{plain(name)}” v{version} is in review: each manager with an "
                                              f"affected team, finance and leadership find it on the Review page.")
    except (AccessDenied, ValueError) as exc:  # ReviewError is a ValueError: the state forbids it, said plainly
        st.session_state[FLASH] = ("error", f"Not submitted: {plain(exc)}")
    st.rerun()  # the review state line and the button follow the new state


def _review_state(view: ScopedView, name: str, version: int) -> str:
    from planning.plans import review

    try:
        return review.status(view.store, name, version).state
    except Exception:  # noqa: BLE001 - a plan deleted meanwhile, or a store hiccup: treat as not reviewable
        return "unknown"


def save_panel(res: CarveResult, ds, view: ScopedView, me: User, result_key: str) -> None:
    """Save the run (name, button), then Submit for review for the saved version (needs REVIEW_SUBMIT).
    ``view``: the page's ui.scoped.view(); the plan store is its store, read and written as the user."""
    flash = st.session_state.pop(FLASH, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    s1, s2 = st.columns([2, 1])
    name = s1.text_input("Save as", value=res.plan.name, key="carve_save_name")
    if s2.button("Save proposal", disabled=not res.ok or not me.can(Permission.EDIT_PLANS), key="carve_save",
                 type="primary"):
        _save(res, ds, view, me, result_key, name)
    ref = saved_ref(result_key)
    if ref is None:
        st.caption("This result is a run: it is not in the plan library until you save it. Once saved, it can be "
                   "submitted for review.")
        return
    plan_name, version = ref
    current = _review_state(view, plan_name, version)
    st.caption(f"Saved as “{plain(plan_name)}” v{version} · review: {current.replace('_', ' ')}")
    if not me.can(Permission.REVIEW_SUBMIT):
        st.caption("Submitting for review is for sales ops.")
        return
    r1, r2 = st.columns([2, 1])
    note = r1.text_input("Note for reviewers", key="carve_review_note")
    if r2.button("Submit for review", key="carve_submit", disabled=current not in ("draft", "changes_requested")):
        _submit(view, me, plan_name, version, note)
