"""The parts of a decomposed carve: territories linked by a shared candidate unit form one part, solved on its own.

The runner contract (shared with the jobs layer): a part is a picklable :class:`Part`, solved by the module-level
:func:`solve_part`; a runner of :mod:`optimizers.carve.runners` (``map``, ``workers``, ``cancel``, ``in_process``)
maps it over the parts: one after another, on this process's threads or on a Dask cluster.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_stage import NO_CONTIGUITY, ContiguityStage
from optimizers.carve.ladder import Solved
from optimizers.carve.model import Problem
from optimizers.carve.rebalance import band_excess, band_price
from optimizers.carve.repair import mend_part, solve_one
from optimizers.carve.settings import CarveSettings

__all__ = ["Part", "PartResult", "solve_part", "make_parts", "subproblem", "components", "widened", "group_labels",
           "warm_units"]


@dataclass
class Part:
    """One independent piece of a carve: its sub-problem, and where its territories and units sit in the whole."""

    index: int  # 0-based position among the parts
    name: str  # e.g. "Mid-market · West", for progress and errors
    problem: Problem
    terrs: np.ndarray  # territory indices of the whole problem
    units: np.ndarray  # unit indices of the whole problem
    share: float  # this part's share of all candidate pairs (its share of the time)
    warm: np.ndarray | None = None  # optional start: territory index (local) per unit, e.g. today's plan
    time_cap_s: float | None = None  # this part's own cap (its share of the time), seconds
    budget: Budget | None = None  # the carve's time budget: no part runs past it (pickled: its wall-clock form)
    accept_gap: float | None = None  # the part's plan is kept within this gap of its own bound (None: the carve's)
    again: str = ""  # why it is solved again ("widened", "retried", "tightened", "mended"); "" for its first solve
    mend_from: np.ndarray | None = None  # soft mode: a plan (local territory per unit) to bring inside the bands,
    # no LP (repair.mend_part); None: solve the part


@dataclass
class PartResult(Solved):
    """What one part returns (its :class:`~optimizers.carve.ladder.Solved`, with where it sits among the parts):
    ``assign`` holds local territory indices per local unit (None: no plan)."""

    index: int = 0
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    # soft mode, the plan's own books (``band_excess`` is its LP's): the worst outside its band, as a share of its
    # target, and what all outside cost (widen.wider_wins weighs them)
    plan_excess: float = 0.0
    plan_band_price: float = 0.0


def solve_part(part: Part, settings: CarveSettings, time_limit_s: float,
               should_stop: Callable[[], bool] | None = None, progress: Callable[[float, str], None] | None = None,
               contiguity: ContiguityStage = NO_CONTIGUITY) -> PartResult:
    """Solve one part within ``time_limit_s`` seconds, its own cap (``time_cap_s``) and the carve's budget
    (``budget``), whichever ends first, but at least ``settings.part_min_s`` (within the carve's end plus its
    ``grace_s``); picklable inputs (``contiguity`` too: the carve's stage), no callbacks needed."""
    t0 = time.perf_counter()
    stop = should_stop or (lambda: False)
    stats: dict[str, Any] = {}
    limit = float(time_limit_s) if part.time_cap_s is None else min(float(time_limit_s), part.time_cap_s)
    carve = part.budget or Budget(limit)
    budget = carve.child(limit).at_least(settings.part_min_s, not_after=carve.end + settings.grace_s)
    if part.mend_from is not None:
        r = mend_part(settings, part.problem, part.mend_from, budget, stats, stop)
    else:
        r = solve_one(settings, part.problem, progress or (lambda f, m: None), stop, budget, stats, warm=part.warm,
                      accept_gap=part.accept_gap, contiguity=contiguity)
    p, bands = part.problem, {}
    if p.soft and r.assign is not None:
        bands = {"plan_excess": band_excess(p, r.assign), "plan_band_price": band_price(p, r.assign)}
    return PartResult(**{**vars(r), "objective": float(r.objective), "bound": float(r.bound),
                         "band_excess": float(r.band_excess), "bound_plain": float(r.bound_plain),
                         "split": int(r.split)}, index=part.index, seconds=time.perf_counter() - t0, stats=stats,
                      **bands)


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
        parts.append(Part(index=i, name=names[i], problem=sub, terrs=terrs, units=uidx,
                          share=len(sub.cand.unit) / total, warm=w))
    return parts


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
    cand = replace(c, unit=nu, terr=tmap[c.terr[keep]], dist_mi=c.dist_mi[keep],
                               rule_break=c.rule_break[keep], ptr=ptr, orphans=orphans)
    q = replace(p, cand=cand, unit_metrics=p.unit_metrics[units], unit_accounts=p.unit_accounts[units],
                            lo=p.lo[terrs], hi=p.hi[terrs], target=p.target[terrs], pair_cost=p.pair_cost[keep],
                            pair_moves=p.pair_moves[keep], pair_arr_moved=p.pair_arr_moved[keep],
                            penalty=p.penalty[terrs], max_accounts=p.max_accounts[terrs],
                            lp_start=None if p.lp_start is None else p.lp_start[keep],
                            conn=None if p.conn is None else p.conn.sub(units, terrs))
    return q, units


def widened(part: Part, wide: Problem) -> Problem | None:
    """``part``'s sub-problem of ``wide`` (the whole problem with longer candidate lists), or None when the longer
    lists would change which units the part holds (the parts would change shape)."""
    q, units = subproblem(wide, part.terrs)
    return q if len(units) == len(part.units) and (units == part.units).all() else None


def group_labels(cs: CarveSettings, terr: pd.DataFrame) -> list[str]:
    """A readable group name per territory (segment, and region when accounts stay in their region)."""
    lab = terr["segment"].astype(str)
    if cs.match_region:
        lab = lab + " · " + terr["region"].astype("string").fillna("").astype(str)
    return lab.tolist()


def warm_units(warm: pd.Series | None, ctx: dict) -> np.ndarray | None:
    """Territory index per unit from an account → territory plan (None when it does not cover every unit)."""
    if warm is None:
        return None
    t_of = pd.Series(np.arange(len(ctx["terr"])), index=ctx["terr"].index)
    acc_t = ctx["acc"]["account_id"].astype(str).map(warm.astype(object)).map(t_of)
    if acc_t.isna().any():
        return None
    units = ctx["units"]
    out = np.full(len(units), -1, dtype=np.int64)
    out[units.of_account] = acc_t.to_numpy(int)
    return out
