"""Hiring allocation: which segment and which month to hire in (PuLP, HiGHS).

Decision ``x[s, m]`` = new AEs starting in segment s in month m (integer in
the MIP, continuous in the LP relaxation that gives the bound and the shadow
prices).  Coefficients come from :func:`planning.capacity.hire_response`,
which is exact because the capacity simulation is linear in hires: one hire
in month m adds ``v[s,m]`` expected bookings in the plan year (ramp,
attrition and backfills included) and costs ``c[s,m]`` (AE + SDR/SE by ratio
+ CSMs for the new book).

Two objectives:

* ``max_bookings``: maximise Σ_s b_s where b_s ≤ capacity bookings of s and
  (optionally) b_s ≤ win rate × qualified pipeline of s (open + SDR-sourced);
  subject to the budget (annual cost) and/or an AE headcount cap in every month.
* ``min_cost``: minimise cost subject to capacity bookings ≥ target in every segment.

Both respect max hires per segment per month, the earliest start and a hiring
freeze.  Shadow prices are the LP relaxation duals (``constraint.pi``), read
in plain words: "one more Mid-market hire in Mar is worth $410K bookings".
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from optimizers.highs_banner import quiet_first_highs
from planning.capacity import (MONTH_NAMES, MONTHS, CapacityScenario, ScenarioError, hire_response,
                               hiring_stop_month, run_scenario)
from planning.reporting import usd as _usd  # $1.23M / $456K: the app's one money format

OBJECTIVES = ("max_bookings", "min_cost")
TOL = 1e-6


@dataclass
class HeadcountResult:
    """Outcome of :func:`optimize_hiring` (never a bare dict)."""

    status: str  # optimal / feasible (time limit) / infeasible / error
    objective: float  # expected bookings (max_bookings) or annual cost (min_cost) of the integer plan, USD
    bound: float  # LP relaxation objective: no integer plan can beat it
    gap: float  # |bound − objective| ÷ |bound|
    seconds_build: float
    seconds_solve: float
    hires: pd.DataFrame  # segment, month, month_name, hires, bookings_usd, cost_usd (rows with hires > 0)
    plan: CapacityScenario | None  # the scenario with the optimal hiring plan applied (None when infeasible)
    reasons: list[str] = field(default_factory=list)  # binding constraints and shadow prices, in plain words
    diagnosis: str = ""  # why it failed, when it did
    shadow_prices: pd.DataFrame = field(default_factory=pd.DataFrame)
    objective_kind: str = "max_bookings"
    expected_bookings_usd: float = float("nan")
    cost_usd: float = float("nan")
    summary: dict = field(default_factory=dict)  # the optimal plan's capacity summary (what the reasons quote)
    budget_usd: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")

    def explain(self, show_cost: bool = True) -> list[str]:
        """The reasons in plain words; ``show_cost=False`` leaves every cost figure out (for those who may not
        see comp-based figures)."""
        if show_cost or not self.ok or not self.summary:
            return list(self.reasons)
        return _reasons(self.shadow_prices, self.summary, self.objective_kind, None, None, self.hires,
                        show_cost=False)

    def hiring_table(self) -> pd.DataFrame:
        """Segment × month hires (wide), zeros included."""
        if self.plan is None:
            return pd.DataFrame()
        t = pd.DataFrame({n: list(s.hiring_plan) for n, s in self.plan.segments.items()}, index=list(MONTH_NAMES)).T
        t["total"] = t.sum(axis=1)
        return t


@dataclass
class _Model:
    sc: CapacityScenario
    base: CapacityScenario  # scenario with no planned hires
    keys: list[tuple[str, int]]
    value: dict  # bookings per hire (USD in the plan year)
    cost: dict  # annual cost per hire (USD)
    heads: dict  # heads per month per hire (array)
    pipe: dict  # SDR-sourced pipeline per hire (USD)
    base_seg: pd.DataFrame
    base_heads: np.ndarray
    base_cost: float


def _prepare(sc: CapacityScenario, data=None) -> _Model:
    segs = {n: dataclasses.replace(s, hiring_plan=(0,) * MONTHS) for n, s in sc.segments.items()}
    base = dataclasses.replace(sc, segments=segs)
    res = run_scenario(base, data)
    base = res.scenario
    stop = hiring_stop_month(base)
    keys, value, cost, heads, pipe = [], {}, {}, {}, {}
    for n in base.segments:
        for m in range(stop):
            r = hire_response(base, n, m)
            keys.append((n, m))
            value[n, m] = float(r["capacity_usd"].sum())
            cost[n, m] = float(r["cost_usd"].sum())
            heads[n, m] = r["heads"]
            pipe[n, m] = float(r["sdr_pipeline_usd"].sum())
    base_heads = res.monthly.groupby("month")["headcount"].sum().to_numpy()
    return _Model(sc, base, keys, value, cost, heads, pipe, res.segments.set_index("segment"), base_heads,
                  float(res.monthly["cost_usd"].sum()))


def _build(md: _Model, objective: str, budget, max_headcount, cap_at_pipeline: bool, integer: bool):
    sc = md.base
    sense = pulp.LpMaximize if objective == "max_bookings" else pulp.LpMinimize
    prob = pulp.LpProblem("hiring_allocation", sense)
    cat = pulp.LpInteger if integer else pulp.LpContinuous
    x = {k: pulp.LpVariable(f"x_{i}", lowBound=0, cat=cat) for i, k in enumerate(md.keys)}
    meta: dict[str, dict] = {}

    def add(expr, name, **info):
        prob.addConstraint(expr, name)
        meta[name] = info

    seg_names = list(sc.segments)
    cap_expr = {n: float(md.base_seg.loc[n, "expected_bookings_usd"])
                + pulp.lpSum(md.value[k] * x[k] for k in md.keys if k[0] == n) for n in seg_names}
    cost_expr = md.base_cost + pulp.lpSum(md.cost[k] * x[k] for k in md.keys)
    for i, (n, m) in enumerate(md.keys):
        seg = sc.segments[n]
        if m < seg.earliest_start_month - 1:
            add(x[n, m] <= 0, f"early_{i}", kind="earliest_start", segment=n, month=m, rhs=0.0)
        else:
            add(x[n, m] <= seg.max_hires_per_month, f"cap_{i}", kind="hiring_cap", segment=n, month=m,
                rhs=float(seg.max_hires_per_month))
    if objective == "max_bookings":
        b = {n: pulp.LpVariable(f"b_{j}", lowBound=0) for j, n in enumerate(seg_names)}
        prob += pulp.lpSum(b.values())
        for j, n in enumerate(seg_names):
            add(b[n] <= cap_expr[n], f"capacity_{j}", kind="capacity", segment=n, month=None, rhs=0.0)
            if cap_at_pipeline:
                seg = sc.segments[n]
                sdr_base = float(md.base_seg.loc[n, "pipeline_usd"])
                pipe = sdr_base + pulp.lpSum(md.pipe[k] * x[k] for k in md.keys if k[0] == n)
                add(b[n] <= seg.opp_win_rate * pipe, f"pipeline_{j}", kind="pipeline", segment=n, month=None,
                    rhs=0.0, win=seg.opp_win_rate)
    else:
        prob += cost_expr
        for j, n in enumerate(seg_names):
            tgt = sc.segments[n].bookings_target_usd
            add(cap_expr[n] >= tgt, f"target_{j}", kind="target", segment=n, month=None, rhs=tgt)
    if budget is not None:
        add(cost_expr <= budget, "budget", kind="budget", segment=None, month=None, rhs=float(budget))
    if max_headcount is not None:
        for t in range(MONTHS):
            add(float(md.base_heads[t]) + pulp.lpSum(md.heads[k][t] * x[k] for k in md.keys if md.heads[k][t] > 0)
                <= max_headcount, f"heads_{t}", kind="headcount", segment=None, month=t, rhs=float(max_headcount))
    return prob, x, meta


def _status(prob) -> str:
    s = pulp.LpStatus[prob.status]
    return {"Optimal": "optimal", "Infeasible": "infeasible", "Unbounded": "unbounded",
            "Not Solved": "not solved"}.get(s, s.lower())


# Plain-words reading of each constraint's dual (|π|), per constraint kind.
_MEANING = {
    "hiring_cap": "one more {seg} hire allowed in {mon} {gain} {v} {unit}",
    "earliest_start": "being able to start {seg} hires in {mon} (before the earliest start) {gain} {v} {unit} per hire",
    "budget": "each extra $100K of budget is worth {per100k} bookings",
    "headcount": "one more AE seat under the headcount cap in {mon} {gain} {v} {unit}",
    "pipeline": "each extra $1M of qualified {seg} pipeline is worth {pipe1m} bookings",
    "target": "each extra $1M of {seg} target costs {per1m} more",
}


# What one unit of each constraint's right-hand side is, for the shadow price's unit: a hire's dual is dollars per
# hire, a budget's or target's dollars per dollar (the two would otherwise sit unexplained in one column)
_PER = {"hiring_cap": "hire", "earliest_start": "hire", "headcount": "AE seat", "budget": "$ of budget",
        "pipeline": "$ of pipeline", "target": "$ of target"}


def _shadow_table(prob, meta: dict, objective: str, budget_set: bool = False) -> pd.DataFrame:
    rows = []
    # With a budget, a hire's dual is its bookings net of what the budget must give up elsewhere.
    same = " within the same budget" if budget_set and objective == "max_bookings" else ""
    for name, c in prob.constraints.items():
        info = meta.get(name)
        if info is None or info["kind"] == "capacity" or c.pi is None:
            continue
        pi = abs(float(c.pi))
        slack = float(c.slack) if c.slack is not None else float("nan")
        seg, m = info["segment"], info["month"]
        mon = MONTH_NAMES[m] if m is not None else ""
        kind = info["kind"]
        gain = "is worth" if objective == "max_bookings" else "would save"
        unit = "bookings" if objective == "max_bookings" else "of cost"
        words = _MEANING.get(kind, "").format(seg=seg, mon=mon, v=_usd(pi), gain=gain, unit=unit,
                                              per100k=_usd(pi * 100_000), per1m=_usd(pi * 1e6),
                                              pipe1m=_usd(pi * info.get("win", 0.0) * 1e6))
        if kind in ("hiring_cap", "earliest_start", "headcount"):
            words += same
        binding = pi > TOL
        rows.append({"constraint": name, "kind": kind, "segment": seg, "month": mon, "rhs": info["rhs"],
                     "slack": slack, "shadow_price": pi, "shadow_unit": f"$ per {_PER.get(kind, 'unit')}",
                     "binding": binding, "meaning": words})
    cols = ["constraint", "kind", "segment", "month", "rhs", "slack", "shadow_price", "shadow_unit", "binding",
            "meaning"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["binding", "shadow_price"], ascending=[False, False], ignore_index=True)


def _diagnose(md: _Model, objective: str, budget, max_headcount) -> str:
    out = []
    if budget is not None and md.base_cost > budget + TOL:
        out.append(f"today's team (with backfills and support roles) already costs {_usd(md.base_cost)} a year, "
                   f"above the budget of {_usd(budget)}")
    if max_headcount is not None and md.base_heads.max() > max_headcount + TOL:
        out.append(f"today's team already has {md.base_heads.max():.1f} AEs in seat in some month, above the "
                   f"headcount cap of {max_headcount:g}")
    if objective == "min_cost":
        for n, seg in md.base.segments.items():
            best = float(md.base_seg.loc[n, "expected_bookings_usd"]) + sum(
                md.value[k] * (seg.max_hires_per_month if k[1] >= seg.earliest_start_month - 1 else 0)
                for k in md.keys if k[0] == n)
            if best < seg.bookings_target_usd - TOL:
                out.append(f"{n}: even hiring {seg.max_hires_per_month}/month from "
                           f"{MONTH_NAMES[seg.earliest_start_month - 1]} reaches {_usd(best)}, short of the "
                           f"{_usd(seg.bookings_target_usd)} target; raise the hiring cap, start earlier or lower "
                           "the target")
        if not out:
            out.append("the targets cannot be met within the budget / headcount cap together with the hiring caps")
    return "; ".join(out) or "no feasible hiring plan within the constraints"


def optimize_hiring(scenario: CapacityScenario, data=None, *, objective: str = "max_bookings",
                    budget_usd: float | None = None, max_headcount: float | None = None,
                    cap_at_pipeline: bool = True, time_limit: float = 10.0) -> HeadcountResult:
    """Choose hires per segment and month (replacing the scenario's hiring plan).

    ``budget_usd`` / ``max_headcount`` default to the scenario's; ``max_bookings``
    needs at least one of them.  Returns a :class:`HeadcountResult`; a failed
    solve has ``plan=None`` and a diagnosis and never touches the input scenario.
    """
    if objective not in OBJECTIVES:
        raise ScenarioError(f"objective: must be one of {', '.join(OBJECTIVES)} (got {objective!r})")
    budget = scenario.budget_usd if budget_usd is None else budget_usd
    cap = scenario.max_headcount if max_headcount is None else max_headcount
    if objective == "max_bookings" and budget is None and cap is None:
        raise ScenarioError("budget_usd / max_headcount: maximising bookings needs a budget or a headcount cap")
    t0 = time.perf_counter()
    md = _prepare(scenario, data)
    lp, _, meta = _build(md, objective, budget, cap, cap_at_pipeline, integer=False)
    mip, x, _ = _build(md, objective, budget, cap, cap_at_pipeline, integer=True)
    t1 = time.perf_counter()
    quiet_first_highs()
    lp.solve(pulp.HiGHS(msg=False, mip=False, timeLimit=time_limit))
    lp_status = _status(lp)
    empty = pd.DataFrame(columns=["segment", "month", "month_name", "hires", "bookings_usd", "cost_usd"])
    if lp_status != "optimal":
        return HeadcountResult("infeasible" if lp_status == "infeasible" else lp_status, float("nan"), float("nan"),
                               float("nan"), t1 - t0, time.perf_counter() - t1, empty, None,
                               reasons=[], diagnosis=_diagnose(md, objective, budget, cap), objective_kind=objective)
    bound = float(pulp.value(lp.objective))
    shadow = _shadow_table(lp, meta, objective, budget is not None)
    mip.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=1e-4))
    seconds_solve = time.perf_counter() - t1
    status = _status(mip)
    if status not in ("optimal",) and mip.sol_status not in (pulp.LpSolutionIntegerFeasible, pulp.LpSolutionOptimal):
        return HeadcountResult("infeasible" if status == "infeasible" else status, float("nan"), bound, float("nan"),
                               t1 - t0, seconds_solve, empty, None, shadow_prices=shadow, objective_kind=objective,
                               diagnosis=_diagnose(md, objective, budget, cap) if status == "infeasible" else
                               f"the integer solve stopped ({status}) within {time_limit:g}s")
    if status != "optimal":
        status = "feasible"
    hires = {k: int(round(v.value() or 0)) for k, v in x.items()}
    segs = {n: dataclasses.replace(s, hiring_plan=tuple(hires.get((n, m), 0) for m in range(MONTHS)))
            for n, s in scenario.segments.items()}
    plan = dataclasses.replace(scenario, segments=segs, name=f"{scenario.name} (optimal)",
                               budget_usd=budget, max_headcount=cap)
    res = run_scenario(plan, data)
    summ = res.summary()
    objective_value = float(pulp.value(mip.objective))
    rows = [{"segment": n, "month": m + 1, "month_name": MONTH_NAMES[m], "hires": h,
             "bookings_usd": md.value[n, m] * h, "cost_usd": md.cost[n, m] * h}
            for (n, m), h in hires.items() if h > 0]
    hires_df = pd.DataFrame(rows, columns=empty.columns)
    gap = abs(bound - objective_value) / abs(bound) if abs(bound) > TOL else 0.0
    reasons = _reasons(shadow, summ, objective, budget, cap, hires_df)
    return HeadcountResult(status, objective_value, bound, gap, t1 - t0, seconds_solve, hires_df, plan, reasons,
                           "", shadow, objective, summ["expected_bookings_usd"], summ["cost_usd"], summ, budget)


def _reasons(shadow: pd.DataFrame, summ: dict, objective: str, budget, cap, hires: pd.DataFrame,
             show_cost: bool = True) -> list[str]:
    out = []
    n = int(hires["hires"].sum()) if len(hires) else 0
    if objective == "max_bookings":
        cost = f", AE and support cost {_usd(summ['cost_usd'])} a year" if show_cost else ""
        out.append(f"{n} hires → expected bookings {_usd(summ['expected_bookings_usd'])} against a target of "
                   f"{_usd(summ['capacity_target_usd'])}{cost}")
    else:
        out.append(f"{n} hires meet every segment's target at an annual cost of {_usd(summ['cost_usd'])}")
    binding = shadow.loc[shadow["binding"]] if len(shadow) else shadow
    if not show_cost and len(binding):
        binding = binding.loc[~binding["kind"].isin(["budget", "target"])]
    for kind in ("budget", "headcount", "pipeline", "target"):
        for _, r in binding.loc[binding["kind"] == kind].head(3).iterrows():
            out.append(f"binding: {r['meaning']}")
    caps = binding.loc[binding["kind"].isin(["hiring_cap", "earliest_start"])].head(5)
    for _, r in caps.iterrows():
        out.append(f"binding: {r['meaning']}")
    if budget is not None and not (binding["kind"] == "budget").any():
        out.append(f"the budget of {_usd(budget)} is not binding: more money would not buy more bookings "
                   "under these hiring caps")
    return out


def proportional_allocation(scenario: CapacityScenario, data=None, *, budget_usd: float | None = None,
                            max_headcount: float | None = None, cap_at_pipeline: bool = True
                            ) -> tuple[CapacityScenario, float]:
    """The common heuristic, for comparison: hires split across segments in proportion to their targets.

    Hires are added one at a time to the segment furthest below its target share of hires so far, each in its
    earliest month with room, until the next hire would break the budget or the headcount cap.
    Returns (scenario with that hiring plan, expected bookings counted like the LP objective).
    """
    budget = scenario.budget_usd if budget_usd is None else budget_usd
    cap = scenario.max_headcount if max_headcount is None else max_headcount
    md = _prepare(scenario, data)
    total_t = sum(s.bookings_target_usd for s in md.base.segments.values()) or 1.0
    share = {n: s.bookings_target_usd / total_t for n, s in md.base.segments.items()}
    plan = {n: np.zeros(MONTHS, dtype=int) for n in md.base.segments}
    cost, heads = md.base_cost, md.base_heads.copy()
    full: set[str] = set()
    count = 0
    while len(full) < len(plan):
        n = max((k for k in plan if k not in full), key=lambda k: share[k] * (count + 1) - plan[k].sum())
        seg = md.base.segments[n]
        months = [m for m in range(seg.earliest_start_month - 1, hiring_stop_month(md.base)) if plan[n][m] < seg.max_hires_per_month]
        if not months:
            full.add(n)
            continue
        m = months[0]
        if (budget is not None and cost + md.cost[n, m] > budget + TOL) or (
                cap is not None and (heads + md.heads[n, m]).max() > cap + TOL):
            full.add(n)
            continue
        plan[n][m] += 1
        cost += md.cost[n, m]
        heads = heads + md.heads[n, m]
        count += 1
    segs = {n: dataclasses.replace(s, hiring_plan=tuple(int(v) for v in plan[n])) for n, s in scenario.segments.items()}
    out = dataclasses.replace(scenario, segments=segs, name=f"{scenario.name} (proportional)")
    return out, counted_bookings(out, data, cap_at_pipeline)


def counted_bookings(scenario: CapacityScenario, data=None, cap_at_pipeline: bool = True) -> float:
    """Expected bookings as the LP counts them: capacity, capped per segment by win rate × pipeline."""
    s = run_scenario(scenario, data).segments
    if not cap_at_pipeline:
        return float(s["expected_bookings_usd"].sum())
    return float(np.minimum(s["expected_bookings_usd"], s["pipeline_supported_usd"]).sum())


__all__ = ["HeadcountResult", "OBJECTIVES", "counted_bookings", "optimize_hiring", "proportional_allocation"]
