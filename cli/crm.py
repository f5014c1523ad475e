"""`export-crm` and `crm-changes`: publishing an approved plan as CRM import files, and what changed in the CRM
since a plan was made (the Plans page's Publish and CRM-changes tabs, headless)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import echo_table, uses_data
from cli.plans import AuthorOpt, DbOpt, PlanArg, _author, _fail, _split_version, _store, _view
from planning.access import AccessDenied
from planning.data import FileError, write_csv
from planning.plans import StoreError
from planning.reporting import count, label


def _in_sentence(text: str) -> str:
    """A label inside a sentence: "Deleted account" → "deleted account", "ARR change" stays."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


@uses_data
def export_crm(plan: PlanArg,
               out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for the import CSVs (account_owners.csv, territories.csv, ...).")] = Path("crm_export"),
               changed_only: Annotated[bool, typer.Option("--changed-only", help="Only accounts whose owner differs from today's CRM ownership.")] = False,
               quotas: Annotated[bool, typer.Option("--quotas/--no-quotas", help="Also write quotas.csv (quotas set by the quota model with default settings).")] = True,
               zip_: Annotated[Optional[Path], typer.Option("--zip", help="Also write every file into this zip.")] = None,
               segment_field: Annotated[str, typer.Option(help="The Salesforce Account field holding the segment, for the ETM rules.")] = "Segment__c",
               model_id: Annotated[str, typer.Option(help="The Territory2Model Id the ETM rules belong to (blank: fill it on import).")] = "",
               db: DbOpt = None, ds=None):
    """Publish an approved plan version as CRM import files, with a manifest naming who approved and published it.

    The files: Data Loader Id/OwnerId, territories, members, quotas, the territory definitions as ETM assignment
    rules and a flat territory_rules.csv, and manifest.json.  Only a saved, approved version can be published (see
    `review`); the publication is recorded in the plan's audit log."""
    from planning.plans import ReviewError

    if plan.strip().lower() == "current" or Path(plan).suffix.lower() == ".csv":
        _fail("only a saved, approved plan version can be published to the CRM: save it (`plans save`), put it "
              "through review (`review submit`), then export it")
    name, version = _split_version(plan)
    s = _store(db)
    try:
        ex, warnings = _view(s, ds).publish(name, version, changed_only=changed_only, with_quotas=quotas,
                                            segment_field=segment_field, model_id=model_id)
    except (StoreError, ReviewError, AccessDenied) as exc:
        _fail(exc)
    for w in warnings:
        typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for fname, df in ex.files().items():
        write_csv(df, out_dir / fname)
        typer.echo(f"wrote {out_dir / fname} ({len(df):,} rows)")
    (out_dir / "manifest.json").write_text(ex.manifest_json(), encoding="utf-8")
    if ex.rules is not None:  # the ETM assignment rules: their load order and what was split or cannot fit
        (out_dir / "etm_README.txt").write_text(ex.rules.readme(), encoding="utf-8")
    m = ex.manifest
    typer.echo(f"wrote {out_dir / 'manifest.json'}: {m['plan']} v{m['version']} approved by {m['approved_by']} "
               f"on {m['approved_at'][:10]}, published by {m['published_by']}")
    if zip_:
        zip_.parent.mkdir(parents=True, exist_ok=True)
        zip_.write_bytes(ex.to_zip())
        typer.echo(f"wrote {zip_}")
    if len(ex.skipped):
        typer.secho(f"{len(ex.skipped):,} accounts cannot be imported (see skipped_accounts.csv)",
                    fg=typer.colors.YELLOW)


@uses_data
def crm_changes(plan: Annotated[str, typer.Argument(help="Saved plan name (name@3 for version 3) the changes are checked against.")],
                new_accounts: Annotated[Path, typer.Option("--new-accounts", help="The newer CRM account export (CSV, Excel or Parquet).")],
                arr_threshold: Annotated[float, typer.Option(help="Report ARR changes of at least this many USD.")] = 0.0,
                reject: Annotated[Optional[list[str]], typer.Option("--reject", help="Reject this change id (e.g. owner_change:001...) or a whole type (new_account, deleted_account, owner_change, arr_change); repeat.")] = None,
                apply: Annotated[bool, typer.Option("--apply", help="Save the plan with the accepted changes as a new version (needs a role that may change plans).")] = False,
                out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the change list to this CSV (canonical column names).")] = None,
                db: DbOpt = None, author: AuthorOpt = None, ds=None):
    """What changed in the CRM since a plan was made (the data options give the data the plan was made from).

    A manager (--as) sees their own team's changes only, other teams' reps and territories as '(another team)',
    and may not --apply."""
    s = _store(db)
    view = _view(s, ds)
    name, version = _split_version(plan)
    try:
        p = view.load_plan(name, version)
        res = view.load_crm_export(new_accounts, new_accounts.name)
    except (StoreError, FileError) as exc:
        _fail(exc)
    ch = view.crm_changes(p, res, arr_threshold_usd=arr_threshold)
    table = ch.changes
    rej = set(reject or [])
    if len(table):
        table["accept"] = ~(table["change_id"].isin(rej) | table["change_type"].isin(rej))
    counts = ch.counts()
    scope = f" (team {s.user.manager_id})" if s.user.scoped else ""
    typer.echo(f"{new_accounts.name} vs {name}{scope}: "
               + ", ".join(f"{count(v)} {_in_sentence(label(k))}" for k, v in counts.items())
               + (f"; {len(res.rejects)} rows rejected on validation" if len(res.rejects) else ""))
    # the change id is what --reject takes; the detail says the change in words
    shown = table[["change_id", "name", "detail", "accept"]] if len(table) else table
    echo_table(shown.rename(columns={"detail": "change_words"}))
    if out:
        write_csv(table, out)
        typer.echo(f"wrote {out}")
    if apply:
        try:
            v = view.apply_crm_changes(p, table, res, name=name, source=new_accounts.name,
                                       author=_author(author, s))
        except StoreError as exc:
            _fail(exc, f"not saved ({name!r} with the CRM changes)")
        typer.echo(f"saved {v.name!r} version {v.version}")


def register(app: typer.Typer) -> None:
    app.command("export-crm")(export_crm)
    app.command("crm-changes")(crm_changes)
