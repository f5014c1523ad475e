"""Parts solved again, always through the runner; stages of :mod:`optimizers.carve.pipeline`.

- :func:`widen`, the one widening for hard and soft mode: its trigger (:func:`wants_wider`: the LP over the pruned
  lists cannot hold the bands), its next k (:func:`wider_k`), its time (:func:`_wider_items`) and when the wider plan
  wins (:func:`wider_wins`); then the retry of a part the clock left with no plan;
- :func:`tighten`: while the whole misses its gap target, the parts furthest above their bound solved again;
- :func:`mend`: soft mode, the books a kept plan leaves outside their bands brought in.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_stage import NO_CONTIGUITY, ContiguityStage
from optimizers.carve.model import Problem, gap_of
from optimizers.carve.parts import Part, PartResult
from optimizers.carve.rebalance import broken_territories
from optimizers.carve.repair import lp_start_of
from optimizers.carve.settings import CarveSettings

if TYPE_CHECKING:  # the pipeline imports this module: only its type here
    from optimizers.carve.pipeline import CarveState

__all__ = ["widen", "tighten", "mend", "wants_wider", "wider_k", "wider_wins", "whole_gap", "tighten_choice",
           "tighten_budget", "again_wins"]


def wants_wider(r: PartResult) -> bool:
    """The trigger: over these candidate lists the part's LP cannot hold its bands (longer lists may)."""
    return (r.assign is None and r.lp_infeasible) or (r.assign is not None and r.bands_broken)


def wider_k(cs: CarveSettings, p: Problem, k: int) -> int:
    """The next candidate list length.  Four times in soft mode with column generation, where the LP takes only
    the pairs that pay (500,000×2,500, the West Coast region whose books were 3-12× their target over 10
    candidates: its Mid-market part over 40 held every band with 356,219 of 836,236 pairs in 215 s; twice as many
    candidates had left a book at 2×)."""
    step = cs.widen_priced_step if (p.soft and cs.column_generation) else cs.widen_step
    return min(p.n_terr, max(k + 1, int(step * max(k, 1))))


def wider_wins(cs: CarveSettings, wider: PartResult, narrow: PartResult) -> bool:
    """Whether the part's plan over longer lists replaces its plan over the shorter ones (the one rule, in order):

    1. always when the shorter lists gave no plan (whatever the wider solve gave: a plan, or why not);
    2. never when the wider solve has no plan, or no finite LP bound (its LP stopped by the clock: what it returns
       is a start rebalanced, proven nothing);
    3. soft mode: never when its books lie further outside their bands, a larger worst deviation or a dearer band
       price, whatever its objective (500,000 × 2,500 under load: Mid-market and Enterprise · R2 ended 56-69% off
       after wider plans replaced narrower ones);
    4. never unless it costs less, beyond rounding (a wider solve stopped by its cap hands back the narrower plan,
       its warm start, as its best: no integer plan better than the narrow one);
    5. then when no plan over the shorter lists could cost as little (under their LP bound) or it is proven as close
       to its own bound.  A wider LP stopped by the clock has a weak bound (Lasdon's): at 500,000×2,500 such plans,
       0.1% cheaper, took the whole carve's gap from 0.1% to 1,320%, while the West Coast parts' wider plans cost
       5-20× less than their narrow LP bound."""
    if narrow.assign is None:
        return True
    if wider.assign is None or not np.isfinite(wider.bound):
        return False
    if further_out(wider, narrow):
        return False
    if not wider.objective < narrow.objective - 1e-9 * max(1.0, abs(narrow.objective)):
        return False
    return wider.objective <= narrow.bound or gap_of(wider.objective, wider.bound) <= max(
        gap_of(narrow.objective, narrow.bound), cs.mip_gap)


def further_out(a: PartResult, b: PartResult) -> bool:
    """Soft mode: whether plan ``a``'s books lie further outside their bands than ``b``'s (a larger worst deviation
    or a dearer band price); never in hard mode (both 0)."""
    return a.plan_excess > b.plan_excess + 1e-9 or \
        a.plan_band_price > b.plan_band_price + 1e-9 * max(1.0, abs(b.plan_band_price))


def widen(s: CarveState, budget: Budget) -> CarveState:
    """Parts whose LP cannot hold their bands, solved again over longer lists on the runner, round after round,
    until it holds, every territory is a candidate or time is up; then a part left without a plan by the clock
    gets ``retry_share`` of the time left.  A part that would change shape over longer lists (it would take units
    of another) and has no plan asks the pipeline to prepare again (``restart_k``)."""
    cs, k, settled = s.cs, s.k, set()
    while budget.left() > cs.retry_margin_s:
        want = [i for i, r in enumerate(s.results) if wants_wider(r) and i not in settled]
        k2 = wider_k(cs, s.problem, k)
        if not want or k2 <= k:
            break
        items, where = _wider_items(s, budget, want, k2, settled)
        if s.restart_k is not None or not items:
            return s
        s.progress(0.9, f"{len(items)} part(s) cannot hold their bands over {k} candidates per unit: widening "
                        f"to {k2}")
        s.count("parts_widened", len(items))
        s.tally["candidates_k"] = k2
        for i, q, r in zip(where, items, s.submit(items, "widened")):
            if wider_wins(cs, r, s.results[i]):
                s.results[i], s.solved_as[i] = dataclasses.replace(r, index=s.results[i].index), q
            else:
                settled.add(i)  # the narrower plan stays (cheaper, or the wider one's bound is too weak)
        k = k2
    again = [i for i, r in enumerate(s.results) if r.assign is None and r.status == "time_limit"]
    if again and budget.left() > cs.retry_margin_s:
        s.progress(0.9, f"{len(again)} part(s) found no plan within their share of the time: retrying")
        s.count("parts_retried", len(again))
        items = [dataclasses.replace(s.solved_as[i], budget=budget.share(cs.retry_share), time_cap_s=None)
                 for i in again]
        for i, r in zip(again, s.submit(items, "retried")):
            s.results[i] = dataclasses.replace(r, index=s.results[i].index)
    return s


def _wider_items(s: CarveState, budget: Budget, want: list[int], k2: int, settled: set) -> tuple[list, list]:
    """The parts of ``want`` over ``k2`` candidates, with their time caps: those with no plan first (all the time
    left), then those with a plan, the worst first, while the runner's worker-seconds last (at 500,000×2,500,
    18 parts broke a band and the 16 queued last started past the deadline, to no use)."""
    cs, p = s.cs, s.problem
    work_s = budget.left() * max(int(s.runner.workers or 1), 1)
    factor = cs.widen_priced_factor if (p.soft and cs.column_generation) else cs.widen_time_factor
    items, where, capped = [], [], []
    for i in sorted(want, key=lambda j: (s.results[j].assign is not None, -round(s.results[j].band_excess, 1),
                                         s.results[j].seconds)):
        r, part = s.results[i], s.parts[i]
        cap = None if r.assign is None else max(factor * r.seconds, cs.widen_min_s)
        if cap is not None and work_s < cap:
            s.count("parts_not_widened")
            settled.add(i)
            continue
        q = s.widened(part, k2)
        if q is None:
            if r.assign is None:  # the parts would change shape: prepare the whole again
                s.restart_k = k2
                return [], []
            settled.add(i)  # over longer lists it would take units of another part: it keeps its plan
            continue
        if cap is not None:
            work_s -= cap
            capped.append(len(items))
        # the narrower plan starts it: an incumbent, and its over-full books' units get every pair
        items.append(dataclasses.replace(part, problem=q, warm=r.assign, name=f"{part.name} · k={k2}",
                                         time_cap_s=cap, budget=budget))
        where.append(i)
    if capped:
        # time the chosen parts leave unused is theirs, up to widen_stretch_max × their cap: twice the first solve
        # was too short for the worst parts (the LP over twice the pairs takes more than twice as long)
        stretch = min(cs.widen_stretch_max, 1.0 + max(work_s, 0.0) / sum(items[j].time_cap_s for j in capped))
        for j in capped:
            first_cap = s.parts[where[j]].time_cap_s or np.inf
            items[j] = dataclasses.replace(items[j], time_cap_s=min(items[j].time_cap_s * stretch, first_cap))
    return items, where


def whole_gap(results: list[PartResult]) -> float:
    """The gap of the parts' plans as one, against their summed bounds."""
    return gap_of(sum(r.objective for r in results), sum(r.bound for r in results))


def tighten(s: CarveState, budget: Budget) -> CarveState:
    """While the whole misses its gap target, the parts kept above it (``Part.accept_gap``) solved again to the
    target itself on the runner (:func:`tighten_choice`), from their kept plan, sharing the time left by the
    runner's workers (:func:`tighten_budget`) whatever cap their earlier solves had (``part_max_s``): a part that
    ended its capped solve far above its bound gets the time the others did not use.  A new plan replaces the
    kept one by :func:`again_wins` (the higher of two LP bounds holds)."""
    cs, res = s.cs, s.results
    if len(res) <= 1 or any(r.assign is None for r in res) or whole_gap(res) <= cs.mip_gap + 1e-9:
        return s
    left = tighten_budget(s, budget)
    if left.left() < cs.tighten_min_s:
        return s
    chosen = tighten_choice(cs, res, s.contiguity_stage)
    if not chosen:
        return s
    s.progress(0.9, f"the whole is {whole_gap(res):.2%} from its bound: solving {len(chosen)} part(s) to "
                    f"{cs.mip_gap:.1%}")
    s.count("parts_tightened", len(chosen))
    cap = left.left() * min(1.0, max(int(s.runner.workers or 1), 1) / len(chosen))
    items = [_from_kept(s.solved_as[i], res[i], cap, left) for i in chosen]
    for i, again in zip(chosen, s.submit(items, "tightened")):
        if again_wins(again, res[i]):
            res[i] = dataclasses.replace(again, index=res[i].index, bound=max(again.bound, res[i].bound))
    return s


def tighten_choice(cs: CarveSettings, res: list[PartResult], contiguity: ContiguityStage = NO_CONTIGUITY
                   ) -> list[int]:
    """The parts to solve again: the fewest, furthest from their bound first, whose reaching the target would bring
    the whole within it (none within the target already, none the ``contiguity`` stage would give again)."""
    chosen, excess = [], sum(r.objective - r.bound for r in res) - cs.mip_gap * abs(sum(r.objective for r in res))
    for i in sorted(range(len(res)), key=lambda j: -(res[j].objective - res[j].bound)):
        r = res[i]
        if excess <= 1e-9:
            break
        if r.objective - r.bound <= cs.mip_gap * abs(r.objective) + 1e-9 or not contiguity.solves_again(r):
            continue
        chosen.append(i)
        excess -= (r.objective - r.bound) - cs.mip_gap * abs(r.objective)
    return chosen


def tighten_budget(s: CarveState, budget: Budget) -> Budget:
    """What the parts solved again may use: the solving stages' time left (the closing share is already kept from
    it, see pipeline.run) less the band mend's ``band_mend_max_s`` when a kept plan leaves a book outside its band."""
    cs = s.cs
    later = 0.0
    if cs.mode == "soft" and cs.band_mend_max_s > 0 and any(
            len(broken_territories(q.problem, r.assign)) for q, r in zip(s.solved_as, s.results)):
        later += cs.band_mend_max_s
    return budget.less(later)


def _from_kept(part: Part, kept: PartResult, cap: float, budget: Budget) -> Part:
    """``part`` to be solved again from its kept plan (the incumbent: the solve never ends dearer), its priced LP
    starting from the pairs its earlier start put there (:func:`lp_start_of`) and those the kept plan's own LP had
    priced in (``lp_pairs``: it goes on where that one stopped), within ``cap``."""
    p = part.problem
    if p.lp_start is not None:
        start = lp_start_of(p, part.warm)
        if kept.lp_pairs is not None and len(kept.lp_pairs) == len(start):
            start = start | kept.lp_pairs
        p = dataclasses.replace(p, lp_start=start)
    return dataclasses.replace(part, problem=p, warm=kept.assign, accept_gap=None, time_cap_s=cap, budget=budget)


def again_wins(again: PartResult, kept: PartResult) -> bool:
    """The one rule for when a part solved again (tighten) replaces its kept plan: it has a plan and a finite LP
    bound, costs less, and its books lie no further outside their bands (:func:`further_out`)."""
    return (again.assign is not None and bool(np.isfinite(again.bound)) and again.objective < kept.objective
            and not further_out(again, kept))


def mend(s: CarveState, budget: Budget) -> CarveState:
    """Soft mode: every part whose kept plan leaves a book outside its band, once widening and tightening are done,
    sent through the runner to have its books brought inside (:func:`~optimizers.carve.repair.mend_part`), each
    for at most ``band_mend_max_s`` (0: never).  At 500,000×2,500 three parts stopped by their 90 s cap left books
    10.2-10.5% off at ±10%: a part's own solve had no time left for it, and a part whose narrow LP broke a band
    (then kept its narrow plan over the wider one) was never polished into its bands.  A part never widened is
    mended over its next lists (:func:`wider_k`): its books' room may lie beyond its first (SMB · R3)."""
    cs = s.cs
    if cs.mode != "soft" or cs.band_mend_max_s <= 0 or budget.left() < cs.repair_min_cap_s:
        return s
    out = [i for i, r in enumerate(s.results)
           if r.assign is not None and len(broken_territories(s.solved_as[i].problem, r.assign))]
    if not out:
        return s
    s.progress(0.9, f"{len(out)} part(s) leave a book outside its band: bringing them in")
    s.count("parts_mended", len(out))
    items = [dataclasses.replace(_mend_lists(s, i), mend_from=s.results[i].assign, warm=None, budget=budget,
                                 time_cap_s=cs.band_mend_max_s) for i in out]
    for i, q, again in zip(out, items, s.submit(items, "mended")):
        r = s.results[i]
        if again.assign is not None:
            s.results[i] = dataclasses.replace(r, assign=again.assign, objective=again.objective,
                                               bound=_bound_after_mend(r, again.objective),
                                               strategy=f"{r.strategy}, bands mended")
            s.solved_as[i] = dataclasses.replace(q, mend_from=None)
    return s


def _bound_after_mend(r: PartResult, objective: float) -> float:
    """The part's bound once its plan is mended: its own LP's, unless the mended plan costs less.  A mend over the
    next lists may leave the lists the bound was solved over, and a plan below that bound shows it is no bound for
    them: unknown (nan), so the part and the whole read "found; not proven", never "optimal" at a gap clipped to 0
    (500,000×2,500 under load: books 7-9× their target reported optimal, the mended plans 75-78M under narrow
    bounds of 96-123M)."""
    return r.bound if objective >= r.bound - 1e-9 * max(1.0, abs(r.bound)) else np.nan


def _mend_lists(s: CarveState, i: int) -> Part:
    """Part ``i`` over the lists its mend works on: those it was last solved over when it was widened, else the
    next k's (:func:`wider_k`), as long as they hold its kept plan's every pair."""
    part, plan = s.solved_as[i], s.results[i].assign
    k2 = wider_k(s.cs, s.problem, s.k)
    if part is not s.parts[i] or s.widened is None or k2 <= s.k:
        return part
    q = s.widened(part, k2)
    if q is None or not holds(q, plan):
        return part
    return dataclasses.replace(part, problem=q, name=f"{part.name} · k={k2}")


def holds(p: Problem, plan: np.ndarray) -> bool:
    """Whether every unit's territory in ``plan`` is one of its candidates in ``p``."""
    c = p.cand
    here = np.zeros(p.n_units, dtype=bool)
    here[c.unit[c.terr == plan[c.unit]]] = True
    return bool(here.all())
