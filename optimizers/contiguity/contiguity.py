"""Contiguity: every geographic territory in one connected piece, checked and reported honestly.

The unit graph (:mod:`optimizers.contiguity.contiguity_graph`): units of one segment that share or touch a
county, bridged across empty counties and joined by water links, so every segment's graph is connected.

The solve itself keeps territories in one piece with separator cuts (:mod:`optimizers.contiguity.one_piece`); this
repair is the polish for a plan the time limit leaves in pieces, after the LP and its integer rounding:

1. Split: a territory in several pieces keeps its main piece (the one with its locked or pinned units, else
   the one with most of the first balanced metric); the units of the other pieces are handed, one at a
   time, to the adjacent territory (that may take them) whose balance suffers least.  Handing a unit to a
   territory it touches keeps that territory in one piece.
2. Rebalance: border moves between neighbouring territories that lower the deviation outside the
   bands (and, while any book is outside, a small squared deviation from target, so load flows through
   books already inside their band), never cutting the giving territory in two: a move that would cut it
   carries the pieces it cuts off along (:mod:`optimizers.contiguity.contiguity_rebalance`).
3. Cheaper: border moves to the neighbour a unit costs less with (travel + continuity), when no band gets
   worse and both territories stay whole; then border swaps (:mod:`optimizers.contiguity.contiguity_swaps`), two
   units of neighbouring territories trading places when cheaper, the bands and both pieces held (Georgia's
   159 counties × 10, ±5%: 2.65% → 1.67% above the one-piece bound, seed 1 8.20% → 7.60%).
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

from optimizers.carve.band_cost import outside
from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity_swaps import border_swaps, cheaper_moves
from optimizers.contiguity.contiguity_graph import (
    GEO_KINDS,
    count_pieces,
    neighbour_lists,
    one_piece,
    pieces,
    unit_graph_of,
    unit_kinds,
    unit_names,
)
from planning.reporting.carve_words import contiguity_words

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
    drawn_only: int = 0  # territories one piece on the unit graph but drawn in pieces (:func:`as_drawn`)

    def summary(self) -> str:
        """What a planner needs: "All 23 territories are one piece."  The solver's side (the plan before the
        polish, units the polish moved, deviation before and after) stays in the result's stats, for the Solver
        details (planning.reporting.carve_words.contiguity_details)."""
        return contiguity_words(self.territories, self.split_after)


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
        return outside(load_rows, self.lo[t], self.hi[t]) / self.scale[t]

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
    r = _Repair(adj, assign, allowed, fixed, geo_unit, metrics, lo, hi, target, pair_cost, labels, unit_names)
    budget = budget if budget is not None else Budget(10.0)
    r.reattach(r.split_off())  # 1. split territories: keep the main piece, hand the rest to adjacent territories
    r.rebalance(budget)  # 2. boundary moves that keep both territories connected
    r.cheaper(budget)  # 3. a border unit to the neighbour it costs less with, when no band gets worse
    while border_swaps(r, budget) and not budget.expired():  # 4. two border units trade places when cheaper
        r.cheaper(budget)  # a swap can open a single move again
    return r.assign, r.report(time.perf_counter() - t0)


class _Repair:
    """One contiguity repair's state: the plan as it is repaired, the books' loads, reasons and diagnosis."""

    def __init__(self, adj, assign, allowed, fixed, geo_unit, metrics, lo, hi, target, pair_cost, labels,
                 unit_names):
        self.adj, self.allowed, self.fixed, self.geo, self.metrics = adj, allowed, fixed, geo_unit, metrics
        self.nbrs = neighbour_lists(adj)
        coo = adj.tocoo()
        both = geo_unit[coo.row] & geo_unit[coo.col]
        self.edge_u, self.edge_v = coo.row[both].astype(np.int64), coo.col[both].astype(np.int64)  # both directions
        self.T = lo.shape[0]
        self.labels = labels or [str(t) for t in range(self.T)]
        self.unit_names = unit_names
        self.start, self.assign = assign.copy(), assign.copy()
        self.bal = _Balance(metrics, lo, hi, target, self.assign)
        self.worst_before = self.bal.worst_dev()
        self.before = count_pieces(adj, self.assign, self.T, geo_unit)
        self.reasons: dict[int, str] = {}
        self.diagnosis: list[str] = []
        self.movable = geo_unit & (fixed < 0)
        self.cost = pair_cost if pair_cost is not None else np.zeros((len(assign), self.T))

    def name(self, u: int) -> str:
        return str(self.unit_names[u]) if self.unit_names is not None else f"unit {u}"

    def neighbours(self, u: int) -> list[int]:
        return self.nbrs[u]

    def members(self, t: int) -> np.ndarray:
        return np.flatnonzero((self.assign == t) & self.geo)

    def split_off(self) -> dict[int, int]:
        """The units cut off from their territory's main piece (the one with its pins, else the heaviest), taken
        out of it: unit → the territory it came from."""
        fixed, metrics, origin = self.fixed, self.metrics, {}
        for t in np.flatnonzero(self.before > 1):
            members = self.members(t)
            lab = pieces(self.adj, members)
            pinned_pieces = np.unique(lab[fixed[members] >= 0])
            if len(pinned_pieces) > 1:
                far = [self.name(u) for u in members[(fixed[members] >= 0) & (lab != pinned_pieces[0])]][:3]
                self.diagnosis.append(f"{self.labels[t]} cannot be one piece: its locked or pinned unit(s) "
                                      f"{', '.join(far)} are not connected to its other locked or pinned units; unpin "
                                      f"them or pin the units between")
            weight = metrics[members, 0] if metrics.shape[1] else np.ones(len(members))
            main = pinned_pieces[0] if len(pinned_pieces) else int(np.argmax(np.bincount(lab, weights=weight + 1e-9)))
            for u, piece in zip(members, lab):
                if piece != main and piece not in pinned_pieces and fixed[u] < 0:
                    origin[int(u)] = int(t)
        for u, t in origin.items():
            self.assign[u] = -1
            self.bal.load[t] -= metrics[u]
        return origin

    def options(self, u: int) -> list[int]:
        return [b for b in {int(self.assign[v]) for v in self.neighbours(u) if self.assign[v] >= 0}
                if self.allowed[u, b]]

    def reattach(self, origin: dict[int, int]) -> None:
        """The cut-off units, one ring at a time from the kept pieces inwards (units touching an assigned
        territory), biggest first, each to the neighbour whose band it hurts least (then the cheapest)."""
        loose, metrics, bal, labels = set(origin), self.metrics, self.bal, self.labels
        while loose:
            ring = sorted((u for u in loose if self.options(u)),
                          key=lambda u: -float(metrics[u].sum()) if metrics.shape[1] else 0)
            if not ring:
                stuck = sorted(loose)
                self.diagnosis.append(f"{len(stuck)} unit(s) ({', '.join(self.name(u) for u in stuck[:3])}) touch no "
                                      f"territory that the rules let take them; they stay with their territory in a "
                                      f"separate piece")
                for u in stuck:
                    self.assign[u] = origin[u]
                    bal.load[origin[u]] += metrics[u]
                return
            for u in ring:
                def worse(b: int, u: int = u) -> tuple[float, float]:
                    t_b = np.array([b])
                    return bal.score(bal.load[t_b] + metrics[u], t_b) - bal.score(bal.load[t_b], t_b), self.cost[u, b]

                b = min(self.options(u), key=worse)
                self.assign[u] = b
                bal.load[b] += metrics[u]
                loose.discard(u)
                if b != origin[u]:
                    self.reasons[u] = (f"moved to {labels[b]} to keep {labels[origin[u]]} in one piece: it was cut "
                                       f"off from the rest of {labels[origin[u]]}")

    def stays_connected(self, t: int, u: int) -> bool:
        members = self.members(t)
        rest = members[members != u]
        return len(rest) > 0 and one_piece(self.nbrs, rest.tolist())

    def border_moves(self, t: int) -> list[tuple[int, int, int]]:
        """(unit, from, to) moves out of ``t`` (its border units) and into it (its neighbours' border units)."""
        inside, assign, allowed, movable = self.members(t), self.assign, self.allowed, self.movable
        out = []
        for u in inside[movable[inside]]:
            for b in {int(assign[v]) for v in self.neighbours(u)} - {int(t)}:
                if allowed[u, b]:
                    out.append((u, int(t), b))
        for v in {int(v) for u in inside for v in self.neighbours(u)}:
            a = int(assign[v])
            if a != t and movable[v] and allowed[v, t]:
                out.append((v, a, int(t)))
        return out

    def rebalance(self, budget: Budget) -> None:
        """Border moves that keep both territories one piece, carrying the pieces a move would cut off
        (:mod:`optimizers.contiguity.contiguity_rebalance`), until every band holds or no move helps."""
        from optimizers.contiguity.contiguity_rebalance import rebalance

        rebalance(self, budget)

    def cheaper(self, budget: Budget) -> None:
        """A border unit goes to the neighbour it costs less with when no band gets worse, cheapest gain first."""
        assign, bal, improved = self.assign, self.bal, True
        while improved and not budget.expired():
            improved = False
            for _, u, a, b in cheaper_moves(self):
                if budget.expired():
                    break
                if assign[u] != a or not any(assign[v] == b for v in self.neighbours(u)):
                    continue
                t = np.array([a, b])
                now = bal.load[t]
                new = now + np.stack([-self.metrics[u], self.metrics[u]])
                if bal.excess(new, t).sum() > bal.excess(now, t).sum() + 1e-12 or not self.stays_connected(a, u):
                    continue
                bal.move(u, a, b)
                assign[u] = b
                self.reasons.setdefault(u, f"moved to {self.labels[b]}, a closer territory it borders, after the "
                                           f"contiguity repair")
                improved = True

    def report(self, seconds: float) -> ContiguityReport:
        assign, T = self.assign, self.T
        after = count_pieces(self.adj, assign, T, self.geo)
        for t in np.flatnonzero(after > 1):
            if not any(self.labels[t] in d for d in self.diagnosis):
                self.diagnosis.append(f"{self.labels[t]} is in {after[t]} pieces after the repair")
        return ContiguityReport(territories=int((np.bincount(assign[self.geo], minlength=T) > 0).sum()),
                                split_before=int((self.before > 1).sum()), split_after=int((after > 1).sum()),
                                pieces=after, moved_units=np.flatnonzero(assign != self.start),
                                reasons={u: r for u, r in self.reasons.items() if assign[u] != self.start[u]},
                                diagnosis=self.diagnosis, worst_dev_before=self.worst_before,
                                worst_dev_after=self.bal.worst_dev(), seconds=seconds)


def enforce(p, ctx: dict, assign: np.ndarray, objective: float, bound: float, status: str, cs,
            budget: Budget):
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
    new, report = _repair(p, ctx, assign, geo, budget)
    outside = _outside(p, new)
    if outside > 1e-6 and report.split_before and budget.left() > cs.contiguity_restart_min_s:
        # second start: the LP on travel distance alone (no continuity cost) gives compact, nearly one-piece
        # books; repaired the same way it often holds the bands where the first start could not
        start = _compact_start(p, budget.share(cs.contiguity_restart_share).left())
        if start is not None:
            alt, alt_rep = _repair(p, ctx, start, geo, budget)
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
        report.pieces = count_pieces(unit_graph_of(ctx, geo), assign, p.n_terr, geo)
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


def as_drawn(report: ContiguityReport, drawn: np.ndarray, labels: list[str]) -> None:
    """``report`` counting each territory's pieces as the map draws it where that says more (``drawn``:
    :func:`~optimizers.contiguity.contiguity_graph.drawn_pieces`), in place, with why for each one it splits."""
    only = np.flatnonzero((drawn > 1) & (report.pieces <= 1))
    report.drawn_only = len(only)
    for t in only:
        report.diagnosis.append(f"{labels[t]} is drawn in {drawn[t]} pieces: a county where it holds accounts is "
                                f"drawn for the territory holding most of that county's potential")
    report.pieces = np.maximum(report.pieces, drawn)
    report.split_after = int((report.pieces > 1).sum())


def _repair(p, ctx: dict, assign: np.ndarray, geo: np.ndarray, budget: Budget):
    units = ctx["units"]
    U, T = p.n_units, p.n_terr
    c = p.cand
    allowed = np.zeros((U, T), dtype=bool)
    allowed[c.unit, c.terr] = True
    cost = np.full((U, T), np.inf)
    cost[c.unit, c.terr] = p.pair_cost
    n_c = np.diff(c.ptr)
    fixed = np.where(n_c == 1, c.terr[c.ptr[:-1]], -1)
    adj = unit_graph_of(ctx, geo)
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
