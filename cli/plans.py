"""`plans ...`: the plan library of the Plans page, headless, and how every plan command reads a plan argument
(:func:`resolve_plan`; the report commands are in cli/reports.py, the CRM ones in cli/crm.py).

A plan argument is ``current`` (today's CRM ownership), a saved plan name (``name@3`` for version 3), or a CSV file
with ``account_id, territory_id`` (and optionally ``owner_rep_id``), e.g. one written by ``plans show --out``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import pandas as pd
import typer

from cli.common import ACCESS_DENIED_EXIT, echo_table, user_store, uses_data
from planning.access import AccessDenied, ScopedView, author_name, visible_columns
from planning.data import FileError, write_csv
from planning.plans import FitCheck, Plan, StoreError, plan_from_assignment
from planning.reporting import books_view

if TYPE_CHECKING:
    from planning.plans import PlanStore

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Plan store URL (SQLAlchemy), e.g. sqlite:///plans.sqlite or postgresql+psycopg://user:pw@host/db. Default: $DATABASE_URL, else a SQLite file in your user data directory.")]
AuthorOpt = Annotated[Optional[str], typer.Option("--author", help="Who saves this version (default: the acting user, --as EMAIL; without --as and sign-in, your login name).")]
NoteOpt = Annotated[str, typer.Option("--note", help="A note stored with this version (why it was saved).")]
PlanArg = Annotated[str, typer.Argument(help="'current', a saved plan name (name@3 for version 3), or an assignment CSV (account_id, territory_id[, owner_rep_id]).")]


def _fail(exc: Exception | str, what: str = "") -> None:
    """One red line and the exit status: 3 for a refusal ("denied: not saved: ..."), else 2."""
    denied = isinstance(exc, AccessDenied)
    typer.secho(f"{'denied' if denied else 'error'}: {what + ': ' if what else ''}{exc}", fg=typer.colors.RED,
                err=True)
    raise typer.Exit(ACCESS_DENIED_EXIT if denied else 2)


def _store(db: str | None) -> PlanStore:
    """The plan store as the acting user (--as) sees it."""
    try:
        return user_store(db)
    except (StoreError, AccessDenied) as exc:
        _fail(exc)
    except Exception as exc:  # a bad URL or an unreachable server: say which (password hidden), no stack trace
        _fail(f"cannot open the plan store {_safe(db or os.environ.get('DATABASE_URL') or '(default)')}: "
              f"{str(exc).splitlines()[0]}")


def _safe(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing secret to hide
        return url


def _lifecycle(action: str, name: str, scenario: str | None, db: str | None) -> None:
    """Soft-delete or restore (``action``) a plan, or with ``scenario`` a scenario of that kind."""
    s = _store(db)
    plan_op, scenario_op = {"delete": (s.delete_plan, s.delete_scenario),
                            "restore": (s.restore_plan, s.restore_scenario)}[action]
    try:
        scenario_op(scenario, name) if scenario else plan_op(name)
    except StoreError as exc:
        _fail(exc)


def _author(author: str | None, store) -> str:
    """--author, else the acting user (the OS login only for the local user; see planning.access.author_name)."""
    return author or author_name(store.user)


def _view(store, ds) -> ScopedView:
    """The data, plans and reports as the acting user may see them."""
    return ScopedView(store.user, ds, store)


def _split_version(ref: str) -> tuple[str, int | None]:
    if "@" in ref:
        name, _, v = ref.rpartition("@")
        if v.isdigit() and name:
            return name, int(v)
    return ref, None


def plan_from_csv(path: Path, ds, name: str | None = None) -> Plan:
    """An assignment CSV (account_id, territory_id[, owner_rep_id]) as a Plan on the dataset's territories."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    try:
        return plan_from_assignment(df, ds.current_plan().territories, ds.rep_names(), name or path.stem,
                                    note=f"from {path.name}")
    except ValueError as exc:
        raise FileError(path.name, str(exc).removeprefix("assignment: ")) from exc


def resolve_plan(ref: str, ds, store_fn) -> Plan:
    """'current', a CSV path, or a saved plan name[@version]; another dataset's plan stops the command (exit 2)
    saying what does not match, one made on a changed version of ``ds`` warns (planning.plans.dataset_fit)."""
    if ref.strip().lower() == "current":
        return ds.current_plan()
    p = Path(ref)
    if p.suffix.lower() == ".csv" and p.exists():
        return _fitting(plan_from_csv(p, ds), ref, ds, show_ids=True)
    name, version = _split_version(ref)
    plan = (store := store_fn()).load_plan(name, version)
    if version is not None:
        plan.name = f"{name} v{version}"
    # a manager is told counts only, never other teams' account ids
    return _fitting(plan, ref, ds, show_ids=not getattr(getattr(store, "user", None), "scoped", False))


def _fitting(plan: Plan, ref: str, ds, *, show_ids: bool) -> Plan:
    fit = FitCheck.of(ds.name, ds.accounts, show_ids=show_ids).plan(plan)
    if not fit.usable:
        _fail(fit.message(repr(ref)))
    if fit.status == "changed":
        typer.secho(f"warning: {fit.message(repr(ref))}", fg=typer.colors.YELLOW, err=True)
    return plan


def list_(db: DbOpt = None,
          scenarios: Annotated[bool, typer.Option("--scenarios", help="List capacity/quota/comp scenarios instead of plans.")] = False,
          kind: Annotated[Optional[str], typer.Option(help="With --scenarios: only this kind (capacity, quota, comp).")] = None):
    """Saved plans (or scenarios): latest version, when, who, note and headline figures."""
    s = _store(db)
    try:
        df = visible_columns(s.user, s.list_scenarios(kind) if scenarios else s.list_plans())
    except StoreError as exc:
        _fail(exc)
    if len(df):
        keep = [c for c in ("kind", "name", "version", "versions", "created_at", "author", "note",
                            "accounts", "territories", "arr_usd", "potential_cv", "quota_reps", "headcount") if c in df]
        df = df[keep]
    echo_table(df)


@uses_data
def show(name: Annotated[str, typer.Argument(help="Saved plan name (name@3 for version 3).")],
         db: DbOpt = None,
         versions: Annotated[bool, typer.Option("--versions", help="List every version instead of the book.")] = False,
         out: Annotated[Optional[Path], typer.Option(help="Write the assignment (account_id, territory_id, owner_rep_id) to this CSV, for re-import (canonical column names).")] = None, ds=None):
    """A saved plan: its versions, or its per-territory book on the given data (sample company by default)."""
    s = _store(db)
    base, version = _split_version(name)
    try:
        if versions:
            v = s.versions(base)
            echo_table(v)
            return
        plan = s.load_plan(base, version)
        header = s.plan_header(base, version)
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"{base} v{header.version} ({plan.kind}) saved {header.created_at:%Y-%m-%d %H:%M} UTC by "
               f"{header.author or '?'}: {header.note}")
    view = _view(s, ds)
    book = view.book(plan).reset_index()
    echo_table(books_view(book[["territory_id", "name", "segment", "owner_name", "owner_rep_id", "accounts",
                                "arr_usd", "potential_usd", "workload_hours"]]))
    if out:
        write_csv(view.plan(plan).to_frame(), out)
        typer.echo(f"wrote {out}")


@uses_data
def save(plan: PlanArg = "current",
         name: Annotated[Optional[str], typer.Option("--name", "-n", help="Name to save under (default: the plan's own name). Saving under an existing name adds a version.")] = None,
         db: DbOpt = None, author: AuthorOpt = None, note: NoteOpt = "", ds=None):
    """Save a plan (today's ownership, an assignment CSV, or a copy of a saved plan) as a new version."""
    s = _store(db)
    try:
        p = resolve_plan(plan, ds, lambda: s)
    except (StoreError, FileError) as exc:
        _fail(exc)
    try:
        v = _view(s, ds).save_plan(p, author=_author(author, s), note=note, name=name)
    except StoreError as exc:  # a refusal (StoreAccessDenied) is a StoreError too
        _fail(exc, f"not saved ({name or p.name!r})")
    n = int(p.assignment.reindex(ds.accounts["account_id"].astype(str)).notna().sum())
    typer.echo(f"saved {v.name!r} version {v.version} by {v.author or '?'} ({n:,} accounts, "
               f"{len(p.territories)} territories)")


def rename(old: Annotated[str, typer.Argument(help="Current name.")],
           new: Annotated[str, typer.Argument(help="New name (must be free).")], db: DbOpt = None,
           scenario: Annotated[Optional[str], typer.Option(help="Rename a scenario of this kind (capacity, quota, comp) instead of a plan.")] = None):
    """Rename a saved plan or scenario; all its versions follow."""
    s = _store(db)
    try:
        s.rename_scenario(scenario, old, new) if scenario else s.rename_plan(old, new)
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"renamed {old!r} to {new!r}")


def clone(name: Annotated[str, typer.Argument(help="Saved plan to copy (name@3 copies version 3).")],
          new_name: Annotated[str, typer.Argument(help="Name of the copy (must be free).")], db: DbOpt = None,
          author: AuthorOpt = None,
          scenario: Annotated[Optional[str], typer.Option(help="Clone a scenario of this kind instead of a plan.")] = None):
    """Copy a saved plan (or scenario) version into a new name, as its version 1."""
    s = _store(db)
    base, version = _split_version(name)
    try:
        v = (s.clone_scenario(scenario, base, new_name, version, author=_author(author, s)) if scenario
             else s.clone_plan(base, new_name, version, author=_author(author, s)))
    except StoreError as exc:
        _fail(exc, "not cloned")
    typer.echo(f"cloned {name!r} to {v.name!r} ({v.note})")


def delete(name: Annotated[str, typer.Argument(help="Saved plan (or scenario) name.")], db: DbOpt = None,
           scenario: Annotated[Optional[str], typer.Option(help="Delete a scenario of this kind instead of a plan.")] = None,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False):
    """Soft-delete a plan or scenario: it leaves the library, its versions stay (see `plans restore`)."""
    if not yes:
        typer.confirm(f"delete {name!r}?", abort=True)
    _lifecycle("delete", name, scenario, db)
    typer.echo(f"deleted {name!r} (versions kept; `plans restore {name}` brings it back)")


def restore(name: Annotated[str, typer.Argument(help="Name of a deleted plan (or scenario).")], db: DbOpt = None,
            scenario: Annotated[Optional[str], typer.Option(help="Restore a scenario of this kind instead of a plan.")] = None):
    """Bring back the most recently deleted plan (or scenario) of that name."""
    _lifecycle("restore", name, scenario, db)
    typer.echo(f"restored {name!r}")


def register(app: typer.Typer) -> None:
    plans_app = typer.Typer(help="The plan library: list, show, save, rename, clone, delete and restore saved plans "
                                 "and scenarios.  Every save appends a version; nothing is overwritten.",
                            no_args_is_help=True)
    app.add_typer(plans_app, name="plans")
    plans_app.command("list")(list_)
    plans_app.command()(show)
    plans_app.command()(save)
    plans_app.command()(rename)
    plans_app.command()(clone)
    plans_app.command()(delete)
    plans_app.command()(restore)
