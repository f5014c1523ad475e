"""`territories` and `route`: the Territories page, headless.

``territories PLAN`` prints each territory's definition in words (a manager: their team's) and with ``--out`` writes
the Salesforce ETM rule files and the flat territory_rules.csv.  ``route PLAN --accounts new.csv`` routes new or
changed accounts by the plan's rules, prints each account's territory and reason, the flagged ones and the balance
impact on the touched books, writes the Data Loader files (``--out``), and saves the result as a new version
(``--save``) that can go straight into review (``--submit``).

The data the plan was made from comes from ``--base-accounts`` / ``--reps`` (the sample company when omitted):
``--accounts`` is the file of new accounts here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import echo_table, load_data
from cli.plans import AuthorOpt, DbOpt, _author, _fail, _store, _view, resolve_plan
from planning.access import AccessDenied
from planning.data import FileError, write_csv
from planning.plans import StoreError
from planning.reporting import amount, count, label_of, pct

PlanRef = Annotated[str, typer.Argument(help="'current', a saved plan name (name@3 for version 3), or an assignment CSV.")]
BaseAccountsOpt = Annotated[Optional[Path], typer.Option("--base-accounts", help="The accounts file the plan was made from (CSV, Excel or Parquet). Omit (with --reps) for the sample company.")]
RepsOpt = Annotated[Optional[Path], typer.Option("--reps", "-r", help="Reps file (CSV, Excel or Parquet).")]
SettingsOpt = Annotated[Optional[Path], typer.Option("--settings", "-s", help="YAML/TOML settings file overriding the domain defaults.")]
MappingOpt = Annotated[Optional[Path], typer.Option("--mapping", help="YAML/JSON column mapping file (see `mapping`).")]


def _dataset(base_accounts, reps, settings, mapping):
    return load_data(accounts=base_accounts, reps=reps, settings=settings, mapping=mapping)


def territories_cmd(plan: PlanRef,
                    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the ETM rule files, territory_rules.csv and etm_README.txt to this folder.")] = None,
                    segment_field: Annotated[str, typer.Option(help="The Account field holding the segment in Salesforce.")] = "Segment__c",
                    model_id: Annotated[str, typer.Option(help="Territory2Model Id for the rules (blank: fill it on import).")] = "",
                    base_accounts: BaseAccountsOpt = None, reps: RepsOpt = None, settings: SettingsOpt = None,
                    mapping: MappingOpt = None, db: DbOpt = None):
    """Each territory's definition (segment, geography, named accounts) and its agreement with the plan."""
    from planning.territories import agreement, describe, etm_export

    ds = _dataset(base_accounts, reps, settings, mapping)
    s = _store(db)
    view = _view(s, ds)
    try:
        p = resolve_plan(plan, ds, lambda: s)
    except (StoreError, FileError) as exc:
        _fail(exc)
    defs = view.territory_definitions(p)
    table = describe(defs, view.reps)
    for row in table.itertuples():
        typer.echo(f"{row.territory_id}  {row.definition}")
    if not view.scoped:
        a = agreement(defs, p, ds.accounts)
        typer.echo(f"\nThe rules re-route {pct(a['by_rules'], 1)} of the plan's {count(a['accounts'])} accounts to "
                   f"their own territory; with the {count(len(defs.named))} named accounts, {pct(a['with_named'], 1)}.")
    if out:
        ex = etm_export(defs, segment_field=segment_field, model_id=model_id)
        out.mkdir(parents=True, exist_ok=True)
        for fname, df in ex.files().items():
            write_csv(df, out / fname)
            typer.echo(f"wrote {out / fname} ({len(df):,} rows)")
        (out / "etm_README.txt").write_text(ex.readme(), encoding="utf-8")
        for p_ in ex.problems:
            typer.secho(f"note: {p_}", fg=typer.colors.YELLOW, err=True)


def route_cmd(plan: PlanRef,
              accounts: Annotated[Path, typer.Option("--accounts", "-a", help="The new or changed accounts (CSV, Excel or Parquet; the accounts columns, owner optional).")],
              save: Annotated[Optional[str], typer.Option("--save", help="Save the routed plan as a new version under this name (a saved plan's name adds a version).")] = None,
              submit: Annotated[bool, typer.Option("--submit", help="With --save: put the new version up for review.")] = False,
              out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the Data Loader files (account_owners.csv, account_territories.csv) and routed_accounts.csv here.")] = None,
              base_accounts: BaseAccountsOpt = None, reps: RepsOpt = None, settings: SettingsOpt = None,
              mapping: MappingOpt = None, db: DbOpt = None, author: AuthorOpt = None):
    """Route new accounts by a plan's territory rules: named account, then the most specific geography, then the
    segment default; an account nothing matches goes to the nearest eligible territory with room, flagged."""
    from planning.plans import ReviewError  # lazy: the review log loads SQLAlchemy
    from planning.territories import routing_files

    if submit and not save:
        _fail("--submit needs --save NAME (only a saved version can go into review)")
    ds = _dataset(base_accounts, reps, settings, mapping)
    s = _store(db)
    view = _view(s, ds)
    try:
        p = resolve_plan(plan, ds, lambda: s)
        res = view.load_crm_export(accounts, accounts.name)
    except (StoreError, FileError) as exc:
        _fail(exc)
    for issue in [i for i in res.issues if getattr(i, "severity", "") == "error"][:20]:
        typer.secho(f"rejected: {accounts.name}: {issue}", fg=typer.colors.YELLOW, err=True)
    if res.clean.empty:
        _fail(f"{accounts.name}: no usable account rows ({len(res.rejects):,} rejected)")
    try:
        r = view.route_accounts(p, res, name=save, source=accounts.name)
    except AccessDenied as exc:
        _fail(exc)
    c = r.counts()
    typer.echo(f"{accounts.name} on {p.name}: {count(c['accounts'])} accounts routed, {count(c['named'])} as named "
               f"accounts, {count(c['by_rules'])} by geography or segment rules, {count(c['flagged'])} flagged (no "
               f"rule matched)" + (f"; {count(len(res.rejects))} rows rejected on validation" if len(res.rejects) else ""))
    echo_table(r.routed[["account_id", "name", "territory_id", "reason"]], max_rows=40)
    if c["flagged"]:
        typer.echo("\nFlagged for review (no rule matched):")
        echo_table(r.flagged[["account_id", "name", "territory_id", "distance_mi", "reason"]])
    unit = label_of(r.metric)  # the books are in the balanced metric's unit
    typer.echo(f"\nBalance impact on the touched books ({unit.text}, band ±{pct(r.tolerance)}; load = book ÷ "
               f"target):")
    impact = r.impact[["territory_id", "name", "routed_accounts", "book_before", "book_after", "load_before",
                       "load_after", "in_band_after"]]
    echo_table(impact.assign(**{c: [amount(v, unit.kind) for v in impact[c]] for c in ("book_before", "book_after")}))
    if out:
        out.mkdir(parents=True, exist_ok=True)
        for fname, df in routing_files(r, ds.reps, p).items():
            write_csv(df, out / fname)
            typer.echo(f"wrote {out / fname} ({len(df):,} rows)")
    if save:
        try:
            v, in_review = view.save_routed(r, name=save, author=_author(author, s), submit=submit)
        except StoreError as exc:
            _fail(exc, f"not saved ({save!r})")
        except ReviewError as exc:  # a review refusal after the save: the version stays saved
            _fail(exc, f"saved {save!r} but not submitted for review")
        typer.echo(f"saved {v.name!r} version {v.version}" + (" and submitted it for review" if in_review else ""))


def register(app: typer.Typer) -> None:
    app.command("territories")(territories_cmd)
    app.command("route")(route_cmd)
