"""`quota` and `comp-sim`: the Quota and Comp page and the Finance view, headless."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.common import acting_user, echo_table, user_store, uses_data
from planning.access import Permission, require
from planning.compensation import (METHODS, POOLS, CompPlanError, QuotaError, comp_sheets, comp_template, plan_table,
                                   plans_from, quota_for_plan, quota_settings_from, quota_sheets, quota_template,
                                   read_config, simulation_from, write_template)
from planning.data import to_safe_excel, write_csv

ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML/TOML settings file (sections quota, plans, simulation); see --write-template.")]
PlanOpt = Annotated[str, typer.Option("--plan", help="'current' for today's CRM ownership, or the name of a plan saved in the plan store.")]
TemplateOpt = Annotated[Optional[Path], typer.Option("--write-template", help="Write a settings file with every default to this path and exit.")]
XlsxOpt = Annotated[Optional[Path], typer.Option("--xlsx", help="Write an Excel workbook (formula-injection safe) to this path.")]


def _plan(ds, name: str):
    if name in ("", "current"):
        return ds.current_plan()
    from planning.plans import StoreError

    try:
        return user_store().load_plan(name)
    except (StoreError, KeyError, ValueError) as exc:
        raise QuotaError(f"--plan: cannot load saved plan {name!r} ({exc})") from exc


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2) from exc


def _quotas(ds, config, plan, method, over, pool):
    qs = quota_settings_from(config)
    if method:
        qs.method = method
    if over is not None:
        qs.over_assignment = over
    if pool:
        qs.pool = pool
    return quota_for_plan(_plan(ds, plan), ds.accounts, ds.reps, ds.targets, ds.history, qs, ds.plan_year, ds.settings)


def register(app: typer.Typer) -> None:
    @app.command()
    @uses_data
    def quota(config: ConfigOpt = None, plan: PlanOpt = "current",
              method: Annotated[Optional[str], typer.Option(help=f"Allocation basis: {', '.join(METHODS)} (overrides the file).")] = None,
              over_assignment: Annotated[Optional[float], typer.Option(help="Over-assignment as a fraction (0.15 = 15%; overrides the file).")] = None,
              pool: Annotated[Optional[str], typer.Option(help=f"Target pool split across territories: {', '.join(POOLS)}.")] = None,
              out: Annotated[Optional[Path], typer.Option(help="Write the per-territory quota table (with Q1–Q4) to this CSV.")] = None,
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
        user = acting_user()
        require(user, Permission.VIEW_QUOTA)
        try:
            r = _quotas(ds, read_config(config), plan, method, over_assignment, pool)
        except (QuotaError, CompPlanError) as exc:
            _fail(exc)
        if user.scoped:  # a manager: their team's quotas, nothing company-wide
            team = r.for_user(user, ds.reps).reset_index()
            typer.echo(f"{r.plan_name}: quotas for {r.plan_year}, team {user.manager_id}")
            echo_table(team[["territory_id", "rep_name", "segment", "region", "quota_usd", "flags"]], floatfmt="{:,.2f}")
            typer.echo(f"\nTeam total {team['quota_usd'].sum():,.0f}")
            if out:
                write_csv(team, out)
                typer.echo(f"wrote {out}")
            if xlsx:
                xlsx.write_bytes(to_safe_excel({"Quotas": team}))
                typer.echo(f"wrote {xlsx}")
            return
        s = r.settings
        typer.echo(f"{r.plan_name}: quotas for {r.plan_year} by {s.method}, over-assignment {s.over_assignment:.0%}, "
                   f"band {s.coverage_band[0]:.2f}–{s.coverage_band[1]:.2f}")
        cols = ["rep_name", "segment", "region", "potential_usd", "capacity_factor", "quota_usd", "quota_pct_potential", "flags"]
        echo_table(r.table.reset_index()[["territory_id"] + cols], floatfmt="{:,.2f}")
        for by in ("segment", "region", "manager", "quarter"):
            typer.echo(f"\nCoverage by {by}:")
            echo_table(r.coverage(by), floatfmt="{:,.2f}")
        summ = r.summary()
        typer.echo(f"\nTotal quota {summ['quota_usd']:,.0f} vs target {summ['target_usd']:,.0f}: coverage "
                   f"{summ['coverage_ratio']:.3f}; unallocated {summ['unallocated_usd']:,.0f}")
        if out:
            write_csv(quota_sheets(r)["Quotas"], out)
            typer.echo(f"wrote {out}")
        if xlsx:
            xlsx.write_bytes(to_safe_excel(quota_sheets(r)))
            typer.echo(f"wrote {xlsx}")

    @app.command("comp-sim")
    @uses_data
    def comp_sim(config: ConfigOpt = None, plan: PlanOpt = "current",
                 draws: Annotated[Optional[int], typer.Option(help="Monte Carlo draws (default from the file, else 10,000).")] = None,
                 seed: Annotated[Optional[int], typer.Option(help="Random seed; the same seed gives the same numbers (default 7).")] = None,
                 distribution: Annotated[Optional[str], typer.Option(help="Attainment distribution: normal, beta or history.")] = None,
                 out: Annotated[Optional[Path], typer.Option(help="Write per-rep simulated payouts to this CSV.")] = None,
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
            r = _quotas(ds, cfg, plan, None, None, None)
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
        typer.echo(f"{r.plan_name}: {len(res.reps)} quota reps, {res.n_draws:,} draws, seed {res.seed}, "
                   f"{res.distribution} attainment ({res.seconds:.2f} s)")
        typer.echo("\nPlans:")
        echo_table(plan_table(plans)[["plan", "ote_usd", "pay_mix", "quota_usd", "rate_at_target", "tiers", "cap",
                                      "payout_at_target_pct"]], floatfmt="{:,.3f}")
        typer.echo("\nAttainment assumed per segment:")
        echo_table(res.params.reset_index(), floatfmt="{:,.3f}")
        typer.echo("\nCost distribution:")
        echo_table(res.summary(), floatfmt="{:,.3f}")
        typer.echo("\nCompany bookings vs target:")
        echo_table(res.bookings_vs_target(), floatfmt="{:,.3f}")
        typer.echo(f"P(bookings ≥ target) = {res.probability_of_target():.1%}")
        typer.echo("\nHow cost changes with the accelerator:")
        echo_table(res.accelerator_sensitivity(), floatfmt="{:,.3f}")
        if out:
            write_csv(res.reps, out)
            typer.echo(f"wrote {out}")
        if xlsx:
            xlsx.write_bytes(to_safe_excel({**quota_sheets(r), **comp_sheets(plans, r, res)}))
            typer.echo(f"wrote {xlsx}")
