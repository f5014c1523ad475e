"""A part solved again: with longer candidate lists when its LP cannot hold the bands over the pruned pairs, or to
the carve's own gap target when the whole misses it."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.model import Problem
from optimizers.carve.parts import Part, PartResult, solve_part, widened
from optimizers.carve.runners import Runner, as_runner
from optimizers.carve.settings import CarveSettings

__all__ = ["solve_part_widening", "tighten", "wider_k", "wider_is_better", "widen_on_runner"]


def solve_part_widening(part: Part, settings: CarveSettings, time_limit_s: float, expand: Callable[[int], Problem],
                        k_used: int, should_stop: Callable[[], bool] | None = None,
                        progress: Callable[[float, str], None] | None = None) -> PartResult:
    """:func:`solve_part`, then, while its LP is infeasible over the pruned pairs, again with twice the candidates
    per unit (``expand(k)``: the whole problem at k) until it has a plan, every territory is a candidate or time
    is up.  For runners in this process: the widened part starts at once, beside the others still solving (at
    50,000×250 one part of eight needs 20 candidates; widened after the rest it added 10 s at the end).  The
    widened solves have what is left of the carve's budget (``part.budget``; without one, ``time_limit_s``)."""
    budget = part.budget or Budget(time_limit_s)
    r = solve_part(part, settings, time_limit_s, should_stop, progress)
    k, times = k_used, 0
    while (r.assign is None and r.lp_infeasible and k < part.problem.n_terr
           and budget.left() > settings.retry_margin_s and not (should_stop and should_stop())):
        k = 2 * max(k, 1)
        if progress is not None:
            progress(0.9, f"widening to {k} candidate territories per unit")
        q = widened(part, expand(k))
        if q is None:
            break  # the parts would change shape: the caller restarts whole
        times += 1
        # a part with no plan may use all the time left
        r = solve_part(dataclasses.replace(part, problem=q, warm=None, time_cap_s=None, budget=budget), settings,
                       budget.left(), should_stop, progress)
    if times:
        r.stats["parts_widened"] = r.stats.get("parts_widened", 0) + 1
        r.stats["widened_to_k"] = k
    return r


def tighten(cs: CarveSettings, kept: list[tuple[Part, Part, PartResult]], budget: Budget, stop, progress,
            stats: dict) -> list[tuple[Part, Part, PartResult]]:
    """While the whole carve misses its gap target, the parts kept above it (``Part.accept_gap``) solved again to
    the target itself, the furthest from their bound (in objective units) first, in the time left.  ``kept``:
    (part, the part as last solved, its result); a new plan replaces the old only when cheaper."""
    out = list(kept)

    def whole_gap() -> float:
        obj = sum(r.objective for _, _, r in out)
        return (obj - sum(r.bound for _, _, r in out)) / abs(obj) if obj else 0.0

    for j in sorted(range(len(out)), key=lambda i: -(out[i][2].objective - out[i][2].bound)):
        part, sub, r = out[j]
        if whole_gap() <= cs.mip_gap + 1e-9:
            break
        left = budget.left()
        if r.objective - r.bound <= cs.mip_gap * abs(r.objective) + 1e-9 or left < cs.tighten_min_s or stop():
            continue
        progress(0.9, f"{part.name}: the whole is {whole_gap():.2%} from its bound: solving this part to "
                      f"{cs.mip_gap:.1%}")
        stats["parts_tightened"] = stats.get("parts_tightened", 0) + 1
        again = solve_part(dataclasses.replace(sub, accept_gap=None, time_cap_s=None, budget=budget), cs, left,
                           should_stop=stop,
                           progress=lambda f, m, name=part.name: progress(0.9, f"{name}: {m}"))
        if again.assign is not None and np.isfinite(again.bound) and again.objective < r.objective:
            # both bounds are LP bounds of the same part: the higher one holds
            out[j] = (part, sub, dataclasses.replace(again, index=r.index, bound=max(again.bound, r.bound)))
    return out


def wider_k(cs: CarveSettings, p: Problem, k: int) -> int:
    """The next candidate list length when widening: twice ``k``; four times in soft mode with column generation,
    where the LP takes only the pairs that pay (500,000×2,500, the West Coast region whose Enterprise, Mid-market
    and SMB books were 3-12× their target over 10 candidates: its Mid-market part over 40 candidates held every
    band with 356,219 of 836,236 pairs in 215 s; twice as many candidates had left a book at 2×)."""
    step = 4 if (p.soft and cs.column_generation) else 2
    return min(p.n_terr, step * max(k, 1))


def wider_is_better(cs: CarveSettings, wider: PartResult, narrow: PartResult) -> bool:
    """Whether a part's plan over longer candidate lists replaces its plan over the shorter ones: it has a bound
    and costs less, and either no plan over the shorter lists could cost as little (it is under their LP bound) or
    it is proven as close to its own bound.  A wider LP stopped by the clock has a weak bound (Lasdon's, from its
    last pricing): at 500,000×2,500 such plans, 0.1% cheaper than the narrow ones, took the whole carve's gap from
    0.1% to 1,320%, while the West Coast parts' wider plans cost 5-20× less than their narrow LP bound."""
    if wider.assign is None or not np.isfinite(wider.bound) or not wider.objective < narrow.objective:
        return False

    def gap(r: PartResult) -> float:
        return (r.objective - r.bound) / abs(r.objective) if r.objective else 0.0
    return wider.objective <= narrow.bound or gap(wider) <= max(gap(narrow), cs.mip_gap)


def widen_on_runner(cs: CarveSettings, p: Problem, parts: list[Part], results: list[PartResult], expand, k_used: int,
                    runner: Runner, fn, progress, stats: dict, budget: Budget) -> list[PartResult]:
    """Soft parts whose LP broke a band, solved again with twice the candidates per unit, all at once on the
    runner (one after another in the driver they would queue behind each other), until their LP holds the bands,
    every territory is a candidate, or time is up (only as many as the time left can run); a wider plan replaces
    the narrower only when its LP finished and it is cheaper.  The parts furthest outside their bands go first."""
    out, k, runner = list(results), k_used, as_runner(runner)
    while budget.left() > cs.retry_margin_s:
        again = [i for i, r in enumerate(out) if r.bands_broken and r.assign is not None]
        k2 = wider_k(cs, p, k)
        if not again or k2 <= k:
            break
        wide, items, where = expand(k2), [], []
        # only as many as the time left can run (worker-seconds): at 500,000 × 2,500, 18 parts broke a band and
        # the 16 queued last started past the deadline, to no use
        work_s = budget.left() * max(int(runner.workers or 1), 1)
        # the worst first (at 500,000 × 2,500 the three parts of one region had books 3-12× their target over
        # 10 candidates; taken quickest first, two of them were never widened), then the quickest
        for i in sorted(again, key=lambda j: (-round(out[j].band_excess, 1), out[j].seconds)):
            # twice its first solve; four times when its LP prices the wider pairs in (the West Coast parts at
            # 500,000×2,500: 135 s for a first solve of 32 s; stopped at ~100 s their bounds were Lasdon's, ~0)
            factor = cs.widen_priced_factor if (p.soft and cs.column_generation) else cs.widen_time_factor
            cap = max(factor * out[i].seconds, cs.widen_min_s)
            if work_s < cap:
                stats["parts_not_widened"] = stats.get("parts_not_widened", 0) + 1
                out[i] = dataclasses.replace(out[i], bands_broken=False)
                continue
            q = widened(parts[i], wide)
            if q is not None:
                work_s -= cap
                # the narrower plan starts it: an incumbent, and its over-full books' units get every pair
                items.append(dataclasses.replace(parts[i], problem=q, warm=out[i].assign,
                                                 name=f"{parts[i].name} · k={k2}", time_cap_s=cap, budget=budget))
                where.append(i)
            else:
                out[i] = dataclasses.replace(out[i], bands_broken=False)  # the parts would change shape
        if not items:
            break
        # time the chosen parts leave unused is theirs, up to three times their cap: twice the first solve was
        # too short for the worst parts (the LP over twice the pairs takes more than twice as long), and the
        # 500,000 × 2,500 carve ended 6 minutes early while its worst parts' wider LPs had been stopped
        stretch = min(cs.widen_stretch_max, 1.0 + max(work_s, 0.0) / sum(q.time_cap_s for q in items))
        items = [dataclasses.replace(q, time_cap_s=min(q.time_cap_s * stretch, parts[i].time_cap_s or np.inf))
                 for q, i in zip(items, where)]
        progress(0.9, f"{len(items)} part(s) break a band over {k} candidates per unit: widening to {k2}")
        stats["parts_widened"] = stats.get("parts_widened", 0) + len(items)
        stats["candidates_k"] = max(stats.get("candidates_k", 0), k2)
        wider = runner.map(fn, items, lambda j, r: progress(0.9, f"{items[j].name}: {r.status}"))
        for i, r in zip(where, wider):
            # a cheaper wider plan with its own LP bound replaces the narrower (and may widen again); else the
            # narrower one stays (a wider start without an LP, e.g. greedy past the deadline, would lose the bound:
            # at 500,000 × 2,500 it did, and the gap of the whole carve with it)
            better = wider_is_better(cs, r, out[i])
            out[i] = dataclasses.replace(r, index=out[i].index) if better else \
                dataclasses.replace(out[i], bands_broken=False)
        k = k2
    return [dataclasses.replace(r, bands_broken=False) for r in out]  # what is left is not widened again
