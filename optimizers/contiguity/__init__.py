"""Contiguity: every geographic territory of a carve one connected piece, as a model, not a repair.

The carve (:mod:`optimizers.carve`) receives it as its contiguity stage (:class:`OnePiece`, the
:class:`~optimizers.carve.contiguity_stage.ContiguityStage` of :mod:`stage`); :mod:`optimizers.territory_carve`
wires it in by default.  This package imports the carve's model, settings, budget, band cost and solvers; the carve
package never imports this one.

Public: :class:`OnePiece` and :data:`ONE_PIECE` (the stage).

Modules (one line each; tests/test_architecture.py checks the list against the folder):

    stage                 the one-piece model as the carve's contiguity stage: what each stage of the carve asks
    connectivity          separator cuts and the cut loop
    roots                 where each territory is rooted: the rep's home unit
    vertex_cut            the cut loop's exact check: a minimum vertex cut by max-flow
    one_piece             the cuts in a part's LP (the one-piece bound) and in its repair MIP
    one_piece_mip         the part's MIP over its cut system: a stronger bound, often a cheaper plan
    one_piece_rounding    a one-piece plan grown from the roots over the cut LP's point
    rootless_bound        the one-piece bound of every plan, for a plan that leaves a book without its root
    pair_mip              two neighbouring territories re-carved exactly
    window_moves          a polished plan's books re-carved with the books they touch, window by window
    contiguity            the polish of a plan the time limit leaves in pieces, and its report
    contiguity_rebalance  the polish's border moves, carrying the pieces a move cuts off
    contiguity_swaps      the polish's border swaps
    contiguity_graph      the unit graph: which units of a segment are neighbours
    proof_lp              the elastic LP over the cuts behind the proof
    contiguity_proof      why one piece and the bands cannot both hold, in words, with a remedy
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {"OnePiece": "stage", "ONE_PIECE": "stage"}
__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
