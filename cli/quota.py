"""`quota` and `comp-sim`: the Quota and Comp page and the Finance view, headless."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import acting_user, echo_table, scoped_view, uses_data
from planning.access import Permission, require
from planning.compensation import (METHODS, POOLS, CompPlanError, QuotaError, attainment_assumed, comp_sheets,
                                   comp_template, labelled_sheets, plan_table, plans_from, quota_settings_from,
                                   quota_sheets, quota_template, read_config, simulation_from, summary_for_display,
                                   write_template)
from planning.data import to_safe_excel, write_csv
from planning.reporting import count, figure, label, pct, quota_reps, usd

ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML/TOML settings file (sections quota, plans, simulation); see --write-template.")]
PlanOpt = Annotated[str, typer.Option("--plan", help="'current' for today's CRM ownership, or the name of a plan saved in the plan store.")]
TemplateOpt = Annotated[Optional[Path], typer.Option("--write-template", help="Write a settings file with every default to this path and exit.")]
XlsxOpt = Annotated[Optional[Path], typer.Option("--xlsx", help="Write an Excel workbook (formula-injection safe) to this path.")]


def _plan(view, name: str):
    if name in ("", "current"):
        return view.current_plan()
    from planning.plans import StoreError

    try:
        return view.load_plan(name)
    except (StoreError, KeyError, ValueError) as exc:
        raise QuotaError(f"--plan: cannot load saved plan {name!r} ({exc})") from exc


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2) from exc


def _quotas(view, config, plan, method, over, pool):
    """Quotas for ``plan`` as the acting user may see them (ScopedView.quota: a manager's team only)."""
    qs = quota_settings_from(config)
    if method:
        qs.method = method
    if over is not None:
        qs.over_assignment = over
    if pool:
        qs.pool = pool
    return view.quota(_plan(view, plan), qs)


def _write(out: Path | None, xlsx: Path | None, table, sheets: dict) -> None:
    """--out: the quota table with canonical column names (for re-import); --xlsx: the workbook, labelled."""
    if out:
        write_csv(table, out)
        typer.echo(f"wrote {out} (canonical column names, for re-import)")
    if xlsx:
        xlsx.write_bytes(to_safe_excel(labelled_sheets(sheets)))
        typer.echo(f"wrote {xlsx}")


@uses_data
def quota(config: ConfigOpt = None, plan: PlanOpt = "current",
          method: Annotated[Optional[str], typer.Option(help=f"Allocation basis: {', '.join(METHODS)} (overrides the file).")] = None,
          over_assignment: Annotated[Optional[float], typer.Option(help="Over-assignment as a fraction (0.15 = 15%; overrides the file).")] = None,
          pool: Annotated[Optional[str], typer.Option(help=f"Target pool split across territories: {', '.join(POOLS)}.")] = None,
          out: Annotated[Optional[Path], typer.Option(help="Write the per-territory quota table (with Q1–Q4) to this CSV, with canonical column names for re-import.")] = None,
          xlsx: XlsxOpt = None, write_template_: TemplateOpt = None, ds=None):
    """Set quotas: the bookings target × (1 + over-assignment) split across the plan's territories.

    Prints the per-rep quota table and the coverage (Σ quotas ÷ finance target) by segment, region,
    manager and quarter, flagged outside the band.  Exit status 2 on bad settings or data.
    """
    if write_template_:
        write_template(quota_template(ds.settings), write_template_, "Quota settings for `python -m planning quota --config`.\n"
                       "method: potential | history | even | blend (weights); over_assignment and coverage_band are fractions.")
        typer.echo(f"wrote {write_template_}")
        return
    view = scoped_view(ds)
    require(view.user, Permission.VIEW_QUOTA)
    try:
        r = _quotas(view, read_config(config), plan, method, over_assignment, pool)
    except (QuotaError, CompPlanError) as exc:
        _fail(exc)
    if view.scoped:  # a manager: their team's quotas, nothing company-wide
        team = r.table.reset_index()
        typer.echo(f"{r.plan_name}: quotas for {r.plan_year}, team {view.user.manager_id}")
        echo_table(team[["territory_id", "rep_name", "segment", "region", "quota_usd", "flags"]])
        typer.echo(f"\nTeam total {usd(team['quota_usd'].sum())}")
        _write(out, xlsx, team, {"Quotas": team})
        return
    s = r.settings
    typer.echo(f"{r.plan_name}: quotas for {r.plan_year} by {s.method}, over-assignment {pct(s.over_assignment)}, "
               f"coverage band {r.band_words()}")
    cols = ["rep_name", "segment", "region", "potential_usd", "capacity_factor", "quota_usd", "quota_pct_potential", "flags"]
    echo_table(r.table.reset_index()[["territory_id"] + cols])
    coverage = {by: r.coverage(by) for by in ("segment", "region", "manager", "quarter")}
    for by, cov in coverage.items():
        typer.echo(f"\nCoverage by {by}:")
        echo_table(cov)
    outside = r.outside_band(coverage)
    typer.echo(f"\nCoverage outside the {r.band_words()} band: " + ("; ".join(outside) if outside else "none"))
    summ = r.summary()
    typer.echo(f"\nTotal quota {usd(summ['quota_usd'])} vs {figure('bookings_target_usd').label.lower()} "
               f"{usd(summ['target_usd'])}: {figure('quota_coverage').label.lower()} "
               f"{pct(summ['coverage_ratio'], 1)}; {figure('quota_reps').label.lower()} "
               f"{count(quota_reps(_plan(view, plan)))}; unallocated {usd(summ['unallocated_usd'])}")
    sheets = quota_sheets(r)
    _write(out, xlsx, sheets["Quotas"], sheets)


@uses_data
def comp_sim(config: ConfigOpt = None, plan: PlanOpt = "current",
             draws: Annotated[Optional[int], typer.Option(help="Monte Carlo draws (default from the file, else 10,000).")] = None,
             seed: Annotated[Optional[int], typer.Option(help="Random seed; the same seed gives the same numbers (default 7).")] = None,
             distribution: Annotated[Optional[str], typer.Option(help="Attainment distribution: normal, beta or history.")] = None,
             out: Annotated[Optional[Path], typer.Option(help="Write per-rep simulated payouts to this CSV (canonical column names).")] = None,
             xlsx: XlsxOpt = None, write_template_: TemplateOpt = None,
             cluster: Annotated[Optional[str], typer.Option("--cluster", help="Where the draws run, in chunks: inprocess (default), local (a Dask cluster on this machine) or a Dask scheduler address. The numbers are the same wherever they run.")] = None,
             workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes of the local cluster (default: CPU count).")] = None,
             chunk_draws: Annotated[int, typer.Option("--chunk-draws", help="Draws per chunk (each chunk has a random stream of its own from the seed; a run of up to one chunk is unchanged by chunking).")] = 10_000,
             ds=None):
    """Simulate comp cost: quotas from the quota section, then the plans over the attainment spread.

    Prints the plans, the cost distribution (mean, P10/P50/P90 of variable cost, cost of sales,
    bookings and % of reps at quota), P10/P50/P90 bookings vs target and the accelerator sensitivity.
    """
    if write_template_:
        write_template(comp_template(ds.settings), write_template_, "Comp settings for `python -m planning comp-sim --config`.\n"
                       "plans: one per segment; pay_mix is (base, variable); tiers are attainment bands [start, end) "
                       "with rate multipliers, the last open-ended (end: null).")
        typer.echo(f"wrote {write_template_}")
        return
    user = require(acting_user(), Permission.VIEW_COMP)
    try:
        cfg = read_config(config)
        r = _quotas(scoped_view(ds), cfg, plan, None, None, None)
        plans = plans_from(cfg, ds.settings)
        sim = simulation_from(cfg)
        from jobs import EngineSettings, PartFailed, simulate_on

        res = simulate_on(plans, r, cluster=cluster, engine_settings=EngineSettings(workers=workers or 0),
                          progress=(lambda f, m: typer.echo(f"  … {m}", err=True)) if cluster else None,
                          chunk_draws=chunk_draws, n_draws=draws or sim.get("draws"),
                          seed=seed if seed is not None else sim.get("seed", 7),
                          distribution=distribution or sim.get("distribution", "normal"), history=ds.history,
                          defaults=ds.settings, attainment=sim.get("attainment"), correlation=sim.get("correlation"),
                          early_churn_share=sim.get("early_churn_share", 0.0), user=user)
    except (QuotaError, CompPlanError) as exc:
        _fail(exc)
    except (PartFailed, RuntimeError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{r.plan_name}: {count(len(res.reps))} quota reps, {count(res.n_draws)} draws, seed {res.seed}, "
               f"{res.distribution} attainment ({res.seconds:.1f} s)")
    typer.echo("\nPlans:")
    echo_table(plan_table(plans)[["plan", "ote_usd", "pay_mix", "quota_usd", "rate_at_target", "tiers", "cap",
                                  "payout_at_target_pct"]])
    typer.echo("\nAttainment assumed per segment:")
    echo_table(attainment_assumed(res.params).reset_index())
    typer.echo("\nCost distribution:")
    echo_table(summary_for_display(res))
    typer.echo("\nCompany bookings vs target:")
    echo_table(res.bookings_vs_target())
    typer.echo(f"{label('p_at_or_above_quota').replace('quota', 'target')}: {pct(res.probability_of_target(), 1)}")
    typer.echo("\nHow cost changes with the accelerator:")
    echo_table(res.accelerator_sensitivity())
    if out:
        write_csv(res.reps, out)
        typer.echo(f"wrote {out} (canonical column names, for re-import)")
    if xlsx:
        xlsx.write_bytes(to_safe_excel(labelled_sheets({**quota_sheets(r), **comp_sheets(plans, r, res)})))
        typer.echo(f"wrote {xlsx}")


def register(app: typer.Typer) -> None:
    app.command()(quota)
    app.command("comp-sim")(comp_sim)
