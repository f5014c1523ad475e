"""The session's scoped accessor: ``view = scoped.view()`` is the dataset, the plans and the reports on them as the
signed-in user may see them (:class:`planning.access.ScopedView`).  Pages read through it, not through
``state.dataset()`` or ``state.store()``."""
from __future__ import annotations

from planning.access import ScopedView


def view() -> ScopedView:
    """The accessor for this run: the session's dataset and plan store, as the signed-in user sees them."""
    from ui import access, state

    return ScopedView(access.user(), state.dataset(), state.raw_store())
