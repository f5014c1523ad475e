"""`review ...`: plan review and approval (the Review page, headless).

draft → in review → approved → published, with "changes requested" as the way back; every act is appended to
the audit log with who, when and a note.  A plan argument is a saved plan name (``name@3`` for version 3; the
latest version by default).
"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from planning.access import require_account, require_rep
from cli.common import LazyModule, echo_table, user_store, uses_data

review = LazyModule("planning.plans.review")
teams = LazyModule("planning.plans.teams")
tables = LazyModule("planning.plans.review_tables")

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Plan store URL (default: $DATABASE_URL, else the local SQLite file).")]
PlanArg = Annotated[str, typer.Argument(help="Saved plan name (name@3 for version 3; default the latest).")]
NoteOpt = Annotated[str, typer.Option("--note", "-m", help="A note kept in the audit log.")]
ForOpt = Annotated[Optional[str], typer.Option(
    "--for", help="Decide as: team (a manager, for their team), team:M-03 (an admin, for that manager's team), "
                  "finance (quota sign-off) or leadership (final approval). Default from your role.")]


def _split(ref: str) -> tuple[str, int | None]:
    name, _, v = ref.rpartition("@")
    return (name, int(v)) if name and v.isdigit() else (ref, None)


def _fail(exc) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def print_status(st, managers=None) -> None:
    """A version's status as the acting user sees it (the same view and tables as the Review page)."""
    typer.echo(tables.status_text(st))
    if st.state_note:
        typer.echo(f"  note: {st.state_note}")
    if len(st.decisions):
        typer.echo("\nDecisions (latest per reviewer; stale = made on an older version):")
        echo_table(tables.decisions_table(st))
    if managers is not None and len(managers):
        typer.echo("\nManagers (open comments: on their team):")
        echo_table(tables.managers_table(st, managers))  # a manager as "Ava Harris (M-01)": the id `--for team:` takes
    oc = tables.comments_table(st, open_only=True)
    typer.echo(f"\nOpen comments: {len(oc)}")
    if len(oc):
        echo_table(oc.drop(columns=["resolved", "resolution"]))


@uses_data
def status(plan: PlanArg, db: DbOpt = None, ds=None):
    """Where a version stands: state, every reviewer's decision (stale ones flagged), managers, open comments."""
    s = user_store(db)
    name, v = _split(plan)
    try:
        st = review.status(s, name, v)
    except review.ReviewError as exc:
        _fail(exc)
    mgrs = teams.plan_managers(ds.reps, [ds.current_plan(), s.load_plan(name, st.version)])
    if s.user.scoped:  # the status is already this user's view of the log; their own team's row only
        mgrs = mgrs.loc[mgrs["manager_id"] == s.user.manager_id]
    print_status(st, mgrs)


def inbox(db: DbOpt = None):
    """What waits for you across the saved plans (latest versions)."""
    s = user_store(db)
    box = review.inbox(s, s.user, list(s.list_plans()["name"]))
    typer.echo(f"{s.user.display}:")
    echo_table(tables.inbox_table(box))


def _act(plan: str, db, fn, *args, **kwargs):
    """Run one review act on ``plan`` (name[@version]) as the acting user: (store, name, version acted on)."""
    s = user_store(db)
    name, v = _split(plan)
    try:
        return s, name, fn(s, s.user, name, v, *args, **kwargs)
    except review.ReviewError as exc:
        _fail(exc)


def submit(plan: PlanArg, note: NoteOpt = "", db: DbOpt = None):
    """Put a version up for review (sales ops)."""
    _, name, ver = _act(plan, db, review.submit, note)
    typer.echo(f"{name} v{ver} is in review")


def withdraw(plan: PlanArg, note: NoteOpt = "", db: DbOpt = None):
    """Take a version back to draft (sales ops)."""
    _, name, ver = _act(plan, db, review.withdraw, note)
    typer.echo(f"{name} v{ver} is a draft again")


def _decide(plan: str, db, decision: str, note: str, as_, ds):
    s = user_store(db)
    name, v = _split(plan)
    try:
        mgrs = None
        if (as_ or "").strip().lower().startswith(("team:", "manager:")):  # a named team must be in the plan
            plans = [ds.current_plan(), s.load_plan(name, v)]
            mgrs = list(teams.plan_managers(ds.reps, plans)["manager_id"])
        return s, name, review.decide(s, s.user, name, v, decision, note, as_=as_, teams=mgrs)
    except (review.ReviewError, LazyModule("planning.plans.store_schema").StoreError) as exc:
        _fail(exc)


@uses_data
def approve(plan: PlanArg, note: NoteOpt = "", as_: ForOpt = None, db: DbOpt = None, ds=None):
    """Approve a version in review: for your team (an admin: any team), as finance's quota sign-off, or as
    leadership (final)."""
    s, name, ver = _decide(plan, db, "approve", note, as_, ds)
    st = review.status(s, name, ver)
    typer.echo(f"approved {name} v{ver} as {tables.reviewer_words(review.reviewer_scope(s.user, as_))}; "
               f"it is {st.label()}")


@uses_data
def request_changes(plan: PlanArg, note: Annotated[str, typer.Option("--note", "-m", help="What should change (required).")],
                    as_: ForOpt = None, db: DbOpt = None, ds=None):
    """Send a version back to sales ops with what should change."""
    _, name, ver = _decide(plan, db, "request_changes", note, as_, ds)
    typer.echo(f"requested changes on {name} v{ver}")


@uses_data
def comment(plan: PlanArg, text: Annotated[str, typer.Argument(help="The comment, e.g. 'keep Acme with Dana'.")],
            account: Annotated[Optional[str], typer.Option(help="On this account (account_id).")] = None,
            rep: Annotated[Optional[str], typer.Option(help="On this rep (rep_id).")] = None,
            db: DbOpt = None, ds=None):
    """Comment on a version, or on one account or rep in it (a manager: only their team's)."""
    s = user_store(db)
    name, v = _split(plan)
    kind, target = ("account", account) if account else ("rep", rep) if rep else ("plan", None)
    try:
        saved = s.load_plan(name, v)

        def check(t, i):
            if t == "account":
                if i not in set(ds.accounts["account_id"].astype(str)):
                    raise review.ReviewError(f"no account {i!r} in the data")
                require_account(s.user, ds.reps, i, ds.accounts, [ds.current_plan(), saved])
            elif t == "rep":
                if i not in set(ds.reps["rep_id"].astype(str)):
                    raise review.ReviewError(f"no rep {i!r} in the data")
                require_rep(s.user, ds.reps, i)
        on = teams.target_teams(kind, target, ds.reps, ds.accounts, [ds.current_plan(), saved]) \
            if kind != "plan" else []
        cid = review.comment(s, s.user, name, v, text, kind, target, check=check, teams=on)
    except (review.ReviewError, LazyModule("planning.plans.store_schema").StoreError) as exc:
        _fail(exc)
    typer.echo(f"comment #{cid} on {name}" + (f" ({kind} {target})" if target else ""))


def resolve(plan: Annotated[str, typer.Argument(help="Saved plan name.")],
            comment_id: Annotated[int, typer.Argument(help="The comment's number (see `review status`).")],
            note: NoteOpt = "", db: DbOpt = None):
    """Mark a comment resolved (sales ops), normally after saving the version that addresses it."""
    s = user_store(db)
    name, v = _split(plan)
    try:
        review.resolve(s, s.user, name, comment_id, note, v)
    except review.ReviewError as exc:
        _fail(exc)
    typer.echo(f"resolved comment #{comment_id}")


def log(plan: Annotated[str, typer.Argument(help="Saved plan name.")], db: DbOpt = None):
    """The audit log: every review act on every version, oldest first."""
    s = user_store(db)
    try:
        h = review.history(s, plan)
    except review.ReviewError as exc:
        _fail(exc)
    echo_table(tables.log_table(h))  # the acting user's view: a manager sees their own team's notes only


def register(app: typer.Typer) -> None:
    r = typer.Typer(help="Review and approve saved plan versions: submit, comment, approve, request changes, log.",
                    no_args_is_help=True)
    app.add_typer(r, name="review")
    r.command()(status)
    r.command()(inbox)
    r.command()(submit)
    r.command()(withdraw)
    r.command()(approve)
    r.command("request-changes")(request_changes)
    r.command()(comment)
    r.command()(resolve)
    r.command()(log)
