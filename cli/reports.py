"""`disruption` and `compare`: the Disruption and Compare pages, headless.

Plan arguments take the forms of :func:`cli.plans.resolve_plan` ('current', a saved plan name[@version] or an
assignment CSV); a plan made on a changed version of the data is reported over the accounts both have, and the
command says how many accounts differ (planning.plans.dataset_fit).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import echo_table, uses_data
from cli.plans import DbOpt, _fail, _store, _view, resolve_plan
from planning.access import AccessDenied, require_team
from planning.data import FileError
from planning.plans import CAPACITY_COMPARE_ROWS, StoreError, manager_summary_html
from planning.reporting import count, figure, label, pct, person, row_kind, text_rows, usd, with_people


@uses_data
def disruption_cmd(a: Annotated[str, typer.Argument(help="Plan A (before): 'current', a saved plan name[@version] or an assignment CSV.")],
                   b: Annotated[str, typer.Argument(help="Plan B (after): same forms as A.")],
                   out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the whole report to this Excel file (.xlsx, labelled headers).")] = None,
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
    typer.echo(f"{pa.name} → {pb.name}{scope}: {count(c['accounts_moved'])} of {count(c['accounts'])} accounts "
               f"moved ({pct(c['pct_accounts_moved'], 1)}); ARR moved {usd(c['arr_moved_usd'])} "
               f"({pct(c['pct_arr_moved'], 1)} of ARR); {count(c['relationships_broken'])} relationships broken; "
               f"{count(c['reps_affected'])} reps affected; {count(c['newly_assigned'])} unowned accounts newly "
               f"assigned (not counted as moved)")
    for n in rep.notes:  # both plans on changed exports: over the accounts both hold, as the page says
        typer.echo(f"Note: {n}")
    mgrs = view.managers.assign(manager=[person(n, i) for n, i in zip(view.managers["manager_name"],
                                                                      view.managers["manager_id"])])
    typer.echo("\nPer manager:" if not manager else f"\nTeam of {mgrs['manager'].iat[0] if len(mgrs) else manager}:")
    echo_table(mgrs[["manager", "accounts_before", "kept", "lost", "gained", "arr_out_usd", "arr_in_usd",
                     "pct_arr_retained", "relationships_broken"]])
    typer.echo("\nPer rep:")
    echo_table(with_people(view.reps[["rep_id", "name", "accounts_before", "kept", "lost", "gained",
                                      "arr_out_usd", "arr_in_usd", "pct_arr_retained", "relationships_broken",
                                      "potential_change_usd", "workload_change_hours", "distance_change_mi"]],
                           view.reps), max_rows=80)
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


@uses_data
def compare_cmd(plans: Annotated[list[str], typer.Argument(help="2 to 4 plans: 'current', saved plan names[@version] or assignment CSVs.")],
                baseline: Annotated[str, typer.Option(help="Plan that disruption is measured against ('current' by default).")] = "current",
                capacity: Annotated[Optional[list[str]], typer.Option("--capacity", help="Also compare these saved capacity scenarios (repeat the option).")] = None,
                out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the comparison to this Excel file (labelled headers).")] = None,
                db: DbOpt = None, ds=None):
    """Plans side by side: headline, balance per metric, disruption vs the baseline, quota coverage, headcount and cost."""
    s = _store(db)
    try:
        ps = [resolve_plan(p, ds, lambda: s) for p in plans]
        base = resolve_plan(baseline, ds, lambda: s)
        view = _view(s, ds)
        cmp = view.compare(ps, baseline=base)
        cap = (view.compare_capacity({n: s.load_scenario("capacity", n) for n in capacity})
               if capacity else None)
    except (StoreError, FileError, ValueError, AccessDenied) as exc:
        _fail(exc)
    if s.user.scoped:
        typer.echo(f"Team {s.user.manager_id} only: each plan cut to the territories your reps own.")
    head = cmp.headline
    others = [n for n in cmp.names if n != cmp.baseline_name] or cmp.names[-1:]
    shown = others[0]  # the page's headline metrics: the first plan that is not the baseline
    typer.echo(f"{shown} against {cmp.baseline_name}: {figure('accounts_moved').label.lower()} "
               f"{count(head.at['accounts_moved', shown])}, {figure('arr_moved_usd').label} "
               f"{usd(head.at['arr_moved_usd', shown])}, {figure('quota_reps').label.lower()} "
               f"{count(head.at['quota_reps', shown])}"
               + (f", {figure('ae_cost_usd').label} {usd(head.at['ae_cost_usd', shown])}"
                  if "ae_cost_usd" in head.index else ""))
    typer.echo(f"\nHeadline (disruption vs {base.name}; spread rows show the worst segment):")
    echo_table(text_rows(head, name="Figure"), as_text=True)
    typer.echo("\nBalance of potential per segment:")
    bal = cmp.balance_wide("potential_usd").reset_index(level="metric", drop=True)
    figs = [f for _s, f in bal.index]
    bal.index = [f"{seg} · {label(f)}" for seg, f in bal.index]
    kind_of = dict(zip(bal.index, (row_kind(f) for f in figs)))  # "SMB · Spread (CV)" reads as the CV it is
    echo_table(text_rows(bal, kind_of=kind_of.get, name="Segment · figure"), as_text=True)
    if cmp.quota is not None:
        typer.echo(f"\n{figure('quota_coverage').label} ({figure('quota_coverage').definition.rstrip('.')}):")
        quota = cmp.quota.copy()
        echo_table(text_rows(quota, kind_of=lambda _segment: "pct", name="Segment"), as_text=True)
    elif cmp.quota_note:  # why not, in the words the pages use
        typer.echo(f"\n{figure('quota_coverage').label}: {cmp.quota_note}")
    for n in cmp.notes:  # accounts outside a plan, seats AE cost cannot price
        typer.echo(f"note: {n}")
    typer.echo(f"\n{count(len(cmp.moves))} accounts sit with a different owner in at least one plan.")
    if cap is not None:
        typer.echo("\nCapacity scenarios:")
        shown = cap.reindex([r for r in CAPACITY_COMPARE_ROWS if r in cap.index])  # the page's rows
        echo_table(text_rows(shown, name="Figure"), as_text=True)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(cmp.to_excel(cap))
        typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    app.command("disruption")(disruption_cmd)
    app.command("compare")(compare_cmd)
