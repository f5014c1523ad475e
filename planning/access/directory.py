"""The users kept in the plan store, and who is acting.

Table ``store_users`` is append-only like the rest of the store: adding a user, changing a role, a name, a
team mapping or deactivating someone appends a row (who changed it, when, why); a user is the latest row for
their email.  So the history of who had which role is never lost.

Who is acting
    * the app with sign-in on: the signed-in email (:func:`user_from_claims`), only when the provider vouches
      for it (``email_verified`` true, or the claim an admin configured); an email nobody added is refused;
    * the app with sign-in off: the local user, an admin (:func:`planning.access.users.local_user`);
    * the CLI: ``--as EMAIL`` (must be a user), else the OS login when an admin mapped it to a user, else the
      local user.  The CLI is trusted like the database credentials it runs with: ``--as`` is for acting under a
      role and for the audit trail, not a barrier against someone who can open the database anyway.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from planning.access.roles import Permission, Role, parse_role
from planning.access.users import AccessDenied, User, local_user, require

_metadata = sa.MetaData()
users_table = sa.Table(
    "store_users", _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, index=True),  # lower-cased
    sa.Column("name", sa.String(255), nullable=False, default=""),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("manager_id", sa.String(64), nullable=True),  # rep_id of the manager this user is
    sa.Column("os_login", sa.String(128), nullable=True),  # OS login the CLI maps to this user
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(320), nullable=False, default=""),
    sa.Column("note", sa.Text, nullable=False, default=""),
)
COLUMNS = ["email", "name", "role", "manager_id", "os_login", "active", "changed_at", "changed_by", "note"]


class UserError(ValueError):
    """A user change that cannot be made (bad email, unknown role, a manager without a team, last admin...)."""


def create_tables(conn: Connection) -> None:
    """Store migration: the users table."""
    users_table.create(conn, checkfirst=True)


def _norm_email(email: str) -> str:
    e = str(email or "").strip().lower()
    if "@" not in e or e.startswith("@") or e.endswith("@") or " " in e:
        raise UserError(f"{email!r} is not an email address")
    return e


def _history(conn: Connection, email: str | None = None) -> pd.DataFrame:
    q = sa.select(users_table).order_by(users_table.c.id)
    if email is not None:
        q = q.where(users_table.c.email == email)
    rows = conn.execute(q).mappings().all()
    df = pd.DataFrame([dict(r) for r in rows], columns=["id", *COLUMNS])
    if len(df):
        t = pd.to_datetime(df["changed_at"])
        df["changed_at"] = t.dt.tz_localize("UTC") if t.dt.tz is None else t.dt.tz_convert("UTC")
        df["active"] = df["active"].astype(bool)
    return df


def _current(conn: Connection) -> pd.DataFrame:
    h = _history(conn)
    return h.groupby("email", sort=True).tail(1).sort_values("email").reset_index(drop=True) if len(h) else h


def _to_user(row, source: str = "store") -> User:
    return User(email=row["email"], name=row["name"] or "", role=Role(row["role"]),
                manager_id=row["manager_id"] or None, os_login=row["os_login"] or None, source=source)


def list_users(store, include_inactive: bool = False) -> pd.DataFrame:
    """One row per user (their latest state): email, name, role, manager_id, os_login, active, changed_at/by."""
    with store.engine.connect() as conn:
        cur = _current(conn)
    if len(cur) and not include_inactive:
        cur = cur.loc[cur["active"]]
    return cur.drop(columns="id").reset_index(drop=True) if len(cur) else pd.DataFrame(columns=COLUMNS)


def user_history(store, email: str | None = None) -> pd.DataFrame:
    """Every change to users (or to one user), oldest first: the audit trail of roles."""
    with store.engine.connect() as conn:
        h = _history(conn, _norm_email(email) if email else None)
    return h.drop(columns="id") if len(h) else pd.DataFrame(columns=COLUMNS)


def has_users(store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(users_table)).scalar_one() > 0


def get_user(store, email: str, source: str = "store") -> User | None:
    """The active user with this email, or None."""
    try:
        e = _norm_email(email)
    except UserError:
        return None
    with store.engine.connect() as conn:
        h = _history(conn, e)
    if h.empty or not bool(h.iloc[-1]["active"]):
        return None
    return _to_user(h.iloc[-1], source)


def user_by_os_login(store, login: str, source: str = "cli") -> User | None:
    cur = list_users(store)
    hit = cur.loc[cur["os_login"].fillna("").astype(str) == str(login)] if len(cur) else cur
    return _to_user(hit.iloc[0], source) if len(hit) else None


def _write(store, actor: User, email: str, *, existing: bool, note: str = "", **fields) -> User:
    require(actor, Permission.MANAGE_USERS)
    e = _norm_email(email)
    with store.engine.begin() as conn:
        h = _history(conn, e)
        if existing and h.empty:
            raise UserError(f"no user {e}; add them first (`users add {e} --role ...`)")
        if not existing and len(h) and bool(h.iloc[-1]["active"]):
            raise UserError(f"{e} is already a user ({h.iloc[-1]['role']}); use set-role to change them")
        prev = h.iloc[-1].to_dict() if len(h) else {"name": "", "role": Role.VIEWER.value, "manager_id": None,
                                                    "os_login": None, "active": True}
        row = {"name": prev["name"], "role": prev["role"], "manager_id": prev["manager_id"],
               "os_login": prev["os_login"], "active": True if not existing else bool(prev["active"])}
        row.update({k: v for k, v in fields.items() if v is not None})
        role = parse_role(row["role"])
        row["role"] = role.value
        row["manager_id"] = (str(row["manager_id"]).strip() or None) if row["manager_id"] else None
        row["os_login"] = (str(row["os_login"]).strip() or None) if row["os_login"] else None
        if role == Role.MANAGER and not row["manager_id"]:
            raise UserError(f"{e}: a manager needs --manager-id, the rep_id of the manager they are in the reps "
                            "table (it defines their team)")
        cur = _current(conn)
        others = cur.loc[(cur["email"] != e) & cur["active"]] if len(cur) else cur
        if row["os_login"] and len(others) and (others["os_login"] == row["os_login"]).any():
            who = others.loc[others["os_login"] == row["os_login"], "email"].iloc[0]
            raise UserError(f"OS login {row['os_login']!r} is already mapped to {who}")
        admins_left = (others["role"] == Role.ADMIN.value).sum() if len(others) else 0
        was_admin = len(h) and h.iloc[-1]["role"] == Role.ADMIN.value and bool(h.iloc[-1]["active"])
        if was_admin and (role != Role.ADMIN or not row["active"]) and admins_left == 0:
            raise UserError(f"{e} is the last admin; make someone else admin first")
        conn.execute(users_table.insert().values(email=e, changed_at=datetime.now(UTC), changed_by=actor.email,
                                                 note=note or "", **row))
    return _to_user({"email": e, **row})


def add_user(store, actor: User, email: str, role: str | Role, *, name: str = "", manager_id: str | None = None,
             os_login: str | None = None, note: str = "") -> User:
    """Add a user (an admin's act; appended to the users history)."""
    return _write(store, actor, email, existing=False, note=note or "added", name=name, role=str(role),
                  manager_id=manager_id, os_login=os_login)


def set_user(store, actor: User, email: str, *, role: str | Role | None = None, name: str | None = None,
             manager_id: str | None = None, os_login: str | None = None, active: bool | None = None,
             note: str = "") -> User:
    """Change a user's role, name, team mapping, OS login or active flag (unchanged fields stay)."""
    return _write(store, actor, email, existing=True, note=note or "changed", role=None if role is None else str(role),
                  name=name, manager_id=manager_id, os_login=os_login, active=active)


def signed_in_user(store, email: str, name: str = "") -> User:
    """The user for an OIDC sign-in; an email no admin added is refused with a clear message."""
    u = get_user(store, email, source="oidc")
    if u is None:
        raise AccessDenied(f"{email or 'This account'} is signed in but has no access to the planner yet: ask an "
                           "admin to add you (Users page, or `python -m planning users add EMAIL --role ROLE`).")
    return u if u.name or not name else User(**{**u.__dict__, "name": name})


DEFAULT_VERIFIED_CLAIM = "email_verified"
VERIFIED_CLAIM_ENV = "PLANNER_VERIFIED_CLAIM"


def verified_claims(auth_section: Mapping | None = None, env: Mapping | None = None) -> tuple[str, ...]:
    """The ID-token claim(s) that say the provider verified the email: ``$PLANNER_VERIFIED_CLAIM`` (comma-separated)
    wins, else ``verified_claim`` in the ``[auth]`` section of secrets.toml (a name or a list), else
    ``email_verified``.  Any one of them being true is enough."""
    raw = (env or {}).get(VERIFIED_CLAIM_ENV) or (auth_section or {}).get("verified_claim") or DEFAULT_VERIFIED_CLAIM
    names = raw.split(",") if isinstance(raw, str) else [str(n) for n in raw]
    names = tuple(n.strip() for n in names if n.strip())
    return names or (DEFAULT_VERIFIED_CLAIM,)


def _is_true(value) -> bool:
    """A claim that is true: JSON ``true`` (some providers send the string "true")."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def verified_email(claims: Mapping, verified: tuple[str, ...] | str = (DEFAULT_VERIFIED_CLAIM,)) -> str:
    """The email an OIDC sign-in may act as, or :class:`AccessDenied`.

    Only the ``email`` claim counts, never ``sub`` or a display name (a provider's subject is an opaque id, and
    anyone may choose one that looks like an admin's email), and only when the provider says it verified that
    address: one of ``verified`` is true.  A missing, false or unverified email is refused with what to do."""
    verified = (verified,) if isinstance(verified, str) else tuple(verified)
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise AccessDenied("Your sign-in provider did not send an email address, so the planner cannot tell who you "
                           "are and does not sign you in. Ask whoever runs your company's sign-in to release the "
                           "email claim to this app (scope \"email\").")
    email = email.strip()
    if not any(_is_true(claims.get(name)) for name in verified):
        claim = " or ".join(f"\"{n}\"" for n in verified)
        raise AccessDenied(f"{email} is not a verified address at your sign-in provider (its {claim} claim is not "
                           "true), so the planner does not sign you in with it. Verify the address with your "
                           "provider and sign in again, or ask an admin which sign-in to use.")
    return email


def user_from_claims(store, claims: Mapping, verified: tuple[str, ...] | str = (DEFAULT_VERIFIED_CLAIM,)) -> User:
    """The user for an OIDC sign-in's claims: a verified email (:func:`verified_email`) that an admin added."""
    return signed_in_user(store, verified_email(claims, verified), str(claims.get("name") or ""))


def cli_user(store, as_email: str | None = None, os_login: str | None = None) -> User:
    """Who the CLI acts as: ``--as EMAIL``, else the mapped OS login, else the local user (an admin)."""
    if as_email:
        u = get_user(store, as_email, source="cli")
        if u is None:
            raise AccessDenied(f"--as {as_email}: no active user with that email in the plan store "
                               f"{store.safe_url} (see `python -m planning users list`).")
        return u
    local = local_user()
    login = os_login or local.os_login
    if login and has_users(store):
        u = user_by_os_login(store, login)
        if u is not None:
            return u
    return local
