"""`change leave` and `change hire`: the Changes page, headless (mid-year changes, issue 25).

Both print every option's disruption, books and pro-rated quota changes side by side; ``--save NAME`` saves the
chosen option as a change version of NAME (the base plan's name adds a version to it), ``--submit`` puts that
version up for review.  Exit status: 0 done, 1 the chosen option has no plan, 2 bad input, 3 not allowed.
"""
from __future__ import annotations

import getpass
from typing import Annotated, Optional

import typer

from cli.common import echo_table, scoped_view, uses_data

PlanOpt = Annotated[Optional[str], typer.Option("--plan", help="The plan the change derives from: a saved plan (NAME or NAME@VERSION); default today's CRM ownership.")]
SaveOpt = Annotated[Optional[str], typer.Option("--save", help="Save the chosen option as a change version under this plan name (the base plan's name adds a version to it).")]
SubmitOpt = Annotated[bool, typer.Option("--submit", help="With --save: submit the saved version for review.")]
HoldoverOpt = Annotated[Optional[int], typer.Option("--holdover-days", help="Days open opportunities on a moved account stay credited to the previous owner (default: the planning default, 90).")]
TimeOpt = Annotated[float, typer.Option("--time-limit", help="Solver time limit for the carve behind a split or a hire, in seconds.")]
DbOpt = Annotated[Optional[str], typer.Option("--db", help="Plan store URL (default: $DATABASE_URL, else the local SQLite file).")]
NoteOpt = Annotated[str, typer.Option("--note", "-m", help="Note saved with the version (default: the change in words).")]
BOOK_ROWS = 25  # rows of each option's books printed; the rest are counted


def _fail(exc, code: int = 2) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _print_option(o) -> None:
    """One option: its notes, the books it touches with their pro-rated quotas, the holdover, solver details."""
    from planning.reporting.formats import count, pct, usd

    typer.echo(f"\n== {o.title} ==")
    for n in o.notes:
        typer.echo(f"  note: {n}")
    if not o.ok:
        return
    cols = ["name", "accounts_before", "lost", "gained", "accounts_after", "annual_quota_usd", "quota_change_usd",
            "prorated_quota_usd", "ramped_quota_usd", "relationships_broken"]
    echo_table(o.books[cols], max_rows=BOOK_ROWS)
    held = o.holdover
    if len(held):
        until = held["credited_until"].iat[0].strftime("%Y-%m-%d")
        typer.echo(f"  holdover: {count(len(held))} moved accounts with {usd(held['open_pipeline_usd'].sum())} open "
                   f"pipeline stay credited to the previous owner until {until}")
    if o.solver:
        s = o.solver
        typer.echo(f"  solver details: {s['status']} ({s['mode']} bands), gap to the best possible "
                   f"{pct(s['gap'], 2)}, {s['seconds']:.1f} s")


def _run(ds, db, spec_of, option: str | None, save: str | None, submit: bool, note: str, plan: str | None,
         time_limit: float) -> None:
    """Shared by both commands: solve the options as the acting user, print them, save and submit the chosen one."""
    from jobs.change_job import change_options
    from planning.changes import ChangeError, base_plan, save_option, side_by_side_words
    from planning.plans import StoreError

    if submit and not save:
        _fail("--submit needs --save NAME (the version to submit)")
    sview = scoped_view(ds, db)
    data = sview.carve_input()  # the whole company, for a role that may edit plans (else: denied, exit 3)
    try:
        base, version = base_plan(sview, plan)
        spec = spec_of(data, base.name, version)
    except (ChangeError, StoreError, KeyError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"{spec.words(_who(data, spec.rep_id))}; from {base.name}"
               f"{f' v{version}' if version else ''}; holdover {spec.holdover_days} days")

    def progress(_f: float, msg: str) -> None:
        typer.echo(f"  … {msg}", err=True)

    try:
        options = change_options(data, base, spec, progress=progress, time_limit=time_limit)
    except (ChangeError, ValueError) as exc:
        _fail(exc)
    typer.echo("\nSide by side:")
    echo_table(side_by_side_words(options))
    for o in options:
        _print_option(o)
    if not save:
        return
    chosen = {o.option: o for o in options}
    if option is None and len(options) > 1:
        _fail(f"pick the option to save: --option {' or --option '.join(chosen)}")
    picked = chosen.get(option or options[0].option)
    if picked is None:
        _fail(f"--option must be one of {', '.join(chosen)}, not {option!r}")
    if not picked.ok:
        _fail(f"{picked.title}: no plan to save", code=1)
    try:
        name, v = save_option(sview, picked, save, author=_login(), submit=submit, note=note)
    except (ChangeError, StoreError) as exc:
        _fail(exc)
    typer.echo(f"\nsaved {picked.title.lower()} as {name} v{v} (a change version, effective "
               f"{spec.effective_date:%Y-%m-%d})" + ("; submitted for review" if submit else ""))


def _who(ds, rep_id: str | None) -> str | None:
    from planning.reporting.formats import person_of

    return person_of(rep_id, ds.reps) if rep_id else None


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return ""


@uses_data
def leave(rep: Annotated[str, typer.Argument(help="The leaving rep's id, e.g. R-010.")],
          last_day: Annotated[str, typer.Option("--last-day", help="Their last day in seat (YYYY-MM-DD); the change takes effect the day after.")],
          option: Annotated[Optional[str], typer.Option("--option", help="The option --save saves: placeholder (keep the book as an open territory) or split (hand it to neighbours).")] = None,
          plan: PlanOpt = None, save: SaveOpt = None, submit: SubmitOpt = False, note: NoteOpt = "",
          holdover_days: HoldoverOpt = None, time_limit: TimeOpt = 60.0, db: DbOpt = None, ds=None):
    """A rep leaves: both options side by side, each with its disruption, books and pro-rated quotas."""
    from planning.changes import leaver

    def spec_of(data, base_name, version):
        days = data.settings.planning.holdover_days if holdover_days is None else holdover_days
        return leaver(rep, last_day, data.plan_year, base_name, version, holdover_days=days)

    _run(ds, db, spec_of, option, save, submit, note, plan, time_limit)


@uses_data
def hire(segment: Annotated[str, typer.Option("--segment", help="The new rep's segment, e.g. Mid-market.")],
         region: Annotated[str, typer.Option("--region", help="The new rep's region, e.g. West.")],
         start: Annotated[str, typer.Option("--start", help="Their start date (YYYY-MM-DD): the change's effective date.")],
         max_moves: Annotated[Optional[int], typer.Option("--max-moves", help="Disruption budget: most accounts moved (default: one average book of the segment).")] = None,
         max_arr_moved: Annotated[Optional[float], typer.Option("--max-arr-moved", help="Disruption budget: most ARR moved (annual USD).")] = None,
         plan: PlanOpt = None, save: SaveOpt = None, submit: SubmitOpt = False, note: NoteOpt = "",
         holdover_days: HoldoverOpt = None, time_limit: TimeOpt = 60.0, db: DbOpt = None, ds=None):
    """A rep is hired: their territory carved from its neighbours under the disruption budget."""
    from planning.changes import hire as hire_spec

    def spec_of(data, base_name, version):
        days = data.settings.planning.holdover_days if holdover_days is None else holdover_days
        return hire_spec(segment, region, start, data.plan_year, base_name, version, holdover_days=days,
                         max_moves=max_moves, max_arr_moved=max_arr_moved)

    _run(ds, db, spec_of, "carve", save, submit, note, plan, time_limit)


def register(app: typer.Typer) -> None:
    c = typer.Typer(help="Mid-year changes to a plan: a rep leaves (keep the book open or split it over neighbours) "
                         "or a rep is hired (carve a territory under a disruption budget); quotas pro-rated from "
                         "the effective date.", no_args_is_help=True)
    app.add_typer(c, name="change")
    c.command()(leave)
    c.command()(hire)
