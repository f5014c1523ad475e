"""Contiguity: every geographic territory in one connected piece, checked and reported honestly.

The unit graph (:mod:`optimizers.carve.contiguity_graph`): units of one segment that share or touch a
county, bridged across empty counties and joined by water links, so every segment's graph is connected.

The repair runs after the LP and its integer rounding (the model itself stays a pure balance/transport
model, which is what solves in time at 3,100 counties × 50):

1. Split: a territory in several pieces keeps its main piece (the one with its locked or pinned units, else
   the one with most of the first balanced metric); the units of the other pieces are handed, one at a
   time, to the adjacent territory (that may take them) whose balance suffers least.  Handing a unit to a
   territory it touches keeps that territory in one piece.
2. Rebalance: single border moves between neighbouring territories that lower the deviation outside the
   bands (and, while any book is outside, a small squared deviation from target, so load flows through
   books already inside their band), never cutting the giving territory in two.
3. Cheaper: border moves to the neighbour a unit costs less with (travel + continuity), when no band gets
   worse and both territories stay whole.
4. If the bands still fail, a second start: the LP on travel distance alone (compact, nearly one-piece
   books), repaired the same way.  In hard mode, when neither start holds the bands, the solver's balanced
   plan is kept and the result says how many territories are in more than one piece.
5. Check: pieces per territory are recounted on the graph and reported; a territory that stays in several
   pieces (pinned units far apart) gets a plain diagnosis.  Nothing is silently broken.

Every move stays within the unit's candidate territories, so the model's objective of the result is exact
and the LP bound stays valid: the gap reported is the price of contiguity plus the solver's own gap.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_graph import (
    GEO_KINDS,
    count_pieces,
    pieces,
    unit_graph_of,
    unit_kinds,
    unit_names,
)

OUTSIDE_WEIGHT = 100.0  # a share of target outside the band costs this many times the same share inside it


@dataclass
class ContiguityReport:
    """What the contiguity repair did.  Unit indices refer to the carve's units."""

    territories: int  # territories with geographic units
    split_before: int  # territories in more than one piece in the solver's plan
    split_after: int  # ... after the repair (goal 0)
    pieces: np.ndarray  # per territory, pieces after the repair (0: no geographic unit)
    moved_units: np.ndarray  # units whose territory the repair changed
    reasons: dict[int, str] = field(default_factory=dict)  # unit → why the repair moved it
    diagnosis: list[str] = field(default_factory=list)
    worst_dev_before: float = 0.0  # worst |load/target − 1| over balanced metrics, before and after the repair
    worst_dev_after: float = 0.0
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.territories:
            return "contiguity: no geographic territories"
        head = (f"contiguity: {self.split_after} of {self.territories} territories in more than one piece"
                if self.split_after else f"contiguity: all {self.territories} territories in one piece")
        return (f"{head} (solver plan: {self.split_before} split; repair moved {len(self.moved_units)} unit(s), "
                f"worst deviation {self.worst_dev_before:.1%} → {self.worst_dev_after:.1%})")


class _Balance:
    """Loads, bands and the total deviation outside the bands (each metric as a share of its target)."""

    def __init__(self, metrics: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray, assign: np.ndarray):
        self.m, self.lo, self.hi = metrics, lo, hi
        self.scale = np.where(target > 0, target, 1.0)
        T = lo.shape[0]
        self.load = np.stack([np.bincount(assign, weights=metrics[:, k], minlength=T)
                              for k in range(metrics.shape[1])], axis=1) if metrics.shape[1] else np.zeros((T, 0))
        self.target = target

    def excess(self, load_rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (np.maximum(load_rows - self.hi[t], 0) + np.maximum(self.lo[t] - load_rows, 0)) / self.scale[t]

    def score(self, load_rows: np.ndarray, t: np.ndarray) -> float:
        """Deviation outside the bands (dominant) plus a small squared deviation from target, so that load
        also flows through territories already inside their band (chains of moves, like diffusion)."""
        inside = (load_rows - self.target[t]) / self.scale[t]
        return float(OUTSIDE_WEIGHT * self.excess(load_rows, t).sum() + (inside ** 2).sum())

    def delta(self, u: int, a: int, b: int) -> float:
        """Change in :meth:`score` if unit u moves from a to b."""
        t = np.array([a, b])
        now = self.load[t]
        new = now + np.stack([-self.m[u], self.m[u]])
        return self.score(new, t) - self.score(now, t)

    def move(self, u: int, a: int, b: int) -> None:
        self.load[a] -= self.m[u]
        self.load[b] += self.m[u]

    def worst_dev(self) -> float:
        ok = self.target > 0
        return float(np.abs(self.load[ok] / self.target[ok] - 1).max()) if ok.any() else 0.0

    def ratio(self, t: int) -> float:
        return float(self.load[t, 0] / self.scale[t, 0]) if self.load.shape[1] else 0.0


def make_contiguous(adj: sp.csr_matrix, assign: np.ndarray, allowed: np.ndarray, fixed: np.ndarray,
                    geo_unit: np.ndarray, metrics: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray,
                    pair_cost: np.ndarray | None = None, budget: Budget | None = None, labels: list[str] | None = None,
                    unit_names: np.ndarray | None = None) -> tuple[np.ndarray, ContiguityReport]:
    """Repair ``assign`` (unit → territory) so geographic territories are connected; see the module docstring.

    ``allowed`` is the units × territories mask of the rules, ``fixed[u]`` the territory a locked or pinned
    unit must keep (−1: free), ``pair_cost`` an optional units × territories cost used to break ties (the
    model's distance + continuity cost; np.inf where not a candidate).  ``budget``: when its moves stop (default
    10 s from now).
    """
    t0 = time.perf_counter()
    budget = budget if budget is not None else Budget(10.0)
    T = lo.shape[0]
    labels = labels or [str(t) for t in range(T)]
    name = (lambda u: str(unit_names[u])) if unit_names is not None else (lambda u: f"unit {u}")
    start = assign.copy()
    assign = assign.copy()
    bal = _Balance(metrics, lo, hi, target, assign)
    worst_before = bal.worst_dev()
    before = count_pieces(adj, assign, T, geo_unit)
    reasons: dict[int, str] = {}
    diagnosis: list[str] = []
    indptr, indices = adj.indptr, adj.indices
    movable = geo_unit & (fixed < 0)
    cost = pair_cost if pair_cost is not None else np.zeros((len(assign), T))

    def neighbours(u: int) -> np.ndarray:
        return indices[indptr[u]:indptr[u + 1]]

    # 1. split territories: keep the main piece, hand the rest to adjacent territories
    loose: set[int] = set()
    origin: dict[int, int] = {}
    for t in np.flatnonzero(before > 1):
        members = np.flatnonzero((assign == t) & geo_unit)
        lab = pieces(adj, members)
        pinned_pieces = np.unique(lab[fixed[members] >= 0])
        if len(pinned_pieces) > 1:
            far = [name(u) for u in members[(fixed[members] >= 0) & (lab != pinned_pieces[0])]][:3]
            diagnosis.append(f"{labels[t]} cannot be one piece: its locked or pinned unit(s) {', '.join(far)} are not "
                             f"connected to its other locked or pinned units; unpin them or pin the units between")
        weight = metrics[members, 0] if metrics.shape[1] else np.ones(len(members))
        main = pinned_pieces[0] if len(pinned_pieces) else int(np.argmax(np.bincount(lab, weights=weight + 1e-9)))
        for u, piece in zip(members, lab):
            if piece != main and piece not in pinned_pieces and fixed[u] < 0:
                loose.add(int(u))
                origin[int(u)] = int(t)
    for u in loose:
        assign[u] = -1
        bal.load[origin[u]] -= metrics[u]
    def options(u: int) -> list[int]:
        return [b for b in {int(assign[v]) for v in neighbours(u) if assign[v] >= 0} if allowed[u, b]]

    while loose:
        # one ring at a time from the kept pieces inwards (units touching an assigned territory), biggest first
        ring = sorted((u for u in loose if options(u)), key=lambda u: -float(metrics[u].sum()) if metrics.shape[1] else 0)
        if not ring:
            stuck = sorted(loose)
            diagnosis.append(f"{len(stuck)} unit(s) ({', '.join(name(u) for u in stuck[:3])}) touch no territory "
                             f"that the rules let take them; they stay with their territory in a separate piece")
            for u in stuck:
                assign[u] = origin[u]
                bal.load[origin[u]] += metrics[u]
            break
        for u in ring:
            def worse(b: int, u: int = u) -> tuple[float, float]:
                t_b = np.array([b])
                return bal.score(bal.load[t_b] + metrics[u], t_b) - bal.score(bal.load[t_b], t_b), cost[u, b]

            b = min(options(u), key=worse)
            assign[u] = b
            bal.load[b] += metrics[u]
            loose.discard(u)
            if b != origin[u]:
                reasons[u] = (f"moved to {labels[b]} to keep {labels[origin[u]]} in one piece: it was cut off from "
                              f"the rest of {labels[origin[u]]}")

    # 2. rebalance with boundary moves that keep both territories connected
    def stays_connected(t: int, u: int) -> bool:
        members = np.flatnonzero((assign == t) & geo_unit)
        rest = members[members != u]
        return len(rest) > 0 and pieces(adj, rest).max() == 0

    improved = True
    while improved and not budget.expired():
        improved = False
        if bal.excess(bal.load, np.arange(T)).sum() <= 1e-9:
            break  # every band held: stop spreading load, keep moves few
        dev = np.abs(bal.load / bal.scale - np.where(bal.target > 0, 1.0, 0.0)).sum(axis=1)
        for t in np.argsort(-dev):
            if budget.expired():
                break
            # moves out of t (units of t on its border) and into t (neighbours' border units)
            inside = np.flatnonzero((assign == t) & geo_unit)
            options = []
            for u in inside[movable[inside]]:
                for b in {int(assign[v]) for v in neighbours(u)} - {int(t)}:
                    if allowed[u, b]:
                        options.append((u, int(t), b))
            for v in {int(v) for u in inside for v in neighbours(u)}:
                a = int(assign[v])
                if a != t and movable[v] and allowed[v, t]:
                    options.append((v, a, int(t)))
            scored = sorted(((bal.delta(u, a, b), cost[u, b] - cost[u, a], u, a, b) for u, a, b in options))
            for d, _, u, a, b in scored:
                if d >= -1e-9:
                    break
                if stays_connected(a, u):
                    bal.move(u, a, b)
                    assign[u] = b
                    reasons.setdefault(u, f"moved to {labels[b]} to rebalance after the contiguity repair "
                                          f"({labels[a]} held {bal.ratio(a) + bal.m[u][0] / bal.scale[a][0]:.0%} "
                                          f"of target, {labels[b]} {bal.ratio(b) - bal.m[u][0] / bal.scale[b][0]:.0%})"
                                          if bal.m.shape[1] else f"moved to {labels[b]} after the contiguity repair")
                    improved = True
                    break
    # 3. cheaper plans: a border unit goes to the neighbour it costs less with when no band gets worse
    improved = True
    while improved and not budget.expired():
        improved = False
        us = np.flatnonzero(movable)
        a_of = assign[us]
        gain = []
        for u, a in zip(us, a_of):
            for b in {int(assign[v]) for v in neighbours(u)} - {int(a)}:
                if allowed[u, b] and cost[u, b] < cost[u, a] - 1e-9:
                    gain.append((cost[u, b] - cost[u, a], int(u), int(a), b))
        for _, u, a, b in sorted(gain):
            if budget.expired():
                break
            if assign[u] != a or not any(assign[v] == b for v in neighbours(u)):
                continue
            t = np.array([a, b])
            now = bal.load[t]
            new = now + np.stack([-metrics[u], metrics[u]])
            if bal.excess(new, t).sum() > bal.excess(now, t).sum() + 1e-12 or not stays_connected(a, u):
                continue
            bal.move(u, a, b)
            assign[u] = b
            reasons.setdefault(u, f"moved to {labels[b]}, a closer territory it borders, after the contiguity repair")
            improved = True
    after = count_pieces(adj, assign, T, geo_unit)
    moved = np.flatnonzero(assign != start)
    has_geo = np.bincount(assign[geo_unit], minlength=T) > 0
    for t in np.flatnonzero(after > 1):
        if not any(labels[t] in d for d in diagnosis):
            diagnosis.append(f"{labels[t]} is in {after[t]} pieces after the repair")
    rep = ContiguityReport(territories=int(has_geo.sum()), split_before=int((before > 1).sum()),
                           split_after=int((after > 1).sum()), pieces=after, moved_units=moved,
                           reasons={u: r for u, r in reasons.items() if assign[u] != start[u]},
                           diagnosis=diagnosis, worst_dev_before=worst_before, worst_dev_after=bal.worst_dev(),
                           seconds=time.perf_counter() - t0)
    return assign, rep


def enforce(p, ctx: dict, assign: np.ndarray, objective: float, bound: float, status: str, cs,
            budget: Budget, bridge_hops: int = 2):
    """The carve's hook: repair a solved assignment of :class:`Problem` ``p`` (context from ``prepare``).

    Moves stay within each unit's candidate territories, so the model's objective of the result stays exact
    (recomputed here; the LP bound stays a valid bound).  Returns the assignment, a :class:`ContiguityReport`
    (None when no unit is geographic), the objective and the status ("optimal" only while still within the
    gap target).  ``budget``: the contiguity step's time (:class:`~optimizers.carve.budget.Budget`); a second
    start is tried only while ``cs.contiguity_restart_min_s`` is left, its LP with ``cs.contiguity_restart_share``
    of it.
    """
    units = ctx["units"]
    geo = unit_kinds(units.frame).isin(GEO_KINDS).to_numpy()
    if not geo.any():
        return assign, None, objective, status
    t0 = time.perf_counter()
    new, report = _repair(p, ctx, assign, geo, budget, bridge_hops)
    outside = _outside(p, new)
    if outside > 1e-6 and report.split_before and budget.left() > cs.contiguity_restart_min_s:
        # second start: the LP on travel distance alone (no continuity cost) gives compact, nearly one-piece
        # books; repaired the same way it often holds the bands where the first start could not
        start = _compact_start(p, budget.share(cs.contiguity_restart_share).left())
        if start is not None:
            alt, alt_rep = _repair(p, ctx, start, geo, budget, bridge_hops)
            if _outside(p, alt) < outside and alt_rep.split_after <= report.split_after:
                moved = np.flatnonzero(alt != assign)
                alt_rep.reasons = {int(u): "moved so that every territory is one piece: the one-piece plan was "
                                           "re-carved on travel distance, then balanced by border moves"
                                   for u in moved}
                alt_rep.moved_units = moved
                alt_rep.split_before, alt_rep.worst_dev_before = report.split_before, report.worst_dev_before
                alt_rep.seconds = time.perf_counter() - t0
                new, report, outside = alt, alt_rep, _outside(p, alt)
    if outside > 1e-6 and not p.soft and report.split_before:
        # hard bands come first: keep the solver's balanced plan and say plainly that contiguity was not reached
        split = report.split_before
        report.diagnosis.insert(0, f"contiguity not reached within the bands: keeping {split} of "
                                   f"{report.territories} territories in more than one piece (the one-piece repair "
                                   f"reached a worst deviation of {report.worst_dev_after:.0%}); widen the bands, "
                                   f"lower the continuity weight, use larger units or soft mode")
        report.pieces = count_pieces(unit_graph_of(ctx, geo, bridge_hops), assign, p.n_terr, geo)
        report.split_after, report.moved_units, report.reasons = split, np.zeros(0, dtype=int), {}
        report.worst_dev_after = report.worst_dev_before
        return assign, report, objective, status
    if len(report.moved_units):
        from optimizers.carve.model import build_matrix, objective_of

        objective = objective_of(p, build_matrix(p), new)
        if status == "optimal" and objective - bound > cs.mip_gap * abs(objective):
            status = "feasible"
    return new, report, objective, status


def _outside(p, assign: np.ndarray) -> float:
    """Total deviation outside the bands (shares of target) of an assignment."""
    b = _Balance(p.unit_metrics, p.lo, p.hi, p.target, assign)
    return float(b.excess(b.load, np.arange(p.n_terr)).sum())


def _compact_start(p, time_limit: float) -> np.ndarray | None:
    """Rounded LP assignment minimising travel distance only (same bands, same candidate pairs)."""
    import dataclasses

    from optimizers.carve.model import assignment_from_x, build_matrix
    from optimizers.carve.solvers import solve_lp

    q = dataclasses.replace(p, pair_cost=p.cand.dist_mi / 100.0)
    lp = solve_lp(build_matrix(q), time_limit)
    return assignment_from_x(q, lp.x) if lp.x is not None else None


def _repair(p, ctx: dict, assign: np.ndarray, geo: np.ndarray, budget: Budget, bridge_hops: int):
    units = ctx["units"]
    U, T = p.n_units, p.n_terr
    c = p.cand
    allowed = np.zeros((U, T), dtype=bool)
    allowed[c.unit, c.terr] = True
    cost = np.full((U, T), np.inf)
    cost[c.unit, c.terr] = p.pair_cost
    n_c = np.diff(c.ptr)
    fixed = np.where(n_c == 1, c.terr[c.ptr[:-1]], -1)
    adj = unit_graph_of(ctx, geo, bridge_hops)
    return make_contiguous(adj, assign, allowed, fixed, geo, p.unit_metrics, p.lo, p.hi, p.target, cost,
                           budget, list(ctx["terr"]["label"].astype(str)), unit_names(units.frame))


def annotate(result, report: ContiguityReport, units, acc: pd.DataFrame) -> None:
    """Add the repair's reasons to the moved accounts, and its summary to the result's stats and warnings."""
    if report is None:
        return
    result.stats["contiguity"] = {"territories": report.territories, "split_before": report.split_before,
                                  "split_after": report.split_after, "units_moved": len(report.moved_units),
                                  "worst_dev_before": report.worst_dev_before,
                                  "worst_dev_after": report.worst_dev_after, "seconds": report.seconds,
                                  "summary": report.summary(), "diagnosis": list(report.diagnosis)}
    if report.split_after or report.diagnosis:
        result.warnings.append(report.summary())
        result.warnings.extend(report.diagnosis)
    if not report.reasons or result.moves is None or result.moves.empty:
        return
    unit_of = pd.Series(units.of_account, index=acc["account_id"].astype(str).to_numpy())
    extra = result.moves["account_id"].map(unit_of).map(report.reasons)
    has = extra.notna()
    result.moves.loc[has, "reason"] = result.moves.loc[has, "reason"].fillna("") + "; " + extra[has]
    result.moves["contiguity_move"] = has.to_numpy()
    result.reasons = result.moves.set_index("account_id")["reason"]
