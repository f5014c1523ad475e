"""The monthly capacity simulation: headcount, ramped rep equivalents, bookings, cost, gap.

Deterministic and linear in the hires: every person (and every planned hire)
is a *cohort* of 1 that survives expected attrition month by month; each
expected departure spawns a fractional backfill that starts ``time_to_hire``
months later and ramps like any new rep.  Because the model is linear, the
effect of one extra hire in a month (:func:`hire_response`) is exact and is
what the hiring-allocation LP in ``optimizers/headcount.py`` uses.

Formulas (docs/capacity.md has them all):
* monthly attrition r = 1 − (1 − annual)^(1/12)
* RRE_m = Σ_people heads_m × ramp(month in seat) × attainment
* capacity_m (USD) = RRE_m × quota ÷ 12
* cost_m = heads_m × cost/12 + SDRs + SEs (per AE ratios) + CSMs (ARR book ÷ CSM book)

The result and its headline summary are in ``result``; the tornado sensitivity in ``sensitivity``.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from planning.capacity.result import CapacityResult
from planning.capacity.scenario import MONTH_NAMES, MONTHS, CapacityScenario, ScenarioError, SegmentAssumptions
from planning.reporting.formats import usd_whole

COVERAGE_DISAGREEMENT = 0.20  # lenses "disagree" when they differ by more than 20% of the larger


def ramped_rep_equivalents(ramp, attainment) -> float:
    """RRE = Σ over people of (ramp % this month × expected attainment).

    ``ramp`` and ``attainment`` are per-person sequences (or a scalar attainment).
    20 ramped reps at 85% plus 5 ramping at 50% ramp and 70% attainment → 18.75.
    """
    r = np.asarray(ramp, dtype=float)
    a = np.broadcast_to(np.asarray(attainment, dtype=float), r.shape)
    return float((r * a).sum())


def monthly_attrition(annual: float) -> float:
    """Monthly leave probability that compounds to ``annual`` over 12 months."""
    return 1.0 - (1.0 - float(annual)) ** (1.0 / MONTHS)


def ramp_at(curve: tuple[float, ...], k: int) -> float:
    """Productivity in month ``k`` in seat (0 = first month); 0 before the start, 1 after the curve."""
    if k < 0:
        return 0.0
    return float(curve[k]) if k < len(curve) else 1.0


@lru_cache(maxsize=4096)
def _unit(curve: tuple[float, ...], r: float, tth: int, start: int, backfill: bool, stop: int):
    """One head starting in month ``start`` (may be < 0: already in seat) plus its backfill chain.

    Returns read-only arrays over the 12 months: heads, ramped heads (Σ heads × ramp),
    departures, backfill starts.  ``stop`` is the first month no backfill may start (freeze / year end).
    """
    heads, ramped, dep, bf = (np.zeros(MONTHS) for _ in range(4))
    s0 = max(start, 0)
    alive = 1.0
    for t in range(s0, MONTHS):
        if t > s0 and r > 0:
            d = alive * r
            alive -= d
            dep[t] += d
            if backfill and t + tth < stop:
                bf[t + tth] += d
        heads[t] = alive
        ramped[t] = alive * ramp_at(curve, t - start)
    own_bf = bf.copy()
    for b in np.nonzero(own_bf)[0]:
        h2, r2, d2, b2 = _unit(curve, r, tth, int(b), backfill, stop)
        w = own_bf[b]
        heads += w * h2
        ramped += w * r2
        dep += w * d2
        bf += w * b2
    for a in (heads, ramped, dep, bf):
        a.setflags(write=False)
    return heads, ramped, dep, bf


@lru_cache(maxsize=8192)
def _month_index(date: str, plan_year: int) -> int:
    ts = pd.Timestamp(date)
    return (ts.year - plan_year) * 12 + ts.month - 1


@dataclass
class _SegRun:
    heads: np.ndarray
    ramped: np.ndarray
    departures: np.ndarray
    backfills: np.ndarray
    hires: np.ndarray  # planned new hires (starts) per month
    open_reqs: np.ndarray  # open requisitions starting per month
    ramped_new: np.ndarray  # ramped heads from in-year hires (planned + open reqs) and their backfills


def hiring_stop_month(sc: CapacityScenario) -> int:
    """Months 0..this−1 of the plan year take hires and backfills (a hiring freeze from ``freeze_from_month`` stops them)."""
    return (sc.freeze_from_month - 1) if sc.freeze_from_month else MONTHS


def _simulate_segment(sc: CapacityScenario, seg: SegmentAssumptions, hiring_plan=None) -> tuple[_SegRun, list[str]]:
    curve, r, tth = tuple(seg.ramp_curve), monthly_attrition(seg.annual_attrition), int(seg.time_to_hire_months)
    stop, notes = hiring_stop_month(sc), []
    z = lambda: np.zeros(MONTHS)  # noqa: E731
    heads, ramped, dep, bf, hires, reqs, ramped_new = (z() for _ in range(7))

    def add(start: int, w: float = 1.0, new: bool = False):
        h, rr, d, b = _unit(curve, r, tth, max(start, -len(curve) - 1), sc.backfill, stop)
        heads[:] += w * h
        ramped[:] += w * rr
        dep[:] += w * d
        bf[:] += w * b
        if new:
            ramped_new[:] += w * rr

    for p in sc.people:
        if p.segment != seg.segment:
            continue
        s = _month_index(p.start_date, sc.plan_year)
        if s >= MONTHS:
            continue
        if p.status == "open_req" and 0 <= s:
            reqs[s] += 1
        if p.end_date:  # a known leaver: in seat until the end month, then backfilled once recruiting allows
            e = _month_index(p.end_date, sc.plan_year)
            if e < 0 or e < s:
                continue
            for t in range(max(s, 0), min(e, MONTHS - 1) + 1):
                heads[t] += 1
                ramped[t] += ramp_at(curve, t - s)
            if e + 1 < MONTHS:
                dep[e + 1] += 1
                b = max(e + 1, seg.earliest_start_month - 1)
                if sc.backfill and b < stop:
                    bf[b] += 1
                    add(b, 1.0, new=True)
            continue
        add(s, new=p.status == "open_req")
    plan = np.asarray(seg.hiring_plan if hiring_plan is None else hiring_plan, dtype=float)
    for m in range(MONTHS):
        if plan[m] <= 0:
            continue
        if m >= stop:
            notes.append(f"{seg.segment}: {int(plan[m])} planned hire(s) in {MONTH_NAMES[m]} dropped "
                         f"(hiring freeze from {MONTH_NAMES[stop]})")
            continue
        if m < seg.earliest_start_month - 1:
            notes.append(f"{seg.segment}: {int(plan[m])} planned hire(s) in {MONTH_NAMES[m]} start before the "
                         f"earliest possible start ({MONTH_NAMES[seg.earliest_start_month - 1]}, time to hire "
                         f"{seg.time_to_hire_months} months); kept as entered")
        hires[m] += plan[m]
        add(m, plan[m], new=True)
    return _SegRun(heads, ramped, dep, bf, hires, reqs, ramped_new), notes


def _money(sc: CapacityScenario, seg: SegmentAssumptions, heads: np.ndarray, ramped: np.ndarray,
           arr_usd: float) -> dict[str, np.ndarray]:
    """Monthly USD and support headcount from AE heads and ramped heads (linear in both; arr adds a constant)."""
    rre = ramped * seg.attainment
    bookings = rre * seg.quota_usd / MONTHS
    sdr, se = heads * seg.sdr_per_ae, heads * seg.se_per_ae
    book_before = arr_usd + np.concatenate([[0.0], np.cumsum(bookings)[:-1]])  # new bookings join the CSM book
    csm = book_before / sc.csm_book_usd
    ae_cost = heads * seg.cost_per_head_usd / MONTHS
    csm_cost = csm * sc.csm_cost_usd / MONTHS
    support_cost = (sdr * sc.sdr_cost_usd + se * sc.se_cost_usd) / MONTHS + csm_cost
    pipeline = sdr * seg.opps_per_sdr_month * seg.avg_deal_usd  # SDR-sourced qualified pipeline created
    return dict(rre=rre, capacity_usd=bookings, sdr=sdr, se=se, csm=csm, ae_cost_usd=ae_cost,
                support_cost_usd=support_cost, csm_cost_usd=csm_cost, cost_usd=ae_cost + support_cost,
                sdr_pipeline_usd=pipeline)


def hire_response(sc: CapacityScenario, segment: str, month: int) -> dict[str, np.ndarray]:
    """Monthly effect of ONE extra AE starting in ``month`` (0 = Jan), backfills and support included.

    Keys: heads, ramped, capacity_usd, cost_usd, sdr_pipeline_usd, ... (arrays over 12 months).
    Exact, because the simulation is linear in hires.
    """
    seg = sc.segments[segment]
    h, rr, _, _ = _unit(tuple(seg.ramp_curve), monthly_attrition(seg.annual_attrition), int(seg.time_to_hire_months),
                        int(month), sc.backfill, hiring_stop_month(sc))
    out = _money(sc, seg, h, rr, 0.0)
    out.update(heads=h, ramped=rr)
    return out


def target_by_month(seg: SegmentAssumptions) -> np.ndarray:
    """Monthly target: each quarter's share of the annual target spread evenly over its 3 months."""
    return np.repeat(np.asarray(seg.target_phasing, dtype=float) / 3.0, 3) * seg.bookings_target_usd


def hires_needed(sc: CapacityScenario, segment: str, gap_usd: float, planned: np.ndarray | None = None
                 ) -> tuple[np.ndarray, float]:
    """Hires by month that close ``gap_usd`` of annual bookings, earliest first, within the monthly cap.

    A hire in month m adds ``hire_response(...)['capacity_usd'].sum()`` bookings in the plan year.
    Returns (hires per month, bookings still short after the cap and the freeze).
    """
    seg = sc.segments[segment]
    out = np.zeros(MONTHS, dtype=int)
    remaining = float(gap_usd)
    planned = np.zeros(MONTHS) if planned is None else np.asarray(planned, dtype=float)
    for m in range(seg.earliest_start_month - 1, hiring_stop_month(sc)):
        if remaining <= 1e-6:
            break
        v = float(hire_response(sc, segment, m)["capacity_usd"].sum())
        room = int(max(seg.max_hires_per_month - planned[m], 0))
        if v <= 0 or room <= 0:
            continue
        k = min(room, math.ceil(remaining / v - 1e-9))
        out[m] = k
        remaining -= k * v
    return out, max(remaining, 0.0)


def _apply_data(sc: CapacityScenario, data) -> CapacityScenario:
    """Fill zero coverage/pipeline/ARR inputs from the data (scenario values win when set)."""
    if data is None:
        return sc
    accounts = data.get("accounts") if isinstance(data, dict) else getattr(data, "accounts", None)
    if accounts is None or not len(accounts):
        return sc
    changed = {}
    for name, seg in sc.segments.items():
        acc = accounts.loc[accounts["segment"] == name]
        fill = {}
        if not seg.accounts_to_cover:
            fill["accounts_to_cover"] = int(len(acc))
        if not seg.open_pipeline_usd and "open_pipeline_usd" in acc:
            fill["open_pipeline_usd"] = float(acc["open_pipeline_usd"].fillna(0).sum())
        if not seg.arr_usd and "arr_usd" in acc:
            fill["arr_usd"] = float(acc["arr_usd"].fillna(0).sum())
        if fill:
            changed[name] = dataclasses.replace(seg, **fill)
    if not changed:
        return sc
    return dataclasses.replace(sc, segments={**sc.segments, **changed})


def run_scenario(scenario: CapacityScenario, dataset_or_frames=None) -> CapacityResult:
    """Simulate the plan year month by month for every segment.

    ``dataset_or_frames`` (a Dataset or a dict with ``accounts``) only fills
    coverage, pipeline and ARR inputs the scenario leaves at zero.
    Raises :class:`ScenarioError` for invalid assumptions.
    """
    if not isinstance(scenario, CapacityScenario):
        raise ScenarioError("run_scenario needs a CapacityScenario (use CapacityScenario.from_dict for a dict)")
    sc = _apply_data(scenario.validate(), dataset_or_frames)
    months = pd.date_range(f"{sc.plan_year}-01-01", periods=MONTHS, freq="MS")
    frames, rows, notes = [], [], []
    for name, seg in sc.segments.items():
        run, n = _simulate_segment(sc, seg)
        notes += n
        money = _money(sc, seg, run.heads, run.ramped, seg.arr_usd)
        target = target_by_month(seg)
        cap = money["capacity_usd"]
        gap_year = float(target.sum() - cap.sum())
        need, short = hires_needed(sc, name, gap_year, run.hires) if gap_year > 0 else (np.zeros(MONTHS, int), 0.0)
        if short > 0:
            notes.append(f"{name}: even hiring {seg.max_hires_per_month}/month from "
                         f"{MONTH_NAMES[seg.earliest_start_month - 1]} leaves ${short:,.0f} of the target uncovered")
        f = pd.DataFrame({
            "segment": name, "month": np.arange(1, MONTHS + 1), "month_name": list(MONTH_NAMES), "month_start": months,
            "headcount": run.heads, "hires": run.hires, "open_reqs": run.open_reqs, "backfills": run.backfills,
            "departures": run.departures, "ramped_headcount": run.ramped, **money,
            "capacity_target_usd": target, "hires_needed": need,
        })
        f["gap_usd"] = f["capacity_target_usd"] - f["capacity_usd"]
        f["cum_capacity_usd"] = f["capacity_usd"].cumsum()
        f["cum_target_usd"] = f["capacity_target_usd"].cumsum()
        f["cum_gap_usd"] = f["cum_target_usd"] - f["cum_capacity_usd"]
        frames.append(f)
        pipeline = seg.open_pipeline_usd + float(money["sdr_pipeline_usd"].sum())
        steady = seg.bookings_target_usd / (seg.quota_usd * seg.attainment)
        coverage = seg.accounts_to_cover / seg.accounts_per_rep
        big = max(steady, coverage, 1e-9)
        new_bookings = float((run.ramped_new * seg.attainment * seg.quota_usd / MONTHS).sum())
        rows.append({
            "segment": name,
            "capacity_target_usd": float(target.sum()),
            "expected_bookings_usd": float(cap.sum()),
            "gap_usd": gap_year,
            "headcount_start": float(run.heads[0]),
            "headcount_end": float(run.heads[-1]),
            "planned_hires": int(run.hires.sum()),
            "open_reqs": int(run.open_reqs.sum()),
            "backfills": float(run.backfills.sum()),
            "departures": float(run.departures.sum()),
            "hires_needed": int(need.sum()),
            "reps_needed_bookings": steady,  # steady-state lens: target ÷ (quota × attainment)
            "reps_needed_coverage": coverage,  # accounts to cover ÷ accounts per rep
            "lens_difference": coverage - steady,
            "lenses_disagree": abs(coverage - steady) / big > COVERAGE_DISAGREEMENT,
            "rre_start": float(money["rre"][0]),
            "rre_end": float(money["rre"][-1]),
            "pipeline_usd": pipeline,
            "pipeline_coverage": pipeline / seg.bookings_target_usd if seg.bookings_target_usd else float("inf"),
            "pipeline_supported_usd": pipeline * seg.opp_win_rate,
            "new_hire_bookings_usd": new_bookings,
            "cost_usd": float(money["cost_usd"].sum()),
            "ae_cost_usd": float(money["ae_cost_usd"].sum()),
            "support_cost_usd": float(money["support_cost_usd"].sum()),
            "attainment": seg.attainment,
            "attainment_source": seg.attainment_source,
        })
    monthly = pd.concat(frames, ignore_index=True)
    segs = pd.DataFrame(rows)
    segs["pipeline_short"] = segs["pipeline_coverage"] < sc.pipeline_coverage_target
    for _, r in segs.iterrows():
        if r["lenses_disagree"]:
            notes.append(f"{r['segment']}: the coverage lens needs {r['reps_needed_coverage']:.1f} reps, the bookings "
                         f"lens {r['reps_needed_bookings']:.1f}; the larger one is the real constraint")
        if r["pipeline_short"]:
            notes.append(f"{r['segment']}: qualified pipeline is {r['pipeline_coverage']:.1f}× target (under "
                         f"{sc.pipeline_coverage_target:g}×); capacity may not convert, pipeline supports "
                         f"{usd_whole(r['pipeline_supported_usd'])}")
    support = _support_table(sc, monthly)
    return CapacityResult(scenario=sc, monthly=monthly, segments=segs, support=support, notes=notes)


def _support_table(sc: CapacityScenario, monthly: pd.DataFrame) -> pd.DataFrame:
    cm = monthly.groupby("month")[["sdr", "se", "csm"]].sum()
    cost = {"SDR": sc.sdr_cost_usd, "SE": sc.se_cost_usd, "CSM": sc.csm_cost_usd}
    rule = {"SDR": "SDRs per AE", "SE": "SEs per AE", "CSM": f"ARR book ÷ ${sc.csm_book_usd:,.0f} per CSM"}
    rows = []
    for role, col in (("SDR", "sdr"), ("SE", "se"), ("CSM", "csm")):
        rows.append({"role": role, "rule": rule[role], "today": sc.support_today.get(role, 0),
                     "needed_start": float(cm[col].iloc[0]), "needed_end": float(cm[col].iloc[-1]),
                     "hires_to_ratio": max(math.ceil(cm[col].iloc[-1] - 1e-9) - sc.support_today.get(role, 0), 0),
                     "cost_usd": float(cm[col].sum() * cost[role] / MONTHS)})
    return pd.DataFrame(rows)


def expected_bookings(sc: CapacityScenario) -> float:
    """Plan-year expected bookings (capacity lens, USD) without building frames: the fast path for sensitivity.

    Equal to ``run_scenario(sc).summary()["expected_bookings_usd"]``; ``sc`` must be valid.
    """
    total = 0.0
    for seg in sc.segments.values():
        run, _ = _simulate_segment(sc, seg)
        total += float(run.ramped.sum()) * seg.attainment * seg.quota_usd / MONTHS
    return total
