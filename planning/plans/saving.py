"""Saving a plan, the one way: every path that saves one (the Plans page and ``plans save``, the Carve page's Save
and ``carve --save``, the carve and sweep jobs, the CRM changes, a mid-year change, a routing, the sample's seeded
draft) calls :func:`save_made_on`, so each saved version records the dataset it was made on (its ``made_on`` stamp,
:mod:`planning.plans.dataset_fit`) next to the library's headline figures computed on that same data.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planning.data.defaults import Settings
from planning.plans.compare import plan_summary
from planning.plans.dataset_fit import dataset_stamp
from planning.plans.plan import Plan


@dataclass(frozen=True)
class MadeOn:
    """The data a plan is made on, as a save needs it.  A :class:`planning.data.dataset.Dataset` has these
    attributes too; a job, which is handed the data's frames rather than the dataset, builds one."""

    name: str
    accounts: pd.DataFrame
    reps: pd.DataFrame
    plan_year: int | None
    settings: Settings | None = None


def save_made_on(store, plan: Plan, data, *, author: str = "", note: str = "", name: str | None = None,
                 accounts: pd.DataFrame | None = None, extra_summary: dict | None = None):
    """Save ``plan`` as a new version of ``name`` (default: the plan's) in ``store`` (a PlanStore, or the user's
    StoreView, which checks the role), stamped as made on ``data`` (a Dataset or a :class:`MadeOn`).

    ``accounts`` (default ``data.accounts``) are the accounts the plan was made on when they are not the data's
    own: the CRM changes and a routing save a plan on the data with the new export's accounts.  The stored headline
    figures (:func:`planning.plans.plan_summary`) and the stamp are both over them.  ``extra_summary`` adds
    figures to the stored ones (a carve's status, gap and moves).  Returns the StoredVersion."""
    acc = data.accounts if accounts is None else accounts
    settings = getattr(data, "settings", None) or Settings()
    summary = {**plan_summary(plan, acc, data.reps, data.plan_year, settings), **(extra_summary or {})}
    return store.save_plan(plan, author=author, note=note, name=name, summary=summary,
                           made_on=dataset_stamp(data.name, acc, data.reps))
