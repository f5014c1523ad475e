"""`carve`: the Carve page, headless.  Settings from a YAML/TOML file (section ``carve``) and/or flags."""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from cli.common import acting_user, echo_table, uses_data
from planning.access import Permission, require
from planning.data import read_settings_file, write_csv
from planning.reporting import (bands_held, carve_by_words, carve_headline, contiguity_words, count, curve_points,
                                figure, label, moved_between, one_piece_proof, people, solver_details, usd)


def _parse_pairs(items: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise typer.BadParameter(f"{what} must look like KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def build_settings(config: Path | None, company: dict | None = None, **flags):
    """CarveSettings from the company's settings (``company``: optimizers.carve.company_carve_defaults, the carving
    unit per segment and one-piece territories), then the config file, then flags that were given (flags win).
    Carving units merge per segment: ``--units SMB=zip3`` changes SMB only."""
    from optimizers.carve import CarveSettings

    data: dict = dict(company or {})
    layers: list[dict] = []
    if config is not None:
        raw = read_settings_file(config)
        layers.append(dict(raw.get("carve", raw) if isinstance(raw, dict) else {}))
    layers.append({k: v for k, v in flags.items() if not (v is None or v == [] or v == {})})
    for layer in layers:
        for key, value in layer.items():
            if key == "units" and isinstance(value, dict):
                data["units"] = {**data.get("units", {}), **value}
            else:
                data[key] = value
    return CarveSettings.from_dict(data)


@uses_data
def carve(config: Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML/TOML carve settings (section 'carve' or the whole file); flags override it.")] = None,
          metrics: Annotated[Optional[str], typer.Option(help="Balance metrics, comma separated: potential_usd, arr_usd, workload_hours, accounts.")] = None,
          tolerance: Annotated[Optional[list[str]], typer.Option(help="Band per metric as METRIC=FRACTION (0.05 = ±5%), or one FRACTION for all; repeatable.")] = None,
          mode: Annotated[Optional[str], typer.Option(help="hard: bands are constraints (may be infeasible); soft: weighted penalties, never infeasible.")] = None,
          target: Annotated[Optional[str], typer.Option(help="capacity: targets proportional to capacity share (ramping reps, leavers, open reqs get less); mean: equal books.")] = None,
          distance_weight: Annotated[Optional[float], typer.Option(help="Cost of 100 miles for an account of average workload.")] = None,
          distance_to: Annotated[Optional[str], typer.Option(help="home: distance to the rep's home; centre: to the centre of the rep's current book.")] = None,
          continuity_weight: Annotated[Optional[float], typer.Option(help="Cost of moving one plain account away from its owner (raised by ARR, pipeline, near renewal).")] = None,
          max_moves: Annotated[Optional[int], typer.Option(help="Disruption budget: most accounts moved (forced moves and pins not counted).")] = None,
          max_arr_moved: Annotated[Optional[float], typer.Option(help="Disruption budget: most ARR moved (annual USD).")] = None,
          match_region: Annotated[Optional[bool], typer.Option("--match-region/--any-region", help="Only give accounts to territories of their own region.")] = None,
          exclude: Annotated[Optional[list[str]], typer.Option(help="Rep id to leave out of the plan (their accounts move); repeatable.")] = None,
          pin: Annotated[Optional[list[str]], typer.Option(help="Pin ACCOUNT_ID=TERRITORY_ID (or rep id); repeatable.")] = None,
          units: Annotated[Optional[list[str]], typer.Option(help="Carving unit per segment SEGMENT=account|zip|zip3|county|state, or one kind for all; repeatable. Segments not named keep the company settings' carve_by (the demo: Mid-market and SMB by county, one piece each; Enterprise by account, named accounts); --units account carves every segment by account.")] = None,
          contiguous: Annotated[Optional[bool], typer.Option("--contiguous/--no-contiguous", help="Geographic units (zip, zip3, county, state): every territory one connected piece (default: the company settings' planning.carve_one_piece, on); the result says how many are not.")] = None,
          compactness: Annotated[Optional[float], typer.Option(help="Compact shapes: weight of each unit's potential-weighted distance to its territory's centre (0 = off, the default; the page's 'Lean to compact shapes' is 0.5, 'Compact shapes' 2).")] = None,
          industry_rule: Annotated[Optional[list[str]], typer.Option(help="TERRITORY_ID=Industry1,Industry2: that territory only takes these industries; repeatable.")] = None,
          employee_band: Annotated[Optional[list[str]], typer.Option(help="TERRITORY_ID=MIN-MAX employees that territory takes (either side may be empty); repeatable.")] = None,
          extra: Annotated[Optional[list[str]], typer.Option(help="Over-carve an open territory SEGMENT:REGION:START_MONTH (e.g. Mid-market:West:4); repeatable.")] = None,
          account_capacity: Annotated[Optional[bool], typer.Option("--account-capacity/--no-account-capacity", help="Cap accounts per territory at the coverage model's maximum × capacity share.")] = None,
          candidates: Annotated[Optional[int], typer.Option(help="Nearest eligible territories considered per account (plus its current one).")] = None,
          time_limit: Annotated[Optional[float], typer.Option(help="Solver time limit in seconds.")] = None,
          gap: Annotated[Optional[float], typer.Option(help="Relative optimality gap to stop at (0.01 = 1%).")] = None,
          frontier: Annotated[Optional[int], typer.Option("--frontier", help="Solve N carves along the moves-vs-travel curve, from the exact fewest-moves plan to the shortest-travel one (N ≥ 2); --pick chooses the proposal.")] = None,
          frontier_out: Annotated[Optional[Path], typer.Option("--frontier-out", help="With --frontier: write one row per point (moves, ARR moved, travel, balance, status, gap) here.")] = None,
          frontier_by: Annotated[str, typer.Option("--frontier-by", help="With --frontier: fewest 'moves' (accounts) or least 'arr_moved' at the exact end.")] = "moves",
          pick: Annotated[Optional[int], typer.Option("--pick", help="With --frontier: the point (1 = fewest moves) that becomes the proposal; default the point at your continuity weight.")] = None,
          out: Annotated[Path, typer.Option(help="Write the CRM-ready assignment CSV here (canonical column names).")] = Path("carve_assignment.csv"),
          summary_out: Annotated[Path, typer.Option(help="Write the per-territory summary CSV here (canonical column names, for a spreadsheet or a script).")] = Path("carve_territories.csv"),
          shapes_out: Annotated[Optional[Path], typer.Option(help="Write the territory shapes (county dissolve) of the geographic segments (all segments when none is) with their books, area, compactness and pieces as GeoJSON (opens in QGIS or geojson.io).")] = None,
          map_out: Annotated[Optional[Path], typer.Option(help="Draw the proposed territories to a .png or .pdf map for a deck.")] = None,
          map_segment: Annotated[Optional[str], typer.Option(help="Segment drawn by --map-out (default: every segment, one panel each).")] = None,
          save: Annotated[Optional[str], typer.Option("--save", help="Save the proposal in the plan store under this name (only when a plan was found).")] = None,
          db: Annotated[Optional[str], typer.Option("--db", help="Plan store URL for --save (default $DATABASE_URL or a local SQLite file).")] = None,
          author: Annotated[Optional[str], typer.Option(help="Author recorded with --save (default: your login name).")] = None,
          note: Annotated[str, typer.Option(help="Note recorded with --save.")] = "",
          cluster: Annotated[Optional[str], typer.Option("--cluster", help="Where the independent parts (segment × region), or with --frontier the curve's points, run: auto (default: a local Dask cluster for large carves, else this process), local, inprocess, or a Dask scheduler address such as tcp://10.0.0.5:8786 (DASK_SCHEDULER_ADDRESS also works).")] = None,
          workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes of the local cluster (default: CPU count).")] = None,
          threads: Annotated[Optional[int], typer.Option("--threads", help="In this process: parts solved at once, one per thread (0 = one per core, at most 4; 1 = one after another).")] = None,
          ds=None):
    """Carve territories: every account to one territory, balanced within bands, few moves, short travel.

    Prints the plan in words (accounts and ARR moved, balance per metric), writes the assignment and the
    per-territory summary (CSV, canonical column names, for the CRM or re-import), then the solver details.
    Exit status: 0 plan found, 1 infeasible / no plan (the diagnosis is printed), 2 bad input, 3 not allowed.
    """
    require(acting_user(db), Permission.EDIT_PLANS, "carving is sales ops' work")
    cs = _carve_settings(
        ds, config, frontier, pick, metrics=metrics, tolerance=tolerance, mode=mode, target=target,
        distance_weight=distance_weight, distance_to=distance_to, continuity_weight=continuity_weight,
        max_moves=max_moves, max_arr_moved=max_arr_moved, match_region=match_region, exclude=exclude, pin=pin,
        units=units, contiguous=contiguous, compactness=compactness, extra=extra, account_capacity=account_capacity,
        candidates=candidates, time_limit=time_limit, gap=gap, threads=threads, industry_rule=industry_rule,
        employee_band=employee_band)
    res = _solve(cs, ds, frontier, frontier_by, frontier_out, pick, save, cluster, workers)
    for w in res.warnings:
        typer.secho(f"warning: {w}", fg=typer.colors.YELLOW)
    if not res.ok:
        typer.secho(carve_headline(res.status, res.gap).text, fg=typer.colors.RED)
        typer.secho(res.diagnosis or "no plan found", fg=typer.colors.RED)
        _solver_details(res)
        raise typer.Exit(1)
    _print_plan(res, ds)
    _write_plan(res, ds, cs, out, summary_out)
    if shapes_out or map_out:
        _write_shapes(res, ds, cs, shapes_out, map_out, map_segment)
    _solver_details(res)
    if save:
        _save(res, ds, save, db, author, note)


# ------------------------------------------------------------------------------------ reading the flags
def _tolerances(items: list[str] | None) -> dict[str, float]:
    """--tolerance METRIC=FRACTION, or one FRACTION for every metric."""
    tol: dict[str, float] = {}
    for item in items or []:
        if "=" in item:
            k, v = item.split("=", 1)
            tol[k.strip()] = float(v)
        else:
            tol.update(dict.fromkeys(("potential_usd", "arr_usd", "workload_hours", "accounts"), float(item)))
    return tol


def _unit_map(items: list[str] | None, segments) -> dict[str, str]:
    """--units SEGMENT=KIND, or one KIND for every segment."""
    unit_map: dict[str, str] = {}
    for item in items or []:
        if "=" in item:
            unit_map.update(_parse_pairs([item], "--units"))
        else:
            unit_map.update(dict.fromkeys(segments, item))
    return unit_map


def _extra_territories(items: list[str] | None) -> list[dict]:
    """--extra SEGMENT:REGION:START_MONTH, one open territory each."""
    extras = []
    for item in items or []:
        parts = item.split(":")
        if len(parts) != 3:
            raise typer.BadParameter(f"--extra must look like SEGMENT:REGION:START_MONTH, got {item!r}")
        extras.append({"segment": parts[0], "region": parts[1], "start_month": int(parts[2])})
    return extras


def _employee_bands(items: list[str] | None) -> dict[str, list]:
    """--employee-band TERRITORY_ID=MIN-MAX; either side may be empty (no bound)."""
    emp_bands = {}
    for t, v in _parse_pairs(items, "--employee-band").items():
        lo, _, hi = v.partition("-")
        emp_bands[t] = [float(lo) if lo.strip() else None, float(hi) if hi.strip() else None]
    return emp_bands


def _carve_settings(ds, config: Path | None, frontier: int | None, pick: int | None, *, metrics, tolerance, mode,
                    target, distance_weight, distance_to, continuity_weight, max_moves, max_arr_moved, match_region,
                    exclude, pin, units, contiguous, compactness, extra, account_capacity, candidates, time_limit, gap,
                    threads, industry_rule, employee_band):
    """The run's CarveSettings: the company's, then --config, then the flags given.  Bad input exits with status 2
    (a malformed KEY=VALUE flag is typer's usage error)."""
    from optimizers.carve import company_carve_defaults

    try:
        tol = _tolerances(tolerance)
        unit_map = _unit_map(units, ds.settings.segments)
        extras = _extra_territories(extra)
        ind_rules = {t: [x.strip() for x in v.split(",") if x.strip()]
                     for t, v in _parse_pairs(industry_rule, "--industry-rule").items()}
        emp_bands = _employee_bands(employee_band)
        company = company_carve_defaults(ds.settings)
        cs = build_settings(
            config, company, metrics=tuple(m.strip() for m in metrics.split(",")) if metrics else None,
            tolerance=tol or None, mode=mode, target=target, distance_weight=distance_weight, distance_to=distance_to,
            continuity_weight=continuity_weight, max_moves=max_moves, max_arr_moved=max_arr_moved,
            match_region=match_region, excluded_reps=tuple(exclude) if exclude else None,
            pins=_parse_pairs(pin, "--pin") or None, units=unit_map or None, contiguous=contiguous,
            compactness=compactness,
            extra_territories=tuple(extras) if extras else None, account_capacity=account_capacity,
            candidates=candidates, time_limit=time_limit, mip_gap=gap, threads=threads,
            industry_rules=ind_rules or None, employee_bands=emp_bands or None)
        if frontier is not None and frontier < 2:
            raise ValueError("--frontier needs at least 2 points (fewest moves and shortest travel)")
        if pick is not None and (frontier is None or not 1 <= pick <= frontier):
            raise ValueError(f"--pick must be between 1 and the --frontier point count, not {pick}")
        if tol and config is not None:
            cs.tolerance = {**build_settings(config, company).tolerance, **tol}
    except (ValueError, OSError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    return cs


# ------------------------------------------------------------------------------------ running
def _solve(cs, ds, frontier: int | None, frontier_by: str, frontier_out: Path | None, pick: int | None,
           save: str | None, cluster: str | None, workers: int | None):
    """One carve, or with --frontier the moves-vs-travel curve's picked point, on the runner --cluster names.
    Exit status 1 when a part has no plan, 2 on bad input the solve finds."""
    from jobs import EngineSettings, PartFailed, carve_on

    def progress(_f: float, msg: str) -> None:
        typer.echo(f"  … {msg}", err=True)

    try:
        if frontier is not None:
            return _frontier(cs, ds, frontier, frontier_by, frontier_out, pick, progress, save, cluster,
                             EngineSettings(workers=workers or 0))
        return carve_on(ds.accounts, ds.reps, ds.plan_year, cs, ds.settings, as_of=ds.as_of, cluster=cluster,
                        progress=progress, name=save or None, engine_settings=EngineSettings(workers=workers or 0))
    except PartFailed as exc:
        typer.secho(f"error: no plan: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    except (ValueError, RuntimeError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


# ------------------------------------------------------------------------------------ printing and writing
def _print_plan(res, ds) -> None:
    """The plan in words: the headline, accounts and ARR moved, travel, and balance per metric."""
    moved = moved_between(ds.current_plan(), res.plan, ds.accounts)  # the figure Disruption and Compare show
    h = carve_headline(res.status, res.gap, moved["accounts_moved"], held=bands_held(res.balance),
                       newly_assigned=moved["newly_assigned"], one_piece=bool(res.stats.get("one_piece")))
    typer.secho(h.text, fg=typer.colors.GREEN if h.tone == "success" else typer.colors.YELLOW)
    typer.echo(f"{figure('accounts_moved').label} {count(moved['accounts_moved'])} of "
               f"{count(len(ds.accounts))}; {figure('arr_moved_usd').label} {usd(moved['arr_moved_usd'])}; "
               f"{figure('newly_assigned').label.lower()} {count(moved['newly_assigned'])}; total travel "
               f"{count(res.stats['total_distance_mi'])} mi")
    typer.echo("\nBalance per metric (each book against its target; largest ÷ smallest over 2× means rebalance):")
    bands = res.balance.assign(metric=res.balance["metric"].map(label))
    echo_table(bands[["metric", "band", "worst_dev_before", "worst_dev_after", "max_min_before", "max_min_after"]])


def _write_plan(res, ds, cs, out: Path, summary_out: Path) -> None:
    """The assignment and the per-territory summary CSVs, then how the territories were carved and whether they
    are in one piece."""
    crm = res.crm_export(ds.reps, ds.accounts)
    write_csv(crm, out)
    book = res.after.reset_index()
    keep = [c for c in ["territory_id", "name", "segment", "owner_rep_id", "owner_name", "capacity_share", "accounts",
                        "potential_usd", "arr_usd", "workload_hours", "open_pipeline_usd", "mean_distance_mi",
                        "compactness_mi"] if c in book] + [c for c in book if c.startswith("target_")]
    write_csv(book[keep], summary_out)
    typer.echo(f"\nwrote {out} ({count(len(crm))} accounts) and {summary_out} ({count(len(book))} territories); "
               "canonical column names, for the CRM or re-import")
    typer.echo(f"territories: {carve_by_words(cs.units, cs.contiguous)}")
    if cont := res.stats.get("contiguity"):  # the polish's own figures follow under "Solver details"
        typer.echo(contiguity_words(cont["territories"], cont["split_after"]))
    proof = one_piece_proof(res.stats.get("contiguity_proof"))
    if proof is not None:
        typer.secho(proof.text, fg=typer.colors.RED if proof.tone == "error" else typer.colors.YELLOW)


def _write_shapes(res, ds, cs, shapes_out: Path | None, map_out: Path | None, map_segment: str | None) -> None:
    """--shapes-out (GeoJSON) and --map-out (PNG/PDF) of the proposed territories."""
    from planning.plans import shapes_summary, territory_book, territory_shapes, write_geojson

    # geographic territories as shapes; named-account segments would only give scattered county pieces
    geo = [s for s, kind in cs.units.items() if kind != "account"]
    drawn = ds.accounts.loc[ds.accounts["segment"].isin(geo)] if geo else ds.accounts
    shapes = territory_shapes(res.plan.assignment, drawn, book=territory_book(res.after, people(ds.reps)))
    typer.echo(f"shapes: {shapes_summary(shapes)}")
    if shapes_out:
        write_geojson(shapes, shapes_out)
        typer.echo(f"wrote {shapes_out} ({len(shapes):,} territory shapes)")
    if map_out:
        from planning.plans import render_map

        path = render_map(shapes, map_out, segment=map_segment, title=res.plan.name)
        typer.echo(f"wrote {path}")


def _save(res, ds, save: str, db: str | None, author: str | None, note: str) -> None:
    """--save: the proposal into the plan store as the acting user; a store problem exits with status 2."""
    from cli.common import user_store
    from jobs.carve_job import save_result
    from planning.plans import StoreError

    try:
        store = user_store(db)  # as the acting user (--as): the save is theirs
        ref = save_result(store, res, save, author or _login(), ds, note)  # stamped as made on ds
        typer.echo(f"saved as {save} (version {ref['version']})")
    except (StoreError, Exception) as exc:  # noqa: BLE001 - a store problem must not lose the CSVs above
        typer.secho(f"error: not saved: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


def register(app: typer.Typer) -> None:
    app.command()(carve)


def _solver_details(res) -> None:
    """The solver's own terms, after what a planner needs (the page's "Solver details" expander)."""
    typer.echo("\nSolver details:")
    echo_table(solver_details(res.status, res.gap, res.objective, res.bound, res.seconds_build, res.seconds_solve,
                              res.plan_from, res.stats.get("bound_plain"), res.stats.get("contiguity")))


def _frontier(cs, ds, n: int, by: str, out: Path | None, pick: int | None, progress, name: str | None,
              cluster: str | None = None, engine_settings=None):
    """Solve the moves-vs-travel curve (its points as tasks on ``cluster``; in this process by default), print and
    write it, return the picked point's result."""
    from jobs.frontier_job import frontier_on
    from planning.plans.frontier import FrontierError, pick_point

    try:
        front = frontier_on(ds.accounts, ds.reps, ds.plan_year, cs, points=n, by=by, defaults=ds.settings,
                            as_of=ds.as_of, progress=progress, cluster=cluster, engine_settings=engine_settings)
    except FrontierError as exc:
        return exc.result  # no plan at an end: the caller prints its diagnosis and exits 1
    cur = ds.current_plan()
    table = curve_points(front.table(), pd.DataFrame([moved_between(cur, pt.result.plan, ds.accounts)
                                                       for pt in front.points]))
    typer.echo(f"\nMoves vs travel ({len(front.points)} points, {front.seconds:,.1f} s"
               f"{f'; {front.dropped} dominated point(s) dropped' if front.dropped else ''}):")
    named = table.assign(point=table["point"].astype(str) + ". " + table["label"])  # the page's table
    echo_table(named[["point", "accounts_moved", "arr_moved_usd", "travel_mi", "worst_dev"]])
    typer.echo(front.headline())
    if out is not None:  # canonical names and the points' own labels, for a script or a spreadsheet
        write_csv(table.assign(label=[p.label for p in front.points]), out)
        typer.echo(f"wrote {out} ({len(table)} points; canonical column names)")
    typer.echo("Solver details per point:")
    echo_table(named[["point", "status", "gap", "seconds"]])
    if pick is None:
        own = [i for i, p in enumerate(front.points) if p.weight is not None and abs(p.weight - cs.continuity_weight) < 1e-9]
        pick = own[0] + 1 if own else 1
    if not 1 <= pick <= len(front.points):
        raise ValueError(f"--pick must be between 1 and {len(front.points)}, not {pick}")
    typer.echo(f"proposal: point {pick} ({front.points[pick - 1].label})\n")
    return pick_point(front, pick - 1, name)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return ""
