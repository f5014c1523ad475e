"""`plans ...`, `disruption`, `compare`, `export-crm` and `crm-changes`: the Plans, Disruption and Compare pages, headless.

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
from planning.access import AccessDenied, ScopedView, author_name, require_team, visible_columns
from planning.data import FileError, write_csv
from planning.plans import (FitCheck, Plan, StoreError, compare_capacity, manager_summary_html,
                            plan_from_assignment)

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


def register(app: typer.Typer) -> None:
    plans_app = typer.Typer(help="The plan library: list, show, save, rename, clone, delete and restore saved plans "
                                 "and scenarios.  Every save appends a version; nothing is overwritten.",
                            no_args_is_help=True)
    app.add_typer(plans_app, name="plans")

    @plans_app.command("list")
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
            df = df.assign(created_at=df["created_at"].dt.strftime("%Y-%m-%d %H:%M"))
            keep = [c for c in ("kind", "name", "version", "versions", "created_at", "author", "note",
                                "accounts", "territories", "arr_usd", "potential_cv", "quota_reps", "headcount") if c in df]
            df = df[keep]
        echo_table(df, floatfmt="{:,.2f}")

    @plans_app.command()
    @uses_data
    def show(name: Annotated[str, typer.Argument(help="Saved plan name (name@3 for version 3).")],
             db: DbOpt = None,
             versions: Annotated[bool, typer.Option("--versions", help="List every version instead of the book.")] = False,
             out: Annotated[Optional[Path], typer.Option(help="Write the assignment (account_id, territory_id, owner_rep_id) to this CSV.")] = None, ds=None):
        """A saved plan: its versions, or its per-territory book on the given data (sample company by default)."""
        s = _store(db)
        base, version = _split_version(name)
        try:
            if versions:
                v = s.versions(base)
                echo_table(v.assign(created_at=v["created_at"].dt.strftime("%Y-%m-%d %H:%M")))
                return
            plan = s.load_plan(base, version)
            header = s.plan_header(base, version)
        except StoreError as exc:
            _fail(exc)
        typer.echo(f"{base} v{header.version} ({plan.kind}) saved {header.created_at:%Y-%m-%d %H:%M} UTC by "
                   f"{header.author or '?'}: {header.note}")
        view = _view(s, ds)
        book = view.book(plan).reset_index()
        echo_table(book[["territory_id", "name", "segment", "owner_name", "accounts", "arr_usd", "potential_usd",
                         "workload_hours"]], floatfmt="{:,.0f}")
        if out:
            write_csv(view.plan(plan).to_frame(), out)
            typer.echo(f"wrote {out}")

    @plans_app.command()
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

    @plans_app.command()
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

    @plans_app.command()
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

    @plans_app.command()
    def delete(name: Annotated[str, typer.Argument(help="Saved plan (or scenario) name.")], db: DbOpt = None,
               scenario: Annotated[Optional[str], typer.Option(help="Delete a scenario of this kind instead of a plan.")] = None,
               yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False):
        """Soft-delete a plan or scenario: it leaves the library, its versions stay (see `plans restore`)."""
        if not yes:
            typer.confirm(f"delete {name!r}?", abort=True)
        _lifecycle("delete", name, scenario, db)
        typer.echo(f"deleted {name!r} (versions kept; `plans restore {name}` brings it back)")

    @plans_app.command()
    def restore(name: Annotated[str, typer.Argument(help="Name of a deleted plan (or scenario).")], db: DbOpt = None,
                scenario: Annotated[Optional[str], typer.Option(help="Restore a scenario of this kind instead of a plan.")] = None):
        """Bring back the most recently deleted plan (or scenario) of that name."""
        _lifecycle("restore", name, scenario, db)
        typer.echo(f"restored {name!r}")

    @app.command("disruption")
    @uses_data
    def disruption_cmd(a: Annotated[str, typer.Argument(help="Plan A (before): 'current', a saved plan name[@version] or an assignment CSV.")],
                       b: Annotated[str, typer.Argument(help="Plan B (after): same forms as A.")],
                       out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the whole report to this Excel file (.xlsx).")] = None,
                       manager: Annotated[Optional[str], typer.Option(help="Show only this manager's team (manager rep_id, e.g. M-01).")] = None,
                       html: Annotated[Optional[Path], typer.Option(help="With --manager: write the printable manager summary (HTML) here.")] = None,
                       window: Annotated[Optional[int], typer.Option(help="Renewal window in days that makes a move break a relationship (default from settings: 90).")] = None,
                       top: Annotated[int, typer.Option(help="How many most-disrupted reps and customers to show.")] = 10,
                       db: DbOpt = None, ds=None):
        """What moving from plan A to plan B does to accounts, reps, managers and the company."""
        s = _store(db)
        try:
            pa, pb = resolve_plan(a, ds, lambda: s), resolve_plan(b, ds, lambda: s)
            require_team(s.user, ds.reps, manager)
        except (StoreError, FileError, AccessDenied) as exc:
            _fail(exc)
        w = window if window is not None else ds.settings.planning.renewal_window_days
        rep = _view(s, ds).disruption(pa, pb, renewal_window_days=w)
        view = rep
        if manager is None and s.user.scoped:
            manager = s.user.manager_id  # a manager's report is their team's
        if manager:
            if manager not in set(rep.managers["manager_id"]):
                _fail(f"--manager: {manager!r} manages nobody in either plan (known: "
                      f"{', '.join(map(str, rep.managers['manager_id']))})")
            view = rep.for_manager(manager)
        c = rep.company
        scope = f" (team {s.user.manager_id})" if s.user.scoped else ""
        typer.echo(f"{pa.name} → {pb.name}{scope}: {c['accounts_moved']:,} of {c['accounts']:,} accounts moved "
                   f"({c['pct_accounts_moved']:.1%}), {c['pct_arr_moved']:.1%} of ARR (${c['arr_moved_usd']:,.0f}); "
                   f"{c['relationships_broken']:,} relationships broken; {c['reps_affected']} reps affected; "
                   f"{c['newly_assigned']:,} unowned accounts newly assigned (not counted as moved)")
        typer.echo("\nPer manager:" if not manager else f"\nManager {manager}:")
        echo_table(view.managers[["manager_id", "manager_name", "accounts_before", "kept", "lost", "gained",
                                  "arr_out_usd", "arr_in_usd", "pct_arr_retained", "relationships_broken"]])
        typer.echo("\nPer rep:")
        echo_table(view.reps[["name", "accounts_before", "kept", "lost", "gained", "arr_out_usd", "arr_in_usd",
                              "pct_arr_retained", "relationships_broken", "potential_change_usd",
                              "workload_change_hours", "distance_change_mi"]], max_rows=80)
        typer.echo(f"\nMost disrupted customers (top {top}):")
        echo_table(view.most_disrupted_customers(top)[["name", "from_owner_name", "to_owner_name", "arr_usd",
                                                        "open_pipeline_usd", "days_to_renewal", "relationship_broken"]])
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(view.to_excel())
            typer.echo(f"wrote {out}")
        if html:
            if not manager:
                _fail("--html needs --manager (the printable summary is per manager)")
            html.parent.mkdir(parents=True, exist_ok=True)
            html.write_text(manager_summary_html(rep, manager), encoding="utf-8")
            typer.echo(f"wrote {html}")

    @app.command("compare")
    @uses_data
    def compare_cmd(plans: Annotated[list[str], typer.Argument(help="2 to 4 plans: 'current', saved plan names[@version] or assignment CSVs.")],
                    baseline: Annotated[str, typer.Option(help="Plan that disruption is measured against ('current' by default).")] = "current",
                    capacity: Annotated[Optional[list[str]], typer.Option("--capacity", help="Also compare these saved capacity scenarios (repeat the option).")] = None,
                    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the comparison to this Excel file.")] = None,
                    db: DbOpt = None, ds=None):
        """Plans side by side: headline, balance per metric, disruption vs the baseline, quota coverage, headcount and cost."""
        s = _store(db)
        try:
            ps = [resolve_plan(p, ds, lambda: s) for p in plans]
            base = resolve_plan(baseline, ds, lambda: s)
            cmp = _view(s, ds).compare(ps, baseline=base)
            cap = (compare_capacity({n: s.load_scenario("capacity", n) for n in capacity}, ds)
                   if capacity else None)
        except (StoreError, FileError, ValueError, AccessDenied) as exc:
            _fail(exc)
        if s.user.scoped:
            typer.echo(f"Team {s.user.manager_id} only: each plan cut to the territories your reps own.")
        typer.echo(f"Headline (disruption vs {base.name}):")
        echo_table(cmp.headline.reset_index(), floatfmt="{:,.3f}")
        typer.echo("\nBalance of potential per segment:")
        echo_table(cmp.balance_wide("potential_usd").reset_index(), floatfmt="{:,.3f}")
        if cmp.quota is not None:
            typer.echo("\nQuota coverage (Σ quotas ÷ bookings target):")
            echo_table(cmp.quota.reset_index(), floatfmt="{:,.3f}")
        for n in cmp.notes:
            typer.echo(f"note: {n}")
        typer.echo(f"\n{len(cmp.moves):,} accounts sit with a different owner in at least one plan.")
        if cap is not None:
            typer.echo("\nCapacity scenarios:")
            echo_table(cap.reset_index().astype(str))
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(cmp.to_excel(cap))
            typer.echo(f"wrote {out}")

    @app.command("export-crm")
    @uses_data
    def export_crm(plan: PlanArg,
                   out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for the import CSVs (account_owners.csv, territories.csv, ...).")] = Path("crm_export"),
                   changed_only: Annotated[bool, typer.Option("--changed-only", help="Only accounts whose owner differs from today's CRM ownership.")] = False,
                   quotas: Annotated[bool, typer.Option("--quotas/--no-quotas", help="Also write quotas.csv (quotas set by the quota model with default settings).")] = True,
                   zip_: Annotated[Optional[Path], typer.Option("--zip", help="Also write every file into this zip.")] = None,
                   db: DbOpt = None, ds=None):
        """Publish an approved plan version as CRM import files (Data Loader Id/OwnerId, territories, members,
        quotas, the territory definitions as ETM assignment rules and a flat territory_rules.csv) with manifest.json naming who approved and who published it.  Only a saved, approved version can be
        published (see `review`); the publication is recorded in the plan's audit log."""
        from planning.plans import ReviewError, publish_plan

        if plan.strip().lower() == "current" or Path(plan).suffix.lower() == ".csv":
            _fail("only a saved, approved plan version can be published to the CRM: save it (`plans save`), put it "
                  "through review (`review submit`), then export it")
        name, version = _split_version(plan)
        s = _store(db)
        try:
            ex, warnings = publish_plan(s, s.user, name, version, ds, changed_only=changed_only, with_quotas=quotas)
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

    @app.command("crm-changes")
    @uses_data
    def crm_changes(plan: Annotated[str, typer.Argument(help="Saved plan name (name@3 for version 3) the changes are checked against.")],
                    new_accounts: Annotated[Path, typer.Option("--new-accounts", help="The newer CRM account export (CSV, Excel or Parquet).")],
                    arr_threshold: Annotated[float, typer.Option(help="Report ARR changes of at least this many USD.")] = 0.0,
                    reject: Annotated[Optional[list[str]], typer.Option("--reject", help="Reject this change id (e.g. owner_change:001...) or a whole type (new_account, deleted_account, owner_change, arr_change); repeat.")] = None,
                    apply: Annotated[bool, typer.Option("--apply", help="Save the plan with the accepted changes as a new version (needs a role that may change plans).")] = False,
                    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the change list to this CSV.")] = None,
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
                   + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
                   + (f"; {len(res.rejects)} rows rejected on validation" if len(res.rejects) else ""))
        echo_table(table[["change_id", "name", "detail", "accept"]] if len(table) else table)
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
