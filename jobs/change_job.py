"""Mid-year changes on the carve: a leaver's two options, a hire's carve, and the job the Changes page follows.

The arithmetic is the core's (planning.changes: the change versions, pro-rated quotas, holdover); this layer adds
the one thing the core may not do, calling the optimizer, through the carve's public API only
(``optimizers.territory_carve.carve`` via :func:`jobs.carve_job.carve_on`, :class:`CarveSettings`,
:class:`CarveResult`).

* **Leaver, split**: every account the leaver does not hold is locked to its owner, the leaver is excluded, and the
  carve hands the book to the neighbouring territories of the same segment, continuity weighted high, within the
  bands of the base plan's settings (hard); when no split can hold them it balances as near as it can (soft) and
  says so.
* **Hire**: the new open territory is over-carved from its neighbours under the disruption budget (max accounts and
  ARR moved), hard bands first, then soft.  Without a budget the default is one average book of the segment.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from jobs.carve_job import carve_on
from jobs.manager import JobContext, manager
from optimizers.carve import CarveResult, CarveSettings
from planning.changes import (ChangeError, ChangeOption, ChangeSpec, apply_carve, carve_inputs, evaluate,
                              hire_territory, leaver_territories, placeholder_plan, ramp_share, rep_row)
from planning.compensation import QuotaError, quota_for_plan
from planning.plans import JobRecords, Plan

# continuity weight of the carves behind a change: moving a plain account costs as much as 5,000 mi of travel,
# so the carve moves only what it must (the leaver's book is a forced move and costs nothing extra)
CHANGE_CONTINUITY = 50.0
ProgressFn = Callable[[float, str], None]


def annual_quotas(ds, base: Plan) -> tuple[pd.Series, str]:
    """territory_id → annual quota of ``base`` (quota_for_plan on the data's targets), and where it came from;
    without bookings targets, each owner's ``quota_usd`` from the reps file."""
    try:
        q = quota_for_plan(base, ds.accounts, ds.reps, ds.targets, ds.history, plan_year=ds.plan_year,
                           defaults=ds.settings).table["quota_usd"]
        if float(q.sum()) > 0:
            return q, "quotas allocated from the bookings targets"
    except QuotaError:
        pass
    owner_quota = ds.reps.set_index(ds.reps["rep_id"].astype(str))["quota_usd"] if "quota_usd" in ds.reps else None
    if owner_quota is None:
        return pd.Series(0.0, index=base.territories.index), "no quotas in the data"
    q = base.territories["owner_rep_id"].astype(str).map(owner_quota).astype(float).fillna(0.0)
    return q, "quotas from the reps file (no bookings targets)"


def base_carve_settings(base: Plan) -> CarveSettings:
    """The bands and balance metrics of the carve that made ``base`` (its settings), else the carve's defaults."""
    saved = {k: v for k, v in (base.settings or {}).items() if k in ("metrics", "tolerance", "target", "units",
                                                                     "match_region", "distance_weight")}
    try:
        cs = CarveSettings.from_dict(saved)
    except (TypeError, ValueError):
        cs = CarveSettings()
    # a change moves accounts one by one, never whole ZIPs or counties, and a parent family the base plan already
    # splits across owners stays as it is (keeping families would force moves the change does not need)
    cs.units = {}
    cs.threads = 1
    cs.continuity_weight = CHANGE_CONTINUITY
    return cs


def _solve(accounts, reps, ds, cs: CarveSettings, progress, should_stop, label: str) -> tuple[CarveResult, list[str]]:
    """Hard bands, then (no plan) soft: the result and the notes a person must read."""
    notes: list[str] = []
    res = carve_on(accounts, reps, ds.plan_year, cs, ds.settings, as_of=ds.as_of, cluster="inprocess",
                   progress=progress, should_stop=should_stop, name=label)
    if not res.ok and res.status != "cancelled":
        bands = ", ".join(f"{m.replace('_usd', '').replace('_', ' ')} ±{cs.tol(m):.0%}" for m in cs.metrics)
        notes.append(f"No plan holds every band ({bands}); this one balances the books as near the bands as it can.")
        cs.mode = "soft"
        res = carve_on(accounts, reps, ds.plan_year, cs, ds.settings, as_of=ds.as_of, cluster="inprocess",
                       progress=progress, should_stop=should_stop, name=label)
    return res, notes + list(res.warnings)


def _solver_details(res: CarveResult, cs: CarveSettings) -> dict:
    return {"status": res.status, "mode": cs.mode, "gap": float(res.gap), "objective": float(res.objective),
            "bound": float(res.bound), "seconds": float(res.seconds_build + res.seconds_solve),
            "balance": res.balance, "diagnosis": res.diagnosis}


def leaver_options(ds, base: Plan, spec: ChangeSpec, progress: ProgressFn | None = None,
                   should_stop: Callable[[], bool] | None = None, time_limit: float = 60.0) -> list[ChangeOption]:
    """A leaver's two options side by side: (a) the placeholder, (b) the fewest-moves split (see module doc)."""
    rep = rep_row(ds.reps, spec.rep_id)
    leaver_territories(base, spec.rep_id)  # a clear error when the rep holds no book in the base plan
    quota, quota_note = annual_quotas(ds, base)
    w = ds.settings.planning.renewal_window_days
    say = progress or (lambda _f, _m: None)
    say(0.05, "placeholder: the book stays whole as an open territory")
    hold = placeholder_plan(base, spec, ds.reps)
    options = [evaluate("placeholder", spec, base, hold, ds.accounts, ds.reps, ds.as_of, quota, w, [quota_note])]
    say(0.2, f"split: handing the book to neighbouring {rep['segment']} territories")
    accounts, reps = carve_inputs(base, ds.accounts, ds.reps, rep["segment"], leaver=spec.rep_id)
    cs = base_carve_settings(base)
    cs.excluded_reps, cs.keep_families, cs.time_limit = (str(spec.rep_id),), False, time_limit
    res, notes = _solve(accounts, reps, ds, cs, progress, should_stop, f"{base.name} – split")
    split = apply_carve(base, spec, res.plan) if res.ok else None
    if not res.ok:
        notes.append(f"No split found: {res.diagnosis or res.status}")
    options.append(evaluate("split", spec, base, split, ds.accounts, ds.reps, ds.as_of, quota, w,
                            notes + [quota_note], _solver_details(res, cs)))
    say(1.0, "both options ready")
    return options


def default_budget(base: Plan, accounts: pd.DataFrame, segment: str) -> int:
    """One average book of the segment (accounts ÷ its territories + 1): a hire's default disruption budget."""
    terr = base.territories.index[(base.territories["segment"] == segment).to_numpy()]
    n = int(base.assignment.isin(terr).sum()) if len(terr) else int((accounts["segment"] == segment).sum())
    return max(1, round(n / (len(terr) + 1)))


def hire_options(ds, base: Plan, spec: ChangeSpec, progress: ProgressFn | None = None,
                 should_stop: Callable[[], bool] | None = None, time_limit: float = 60.0) -> list[ChangeOption]:
    """A hire's territory carved from its neighbours under the disruption budget (one option)."""
    if spec.segment not in ds.settings.segments:
        raise ChangeError(f"unknown segment {spec.segment!r} (known: {', '.join(ds.settings.segments)})")
    regions = set(ds.accounts["region"].dropna().astype(str))
    if spec.region not in regions:
        raise ChangeError(f"unknown region {spec.region!r} (known: {', '.join(sorted(regions))})")
    quota, quota_note = annual_quotas(ds, base)
    accounts, reps = carve_inputs(base, ds.accounts, ds.reps, spec.segment)
    cs = base_carve_settings(base)
    budget = spec.max_moves if spec.max_moves is not None else default_budget(base, ds.accounts, spec.segment)
    cs.extra_territories, cs.max_moves, cs.max_arr_moved = (hire_territory(spec),), budget, spec.max_arr_moved
    cs.keep_families, cs.time_limit = False, time_limit
    res, notes = _solve(accounts, reps, ds, cs, progress, should_stop, f"{base.name} – hire")
    budget_words = f"at most {budget:,} accounts" + (f" and ${spec.max_arr_moved:,.0f} ARR" if spec.max_arr_moved else "")
    notes.insert(0, f"Disruption budget: {budget_words} moved"
                    + ("" if spec.max_moves is not None else " (default: one average book of the segment)"))
    plan = apply_carve(base, spec, res.plan) if res.ok else None
    if not res.ok:
        notes.append(f"No territory found: {res.diagnosis or res.status}")
    curve = tuple(ds.settings.segments[spec.segment].ramp_curve)
    share = ramp_share(spec, curve)
    notes.append(f"The new hire's quota is ramp-adjusted: the {spec.segment} ramp "
                 f"({'/'.join(f'{r:.0%}' for r in curve)}) over {12 - spec.effective_date.month + 1} months in seat "
                 f"averages {share:.1%}; the rest of the pro-rated quota is ramp relief, handed to nobody")
    return [evaluate("carve", spec, base, plan, ds.accounts, ds.reps, ds.as_of, quota,
                     ds.settings.planning.renewal_window_days, notes + [quota_note], _solver_details(res, cs),
                     ramp_curve=curve)]


def change_options(ds, base: Plan, spec: ChangeSpec, **kw) -> list[ChangeOption]:
    """The options of ``spec``: a leaver's two, a hire's one."""
    return leaver_options(ds, base, spec, **kw) if spec.kind == "leave" else hire_options(ds, base, spec, **kw)


def submit_change(store, ds, base: Plan, spec: ChangeSpec, user: str = "", dataset: str | None = None) -> int:
    """Start the options of ``spec`` as a job the page follows (progress, Cancel); the options stay with the job
    manager (``manager().result(job_id)``) and nothing is saved until a person saves one."""
    records = JobRecords(store.engine)
    settings = {"change": spec.to_dict(), "base_plan": base.name, "dataset": dataset}

    def work(ctx: JobContext) -> dict:
        t0 = time.perf_counter()
        options = change_options(ds, base, spec, progress=lambda f, m: ctx.progress(f, m),
                                 should_stop=ctx.should_stop)
        if ctx.should_stop():
            return {"status": "cancelled", "summary": "cancelled by the user"}
        found = [o.title for o in options if o.ok]
        return {"status": "succeeded" if found else "failed", "result_object": options,
                "summary": f"{len(found)} of {len(options)} option(s) ready in {time.perf_counter() - t0:.1f} s",
                "error": "" if found else "; ".join(n for o in options for n in o.notes[-1:])}

    return manager().submit(records, "change", spec.words(), user, settings, work)
