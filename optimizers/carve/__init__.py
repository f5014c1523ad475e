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

Shells, jobs and benchmarks carve through :mod:`optimizers.territory_carve` (:class:`TerritoryCarver`,
:func:`carve`): this engine with the contiguity stage of :mod:`optimizers.contiguity` (which imports this package,
never the other way) wired in.

Public: :class:`CarveSettings` (:func:`company_carve_defaults`: what the company's settings decide),
:class:`CarveResult`, :func:`crm_frame`, :class:`Frontier` (the moves-vs-travel curve, :mod:`planning.plans.frontier`,
solved by ``jobs.frontier_job.frontier_on``), :func:`solve_part` and :class:`Part` (what a runner maps),
:class:`Runner`, :class:`SequentialRunner` and :func:`as_runner` (the one runner protocol), :class:`ContiguityStage`
and ``NO_CONTIGUITY`` (what a contiguity model offers the carve), ``DEFAULT_TOLERANCE``, ``STATUSES``,
``UNIT_KINDS``, ``UNIT_LABELS``, :func:`live_balance`, :func:`resolve_edits`.

Modules, the engine (one line each; tests/test_architecture.py checks the list against the folder):

    solve                 the engine's entry point, TerritoryCarver, with the stages it is given
    pipeline              the stages, the carve's state and the stats per stage
    settings              the knobs, with defaults a user can change
    budget                the one time budget every step asks
    prepare               data → Problem: territories, homes, units, locks, pins, rules
    candidates            each unit's k nearest allowed territories, plus its current one
    model                 the sparse matrix, a plan's loads, objective and feasibility
    solvers               the HiGHS calls: the LP relaxation and the integer repair
    pricing               soft mode's column generation over widened lists
    parts                 independent parts and solve_part, what a runner maps
    repair                one part: its LP, then the ladder; mend_part for a soft plan's books
    ladder                the repair ladder: named strategies from a part's LP to its plan, in order
    strategies            the default ladder's strategies
    band_mend             soft mode's band mend: moves, two-move chains, swaps, a MIP over the shortest chains
    band_cost             the one price of a book outside its band (slacks, objective, moves, diagnosis, polish)
    rebalance             band moves, polish, swaps and chains
    widen                 the one widening, the no-plan retry, tighten and the mend stage, all through the runner
    runners               the runner protocol (map, workers, cancel) and the sequential runner
    parallel              the thread runner
    diagnose              prechecks and the elastic LP: why a hard carve has no plan
    result                the result type and the plan assembled, every move with its reason
    greedy                the baseline: nearest territory with room
    contiguity_stage      what the carve asks of a contiguity model: the stage object it is given

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
    "ProgressFn": "solve", "ContiguityStage": "contiguity_stage", "NO_CONTIGUITY": "contiguity_stage",
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
