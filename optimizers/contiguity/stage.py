"""The one-piece model as the carve's contiguity stage (:class:`~optimizers.carve.contiguity_stage.ContiguityStage`):
what the carve pipeline asks of it, at each place it asks.

- prepare: the unit graph and each territory's root on the problem (:mod:`connectivity`, :mod:`roots`);
- each part's solve: the separator cuts in its LP and repair (:mod:`one_piece`), the MIP over them on small parts
  (:mod:`one_piece_mip`);
- the closing stages: the polish of a plan the time limit left in pieces (:mod:`contiguity`), within the share of
  the limit kept for it, and, in hard mode, the proof that one piece and the bands cannot both hold
  (:mod:`contiguity_proof`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_stage import ContiguityStage
from optimizers.carve.ladder import LadderState, Solved
from optimizers.carve.model import Problem, gap_of
from optimizers.carve.settings import CarveSettings
from optimizers.contiguity.contiguity_graph import GEO_KINDS
from optimizers.contiguity.one_piece import GROWN, ROUNDED, connect, cut_lp, grown_plan
from optimizers.contiguity.one_piece_mip import cut_mip
from optimizers.contiguity.rootless_bound import missed_roots, rootless_bound

__all__ = ["OnePiece", "ONE_PIECE"]

WINDOWS_KEEP_S = 1.5  # the windows stop this long before the time limit: the assembly after them and a window's
# MIP running past its cap (the lower 48 at 0.5 s: 60.6 s wall for a 60 s limit)
MIN_WINDOWS_S = 1.0  # … and start only with this much left
ROOTLESS_MIN_S = 2.0  # the bound on every one-piece plan gets at least this (the lower 48's: see docs/carving.md)
ROOTLESS_ROUNDS_S = 5.0  # … and its rootless separation rounds at most this (taken from the windows' time)
ONE_PIECE_STARTS = (GROWN, ROUNDED)  # a part's plan one piece from the cut LP (the MIP over its cuts may follow,
# naming itself after it): no repair MIP, not solved again


class OnePiece(ContiguityStage):
    """Geographic territories one piece each, when ``CarveSettings.contiguous`` asks."""

    def with_graph(self, cs: CarveSettings, p: Problem, ctx: dict) -> Problem:
        """``p`` with its unit graph and roots (each territory's rep's home unit, where usable), so each part's
        solve adds separator cuts; ``p`` itself when no unit is geographic."""
        if not cs.contiguous:
            return p
        from optimizers.contiguity.connectivity import unit_conn_graph
        from optimizers.contiguity.roots import home_roots, home_units

        g = unit_conn_graph(ctx, p.n_terr)
        if g is None:
            return p
        q = dataclasses.replace(p, conn=g)
        g.root = home_roots(home_units(q), q, g.geo)
        return q

    def kept_s(self, cs: CarveSettings) -> float:
        geo = cs.contiguous and set(cs.units.values()) & set(GEO_KINDS)
        return cs.contiguity_share * cs.time_limit if geo else 0.0

    def solve(self, s: LadderState, budget: Budget, ladder: Callable[[Budget], Solved]) -> Solved:
        """The cuts in the part's LP (the one-piece bound); a plan grown from the roots (a part too large to grow
        and for the repair MIP's cuts: the LP's rounding made one piece), else the ladder's made one piece by the cuts
        in the repair MIP; on small parts the MIP over the cuts (a stronger bound, maybe a cheaper plan).  A problem
        without a unit graph: the ladder alone."""
        cs, n_pairs = s.cs, s.mx.n_pairs
        cuts = cut_lp(s, budget) if s.p.conn is not None else None
        if cuts is None:
            return ladder(budget)
        mip = n_pairs <= cs.one_piece_mip_max_pairs  # else a plan in pieces goes to the polish
        out = grown_plan(s, cuts, budget)  # one piece by construction
        if out is None:
            out = ladder(budget.less(cs.one_piece_share * budget.left()) if mip else budget)
        if out.strategy not in ONE_PIECE_STARTS:
            out = connect(s, cuts, out, budget if mip else budget.child(0))
        out = cut_mip(s, cuts, out, budget)
        out.bound_plain, out.split = cuts.bound_plain, cuts.split
        out.bound_rooted = bool((s.p.conn.root >= 0).any()) and not cuts.cuts_infeasible
        stats = s.stats
        if out.bound_rooted and out.assign is not None and missed_roots(s.p.conn, out.assign).any():
            # the windows after the merge keep the roots a plan holds, so a root missed here is likely missed at
            # the end: the bound for that case is solved now, out of the windows' time
            value, stats["seconds_rootless_bound"] = rootless_bound(
                s.p, cuts.cc, cuts.lp_cuts, max(budget.left(), ROOTLESS_MIN_S), ROOTLESS_ROUNDS_S, s.stop)
            out.bound_rootless = min(value, out.bound)
        stats.update({k: stats.get(k, 0) + v for k, v in cuts.stats().items()})
        stats["cuts_infeasible"] = stats.get("cuts_infeasible", 0) + int(cuts.cuts_infeasible)
        return out

    def solves_again(self, r: Solved) -> bool:
        """A plan grown from the roots (or the LP's rounding made one piece) is what solving the part again would
        give again: the windows after the merge use the time instead."""
        return not r.strategy.startswith(ONE_PIECE_STARTS)

    def polish(self, s, budget: Budget):
        """Geographic territories one piece each: the cuts in each part's solve made them so, or (a plan the time
        limit left in pieces) the polish of :mod:`contiguity` does, within the limit + grace.  A plan still in
        pieces is never "optimal", and its gap is against the plain LP bound (it is no one-piece plan)."""
        if s.assign is None or not s.cs.contiguous:
            return s
        from optimizers.contiguity.contiguity import as_drawn, enforce
        from optimizers.contiguity.contiguity_graph import drawn_pieces

        s.progress(0.92, "Checking that every geographic territory is one piece")
        solver_plan = s.assign
        s.assign, s.contiguity, s.objective, s.status = enforce(s.problem, s.ctx, s.assign, s.objective, s.bound,
                                                                s.status, s.cs, budget)
        if s.contiguity is not None:  # pieces as the map draws them (whole counties, empty ones between filled)
            as_drawn(s.contiguity, drawn_pieces(s.ctx, s.assign, s.cs.units), list(s.ctx["terr"]["label"].astype(str)))
        if s.contiguity is not None and s.contiguity.split_after:
            s.status = "feasible" if s.status == "optimal" else s.status
            if np.isfinite(s.bound_plain):
                s.bound = min(s.bound, s.bound_plain)
        elif s.contiguity is not None and (len(s.contiguity.moved_units) or
                                           any(r.strategy.startswith(ROUNDED) for r in s.results)):
            if len(s.contiguity.moved_units):
                s.tally["polished"] = 1  # the cuts left pieces within the time; the polish made them one
            _windows(s, budget.less(s.cs.grace_s + WINDOWS_KEEP_S), solver_plan)
        if s.contiguity is not None and not s.contiguity.split_after:
            _cover_final_plan(s)
        return s

    def prove(self, s, budget: Budget):
        """Hard mode, a plan still in pieces: prove from the cut system that no one-piece plan fits the bands
        (naming the territory, the units in its way and the remedy), or say that it is not proven."""
        rep = s.contiguity
        if s.assign is None or s.cs.mode != "hard" or rep is None or not rep.split_after:
            return s
        from optimizers.contiguity.contiguity_proof import ContiguityProof, explain

        if rep.split_after <= rep.drawn_only:  # one piece on the cut system's graph: nothing there to prove
            s.proof = ContiguityProof("open", text=(
                f"not proven either way: one piece on the carve's unit graph, but counties shared with other "
                f"territories are drawn for the one holding most of their potential, so the plan kept has "
                f"{rep.split_after} of {rep.territories} territories in more than one piece"))
            return s

        s.progress(0.93, "Checking whether one piece per territory can hold the bands")
        s.proof = explain(s.problem, s.ctx, budget.child(s.cs.diagnosis_max_s), (rep.split_after, rep.territories))
        if s.proof is not None:
            s.tally.update(proof_cuts=s.proof.cuts, proof_rounds=s.proof.rounds, proof_status=s.proof.status)
        return s

    def annotate(self, res, s) -> None:
        """Both bounds and whether every territory is one piece; the polish's report and the proof."""
        if np.isfinite(s.bound_plain):
            one = s.contiguity is None or not s.contiguity.split_after
            res.stats.update(bound_plain=s.bound_plain, bound_one_piece=s.bound_one_piece, one_piece=one,
                             bound_rooted=any(r.bound_rooted for r in s.results))
        if s.contiguity is not None:
            from optimizers.contiguity.contiguity import annotate

            annotate(res, s.contiguity, s.ctx["units"], s.ctx["acc"])
        if s.proof is not None:
            res.stats["contiguity_proof"] = s.proof.as_stats()


def _cover_final_plan(s) -> None:
    """Each part's bound made one that bounds the final plan: a part whose plan leaves a rooted book without its
    root reports the bound on every one-piece plan (:mod:`~optimizers.contiguity.rootless_bound`; its plain LP bound
    when that was not solved), not the rooted one; ``bound_one_piece`` keeps the rooted sum."""
    from optimizers.carve.pipeline import part_figures

    missed = missed_roots(s.problem.conn, s.assign)
    if not missed.any():
        return
    for j, (part, r) in enumerate(zip(s.parts, s.results)):
        if r.bound_rooted and missed[part.terrs].any():
            cover = r.bound_rootless if np.isfinite(r.bound_rootless) else r.bound_plain
            s.results[j] = dataclasses.replace(r, bound=float(min(cover, r.bound)), bound_rooted=False)
    s.bound = float(sum(r.bound for r in s.results))
    if s.status == "optimal" and not gap_of(s.objective, s.bound) <= s.cs.mip_gap + 1e-9:
        s.status = "feasible"
    s.tally["part_figures"] = part_figures(s.parts, s.results)


def _windows(s, budget: Budget, solver_plan: np.ndarray) -> None:
    """A plan the polish made one piece, improved by re-carving each book with the books it touches
    (:mod:`~optimizers.contiguity.window_moves`, pair re-carves first) in the limit's time the polish left (the
    lower 48's counties, from the cut LP's rounding: ~45 of 60 s); the units it moved get their reason, the objective
    its new value."""
    from optimizers.contiguity.window_moves import applies, pairs_then_windows

    if not applies(s.problem) or budget.left() < MIN_WINDOWS_S:
        return
    s.progress(0.925, "Re-carving neighbouring territories together")
    before = s.assign
    s.assign, stats = pairs_then_windows(s.problem, s.assign, budget, s.stop)
    s.tally.update(stats)
    moved = np.flatnonzero(s.assign != before)
    if not len(moved):
        return
    from optimizers.carve.model import build_matrix, objective_of

    s.objective = objective_of(s.problem, build_matrix(s.problem), s.assign)
    rep, labels = s.contiguity, list(s.ctx["terr"]["label"].astype(str))
    for u in moved:
        rep.reasons[int(u)] = (f"moved to {labels[s.assign[u]]}, a territory it borders, when neighbouring territories "
                               f"were re-carved together at a lower cost")
    rep.moved_units = np.flatnonzero(s.assign != solver_plan)  # against the solver's plan, as the polish counts
    rep.reasons = {u: r for u, r in rep.reasons.items() if s.assign[u] != solver_plan[u]}


ONE_PIECE = OnePiece()
