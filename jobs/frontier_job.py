"""The moves-vs-travel curve (what its points are: :mod:`planning.plans.frontier`), solved by :func:`frontier_on`
in this process, on a cluster or as a job: its points are independent carves, solved as tasks on the engine.

The fewest-moves end is solved first (it is exact, and its plan meets every band and rule); every other point
then starts from that plan, so the points do not wait for each other and run in parallel on a cluster.  In this
process they run one after another through the same code, so a curve is the same wherever it was solved.
Picking a point, dropping dominated ones and the bound are :mod:`planning.plans.frontier`'s own.

Points are named for the trade-off, not the parameter: "fewest moves", "balanced" (the user's own continuity
weight), "shortest travel", and between them "leaning to fewer moves" / "leaning to shorter travel".  A curve job
saves nothing: its points are runs, kept with the job for the user's sessions, until someone picks one and saves it.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from jobs.engine import EngineSettings, describe, resolve
from jobs.manager import JobContext, manager
from jobs.runner import make_runner
from optimizers.carve import CarveResult, CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.carve.model import Cancelled
from planning.data.defaults import Settings
from planning.plans.frontier import FRONTIER_BY, Frontier, FrontierError, FrontierPoint, non_dominated, sweep_weights
from planning.plans.jobs_table import JobRecords


@dataclass
class PointItem:
    """One point of the curve: everything a worker needs (picklable)."""

    name: str  # "fewest moves", "balanced", "leaning to shorter travel", "shortest travel"
    accounts: pd.DataFrame
    reps: pd.DataFrame
    plan_year: int
    as_of: object
    settings: CarveSettings
    defaults: Settings | None
    warm: pd.Series | None
    weight: float | None


@dataclass
class PointResult:
    name: str
    weight: float | None
    result: CarveResult
    seconds: float

    @property
    def status(self) -> str:
        return self.result.status


def solve_point(item: PointItem, should_stop: Callable[[], bool] | None = None) -> PointResult:
    """Task body: one point's carve (its own parts one after another on this worker)."""
    t0 = time.perf_counter()
    res = TerritoryCarver(item.settings, item.defaults).solve(item.accounts, item.reps, item.plan_year,
                                                               as_of=item.as_of, should_stop=should_stop,
                                                               warm=item.warm, name=f"Frontier: {item.name}")
    if res.status == "cancelled":
        raise Cancelled()
    return PointResult(item.name, item.weight, res, time.perf_counter() - t0)


def checked_settings(settings: CarveSettings | None, points: int, by: str) -> CarveSettings:
    """The curve's base settings, after checking its axis and point count (ValueError in plain words)."""
    if by not in FRONTIER_BY:
        raise ValueError(f"frontier by must be one of {', '.join(FRONTIER_BY)}, not {by!r}")
    if points < 2:
        raise ValueError("a frontier needs at least 2 points (fewest moves and shortest travel)")
    base = settings or CarveSettings()
    base.validate()
    return base


def point_items(accounts, reps, plan_year: int, base: CarveSettings, points: int, by: str,
                defaults: Settings | None, as_of) -> list[PointItem]:
    """The points of the curve, fewest moves first, shortest travel last (the warm starts are set later)."""
    budget_key = "max_moves" if by == "moves" else "max_arr_moved"
    common = dict(base.to_dict(), **{budget_key: None})  # the curve moves along that axis: no budget on it

    def item(name: str, weight: float | None, **over) -> PointItem:
        return PointItem(name, accounts, reps, plan_year, as_of, CarveSettings.from_dict({**common, **over}),
                         defaults, None, weight)

    weights = sweep_weights(points, base.continuity_weight)
    names = point_names(weights, base.continuity_weight)
    out = [item("fewest moves", None, objective=by)]
    out += [item(n, float(w), objective="cost", continuity_weight=float(w)) for n, w in zip(names, weights)]
    out.append(item("shortest travel", 0.0, objective="cost", continuity_weight=0.0))
    return out


def point_names(weights, own: float) -> list[str]:
    """Names of the points between the ends (weights strongest first): "balanced" at the user's own continuity
    weight, "leaning to fewer moves" above it and "leaning to shorter travel" below; several on one side are
    numbered outwards from the balanced point ("leaning to shorter travel 2" is nearer the shortest-travel end)."""
    above = [w for w in weights if w > own]
    below = [w for w in weights if w < own]

    def side(w: float, group: list[float], words: str, outward: list[float]) -> str:
        if len(group) == 1:
            return words
        return f"{words} {outward.index(w) + 1}"

    out = []
    for w in weights:
        if w == own:
            out.append("balanced")
        elif w > own:
            out.append(side(w, above, "leaning to fewer moves", sorted(above)))
        else:
            out.append(side(w, below, "leaning to shorter travel", sorted(below, reverse=True)))
    return out


def point_count(points: int, base: CarveSettings) -> int:
    """How many carves :func:`point_items` makes: both ends and the weights between (a repeated weight once)."""
    return len(sweep_weights(points, base.continuity_weight)) + 2


def frontier_on(accounts, reps, plan_year: int, settings: CarveSettings | None = None, points: int = 6,
                by: str = "moves", defaults: Settings | None = None, as_of=None, cluster: str | None = None,
                runner=None, progress: Callable[[float, str], None] | None = None,
                should_stop: Callable[[], bool] | None = None,
                engine_settings: EngineSettings | None = None) -> Frontier:
    """The curve with its points as tasks on ``cluster`` (inprocess by default, local, a scheduler address) or on
    ``runner``: the fewest-moves end first, then every other point at once, each warm-started from it."""
    base = checked_settings(settings, points, by)
    progress = progress or (lambda f, m: None)
    if runner is None:
        es = engine_settings or EngineSettings()
        engine = resolve(cluster, None, es)  # in this process unless a cluster is asked for (or configured)
        progress(0.0, f"points run {describe(engine)}")
        runner = make_runner(engine, should_stop, es.retries, "frontier", es)
    t0 = time.perf_counter()
    items = point_items(accounts, reps, plan_year, base, points, by, defaults, as_of)
    n = len(items)
    progress(0.02, f"Point 1/{n} (fewest moves, exact)")
    first = runner(solve_point, items[:1])[0]
    if not first.result.ok:
        raise FrontierError(first.result)
    warm = first.result.plan.assignment
    for it in items[1:]:
        it.warm = warm
    finished = [1]

    def done(_i, r: PointResult) -> None:
        finished[0] += 1
        progress(finished[0] / n, f"Point {finished[0]}/{n} done ({r.name}: {r.status})")

    rest = runner(solve_point, items[1:], done)
    if should_stop is not None and should_stop():
        raise Cancelled()
    last = rest[-1]
    if not last.result.ok:
        raise FrontierError(last.result)
    pts = [FrontierPoint(first.name, first.result, None)]
    pts += [FrontierPoint(r.name, r.result, r.weight) for r in rest if r.result.ok]
    kept = non_dominated(pts, by)
    bound = float(first.result.stats.get("objective_bound", float("nan")))
    progress(1.0, f"{len(kept)} points on the moves–travel curve")
    return Frontier(points=kept, by=by, bound=max(bound, 0.0), seconds=time.perf_counter() - t0,
                    dropped=len(pts) - len(kept))


def frontier_work(accounts, reps, plan_year, as_of, cs: CarveSettings, points: int, by: str,
                  defaults: Settings | None, store, user: str, title: str, cluster: str | None):
    """The work function of a frontier job: the curve's table and its points, each named "<title> · <point>"
    should someone save it; nothing is saved here."""

    def work(ctx: JobContext) -> dict:
        # no size: in this process unless a cluster is asked for; one record per point over both calls
        runner = ctx.runner(cluster, None, "frontier", total=point_count(points, cs))
        try:
            front = frontier_on(accounts, reps, plan_year, cs, points, by, defaults, as_of, runner=runner,
                                progress=lambda f, m: ctx.progress(f, m), should_stop=ctx.should_stop)
        except FrontierError as exc:
            return {"status": "failed", "summary": f"no curve: {exc.result.status}",
                    "error": exc.result.diagnosis or exc.result.status}
        table = front.table()
        table["proposal"] = [point_plan_name(title, pt.label) for pt in front.points]
        return {"status": "succeeded", "summary": front.headline(), "bound": front.bound, "by": by,
                "title": title, "table": table.to_dict(orient="records"), "result_object": front}

    return work


def point_plan_name(title: str, label: str) -> str:
    """The name a curve point's plan is offered under when someone saves it: "<curve title> · <point>"."""
    return f"{title} · {label}"


def submit_frontier(store, accounts, reps, plan_year: int, as_of, cs: CarveSettings, points: int = 6,
                    by: str = "moves", defaults: Settings | None = None, user: str = "", title: str = "",
                    cluster: str | None = None, engine_settings: EngineSettings | None = None,
                    dataset: str | None = None) -> int:
    """Start a frontier job (returns its id).  Its points are runs kept with the job; none is saved as a plan."""
    cs.validate()
    if points < 2:
        raise ValueError("a frontier needs at least 2 points (fewest moves and shortest travel)")
    title = title or f"Frontier {pd.Timestamp.now():%Y-%m-%d %H:%M:%S}"
    settings = {"carve": cs.to_dict(), "points": int(points), "by": by, "accounts": int(len(accounts)),
                "reps": int(len(reps)), "plan_year": int(plan_year), "cluster": cluster or "auto",
                "dataset": dataset}
    work = frontier_work(accounts, reps, plan_year, as_of, cs, points, by, defaults, store, user, title, cluster)
    return manager().submit(JobRecords(store.engine), "frontier", title, user, settings, work, engine_settings)
