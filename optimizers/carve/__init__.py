"""Territory carving: assign every account to exactly one territory, balanced, close to home, with few moves.

Model (see :mod:`optimizers.carve.model` for the matrix form), for units u (accounts
or geographic units) and territories t:

    minimise  Σ x[u,t] · ( distance_weight · workload[u]/w̄ · miles(u, home t)/100
                         + continuity_weight · Σ_{accounts a in u not now in t} move_cost[a] )
              + soft mode: Σ penalty[t,m] · (deviation of metric m outside its band)
    s.t.      Σ_t x[u,t] = 1                                  every unit once
              (1 − tol_m)·target[t,m] ≤ Σ_u metric[u,m]·x[u,t] ≤ (1 + tol_m)·target[t,m]   (hard mode)
              accounts in t ≤ accounts_per_rep_max × capacity_share[t]                        (optional)
              accounts moved ≤ max_moves,  ARR moved ≤ max_arr_moved                           (optional)

    move_cost[a] = 1 + w_arr · ARR[a]/mean ARR + w_pipe · pipeline[a]/mean pipeline
                     + w_renewal · max(0, 1 − days to renewal / 365)

target[t,m] is the segment's total split evenly ("mean") or in proportion to
each rep's capacity share for the plan year ("capacity": ramping reps,
leavers and open requisitions get less).  Only pairs allowed by the rules
(segment, region, industry, employee bands) and among each unit's k nearest
territories (plus its current one) are variables; locked and pinned units
have exactly one.  Solved as LP relaxation (highspy), a warm re-solve with
slightly narrowed bands, and a small integer repair (highspy); the LP value is
the reported bound.

The carve is one pipeline (:data:`optimizers.carve.pipeline.STAGES`), each stage ``stage(state, budget) -> state``:

    prepare → precheck → decompose → solve (each part on the runner: LP → round → repair ladder → polish)
            → widen (through the runner) → tighten (through the runner) → mend (soft mode, through the runner)
            → merge → contiguity → proof → diagnose → assemble

Public: :func:`carve`, :class:`TerritoryCarver`, :class:`CarveSettings` (:func:`company_carve_defaults`: what the
company's settings decide), :class:`CarveResult`, :func:`crm_frame`, :class:`Frontier` (the moves-vs-travel
curve, :mod:`planning.plans.frontier`, solved by ``jobs.frontier_job.frontier_on``), :func:`solve_part` and
:class:`Part` (what a runner maps), :class:`Runner`, :class:`SequentialRunner` and :func:`as_runner` (the one runner
protocol), ``DEFAULT_TOLERANCE``, ``STATUSES``, ``UNIT_KINDS``, ``UNIT_LABELS``, :func:`live_balance`,
:func:`resolve_edits`.

Modules, the engine: solve (the entry points), pipeline (the stages, the carve's state, the stats per stage),
settings (the knobs), budget (the one time budget), prepare (data → Problem), candidates (each unit's k nearest
allowed territories), model (matrix, loads, objective), solvers (the HiGHS calls), pricing (soft mode's column
generation over widened lists), parts (independent parts and ``solve_part``, what a runner maps), repair (one part:
LP, then the ladder; ``mend_part``: a soft plan's books brought inside their bands by band_mend: moves,
two-move chains, swaps and a MIP over the moves of the shortest chains), ladder and strategies (the
repair ladder: named strategies from a part's LP to its plan), band_cost (the one band-cost model: a book's price
outside its band, for the LP's slacks, the objective, every move, the elastic diagnosis and the contiguity polish),
rebalance (band moves, polish, swaps, chains), widen (the one widening, each part's longer lists built for it alone; the
no-plan retry, tighten, soft mode's band mend), runners (the runner protocol, sequential runner), parallel (the
thread runner), diagnose (prechecks and the elastic LP), result (the result type, the plan assembled), greedy
(baseline).

Modules, contiguity: connectivity (separator cuts and the cut loop) with vertex_cut (its exact check, a min vertex
cut by max-flow) and one_piece (the cuts in a part's LP, the one-piece bound, and in its repair MIP; one_piece_mip:
the part's MIP over its cut system, a stronger bound), one_piece_rounding (a one-piece plan grown from the roots
over the cut LP's point) with pair_mip (two neighbouring territories re-carved exactly), contiguity (the polish of a
plan the time limit leaves in pieces) with contiguity_rebalance (its border moves, carrying the pieces a move
cuts off) and contiguity_swaps (its border swaps), contiguity_graph (the unit graph),
proof_lp and contiguity_proof (the elastic LP over the cuts that proves when one piece and the bands cannot both
hold, and names why).

Outside the engine: synthetic companies for tests and benchmarks in :mod:`optimizers.instances`; what solves
nothing in :mod:`planning.plans`: carving units (``carving_units``: account, ZIP, ZIP3, county, state), which
territory the rules allow (``eligibility``), the territories in the plan with their homes, locks and pins
(``carve_territories``), every move with its reason and the balance before and after (``carve_report``,
``move_reasons``), the CRM-ready table (``crm``), manual edits with their live balancer (``edits``) and the
moves-vs-travel curve (``frontier``).
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "carve": "solve", "TerritoryCarver": "solve", "ProgressFn": "solve",
    "CarveSettings": "settings", "company_carve_defaults": "settings", "DEFAULT_TOLERANCE": "settings", "STATUSES": "settings",
    "CarveResult": "result", "crm_frame": "planning.plans.crm",
    "UNIT_KINDS": "planning.plans.carving_units", "UNIT_LABELS": "planning.plans.carving_units",
    "live_balance": "planning.plans.edits", "resolve_edits": "planning.plans.edits",
    "Frontier": "planning.plans.frontier", "FrontierPoint": "planning.plans.frontier",
    "Part": "parts", "PartResult": "parts", "solve_part": "parts",
    "Runner": "runners", "SequentialRunner": "runners", "as_runner": "runners", "Budget": "budget",
}
__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
