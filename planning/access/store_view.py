"""The plan store as one user sees it.

:class:`UserStore` wraps a plan store and checks the user's permission on every read and write: saving,
renaming, cloning, deleting or restoring a plan needs ``edit_plans``; a scenario needs the permission of its
kind (comp: ``view_comp`` / ``edit_comp``; quota: ``view_quota`` + ``view_company`` / ``edit_quota``; capacity
and others: ``view_company`` / ``edit_capacity``).  A listing leaves out what the user may not see (scenario
kinds; for a manager, the company-wide figures stored with each version, account and territory counts too).
Author fields default to the user (:func:`planning.access.users.author_name`).  The store's URL is an admin's
to see (``safe_url``).  Anything else (the engine, tables other helpers add) passes through unchanged.

Plans themselves load whole, because a team's disruption needs both sides of every move; what a manager is
*shown* from them is cut to their team by the core reports (disruption, compare, books, quotas), which all
take the user.
"""
from __future__ import annotations

from planning.access.roles import Permission as P
from planning.access.users import AccessDenied, User, author_name, denial
from planning.plans.store_errors import StoreError  # not store_schema: that imports SQLAlchemy


class StoreAccessDenied(AccessDenied, StoreError):
    """A store act the user may not do: both an AccessDenied and a StoreError, so every shell that already
    reports a StoreError ("Not saved: ...") reports this refusal the same way."""


def require(user: User, permission: P, detail: str = "") -> User:
    if not user.can(permission):
        raise StoreAccessDenied(denial(user, permission, detail))
    return user

# what a manager's listing keeps: no stored headline figure, not even the company's account and territory counts
PLAN_BASE_COLUMNS = ["name", "version", "versions", "created_at", "first_created_at", "author", "note", "kind"]
VERSION_BASE_COLUMNS = ["name", "version", "created_at", "author", "note", "kind"]
HIDDEN_URL = "(the plan store: its address is shown to admins)"


def scenario_permissions(kind: str) -> tuple[tuple[P, ...], P]:
    """(permissions to read, permission to write) a scenario of ``kind``."""
    k = (kind or "").strip().lower()
    if k == "comp":
        return (P.VIEW_COMP,), P.EDIT_COMP
    if k == "quota":
        return (P.VIEW_QUOTA, P.VIEW_COMPANY), P.EDIT_QUOTA
    return (P.VIEW_COMPANY,), P.EDIT_CAPACITY


class UserStore:
    """A plan store seen through one user's permissions (see module doc)."""

    def __init__(self, store, user: User):
        self._store = store
        self.user = user

    def __getattr__(self, name):
        return getattr(self._store, name)

    @property
    def safe_url(self) -> str:
        """The store's address (password hidden) for an admin; a neutral phrase for everyone else."""
        return self._store.safe_url if self.user.can(P.MANAGE_USERS) else HIDDEN_URL

    @property
    def raw(self):
        """The unguarded store (for the review log and user directory, which check permissions themselves)."""
        return self._store

    # ------------------------------------------------------------------ plans
    def _edit(self, what: str) -> None:
        require(self.user, P.EDIT_PLANS, what)

    def save_plan(self, plan, *, author: str = "", note: str = "", summary=None, name=None, made_on=None):
        self._edit(f"save {name or plan.name!r}")
        return self._store.save_plan(plan, author=author or author_name(self.user), note=note, summary=summary,
                                     name=name, made_on=made_on)

    def rename_plan(self, old, new):
        self._edit(f"rename {old!r}")
        return self._store.rename_plan(old, new)

    def clone_plan(self, name, new_name, version=None, *, author: str = "", note=None):
        self._edit(f"clone {name!r}")
        return self._store.clone_plan(name, new_name, version, author=author or author_name(self.user), note=note)

    def delete_plan(self, name):
        self._edit(f"delete {name!r}")
        return self._store.delete_plan(name)

    def restore_plan(self, name):
        self._edit(f"restore {name!r}")
        return self._store.restore_plan(name)

    def list_plans(self):
        require(self.user, P.VIEW_PLANS)
        df = self._store.list_plans()
        return df[[c for c in PLAN_BASE_COLUMNS if c in df]] if self.user.scoped else df

    def plan_names(self):
        return list(self.list_plans()["name"])

    def versions(self, name):
        require(self.user, P.VIEW_PLANS)
        df = self._store.versions(name)
        return df[[c for c in VERSION_BASE_COLUMNS if c in df]] if self.user.scoped else df

    def load_plan(self, name, version=None):
        require(self.user, P.VIEW_PLANS)
        return self._store.load_plan(name, version)

    def plan_header(self, name, version=None):
        require(self.user, P.VIEW_PLANS)
        return self._store.plan_header(name, version)

    def plan_summary(self, name, version):
        require(self.user, P.VIEW_PLANS)
        return {} if self.user.scoped else self._store.plan_summary(name, version)

    # ------------------------------------------------------------------ scenarios
    def _can_read(self, kind: str) -> bool:
        return all(self.user.can(p) for p in scenario_permissions(kind)[0])

    def _read(self, kind: str) -> None:
        for p in scenario_permissions(kind)[0]:
            require(self.user, p, f"{kind} scenarios")

    def _write(self, kind: str, what: str) -> None:
        require(self.user, scenario_permissions(kind)[1], what)

    def save_scenario(self, kind, name, payload, *, author: str = "", note: str = "", summary=None):
        self._write(kind, f"save {kind} scenario {name!r}")
        return self._store.save_scenario(kind, name, payload, author=author or author_name(self.user), note=note,
                                         summary=summary)

    def list_scenarios(self, kind=None):
        if kind:
            self._read(kind)
            return self._store.list_scenarios(kind)
        df = self._store.list_scenarios()
        return df.loc[df["kind"].map(self._can_read).astype(bool)] if len(df) else df

    def load_scenario(self, kind, name, version=None):
        self._read(kind)
        return self._store.load_scenario(kind, name, version)

    def versions_scenario(self, kind, name):
        self._read(kind)
        return self._store.versions_scenario(kind, name)

    def rename_scenario(self, kind, old, new):
        self._write(kind, f"rename {kind} scenario {old!r}")
        return self._store.rename_scenario(kind, old, new)

    def clone_scenario(self, kind, name, new_name, version=None, *, author: str = "", note=None):
        self._write(kind, f"clone {kind} scenario {name!r}")
        return self._store.clone_scenario(kind, name, new_name, version, author=author or author_name(self.user),
                                          note=note)

    def delete_scenario(self, kind, name):
        self._write(kind, f"delete {kind} scenario {name!r}")
        return self._store.delete_scenario(kind, name)

    def restore_scenario(self, kind, name):
        self._write(kind, f"restore {kind} scenario {name!r}")
        return self._store.restore_scenario(kind, name)


__all__ = ["UserStore", "StoreAccessDenied", "scenario_permissions"]
