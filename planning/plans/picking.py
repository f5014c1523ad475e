"""Picking plans on a page: this session's plans first, then the latest version of every saved plan."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

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

    @property
    def label(self) -> str:
        return self.name if self.source == "session" else f"{self.name} v{self.version} (saved)"

    def load(self, session: dict[str, Plan], store: PlanStore) -> Plan:
        if self.source == "session":
            return session[self.name]
        plan = store.load_plan(self.name, self.version)
        plan.name = self.label  # distinct from a session plan of the same name
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


def available_plans(session: dict[str, Plan], store: PlanStore) -> tuple[list[PlanRef], str | None]:
    """Plans a page can offer: this session's, then the saved ones; with a warning when the store cannot be read."""
    try:
        return plan_refs(session, store.list_plans()), None
    except (StoreError, sa.exc.SQLAlchemyError) as exc:
        return plan_refs(session, None), f"The plan store is not available ({exc}); showing this session's plans only."
