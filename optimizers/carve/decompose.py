"""Decomposition: territories linked by a shared candidate unit form one part; parts are solved independently and
their bounds summed, so the reported gap is against the whole problem's LP bound.

The runner contract (shared with the jobs layer): a part is a picklable :class:`Part`, solved by the module-level
:func:`solve_part`; a *runner* ``runner(fn, items, on_done) -> results`` maps ``fn`` over the items (same order),
calling ``on_done(index, result)`` as each finishes and raising :class:`~optimizers.carve.model.Cancelled` on a
cancel.  :func:`sequential_runner` is the in-process default; a Ray/Dask runner plugs in unchanged.
"""
from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np
import scipy.sparse as sp

from optimizers.carve.model import Cancelled, Problem
from optimizers.carve.repair import solve_one
from optimizers.carve.settings import CarveSettings

__all__ = ["Part", "PartResult", "PartRunner", "solve_part", "sequential_runner", "make_parts", "subproblem",
           "solve_parts", "Cancelled"]


@dataclass
class Part:
    """One independent piece of a carve: its sub-problem, and where its territories and units sit in the whole."""

    index: int  # 0-based position among the parts
    count: int  # number of parts
    name: str  # e.g. "Mid-market · West", for progress and errors
    problem: Problem
    terrs: np.ndarray  # territory indices of the whole problem
    units: np.ndarray  # unit indices of the whole problem
    share: float  # this part's share of all candidate pairs (its share of the time)
    warm: np.ndarray | None = None  # optional start: territory index (local) per unit, e.g. today's plan
    time_cap_s: float | None = None  # this part's own cap (its share of the time), seconds
    deadline_epoch: float | None = None  # the carve's deadline (``time.time()``): no part runs past it


@dataclass
class PartResult:
    """What one part returns: ``assign`` holds local territory indices per local unit (None: no plan)."""

    index: int
    status: str  # optimal | feasible | time_limit | infeasible
    assign: np.ndarray | None
    objective: float
    bound: float
    seconds: float
    lp_infeasible: bool = False  # the LP over the pruned pairs is infeasible: longer candidate lists may help
    bands_broken: bool = False  # soft mode: the LP itself breaks a band (with longer candidate lists it may not)
    band_excess: float = 0.0  # soft mode: how far, the LP's worst book outside its band as a share of its target
    stats: dict[str, Any] = field(default_factory=dict)


class PartRunner(Protocol):
    def __call__(self, fn: Callable[[Any], Any], items: list, on_done: Callable[[int, Any], None]) -> list: ...


def solve_part(part: Part, settings: CarveSettings, time_limit_s: float,
               should_stop: Callable[[], bool] | None = None, progress: Callable[[float, str], None] | None = None
               ) -> PartResult:
    """Solve one part within ``time_limit_s`` seconds (picklable inputs, no callbacks needed)."""
    t0 = time.perf_counter()
    stop = should_stop or (lambda: False)
    stats: dict[str, Any] = {}
    limit = float(time_limit_s)
    if part.time_cap_s is not None:
        limit = min(limit, part.time_cap_s)
    if part.deadline_epoch is not None:
        limit = min(limit, part.deadline_epoch - time.time())
    st, a, obj, bnd = solve_one(settings, part.problem, progress or (lambda f, m: None), stop,
                                t0 + max(limit, 0.5), stats, 0, 1, warm=part.warm)  # callers name parts
    return PartResult(index=part.index, status=st, assign=a, objective=float(obj), bound=float(bnd),
                      seconds=time.perf_counter() - t0, lp_infeasible=bool(stats.pop("lp_infeasible", False)),
                      bands_broken=bool(stats.pop("lp_bands_broken", False)),
                      band_excess=float(stats.pop("lp_band_excess", 0.0)), stats=stats)


def sequential_runner(fn: Callable[[Any], Any], items: list, on_done: Callable[[int, Any], None]) -> list:
    """The default runner: one item after another, in this process."""
    out = []
    for i, item in enumerate(items):
        r = fn(item)
        out.append(r)
        on_done(i, r)
    return out


def part_names(p: Problem, comps: list[np.ndarray], labels: list[str] | None) -> list[str]:
    if labels is None:
        return [f"part {i + 1}/{len(comps)}" for i in range(len(comps))]
    out = []
    for terrs in comps:
        names = sorted({labels[t] for t in terrs})
        out.append(" + ".join(names[:3]) + (" …" if len(names) > 3 else ""))
    return out


def components(cs: CarveSettings, p: Problem) -> list[np.ndarray]:
    """Groups of territories that share no candidate unit (one group when a budget row links them all)."""
    c = p.cand
    if not (cs.decompose and cs.max_moves is None and cs.max_arr_moved is None):
        return [np.arange(p.n_terr)]
    link = sp.coo_matrix((np.ones(len(c.unit)), (c.unit, c.terr)), shape=(p.n_units, p.n_terr)).tocsc()
    adj = (link.T @ link) > 0
    n, lab = sp.csgraph.connected_components(adj, directed=False)
    comps = [np.flatnonzero(lab == k) for k in range(n)]
    # largest first: in parallel the longest part starts first; in sequence the retry has the most time left
    sizes = [int(np.isin(c.terr, t).sum()) for t in comps]
    return [comps[i] for i in np.argsort(sizes, kind="stable")[::-1]]


def make_parts(cs: CarveSettings, p: Problem, group_labels: list[str] | None = None,
               warm: np.ndarray | None = None) -> list[Part]:
    """The independent parts of ``p`` (``group_labels[t]``: a readable group name per territory, e.g. segment ·
    region; ``warm``: an optional start, territory index per unit of the whole)."""
    comps = components(cs, p)
    names = part_names(p, comps, group_labels)
    total = max(len(p.cand.unit), 1)
    parts = []
    for i, terrs in enumerate(comps):
        sub, uidx = subproblem(p, terrs)
        w = None
        if warm is not None:
            tmap = np.full(p.n_terr, -1)
            tmap[terrs] = np.arange(len(terrs))
            w = tmap[warm[uidx]]
            w = None if (w < 0).any() else w
        parts.append(Part(index=i, count=len(comps), name=names[i], problem=sub, terrs=terrs, units=uidx,
                          share=len(sub.cand.unit) / total, warm=w))
    return parts


def solve_parts(cs: CarveSettings, p: Problem, progress, stop, deadline: float, stats: dict,
                expand: Callable[[int], Problem] | None = None, k_used: int = 0, runner: PartRunner | None = None,
                group_labels: list[str] | None = None, warm: np.ndarray | None = None):
    """Solve every part through ``runner``; widen a part whose LP is infeasible over the pruned pairs, and give a
    part that found no plan the time still left.  Returns status, assign, objective, bound (of the whole)."""
    parts = make_parts(cs, p, group_labels, warm)
    n = len(parts)
    stats["parts"] = n
    # in sequence, a part may use up to twice its share (a quick part leaves its time to the next); the
    # deadline caps the whole, and a part left with no plan gets what remains afterwards
    remaining = max(deadline - time.perf_counter(), 1.0)
    done_share = [0.0]

    def on_done(i: int, r: PartResult) -> None:
        done_share[0] += parts[i].share
        progress(0.05 + 0.85 * min(done_share[0], 1.0), f"{parts[i].name}: {r.status}")

    if runner is None:
        def fn(part: Part) -> PartResult:
            left = deadline - time.perf_counter()
            budget = left if n == 1 else min(left, remaining * min(1.0, max(2 * part.share, 0.1)))

            def prog(f, msg, part=part):
                progress(0.05 + 0.85 * (done_share[0] + part.share * f),
                         (f"{part.name}: " if n > 1 else "") + msg)
            return solve_part(part, cs, budget, should_stop=stop, progress=prog)
        results = sequential_runner(fn, parts, on_done)
    else:
        # each part its share of the time, as in sequence, times the runner's parallelism (without a cap every
        # part got the whole time limit: 24 parts in this process ran 1,372 s on a 600 s limit); none past the end
        workers = runner_workers(runner)
        end = time.time() + (deadline - time.perf_counter())
        parts = [dataclasses.replace(q, time_cap_s=remaining * min(1.0, max(2 * q.share * workers, 0.1)),
                                     deadline_epoch=end) for q in parts]
        fn = functools.partial(solve_part, settings=cs, time_limit_s=remaining)
        results = runner(fn, parts, on_done)
        if expand is not None and not stop():
            results = widen_on_runner(cs, p, parts, results, expand, k_used, runner, fn, progress, stats,
                                      deadline)
    if stop():
        raise Cancelled()
    assign = np.full(p.n_units, -1, dtype=np.int64)
    statuses, objective, bound = [], 0.0, 0.0
    for part, r in zip(parts, results):
        for key, v in r.stats.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                stats[key] = stats.get(key, 0) + v
        k2 = k_used
        sub = part
        while (((r.assign is None and r.lp_infeasible) or r.bands_broken) and expand is not None
               and k2 < sub.problem.n_terr and time.perf_counter() < deadline - 2):
            # this part's LP is infeasible over the pruned pairs (soft mode: its LP breaks a band, which is the
            # same finding priced instead of refused): retry it with longer candidate lists
            k2 = min(p.n_terr, 2 * max(k2, 1))
            progress(0.9, f"{part.name}: widening to {k2} candidate territories per unit")
            q, uidx2 = subproblem(expand(k2), part.terrs)
            if len(uidx2) != len(part.units) or (uidx2 != part.units).any():
                stats["lp_infeasible"] = True  # the parts changed shape: let the caller restart whole
                break
            sub = dataclasses.replace(part, problem=q, warm=None, time_cap_s=None)
            stats["candidates_k"] = max(stats.get("candidates_k", 0), k2)
            stats["parts_widened"] = stats.get("parts_widened", 0) + 1
            # a part with no plan may use all the time left; a soft part with a plan, about its first solve's
            left = deadline - time.perf_counter()
            wider = solve_part(sub, cs, left if r.assign is None else min(left, max(2 * r.seconds, 10.0)),
                               should_stop=stop, progress=lambda f, m, name=part.name: progress(0.9, f"{name}: {m}"))
            if r.assign is not None and (wider.assign is None or not np.isfinite(wider.bound)
                                         or wider.objective >= r.objective):
                break  # soft mode: the narrower plan stays (cheaper, or the wider one has no LP bound)
            r = wider
        if r.assign is None and r.status == "time_limit" and deadline - time.perf_counter() > 2:
            # no part ends without a plan while time remains: give it what is left
            progress(0.9, f"{part.name}: no plan within its share of the time; retrying with the time left")
            stats["parts_retried"] = stats.get("parts_retried", 0) + 1
            r = solve_part(sub, cs, 0.95 * (deadline - time.perf_counter()), should_stop=stop,
                           progress=lambda f, m, name=part.name: progress(0.9, f"{name}: {m}"))
        if r is not results[part.index]:
            for key, v in r.stats.items():  # the widened or retried solve's own work counts too
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    stats[key] = stats.get(key, 0) + v
        if r.assign is None and r.lp_infeasible:
            stats["lp_infeasible"] = True
        statuses.append(r.status)
        if r.assign is None:
            stats["failed_part"] = part.name
            return r.status, None, np.nan, np.nan
        assign[part.units] = part.terrs[r.assign]
        objective += r.objective
        bound += r.bound
    order = ["infeasible", "time_limit", "feasible", "optimal"]
    status = min(statuses, key=order.index) if statuses else "optimal"
    gap = (objective - bound) / abs(objective) if objective else 0.0
    if status == "optimal" and gap > cs.mip_gap + 1e-9:
        status = "feasible"
    elif status in ("feasible", "time_limit") and gap <= cs.mip_gap + 1e-9:
        # "optimal" means proven within the gap target; the parts' summed bound proves it for the whole
        status = "optimal"
    return status, assign, objective, bound


def runner_workers(runner) -> int:
    """How many parts the runner solves at once (its ``workers`` attribute; 1 when it has none)."""
    return max(int(getattr(runner, "workers", 1) or 1), 1)


def widen_on_runner(cs: CarveSettings, p: Problem, parts: list[Part], results: list[PartResult], expand, k_used: int,
                    runner, fn, progress, stats: dict, deadline: float) -> list[PartResult]:
    """Soft parts whose LP broke a band, solved again with twice the candidates per unit, all at once on the
    runner (one after another in the driver they would queue behind each other), until their LP holds the bands,
    every territory is a candidate, or time is up (only as many as the time left can run); a wider plan replaces
    the narrower only when its LP finished and it is cheaper.  The parts furthest outside their bands go first."""
    out, k = list(results), k_used
    while time.perf_counter() < deadline - 2:
        again = [i for i, r in enumerate(out) if r.bands_broken and r.assign is not None]
        k2 = min(p.n_terr, 2 * max(k, 1))
        if not again or k2 <= k:
            break
        wide, items, where = expand(k2), [], []
        # only as many as the time left can run (worker-seconds): at 500,000 × 2,500, 18 parts broke a band and
        # the 16 queued last started past the deadline, to no use
        budget = (deadline - time.perf_counter()) * runner_workers(runner)
        # the worst first (at 500,000 × 2,500 the three parts of one region had books 3-12× their target over
        # 10 candidates; taken quickest first, two of them were never widened), then the quickest
        for i in sorted(again, key=lambda j: (-round(out[j].band_excess, 1), out[j].seconds)):
            cap = max(2 * out[i].seconds, 10.0)
            if budget < cap:
                stats["parts_not_widened"] = stats.get("parts_not_widened", 0) + 1
                out[i] = dataclasses.replace(out[i], bands_broken=False)
                continue
            q, uidx2 = subproblem(wide, parts[i].terrs)
            if len(uidx2) == len(parts[i].units) and (uidx2 == parts[i].units).all():
                budget -= cap
                items.append(dataclasses.replace(parts[i], problem=q, warm=None, name=f"{parts[i].name} · k={k2}",
                                                 time_cap_s=cap))
                where.append(i)
            else:
                out[i] = dataclasses.replace(out[i], bands_broken=False)  # the parts would change shape
        if not items:
            break
        # time the chosen parts leave unused is theirs, up to three times their cap: twice the first solve was
        # too short for the worst parts (the LP over twice the pairs takes more than twice as long), and the
        # 500,000 × 2,500 carve ended 6 minutes early while its worst parts' wider LPs had been stopped
        stretch = min(3.0, 1.0 + max(budget, 0.0) / sum(q.time_cap_s for q in items))
        items = [dataclasses.replace(q, time_cap_s=min(q.time_cap_s * stretch, parts[i].time_cap_s or np.inf))
                 for q, i in zip(items, where)]
        progress(0.9, f"{len(items)} part(s) break a band over {k} candidates per unit: widening to {k2}")
        stats["parts_widened"] = stats.get("parts_widened", 0) + len(items)
        stats["candidates_k"] = max(stats.get("candidates_k", 0), k2)
        wider = runner(fn, items, lambda j, r: progress(0.9, f"{items[j].name}: {r.status}"))
        for i, r in zip(where, wider):
            better = r.assign is not None and np.isfinite(r.bound) and r.objective < out[i].objective
            # a cheaper wider plan with its own LP bound replaces the narrower (and may widen again); else the
            # narrower one stays (a wider start without an LP, e.g. greedy past the deadline, would lose the bound:
            # at 500,000 × 2,500 it did, and the gap of the whole carve with it)
            out[i] = dataclasses.replace(r, index=out[i].index) if better else \
                dataclasses.replace(out[i], bands_broken=False)
        k = k2
    return [dataclasses.replace(r, bands_broken=False) for r in out]  # what is left is not widened again


def subproblem(p: Problem, terrs: np.ndarray) -> tuple[Problem, np.ndarray]:
    """The part of ``p`` on territories ``terrs`` and the units whose candidates all lie there."""
    c = p.cand
    in_t = np.zeros(p.n_terr, dtype=bool)
    in_t[terrs] = True
    if in_t.all():
        return p, np.arange(p.n_units)
    units = np.unique(c.unit[in_t[c.terr]])
    umap = np.full(p.n_units, -1)
    umap[units] = np.arange(len(units))
    tmap = np.full(p.n_terr, -1)
    tmap[terrs] = np.arange(len(terrs))
    keep = (umap[c.unit] >= 0) & in_t[c.terr]
    nu = umap[c.unit[keep]]
    ptr = np.zeros(len(units) + 1, dtype=np.int64)
    np.cumsum(np.bincount(nu, minlength=len(units)), out=ptr[1:])
    orphans = umap[np.intersect1d(c.orphans, units)] if len(c.orphans) else c.orphans
    cand = dataclasses.replace(c, unit=nu, terr=tmap[c.terr[keep]], dist_mi=c.dist_mi[keep],
                               rule_break=c.rule_break[keep], ptr=ptr, orphans=orphans)
    q = dataclasses.replace(p, cand=cand, unit_metrics=p.unit_metrics[units], unit_accounts=p.unit_accounts[units],
                            lo=p.lo[terrs], hi=p.hi[terrs], target=p.target[terrs], pair_cost=p.pair_cost[keep],
                            pair_moves=p.pair_moves[keep], pair_arr_moved=p.pair_arr_moved[keep],
                            penalty=p.penalty[terrs], max_accounts=p.max_accounts[terrs])
    return q, units
