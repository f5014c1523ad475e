"""Who is acting: a :class:`User` (email, name, role, and for a manager the rep id of the team they lead),
the local default user when sign-in is off, and :func:`require`, which raises a clear :class:`AccessDenied`."""
from __future__ import annotations

import getpass
from dataclasses import dataclass

from planning.access.roles import ACTIONS, ROLE_PERMISSIONS, Permission, Role, roles_with


class AccessDenied(PermissionError):
    """The user may not do or see this; the message says who, what, and which roles may."""


@dataclass(frozen=True)
class User:
    """One person using the planner.

    ``manager_id`` is the rep_id (reps table) of the manager this user is; it defines a manager's team
    (the reps whose ``manager_id`` is it, and the manager themself).  ``source`` says how they were
    identified: "local" (sign-in off), "oidc" (signed in), "cli" (``--as`` or the OS login mapping).
    """

    email: str
    name: str = ""
    role: Role = Role.VIEWER
    manager_id: str | None = None
    os_login: str | None = None
    source: str = "store"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def scoped(self) -> bool:
        """True when the user sees only their own team (a manager)."""
        return not self.can(Permission.VIEW_COMPANY)

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name and self.name != self.email else self.email

    @property
    def display(self) -> str:
        return f"{self.label} ({self.role.title})"


def local_user() -> User:
    """The embedded default when sign-in is off: one local user, the admin, named after the OS login."""
    try:
        login = getpass.getuser()
    except Exception:  # no login name in some containers
        login = "local"
    return User(email=f"{login}@localhost", name=login, role=Role.ADMIN, os_login=login, source="local")


def author_name(user: User) -> str:
    """Who a saved version records as its author: the acting user's email, or for the local user (sign-in off, no
    ``--as`` and no mapped OS login) the OS login, as before there were users."""
    if user.source == "local":
        return user.os_login or user.name or user.email
    return user.email


def denial(user: User, permission: Permission, detail: str = "") -> str:
    who = ", ".join(r.title for r in roles_with(permission))
    msg = f"{user.display} may not {ACTIONS[permission]}"
    if detail:
        msg += f" ({detail})"
    return msg + f". That needs the role {who}; ask an admin if you should have it."


def require(user: User, permission: Permission, detail: str = "") -> User:
    """Return ``user`` when they hold ``permission``; raise :class:`AccessDenied` saying why not."""
    if not user.can(permission):
        raise AccessDenied(denial(user, permission, detail))
    return user
