"""Picking plans on a page: this session's plans first, then the latest version of every saved plan.

Given the data's :class:`~planning.plans.dataset_fit.FitCheck`, each saved plan carries its fit: a plan made on
a changed version of the data is marked with the count of accounts that differ, and a plan made on another
dataset is marked so and listed last (the pages refuse to set its figures against the data)."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from planning.plans.dataset_fit import DatasetFit, FitCheck, made_on_name
from planning.plans.plan import Plan
from planning.plans.store import PlanStore
from planning.plans.store_schema import StoreError

def plan_digest(plan: Plan) -> str:
    """A short content hash of a plan's assignment and territories (a cache key for session plans)."""
    h = hashlib.sha1()
    h.update(pd.util.hash_pandas_object(plan.assignment.astype(str), index=True).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(plan.territories.astype(str), index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class PlanRef:
    """A plan to pick on a page: one made in this session, or a saved version (latest when version is None)."""

    source: str  # "session" | "saved"
    name: str
    version: int | None = None
    fit: DatasetFit | None = field(default=None, compare=False)  # None: not checked (this session's plans)

    @property
    def usable(self) -> bool:
        """False for a plan made on another dataset: its figures must not be set against the data."""
        return self.fit is None or self.fit.usable

    @property
    def plan_name(self) -> str:
        """The name a loaded plan goes by in reports (distinct from a session plan of the same name)."""
        return self.name if self.source == "session" else f"{self.name} v{self.version} (saved)"

    @property
    def label(self) -> str:
        """The picker's label: the plan's name, marked when it was not made on the data in use."""
        return self.plan_name + (self.fit.marker if self.fit is not None else "")

    def load(self, session: dict[str, Plan], store: PlanStore) -> Plan:
        if self.source == "session":
            return session[self.name]
        plan = store.load_plan(self.name, self.version)
        plan.name = self.plan_name
        return plan

    def key(self, session: dict[str, Plan]) -> str:
        """Cache key: saved versions never change; session plans are hashed."""
        if self.source == "saved":
            return f"saved:{self.name}@{self.version}"
        return f"session:{self.name}:{plan_digest(session[self.name])}"


def plan_refs(session: dict[str, Plan], saved: pd.DataFrame | None) -> list[PlanRef]:
    """Session plans first (the current plan leads), then the latest version of every saved plan."""
    refs = [PlanRef("session", n) for n in session]
    if saved is not None and len(saved):
        refs += [PlanRef("saved", str(r["name"]), int(r["version"])) for _, r in saved.iterrows()]
    return refs


_KEPT = 256  # saved versions whose account ids (a few MB at most) and fits are kept; a version never changes
_saved_ids: OrderedDict[tuple, tuple[frozenset[str], str | None]] = OrderedDict()
_saved_fits: OrderedDict[tuple, DatasetFit] = OrderedDict()


def _memo(cache: OrderedDict, key, make):
    if key not in cache:
        cache[key] = make()
        while len(cache) > _KEPT:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return cache[key]


def saved_fit(store: PlanStore, name: str, version: int, created_at, check: FitCheck) -> DatasetFit:
    """How a saved version (saved at ``created_at``) meets the data of ``check``.  Its account ids are read once
    per process and its fit once per data, so a page's rerun pays neither (a deleted name saved again restarts
    at version 1, so the save time is part of the key)."""
    raw = getattr(store, "raw", store)
    key = (str(getattr(raw, "url", id(raw))), name, int(version), str(created_at))

    def read() -> tuple[frozenset[str], str | None]:
        plan = store.load_plan(name, int(version))
        return frozenset(plan.assignment.index), made_on_name(plan.settings)

    return _memo(_saved_fits, (key, check), lambda: check.ids(*_memo(_saved_ids, key, read)))


def _checked(refs: list[PlanRef], session: dict[str, Plan], saved: pd.DataFrame | None, store: PlanStore,
             check: FitCheck) -> list[PlanRef]:
    """Refs with their fit (a session plan's too: one loaded from the library may be another dataset's); another
    dataset's plans move to the end, so the pickers' defaults avoid them."""
    made = {} if saved is None or not len(saved) else \
        dict(zip(zip(saved["name"].astype(str), saved["version"].astype(int)), saved["created_at"]))
    out = []
    for r in refs:
        try:
            fit = check.plan(session[r.name]) if r.source == "session" else \
                saved_fit(store, r.name, int(r.version), made.get((r.name, r.version)), check)
        except (StoreError, sa.exc.SQLAlchemyError):  # deleted meanwhile: loading it says so on the page
            fit = None
        out.append(PlanRef(r.source, r.name, r.version, fit))
    return [r for r in out if r.usable] + [r for r in out if not r.usable]


def available_plans(session: dict[str, Plan], store: PlanStore,
                    check: FitCheck | None = None) -> tuple[list[PlanRef], str | None]:
    """Plans a page can offer: this session's, then the saved ones; with a warning when the store cannot be read.
    With ``check`` (the data's, ``ScopedView.fit_check``) each plan carries its fit (module doc)."""
    try:
        saved = store.list_plans()
        problem = None
    except (StoreError, sa.exc.SQLAlchemyError) as exc:
        saved, problem = None, f"The plan store is not available ({exc}); showing this session's plans only."
    refs = plan_refs(session, saved)
    return (_checked(refs, session, saved, store, check) if check is not None else refs), problem


def usable_plans(refs: list[PlanRef]) -> tuple[list[PlanRef], list[PlanRef]]:
    """``refs`` split into the plans that may be set against the data and the ones made on another dataset."""
    return [r for r in refs if r.usable], [r for r in refs if not r.usable]
