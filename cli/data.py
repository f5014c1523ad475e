"""`validate`, `summary` and `columns`: the Data page, headless."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import acting_user, echo_table, uses_data
from planning.access import Permission, ScopedView, require
from planning.data import (COLUMNS, FileError, breakdown, dump_mapping, health_report, load_mapping, potential_note,
                           suggest_mapping_file, write_csv)
from planning.reporting import balance_view, book_balance, books_view, count, health_view, label, variance_message


def echo_loader_report(ds) -> None:
    """What the loader did: detected CRM, title map, currency conversions, estimated potential, placing."""
    rep = ds.report
    for table, source in rep.sources().items():
        typer.echo(f"detected source: {table}: {source}")
    titles = rep.tables["reps"].titles if "reps" in rep.tables else None
    if titles is not None and len(titles) and not (titles["how"] == "exact").all():
        typer.echo("\njob titles read as roles:")
        echo_table(titles)
    conv = rep.conversions_frame()
    if len(conv):
        typer.echo("\ncurrency conversions:")
        # a rate needs its significant digits (0.006667 USD per yen), not a table's two decimals
        echo_table(conv.assign(usd_per_unit=conv["usd_per_unit"].map(lambda v: f"{v:.4g}")))
    note = potential_note(ds.accounts)
    if note:
        typer.echo("\n" + note.replace("**", ""))
    acc = ds.accounts
    if "geo_precision" in acc and len(acc) and (acc["country"] != "US").any():
        typer.echo("\naccounts placed, by country and precision:")
        echo_table(acc.groupby(["country", "geo_precision"]).size().rename("accounts").reset_index())


@uses_data
def validate(rejects_out: Annotated[Optional[Path], typer.Option(
                 help="Write the rejected rows (not loaded), their reasons and original values to this CSV.")] = None,
             warnings_out: Annotated[Optional[Path], typer.Option(
                 help="Write the warnings (rows that loaded: file, row, column, value as written) to a CSV.")] = None,
             strict: Annotated[bool, typer.Option(
                 help="Exit with status 1 when any row is rejected. Warnings never fail it.")] = False, ds=None):
    """Validate input files: row counts, every rejected row, then every warning, each with file/row/column.

    A warning loads its row: a bad non-key field (a negative employee count, an unreadable revenue) is left
    blank with the value as written kept, a ZIP that can't be placed falls back to the city and state, an owner
    found in no file leaves the account unassigned.
    Exit status: 0 ok (with or without warnings), 1 rows rejected (with --strict), 2 a file could not be used,
    3 not allowed.
    """
    require(acting_user(), Permission.VIEW_COMPANY, "the validation report lists every team's rows")
    typer.echo(f"{ds.name}: as of {ds.as_of.date()}, planning {ds.plan_year}")
    echo_table(ds.report.counts())
    for line in ds.report.summary_lines():
        typer.echo(line)
    echo_loader_report(ds)
    rejects = ds.report.rejects_frame()
    if rejects_out:
        write_csv(rejects, rejects_out)
        typer.echo(f"wrote {len(rejects)} rejected rows to {rejects_out}")
    if warnings_out:
        warnings = ds.report.warnings_frame()
        write_csv(warnings, warnings_out)
        typer.echo(f"wrote {len(warnings)} warnings to {warnings_out}")
    if ds.report.exit_status(strict):
        raise typer.Exit(1)


@uses_data
def summary(by: Annotated[str, typer.Option(help="Break down by segment, region or owner.")] = "segment",
            out: Annotated[Optional[Path], typer.Option(help="Write the per-territory book to this CSV (canonical column names, for re-import or a spreadsheet).")] = None, ds=None):
    """Counts, ARR and potential; today's per-rep books and their balance; the data-health report.

    A manager (see --as) sees their own team only; a viewer no quota columns."""
    view = ScopedView(acting_user(), ds)
    ds = view.dataset
    typer.echo(f"{ds.name}: {count(len(ds.accounts))} accounts, {count(len(ds.reps))} people, as of "
               f"{ds.as_of.date()}")
    typer.echo(f"\nBy {label(by).lower()}:")
    echo_table(breakdown(ds.accounts, ds.reps, by))
    book = view.book(view.current_plan())  # the user's territories, by construction
    cols = ["territory_id", "owner_name", "owner_rep_id", "segment", "accounts", "arr_usd", "potential_usd",
            "workload_hours", "capacity_share"]
    typer.echo("\nCurrent plan, per territory:")
    echo_table(books_view(book.reset_index()[cols]))
    flag = ds.settings.planning.productivity_variance_flag
    balance = book_balance(book, variance_flag=flag)
    typer.echo(f"\nBalance per segment ({label('max_min').lower()} is the productivity variance; above "
               f"{flag:.0f}× means rebalance):")
    echo_table(balance_view(balance))
    for _, r in balance.loc[balance["metric"] == "potential_usd"].iterrows() if len(balance) else []:
        if r["flag_variance"]:  # the Data page's words (without its markdown)
            typer.secho(variance_message(r, flag).replace("**", ""), fg=typer.colors.YELLOW)
    typer.echo("\nData health:")
    echo_table(health_view(health_report(ds.accounts, ds.reps, ds.as_of, ds.settings).summary()))
    if out:
        write_csv(book.reset_index(), out)
        typer.echo(f"wrote {out} (canonical column names, for re-import)")


def mapping(accounts: Annotated[Path, typer.Option("--accounts", "-a", help="Accounts file.")],
            reps: Annotated[Optional[Path], typer.Option("--reps", "-r", help="Reps (users) file.")] = None,
            start: Annotated[Optional[Path], typer.Option("--from", help="An existing mapping file to start from.")] = None,
            out: Annotated[Path, typer.Option(help="Write the mapping (YAML) here.")] = Path("mapping.yaml")):
    """Write the suggested mapping for your files: columns per table and the job title → role map.

    Edit it (e.g. `Acount Exec: AE/SMB`) and pass it back with --mapping to validate, summary, carve...
    """
    try:
        files = {"accounts": accounts, **({"reps": reps} if reps else {})}
        maps = suggest_mapping_file(files, load_mapping(start) if start else None)
    except (FileError, ValueError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    out.write_text(dump_mapping(maps), encoding="utf-8")
    typer.echo(dump_mapping(maps))
    typer.echo(f"wrote {out}")


def columns(table: Annotated[Optional[str], typer.Argument(help="accounts, reps, targets, history or territories")] = None):
    """The column dictionary: canonical names, units, required or not, CRM synonyms."""
    for name, specs in COLUMNS.items():
        if table and name != table:
            continue
        typer.echo(f"\n[{name}]")
        for s in specs:
            req = "required" if s.required else "optional"
            typer.echo(f"  {s.name:<22} {req:<9} {s.description}  (also: {', '.join(s.synonyms)})")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(summary)
    app.command()(mapping)
    app.command()(columns)
