"""Decomposition: the parts of a carve (:mod:`optimizers.carve.parts`) solved through a runner, their bounds summed,
so the reported gap is against the whole problem's LP bound; parts retried (:mod:`optimizers.carve.retry`) where
the pruning or the clock left them short.
"""
from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.ladder import describe_sources
from optimizers.carve.model import Cancelled, Problem
from optimizers.carve.parallel import ThreadRunner, default_threads
from optimizers.carve.parts import (
    Part,
    PartResult,
    make_parts,
    solve_part,
    subproblem,
    widened,
)
from optimizers.carve.retry import (
    solve_part_widening,
    tighten,
    widen_on_runner,
    wider_is_better,
    wider_k,
)
from optimizers.carve.runners import Runner, SequentialRunner, as_runner
from optimizers.carve.settings import CarveSettings

__all__ = ["PART_ACCEPT_GAP", "Part", "PartResult", "Runner", "solve_part", "make_parts", "subproblem",
           "solve_parts", "solve_part_widening", "tighten", "widen_on_runner", "Cancelled"]


PART_ACCEPT_GAP = 2.0  # a part's plan is kept within this multiple of the carve's gap target (see solve_parts)


def solve_parts(cs: CarveSettings, p: Problem, progress, stop, budget: Budget, stats: dict,
                expand: Callable[[int], Problem] | None = None, k_used: int = 0, runner: Runner | None = None,
                group_labels: list[str] | None = None, warm: np.ndarray | None = None):
    """Solve every part through ``runner``; widen a part whose LP is infeasible over the pruned pairs, and give a
    part that found no plan the time still left.  Returns status, assign, objective, bound (of the whole)."""
    parts = make_parts(cs, p, group_labels, warm)
    n = len(parts)
    if n > 1:
        # the gap target is the whole carve's: a part a little above it is made up for by the others (at
        # 50,000×250, weight 5, one part of eight mended to 1.07% then spent 70 s of integer repair to get under
        # 1%, for a whole at 0.54%); parts kept above the target are solved again only if the whole misses it
        parts = [dataclasses.replace(q, accept_gap=PART_ACCEPT_GAP * cs.mip_gap) for q in parts]
    stats["parts"] = n
    # in sequence, a part may use up to twice its share (a quick part leaves its time to the next); the
    # budget caps the whole, and a part left with no plan gets what remains afterwards
    remaining = max(budget.left(), cs.part_min_s)
    done_share = [0.0]

    def cap(share: float, workers: int = 1) -> float:
        return remaining * min(1.0, max(cs.part_time_factor * share * workers, cs.part_min_share))

    def on_done(i: int, r: PartResult) -> None:
        done_share[0] += parts[i].share
        progress(0.05 + 0.85 * min(done_share[0], 1.0), f"{parts[i].name}: {r.status}")

    if runner is None and n > 1 and (cs.threads or default_threads()) > 1:
        # one part per core (HiGHS solves without the GIL); its progress is relayed on this thread
        runner = ThreadRunner(cs.threads or None, stop, lambda i, f, m: progress(
            0.05 + 0.85 * min(done_share[0] + parts[i].share * f, 1.0), f"{parts[i].name}: {m}"))
    if runner is None:
        def fn(part: Part) -> PartResult:
            part = dataclasses.replace(part, budget=budget if n == 1 else budget.child(cap(part.share)))

            def prog(f, msg, part=part):
                progress(0.05 + 0.85 * (done_share[0] + part.share * f),
                         (f"{part.name}: " if n > 1 else "") + msg)
            return solve_part(part, cs, remaining, should_stop=stop, progress=prog)
        results = SequentialRunner(stop).map(fn, parts, on_done)
    else:
        # each part its share of the time, as in sequence, times the runner's parallelism (without a cap every
        # part got the whole time limit: 24 parts in this process ran 1,372 s on a 600 s limit); none past the end
        runner = as_runner(runner)
        workers = max(int(runner.workers or 1), 1)
        # the carve's budget goes with each part (on another process, as its wall-clock form)
        parts = [dataclasses.replace(q, time_cap_s=cap(q.share, workers), budget=budget) for q in parts]
        fn = functools.partial(solve_part, settings=cs, time_limit_s=remaining)
        if runner.in_process and expand is not None:
            # in this process (threads, or the job recorder around them) a part whose LP is infeasible widens at
            # once, on its own worker: the wider problems are built once, shared by the parts (a lock, a cache)
            lock = threading.Lock()

            def expand_once(k2: int, expand=expand) -> Problem:
                with lock:  # one build per k, whichever part asks first
                    return expand(k2)
            fn = functools.partial(solve_part_widening, settings=cs, time_limit_s=remaining, expand=expand_once,
                                   k_used=k_used)
        results = runner.map(fn, parts, on_done)
        if expand is not None and not stop():
            results = widen_on_runner(cs, p, parts, results, expand, k_used, runner, fn, progress, stats,
                                      budget)
    if stop():
        raise Cancelled()
    kept = []
    for part, r in zip(parts, results):
        k_part = int(r.stats.pop("widened_to_k", 0))
        stats["candidates_k"] = max(stats.get("candidates_k", 0), k_part)
        for key, v in r.stats.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                stats[key] = stats.get(key, 0) + v
        k2 = max(k_used, k_part)
        sub = part
        while (((r.assign is None and r.lp_infeasible) or r.bands_broken) and expand is not None
               and k2 < sub.problem.n_terr and budget.left() > cs.retry_margin_s):
            # this part's LP is infeasible over the pruned pairs (soft mode: its LP breaks a band, which is the
            # same finding priced instead of refused): retry it with longer candidate lists
            k2 = wider_k(cs, p, k2)
            progress(0.9, f"{part.name}: widening to {k2} candidate territories per unit")
            q = widened(part, expand(k2))
            if q is None:
                stats["lp_infeasible"] = True  # the parts changed shape: let the caller restart whole
                break
            sub = dataclasses.replace(part, problem=q, warm=r.assign, time_cap_s=None, budget=budget)
            stats["candidates_k"] = max(stats.get("candidates_k", 0), k2)
            stats["parts_widened"] = stats.get("parts_widened", 0) + 1
            # a part with no plan may use all the time left; a soft part with a plan, about its first solve's
            limit = budget.left() if r.assign is None else max(cs.widen_time_factor * r.seconds, cs.widen_min_s)
            wider = solve_part(sub, cs, limit, should_stop=stop,
                               progress=lambda f, m, name=part.name: progress(0.9, f"{name}: {m}"))
            if r.assign is not None and not wider_is_better(cs, wider, r):
                break  # soft mode: the narrower plan stays (cheaper, or the wider one's bound is too weak)
            r = wider
        if r.assign is None and r.status == "time_limit" and budget.left() > cs.retry_margin_s:
            # no part ends without a plan while time remains: give it what is left
            progress(0.9, f"{part.name}: no plan within its share of the time; retrying with the time left")
            stats["parts_retried"] = stats.get("parts_retried", 0) + 1
            r = solve_part(dataclasses.replace(sub, budget=budget.share(cs.retry_share), time_cap_s=None), cs,
                           remaining, should_stop=stop,
                           progress=lambda f, m, name=part.name: progress(0.9, f"{name}: {m}"))
        if r is not results[part.index]:
            for key, v in r.stats.items():  # the widened or retried solve's own work counts too
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    stats[key] = stats.get(key, 0) + v
        if r.assign is None and r.lp_infeasible:
            stats["lp_infeasible"] = True
        if r.assign is None:
            stats["failed_part"] = part.name
            return r.status, None, np.nan, np.nan
        kept.append((part, sub, r))
    if n > 1:
        kept = tighten(cs, kept, budget, stop, progress, stats)
    stats["plan_from"] = describe_sources(r.strategy for _, _, r in kept)  # a report, never read back
    assign = np.full(p.n_units, -1, dtype=np.int64)
    for part, _, r in kept:
        assign[part.units] = part.terrs[r.assign]
    objective = float(sum(r.objective for _, _, r in kept))
    bound = float(sum(r.bound for _, _, r in kept))
    order = ["infeasible", "time_limit", "feasible", "optimal"]
    status = min((r.status for _, _, r in kept), key=order.index) if kept else "optimal"
    gap = (objective - bound) / abs(objective) if objective else 0.0
    if status == "optimal" and gap > cs.mip_gap + 1e-9:
        status = "feasible"
    elif status in ("feasible", "time_limit") and gap <= cs.mip_gap + 1e-9:
        # "optimal" means proven within the gap target; the parts' summed bound proves it for the whole
        status = "optimal"
    return status, assign, objective, bound


