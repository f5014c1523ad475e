"""`capacity`: run a capacity scenario (headcount and hiring by month), optionally solve the hiring LP."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import acting_user, echo_table, uses_data
from planning.access import Permission, require
from planning.capacity import (MONTH_NAMES, ScenarioError, can, capacity_targets, default_scenario,
                               derived_target_note, hiring_export, left_out_note, inherited_segments,
                               run_scenario, scenario_from_file, segment_view, support_view, tornado, tornado_view,
                               write_scenario_file)
from planning.data import write_csv
from planning.reporting import count, figure, label, pct, scenario_costs, usd

ScenarioArg = Annotated[Optional[Path], typer.Argument(
    help="Scenario file (YAML/TOML/JSON, the keys of --write-template). Keys left out keep the defaults from "
         "the data, e.g. `segments: {SMB: {attainment: 0.7}}`. Omit to run the default scenario.")]


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _ratio(v: float, undefined: str) -> str:
    # a ratio over zero (no bookings, no AEs) is undefined: say why instead of printing "nan%"
    return pct(v, 1) if math.isfinite(v) else f"n/a ({undefined})"


def _dollars(v: float, undefined: str) -> str:
    return usd(v) if math.isfinite(v) else f"n/a ({undefined})"


def _print_result(res, show_tornado: bool, data, user) -> None:
    """The run as text: headline, by segment, headcount, hiring, support roles (costs only for those who may see
    them), the same views the page draws."""
    s = res.summary()
    sc = res.scenario
    typer.echo(f"Scenario {sc.name!r}, plan year {sc.plan_year}")
    typer.echo(f"  target {usd(s['capacity_target_usd'])} · expected bookings {usd(s['expected_bookings_usd'])} "
               f"({pct(s['attainment_of_target'])} of target) · gap {usd(s['gap_usd'])}")
    typer.echo(f"  AEs {s['headcount_start']:.1f} in Jan → {s['headcount_end']:.1f} in Dec · planned hires "
               f"{count(s['hires'])} · open reqs {count(s['open_reqs'])} · expected backfills {s['backfills']:.1f} · "
               f"hires needed to close the gap {count(s['hires_needed'])}")
    cost = ""
    if can(user, Permission.VIEW_COMP):
        c = scenario_costs(res)
        cost = (f"{figure('ae_support_cost_usd').label} {usd(c.ae_support_cost_usd)} ({figure('ae_cost_usd').label} "
                f"{usd(c.ae_cost_usd)}, {figure('support_cost_usd').label.lower()} {usd(c.support_cost_usd)}) · "
                f"cost of sales {_ratio(s['cost_of_sales'], 'no expected bookings')} · ")
    typer.echo(f"  {cost}bookings per AE {_dollars(s['bookings_per_head_usd'], 'no AEs in seat')} · "
               f"risk {s['risk']} ({s['risk_reasons']})")
    cols = ["segment", "capacity_target_usd", "expected_bookings_usd", "gap_usd", "aes_start", "aes_end",
            "hires_needed", "reps_needed_bookings", "reps_needed_coverage", "pipeline_coverage"]
    typer.echo("\nBy segment (reps needed: bookings lens = target ÷ (quota × attainment); coverage lens = accounts ÷ "
               "accounts per rep; pipeline coverage = qualified pipeline ÷ target):")
    echo_table(segment_view(res, user)[cols])
    typer.echo("\nExpected AE headcount by month:")
    echo_table(res.headcount_table().reset_index().round(1))
    hp = res.monthly.assign(plan=lambda d: d["hires"] + d["hires_needed"])
    wide = hp.pivot(index="segment", columns="month_name", values="plan")[list(MONTH_NAMES)]
    typer.echo("\nHiring table (planned hires + hires needed to close the gap, by start month):")
    echo_table(wide.reindex(list(sc.segments)).astype(int).reset_index())
    typer.echo("\nSupport roles (by ratio):")
    echo_table(support_view(res, user))
    for n in res.notes:
        typer.secho(f"note: {n}", fg=typer.colors.YELLOW)
    if show_tornado:
        typer.echo("\nSensitivity of expected bookings to ±10% in each driver:")
        echo_table(tornado_view(tornado(sc, data), user))


def _optimize(sc, ds, user, objective: str, budget, max_headcount, pipeline_cap: bool, time_limit: float):
    """Solve the hiring allocation, print it (costs only for those who may see them); the optimal plan's run."""
    from optimizers.headcount import optimize_hiring, proportional_allocation

    limit = budget if budget is not None else sc.budget_usd
    cap = max_headcount if max_headcount is not None else sc.max_headcount
    obj = objective.replace("-", "_")
    if obj == "auto":
        obj = "max_bookings" if (limit is not None or cap is not None) else "min_cost"
    if obj == "min_cost" or limit is not None:  # a budget and a least cost are comp-based figures
        require(user, Permission.VIEW_COMP, "optimise with --max-headcount and max-bookings instead")
    try:
        opt = optimize_hiring(sc, ds, objective=obj, budget_usd=limit, max_headcount=cap,
                              cap_at_pipeline=pipeline_cap, time_limit=time_limit)
    except ScenarioError as exc:
        _fail(str(exc))
    goal = obj.replace("_", " ")
    if not opt.ok:
        typer.secho(f"\nOptimal hiring ({goal}): no plan: {opt.diagnosis}", fg=typer.colors.RED, err=True)
        _solver_details(opt, [])
        raise typer.Exit(1)
    typer.echo(f"\nOptimal hiring ({goal}): {'expected bookings' if obj == 'max_bookings' else 'cost'} "
               f"{usd(opt.objective)}")
    echo_table(opt.hiring_table().reset_index(names="segment"))
    show_cost = can(user, Permission.VIEW_COMP)
    for r in opt.explain(show_cost):
        typer.echo(f"  {r}")
    if obj == "max_bookings":
        _, prop = proportional_allocation(sc, ds, budget_usd=limit, max_headcount=cap, cap_at_pipeline=pipeline_cap)
        typer.echo(f"\nA split proportional to targets with the same limits books {usd(prop)}; "
                   f"the optimal plan {usd(opt.objective)} (+{usd(opt.objective - prop)}).")
    sp = opt.shadow_prices.loc[opt.shadow_prices["binding"]]
    if not show_cost:
        sp = sp.loc[~sp["kind"].isin(["budget", "target"])]
    _solver_details(opt, sp)
    return run_scenario(opt.plan, ds)


def _solver_details(opt, shadow) -> None:
    """The solver's own figures, after what a planner needs: status, objective, bound, gap, timings, and the
    shadow prices (LP duals) of the binding constraints."""
    typer.echo(f"\nSolver details: {opt.status}; objective {usd(opt.objective)}, LP bound {usd(opt.bound)}, "
               f"{label('gap').lower()} {pct(opt.gap, 2)}; built in {opt.seconds_build:.2f} s, solved in "
               f"{opt.seconds_solve:.2f} s")
    if len(shadow):
        typer.echo("Shadow prices (LP relaxation duals) of binding constraints:")
        echo_table(shadow[["kind", "segment", "month", "shadow_price", "shadow_unit", "meaning"]].assign(
            kind=shadow["kind"].str.replace("_", " ")))


@uses_data
def capacity(scenario: ScenarioArg = None,
             write_template: Annotated[Optional[Path], typer.Option(
                 "--write-template", help="Write the default scenario (pre-filled from the data) to this "
                 "YAML/TOML/JSON file for editing, and exit.")] = None,
             optimize: Annotated[bool, typer.Option(
                 "--optimize", help="Solve the hiring-allocation LP/MIP (replaces the scenario's hiring plan) "
                 "and print binding constraints and shadow prices.")] = False,
             objective: Annotated[str, typer.Option(
                 help="With --optimize: max-bookings (needs --budget or --max-headcount), min-cost (meet every "
                 "segment's target at least cost), or auto (max-bookings when a limit is given).")] = "auto",
             budget: Annotated[Optional[float], typer.Option(
                 help="With --optimize: annual cost limit in USD for AEs plus support roles.")] = None,
             max_headcount: Annotated[Optional[float], typer.Option(
                 help="With --optimize: most AEs in seat in any month.")] = None,
             no_pipeline_cap: Annotated[bool, typer.Option(
                 "--no-pipeline-cap", help="With --optimize: count capacity bookings even where qualified "
                 "pipeline × win rate would not support them.")] = False,
             time_limit: Annotated[float, typer.Option(help="With --optimize: solver time limit in seconds.")] = 20.0,
             show_tornado: Annotated[bool, typer.Option(
                 "--tornado", help="Also print bookings at ±10% attainment, ramp, attrition and quota.")] = False,
             out: Annotated[Optional[Path], typer.Option(
                 help="Write the hiring plan (segment × month: hires, backfills, hires needed, capacity, "
                 "target, cost) to this CSV, canonical column names for a spreadsheet or a script; the optimal plan "
                 "with --optimize.")] = None,
             save_scenario: Annotated[Optional[Path], typer.Option(
                 "--save-scenario", help="Write the scenario that was run (the optimal one with --optimize) "
                 "to this YAML/TOML/JSON file.")] = None, ds=None):
    """Capacity plan: headcount, ramped capacity, expected bookings vs target and hires by month per segment.

    Exit status: 0 ok, 1 the optimizer found no feasible plan, 2 bad scenario file or data, 3 not allowed.
    """
    user = require(acting_user(), Permission.VIEW_COMPANY, "capacity plans are company-wide")
    try:
        base = default_scenario(ds)
        if write_template:
            write_scenario_file(base, write_template,
                                "Capacity scenario for `python -m planning capacity FILE`. Money: annual USD; "
                                "rates: fractions; months: Jan..Dec.\nhiring_plan = new AEs starting each "
                                "month; earliest_start_month / freeze_from_month are 1-12.")
            typer.echo(f"wrote {write_template}")
            return
        sc = scenario_from_file(scenario, base) if scenario else base
        res = run_scenario(sc, ds)
        if note := derived_target_note(capacity_targets(ds), sc):  # the page's warning, word for word
            typer.secho(f"note: {note}", fg=typer.colors.YELLOW)
        if note := left_out_note(ds):
            typer.secho(f"note: {note}", fg=typer.colors.YELLOW)
        if scenario and (inherited := inherited_segments(scenario, sc)):
            typer.secho(f"note: {scenario.name} does not list {', '.join(inherited)}; "
                        f"{'that segment uses' if len(inherited) == 1 else 'those segments use'} the defaults "
                        f"from the data (see them with --write-template)", fg=typer.colors.YELLOW)
    except ScenarioError as exc:
        _fail(str(exc))
    _print_result(res, show_tornado, ds, user)
    final = res
    if optimize:
        final = _optimize(sc, ds, user, objective, budget, max_headcount, not no_pipeline_cap, time_limit)
    if out:
        write_csv(hiring_export(final, user), out)
        typer.echo(f"wrote {out}")
    if save_scenario:
        write_scenario_file(final.scenario, save_scenario, f"Capacity scenario {final.scenario.name!r}")
        typer.echo(f"wrote {save_scenario}")


def register(app: typer.Typer) -> None:
    app.command()(capacity)
