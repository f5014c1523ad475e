"""The carve as one pipeline of stages, each ``stage(state, budget) -> state``; the whole carve is :data:`STAGES`:

    prepare → precheck → decompose → solve (each part on the runner: LP → round → repair ladder → polish)
            → widen (through the runner) → tighten (through the runner) → mend (soft mode, through the runner)
            → merge → contiguity → proof → diagnose
            → assemble

The pipeline (:func:`run`), not the stages, times each stage and files its counters as a :class:`StageStats`;
control flow travels in typed fields of :class:`CarveState` (``restart_k``: prepare again with longer candidate
lists; ``outcome``: the carve ended early), never in stats.  Every part, first solve or again, is solved through
the runner by :meth:`CarveState.submit`, the one place a part's own counters are merged.
"""
from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_stage import NO_CONTIGUITY, ContiguityStage
from optimizers.carve.diagnose import diagnosis_text, elastic, neighbourhood_reach, prechecks
from optimizers.carve.ladder import describe_sources
from optimizers.carve.model import Cancelled, Problem, gap_of
from optimizers.carve.parallel import ThreadRunner, default_threads
from optimizers.carve.parts import Part, PartResult, group_labels, make_parts, solve_part, warm_units, widened
from optimizers.carve.prepare import part_prepared, prepared
from optimizers.carve.result import CarveResult, assemble, empty_result
from optimizers.carve.runners import Runner, SequentialRunner, as_runner
from optimizers.carve.settings import CarveSettings
from optimizers.carve.widen import mend, tighten, widen, wider_k

__all__ = ["CarveInputs", "CarveState", "StageStats", "STAGES", "run", "merged_stats", "part_figures",
           "PART_ACCEPT_GAP", "STATUS_ORDER"]

PART_ACCEPT_GAP = 2.0  # a part's plan is kept within this multiple of the carve's gap target (see decompose_stage)
STATUS_ORDER = ("infeasible", "time_limit", "feasible", "optimal")  # worst first: the whole is its worst part
GAUGES = frozenset({"units", "accounts", "territories", "pairs", "fixed_units", "parts", "candidates_k"})


@dataclass
class StageStats:
    """What one stage did: its name, its seconds (wall clock) and its counters (e.g. parts widened)."""

    name: str
    seconds: float
    counters: dict[str, Any] = field(default_factory=dict)


@dataclass
class CarveInputs:
    """What the carve was asked: the data, the year, the start plan, the name (all read-only)."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    plan_year: int
    as_of: pd.Timestamp
    defaults: Any  # planning.data.Settings
    warm: pd.Series | None = None  # account_id → territory_id, a plan to start from
    name: str | None = None


@dataclass
class CarveState:
    """One carve as it goes through the stages.  ``tally``: the running stage's counters (the pipeline files them);
    ``restart_k`` and ``outcome``: the only control flow between stages."""

    cs: CarveSettings
    inputs: CarveInputs | None = None
    runner: Runner | None = None
    contiguity_stage: ContiguityStage = NO_CONTIGUITY  # what keeps territories one piece (prepare, solve, closing)
    progress: Callable[[float, str], None] = lambda f, m: None
    stop: Callable[[], bool] = lambda: False
    k: int = 0  # candidate territories per unit of the problem being solved
    problem: Problem | None = None
    ctx: dict | None = None
    widened: Callable[[Part, int], Problem | None] | None = None  # a part over k longer candidate lists (None: it
    # would take units of another part)
    parts: list[Part] = field(default_factory=list)
    results: list[PartResult] = field(default_factory=list)
    solved_as: list[Part] = field(default_factory=list)  # each part as last solved (its widest lists)
    running: list[Part] = field(default_factory=list)  # what the runner solves now: its progress names these
    time_limit_s: float = 0.0  # what the parts are given at most (the solve budget's time left at the start)
    status: str = ""
    assign: np.ndarray | None = None  # territory per unit of the whole (None: no plan)
    objective: float = np.nan
    bound: float = np.nan  # with contiguity cuts: the one-piece (contiguity-aware) bound
    bound_plain: float = np.nan  # with contiguity cuts: the LP bound without them (nan: no cuts)
    bound_one_piece: float = np.nan  # with contiguity cuts: the bound with them (kept when ``bound`` falls back)
    failed_part: str = ""
    contiguity: Any = None  # the contiguity step's report
    proof: Any = None  # hard mode, a plan still in pieces: the proof that no one-piece plan fits the bands, or why not
    seconds_build: float = 0.0
    done_share: float = 0.0  # the first solves' share of the pairs done (progress)
    restart_k: int | None = None
    outcome: CarveResult | None = None
    tally: dict[str, Any] = field(default_factory=dict)
    stages: list[StageStats] = field(default_factory=list)

    def count(self, key: str, n: float = 1) -> None:
        self.tally[key] = self.tally.get(key, 0) + n

    def submit(self, items: list[Part], again: str = "") -> list[PartResult]:
        """Solve ``items`` through the runner (in this process only if the runner's workers are here); every
        solve's own counters are added to the stage's tally here, and only here.  ``again``: why they are solved
        again (each part carries it: a job's record adds them to its first solves' instead of starting over)."""
        items = [dataclasses.replace(q, again=again) for q in items] if again else items
        self.running = items  # a solve-again's progress is its own part's (item j of these), not s.parts[j]

        def on_done(j: int, r: PartResult) -> None:
            if again:
                self.progress(0.9, f"{items[j].name}: {r.status} ({again})")
            else:
                self.done_share += items[j].share
                self.progress(0.05 + 0.85 * min(self.done_share, 1.0), f"{items[j].name}: {r.status}")
        fn = functools.partial(solve_part, settings=self.cs, time_limit_s=self.time_limit_s,
                               contiguity=self.contiguity_stage)
        results = as_runner(self.runner).map(fn, items, on_done)
        if self.stop():
            raise Cancelled()
        for r in results:
            for key, v in r.stats.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    self.count(key, v)
        return results


# ------------------------------------------------------------------------------------------------- the stages
def prepare_stage(s: CarveState, budget: Budget) -> CarveState:
    """The problem at ``s.k``, and a part of it with longer lists on demand (for widening: the part's pairs only,
    never the whole problem's, unless the objective needs them; then the whole is built once per k)."""
    s.progress(0.02, f"Building carving units and candidates ({s.k} nearest territories per unit)")
    tb = time.perf_counter()
    s.problem, s.ctx = prepared(s.cs, s.inputs, s.k, s.contiguity_stage)
    built: dict[int, Problem] = {}

    def widened_part(part: Part, k2: int) -> Problem | None:
        t = time.perf_counter()
        wide = part_prepared(s.cs, s.inputs, s.ctx, s.problem, k2, part.terrs, part.units, s.contiguity_stage)
        if wide is None:
            wide = built[k2] if k2 in built else built.setdefault(
                k2, prepared(s.cs, s.inputs, k2, s.contiguity_stage)[0])
        s.seconds_build += time.perf_counter() - t
        return widened(part, wide)
    s.widened = widened_part
    s.seconds_build += time.perf_counter() - tb
    p = s.problem
    s.tally.update(units=len(s.ctx["units"]), accounts=len(s.ctx["acc"]), territories=p.n_terr,
                   pairs=len(p.cand.unit), candidates_k=s.k, fixed_units=int((np.diff(p.cand.ptr) == 1).sum()))
    if s.stop():
        s.outcome = dataclasses.replace(_empty(s), status="cancelled", diagnosis="cancelled by the user")
    return s


def precheck_stage(s: CarveState, budget: Budget) -> CarveState:
    """Hard mode: bands no plan can hold, found without an LP.  When only the pruning is to blame (a territory
    reaches too little over the candidate lists), prepare again with longer lists (the one next-k rule)."""
    if s.cs.mode == "soft":
        return s
    p = s.problem
    findings = prechecks(p, s.ctx["terr"], s.ctx["units"].frame, s.ctx["tol"])
    pruning_only = all("can reach at most" in f for f in findings)
    if findings and (s.k >= p.n_terr or not pruning_only):
        s.outcome = dataclasses.replace(_empty(s), status="infeasible", diagnosis=diagnosis_text(findings))
    elif findings:
        s.restart_k = wider_k(s.cs, p, s.k)
    return s


def decompose_stage(s: CarveState, budget: Budget) -> CarveState:
    """The independent parts, each with its share of the time (twice its share of the pairs × the runner's
    workers, at least ``part_min_share``: a quick part leaves its time to the next; at most ``part_max_s``), on the
    runner."""
    cs = s.cs
    s.parts = make_parts(cs, s.problem, group_labels(cs, s.ctx["terr"]), warm_units(s.inputs.warm, s.ctx))
    n = len(s.parts)
    s.runner = _runner(s, n)
    workers = max(int(s.runner.workers or 1), 1)
    s.time_limit_s = remaining = max(budget.left(), cs.part_min_s)
    # the gap target is the whole carve's: a part a little above it is made up for by the others (50,000×250,
    # weight 5: one part of eight mended to 1.07% then spent 70 s of integer repair for a whole at 0.54%); such
    # parts are solved again (tighten) only if the whole misses it.  The carve's budget goes with each part (to
    # another process as its wall-clock form): without a cap every part got the whole limit (24 parts ran
    # 1,372 s on a 600 s limit)
    most = cs.part_max_s or np.inf  # a cap the caller sets (0: none)
    s.parts = [dataclasses.replace(
        q, accept_gap=PART_ACCEPT_GAP * cs.mip_gap if n > 1 else None, budget=budget,
        time_cap_s=min(most, remaining * min(1.0, max(cs.part_time_factor * q.share * workers, cs.part_min_share))))
        for q in s.parts]
    s.tally["parts"] = n
    return s


def _runner(s: CarveState, n: int) -> Runner:
    """The caller's runner, else one part per core on this process's threads (HiGHS solves without the GIL),
    else one after another; progress inside a part is relayed on this thread."""
    if s.runner is not None:
        return as_runner(s.runner)

    def relay(i: int, f: float, m: str) -> None:
        q = s.running[i] if i < len(s.running) else s.parts[i]
        s.progress(0.05 + 0.85 * min(s.done_share + q.share * f, 1.0), (f"{q.name}: " if n > 1 else "") + m)
    if n > 1 and (s.cs.threads or default_threads()) > 1:
        return ThreadRunner(s.cs.threads or None, s.stop, relay)
    return SequentialRunner(s.stop, relay)


def solve_stage(s: CarveState, budget: Budget) -> CarveState:
    """Every part through the runner: its LP, the rounding, the repair ladder and the polish (:func:`solve_part`).
    Hard mode: a part that fails the neighbouring-territories check (:func:`neighbourhood_reach`: a proof, in
    hundredths of a second, that its LP is infeasible) goes to the widening without that LP (50,000×250, a third of
    the reps in three metros: both Northeast parts, whose infeasible LPs held a core while the others waited)."""
    terr = s.ctx["terr"]
    doomed = {q.index for q in s.parts if s.cs.mode == "hard" and len(s.parts) > 1
              and neighbourhood_reach(q.problem, terr.iloc[q.terrs].reset_index(drop=True))}
    solved = iter(s.submit([q for q in s.parts if q.index not in doomed]) if len(doomed) < len(s.parts) else [])
    s.results = [PartResult("infeasible", None, np.nan, np.nan, lp_infeasible=True, index=q.index)
                 if q.index in doomed else next(solved) for q in s.parts]
    if doomed:
        s.count("parts_prechecked_out", len(doomed))
    s.solved_as = list(s.parts)
    return s


def merge_stage(s: CarveState, budget: Budget) -> CarveState:
    """The parts' plans as one; bounds summed, so the gap is against the whole problem's LP bound."""
    for part, r in zip(s.parts, s.results):
        if r.assign is None:
            s.status, s.failed_part = r.status, part.name
            return s
    p, cs = s.problem, s.cs
    s.assign = np.full(p.n_units, -1, dtype=np.int64)
    for part, r in zip(s.parts, s.results):
        s.assign[part.units] = part.terrs[r.assign]
    s.objective = float(sum(r.objective for r in s.results))
    s.bound = float(sum(r.bound for r in s.results))
    if any(np.isfinite(r.bound_plain) for r in s.results):  # a part without cuts: its bound is its plain one
        s.bound_plain = float(sum(r.bound_plain if np.isfinite(r.bound_plain) else r.bound for r in s.results))
        s.bound_one_piece = s.bound
    s.status = min((r.status for r in s.results), key=STATUS_ORDER.index) if s.results else "optimal"
    gap = gap_of(s.objective, s.bound)
    if s.status == "optimal" and not gap <= cs.mip_gap + 1e-9:  # above the target, or no bound known (nan)
        s.status = "feasible"
    elif s.status in ("feasible", "time_limit") and gap <= cs.mip_gap + 1e-9:
        s.status = "optimal"  # "optimal" means proven within the gap target; the summed bound proves it for the whole
    s.tally["plan_from"] = describe_sources(r.strategy for r in s.results)  # a report, never read back
    s.tally["part_figures"] = part_figures(s.parts, s.results)  # a report too: where the gap sits, part by part
    return s


def part_figures(parts: list[Part], results: list[PartResult]) -> list[dict[str, Any]]:
    """Per part as merged: its name, objective, bound, bound without contiguity cuts (its bound where it has none,
    as the merge sums them) and plan's strategy; their sums are the merged plan's.  Why: the demo company's county
    carve ended 6.0% above its one-piece bound, and only the parts' own figures say which segment carries it."""
    return [{"part": q.name, "objective": float(r.objective), "bound": float(r.bound),
             "bound_plain": float(r.bound_plain if np.isfinite(r.bound_plain) else r.bound),
             "bound_rooted": bool(r.bound_rooted), "plan_from": r.strategy}
            for q, r in zip(parts, results)]


def contiguity_stage(s: CarveState, budget: Budget) -> CarveState:
    """The injected stage's polish of the merged plan (geographic territories one piece, or nothing)."""
    return s.contiguity_stage.polish(s, budget)


def proof_stage(s: CarveState, budget: Budget) -> CarveState:
    """The injected stage's proof of why a plan is left in pieces (hard mode), or nothing."""
    return s.contiguity_stage.prove(s, budget)


def diagnose_stage(s: CarveState, budget: Budget) -> CarveState:
    """No plan: say why in plain words (the elastic LP names the bands that cannot hold)."""
    if s.assign is not None:
        return s
    if s.status == "infeasible":
        s.progress(0.9, "Diagnosing why no plan fits")
        diag = diagnosis_text(elastic(s.problem, s.ctx["terr"], time_limit=min(s.cs.diagnosis_max_s, budget.left())))
    else:
        diag = (f"no whole-account plan found within the {s.cs.time_limit:.0f} s time limit; raise the time "
                f"limit, widen the bands or use soft mode")
    s.tally["failed_part"] = s.failed_part
    s.outcome = dataclasses.replace(_empty(s), status=s.status, diagnosis=diag)
    return s


def assemble_stage(s: CarveState, budget: Budget) -> CarveState:
    """The plan with its balance, moves and reasons (and, for a fewest-moves run, its bound on moves)."""
    cs, i = s.cs, s.inputs
    s.progress(0.95, "Explaining moves")
    res = assemble(cs, i.defaults, s.problem, s.ctx, s.assign, s.status, s.objective, s.bound, s.seconds_build,
                   i.plan_year, i.as_of, i.reps, i.name)
    s.contiguity_stage.annotate(res, s)
    if cs.objective != "cost":
        # the LP bound less the travel tie-break bounds moves (ARR moved) alone: no plan in these bands does better
        lo = (s.bound - 0.4) * s.ctx["objective_scale"]
        s.tally["objective_bound"] = max(float(np.ceil(lo - 1e-6)) if cs.objective == "moves" else lo, 0.0)
    s.outcome = res
    return s


# (name, stage, which budget: "solve" = the limit less the contiguity share, "closing" = the limit plus the grace)
STAGES: tuple[tuple[str, Callable[[CarveState, Budget], CarveState], str], ...] = (
    ("prepare", prepare_stage, "solve"),
    ("precheck", precheck_stage, "solve"),
    ("decompose", decompose_stage, "solve"),
    ("solve", solve_stage, "solve"),
    ("widen", widen, "solve"),
    ("tighten", tighten, "solve"),
    ("mend", mend, "solve"),
    ("merge", merge_stage, "solve"),
    ("contiguity", contiguity_stage, "closing"),
    ("proof", proof_stage, "closing"),
    ("diagnose", diagnose_stage, "closing"),
    ("assemble", assemble_stage, "closing"),
)


def run(s: CarveState, budget: Budget, clock_s: Callable[[], float] = time.perf_counter) -> CarveResult:
    """Every stage in turn, timed, its counters filed; again from ``prepare`` when a stage asks for longer lists
    (``restart_k``), until a stage sets the ``outcome``.  ``budget``: the whole carve's."""
    cs = s.cs
    # kept from the solving stages: the closing share for the merge, the checks and the assembly, and a share of the
    # time limit for the contiguity repair of geographic units (500,000×2,500: the band mend, last of the solving
    # stages, ran to the limit and the assembly's 5 s ended the carve 2.7 s past it, beyond its grace)
    kept = cs.closing_share * cs.time_limit + s.contiguity_stage.kept_s(cs)
    budgets = {"solve": budget.less(kept), "closing": budget.extended(cs.grace_s)}
    t0 = clock_s()
    while s.outcome is None:
        for name, stage, which in STAGES:
            ts, s.tally = clock_s(), {}
            try:
                s = stage(s, budgets[which])
            except Cancelled:
                s.outcome = dataclasses.replace(_empty(s), status="cancelled", diagnosis="cancelled by the user")
            s.stages.append(StageStats(name, clock_s() - ts, s.tally))
            if s.outcome is not None or s.restart_k is not None:
                break
        if s.restart_k is not None:
            s.k, s.restart_k = s.restart_k, None
    res, stats = s.outcome, merged_stats(s.stages)
    # the parts' matrix builds count as building, as the problem's own (the solve is the solvers' time)
    s.seconds_build += stats.pop("seconds_components_build", 0.0)
    res.seconds_build, res.seconds_solve = s.seconds_build, max(clock_s() - t0 - s.seconds_build, 0.0)
    res.stats.update(stats)
    if res.plan is not None:
        s.progress(1.0, res.summary())
    return res


def merged_stats(stages: list[StageStats]) -> dict[str, Any]:
    """The flat stats of a result (what pages, the CLI and benchmarks read), merged here only: counters summed
    over the stages, sizes (:data:`GAUGES`) their largest, words the last; ``stages`` keeps the typed records."""
    out: dict[str, Any] = {}
    for st in stages:
        for key, v in st.counters.items():
            if key in GAUGES:
                out[key] = max(out.get(key, v), v)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                out[key] = out.get(key, 0) + v
            else:
                out[key] = v
    out["stages"] = list(stages)
    return out


def _empty(s: CarveState) -> CarveResult:
    return empty_result(s.cs, s.ctx, s.seconds_build)
