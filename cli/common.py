"""Options and helpers shared by CLI commands."""
from __future__ import annotations

import functools
import inspect
import typing
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from planning.access import AccessDenied, User
from planning.data import Dataset, FileError, load_dataset, load_mapping, load_sample, load_settings

AccountsOpt = Annotated[Optional[Path], typer.Option("--accounts", "-a", help="Accounts file (CSV, Excel or Parquet). Omit to use the sample company.")]
RepsOpt = Annotated[Optional[Path], typer.Option("--reps", "-r", help="Reps file (CSV, Excel or Parquet).")]
TargetsOpt = Annotated[Optional[Path], typer.Option("--targets", help="Bookings targets file (segment, region, period).")]
HistoryOpt = Annotated[Optional[Path], typer.Option("--history", help="Quota attainment history file (rep_id, period, quota, bookings).")]
TerritoriesOpt = Annotated[Optional[Path], typer.Option("--territories", help="Territory hierarchy file (territory_id, region, area, owner).")]
MappingOpt = Annotated[Optional[Path], typer.Option("--mapping", help="YAML/JSON mapping file: {table: {source column: canonical column}, titles: {job title: Role or Role/Segment}} (write one with `mapping`).")]
SettingsOpt = Annotated[Optional[Path], typer.Option("--settings", "-s", help="YAML/TOML settings file overriding the domain defaults (section 'defaults').")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="Date the data describes (YYYY-MM-DD); defaults to today, or the sample's date.")]
PlanYearOpt = Annotated[Optional[int], typer.Option("--plan-year", help="Year being planned; defaults to next year from October on.")]


def load_data(accounts: Path | None = None, reps: Path | None = None, targets: Path | None = None,
              history: Path | None = None, territories: Path | None = None, mapping: Path | None = None,
              settings: Path | None = None, as_of: str | None = None, plan_year: int | None = None) -> Dataset:
    """Load the sample company or the given files; exit with status 2 on a file-level error."""
    try:
        try:
            cfg = load_settings(settings)
        except OSError as exc:  # a missing or unreadable settings file is bad input, not a crash
            raise ValueError(f"settings file {settings}: {exc.strerror or exc}") from exc
        if accounts is None and reps is None:
            return load_sample(cfg)
        if accounts is None or reps is None:
            raise typer.BadParameter("give both --accounts and --reps (or neither, for the sample company)")
        maps = None
        if mapping is not None:
            maps = load_mapping(mapping)
        return load_dataset(accounts, reps, targets, history, territories, mappings=maps, settings=cfg,
                            as_of=as_of, plan_year=plan_year, name=accounts.name)
    except (FileError, ValueError) as exc:
        if isinstance(exc, typer.BadParameter):
            raise
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


def echo_table(df: pd.DataFrame, max_rows: int = 60, *, as_text: bool = False) -> None:
    """Print a frame (canonical columns) for a person: headers from the label registry, cells in their kind's
    format (planning.reporting.text_tables, the words and formats of the pages).  ``as_text``: the frame is
    already text (e.g. :func:`planning.reporting.text_rows`), printed as it is."""
    from planning.reporting.text_tables import render

    typer.echo(render(df, max_rows, as_text=as_text))


DATA_OPTIONS = {"accounts": AccountsOpt, "reps": RepsOpt, "targets": TargetsOpt, "history": HistoryOpt,
                "territories": TerritoriesOpt, "mapping": MappingOpt, "settings": SettingsOpt, "as_of": AsOfOpt,
                "plan_year": PlanYearOpt}


def uses_data(fn):
    """Give a command the shared data options; it receives the loaded :class:`Dataset` as ``ds``.

    Every command that works on the planning tables takes the same nine options and loads them the same way
    as the UI, so they are declared once here instead of in every signature.
    """
    # typer reads type hints from the wrapper, whose globals are this module's: evaluate fn's own hints here
    hints = typing.get_type_hints(fn, include_extras=True)
    sig = inspect.signature(fn)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values() if p.name != "ds"]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ann)
             for name, ann in DATA_OPTIONS.items()]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        data = {name: kwargs.pop(name, None) for name in DATA_OPTIONS}
        return fn(*args, ds=load_data(**data), **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params + extra)
    wrapper.__annotations__ = {p.name: p.annotation for p in params + extra}
    del wrapper.__wrapped__  # typer must read the new signature, not follow the wrapper back to fn's
    return wrapper


# ---------------------------------------------------------------------------------------------- who is acting
ACT_AS: str | None = None  # set by the global --as option (or $PLANNER_AS) for this invocation
ACCESS_DENIED_EXIT = 3


def acting_user(db: str | None = None) -> User:
    """The user this invocation acts as: --as EMAIL, else the OS login an admin mapped, else the local admin.
    Users live in the plan store (``--db``, else $DATABASE_URL, else the local SQLite file)."""
    from planning.access.directory import cli_user
    from planning.plans import PlanStore

    store = PlanStore(db)
    try:
        return cli_user(store, ACT_AS)
    finally:
        store.dispose()


def user_store(db: str | None = None):
    """The plan store as the acting user sees it (saves and scenarios check their role)."""
    from planning.access import UserStore
    from planning.access.directory import cli_user
    from planning.plans import PlanStore

    store = PlanStore(db)
    return UserStore(store, cli_user(store, ACT_AS))


def scoped_view(ds, db: str | None = None):
    """The data, plans and reports as the acting user may see them (:class:`planning.access.ScopedView`): what a
    command prints or writes comes through it."""
    from planning.access import ScopedView

    store = user_store(db)
    return ScopedView(store.user, ds, store)


def deny_exit(fn):
    """Report an AccessDenied raised anywhere in a command as one red line and exit with status 3."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AccessDenied as exc:
            typer.secho(f"denied: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(ACCESS_DENIED_EXIT) from exc
    return wrapper


def flowing_help(doc: str) -> str:
    """A command's docstring as help that rich can wrap: each paragraph on one line, "Exit status: …" a paragraph
    of its own.  Typer's rich help keeps a docstring's line breaks as written, so a 110-character source line
    showed as a line and a half on an 80-column terminal ("writes the assignment and the⏎ per-territory…")."""
    paragraphs = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        lines = para.split("\n")
        cut = next((i for i, line in enumerate(lines) if i and line.startswith("Exit status")), len(lines))
        paragraphs += [" ".join(part) for part in (lines[:cut], lines[cut:]) if part]
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def guard_commands(app: typer.Typer) -> None:
    """Wrap every registered command (and sub-app command) with :func:`deny_exit`, and give each its docstring as
    :func:`flowing_help`."""
    for info in app.registered_commands:
        if info.callback is not None and info.help is None and info.callback.__doc__:
            info.help = flowing_help(info.callback.__doc__)
        if info.callback is not None and not getattr(info.callback, "_deny_exit", False):
            info.callback = deny_exit(info.callback)
            info.callback._deny_exit = True
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance)


class LazyModule:
    """A module imported on first attribute access, so `python -m planning` loads SQLAlchemy only in the commands
    that open the store (tests/test_cold_start.py)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        import importlib

        return getattr(importlib.import_module(self._name), attr)
