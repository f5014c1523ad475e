"""`users ...`: who may use the planner and in which role (the Users page, headless).

Users live in the plan store; every change is appended (who changed what, when), never overwritten.  To turn
sign-in on, first add yourself as admin: ``python -m planning users add you@company.com --role admin``.
"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from planning.access import Role
from cli.common import LazyModule, acting_user, echo_table

directory = LazyModule("planning.access.directory")

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Plan store URL (default: $DATABASE_URL, else the local SQLite file).")]
EmailArg = Annotated[str, typer.Argument(help="The user's email, as their sign-in provider reports it.")]
ROLES = ", ".join(r.value for r in Role)
ManagerOpt = Annotated[Optional[str], typer.Option("--manager-id", help="For a manager: their rep_id in the reps table (their team is everyone reporting to it).")]
LoginOpt = Annotated[Optional[str], typer.Option("--os-login", help="OS login the CLI maps to this user when --as is not given.")]


def _store(db):
    from planning.plans import PlanStore

    return PlanStore(db)


def _fail(exc) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def list_(db: DbOpt = None, all_: Annotated[bool, typer.Option("--all", help="Include deactivated users.")] = False,
          history: Annotated[bool, typer.Option("--history", help="Every change ever made to users, oldest first.")] = False):
    """Users with their role, team mapping and OS login (or the full change history)."""
    s = _store(db)
    df = directory.user_history(s) if history else directory.list_users(s, include_inactive=all_)
    echo_table(df)
    if not history and df.empty:
        typer.echo("No users: sign-in is effectively single-user.  Start with "
                   "`python -m planning users add you@company.com --role admin`.")


def add(email: EmailArg,
        role: Annotated[str, typer.Option("--role", help=f"One of: {ROLES}.")],
        name: Annotated[str, typer.Option(help="Display name.")] = "",
        manager_id: ManagerOpt = None, os_login: LoginOpt = None,
        note: Annotated[str, typer.Option(help="Why (kept in the history).")] = "", db: DbOpt = None):
    """Add a user (admin only; the first admin can be added by the local user)."""
    try:
        u = directory.add_user(_store(db), acting_user(db), email, role, name=name, manager_id=manager_id,
                     os_login=os_login, note=note)
    except ValueError as exc:  # UserError is a ValueError
        _fail(exc)
    typer.echo(f"added {u.display}" + (f", team of {u.manager_id}" if u.manager_id else ""))


def set_role(email: EmailArg,
             role: Annotated[str, typer.Argument(help=f"New role: {ROLES}.")],
             manager_id: ManagerOpt = None, os_login: LoginOpt = None,
             name: Annotated[Optional[str], typer.Option(help="New display name.")] = None,
             note: Annotated[str, typer.Option(help="Why (kept in the history).")] = "", db: DbOpt = None):
    """Change a user's role (and team mapping); the change is appended to the history."""
    try:
        u = directory.set_user(_store(db), acting_user(db), email, role=role, manager_id=manager_id, os_login=os_login,
                     name=name, note=note)
    except ValueError as exc:  # UserError is a ValueError
        _fail(exc)
    typer.echo(f"{u.email} is now {u.role.title}" + (f" (team of {u.manager_id})" if u.manager_id else ""))


def deactivate(email: EmailArg, note: Annotated[str, typer.Option(help="Why.")] = "", db: DbOpt = None):
    """Take a user's access away (their history stays)."""
    try:
        directory.set_user(_store(db), acting_user(db), email, active=False, note=note or "deactivated")
    except ValueError as exc:  # UserError is a ValueError
        _fail(exc)
    typer.echo(f"deactivated {email}")


def whoami(db: DbOpt = None):
    """Who the CLI acts as (after --as and the OS-login mapping), and what that role may do."""
    u = acting_user(db)
    typer.echo(f"{u.display}" + (f", team of {u.manager_id}" if u.manager_id else "") + f" [{u.source}]")
    from planning.access.roles import ROLE_PERMISSIONS

    typer.echo("may: " + ", ".join(sorted(p.value for p in ROLE_PERMISSIONS[u.role])))


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(help=f"Users and roles ({ROLES}); admins only for changes.", no_args_is_help=True)
    app.add_typer(users_app, name="users")
    users_app.command("list")(list_)
    users_app.command()(add)
    users_app.command("set-role")(set_role)
    users_app.command()(deactivate)
    users_app.command()(whoami)
