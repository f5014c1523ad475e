"""Carve settings: everything a carve run depends on, with defaults a user can change."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from planning.plans.carving_units import UNIT_KINDS
from planning.data.defaults import Settings, carve_by
from planning.plans import BALANCE_METRICS

STATUSES = ("optimal", "feasible", "time_limit", "infeasible", "cancelled")
OBJECTIVES = ("cost", "moves", "arr_moved")
RETIRED = ("solver",)  # settings a saved plan may still hold, read and ignored
# Default continuity weight.  At 1 the sample company's default carve moved 2,827 of 6,008 accounts (47%): a
# first-line manager rejects that on sight.  The fewest moves that meet the same bands is about 1,180; DEFAULT
# lands within ~1.3× of it while travel stays well below the fewest-moves plan (docs/carving.md has the curve).
DEFAULT_CONTINUITY = 5.0
DEFAULT_TOLERANCE = {"potential_usd": 0.10, "arr_usd": 0.15, "workload_hours": 0.10, "accounts": 0.10}


def company_carve_defaults(company: Settings | None = None) -> dict[str, Any]:
    """The carve settings the company's settings decide (planning.data.defaults): the carving unit of every segment
    and whether geographic territories are one piece.  The Carve page starts from these; the CLI's `carve` too,
    before its config file and flags."""
    company = company or Settings()
    return {"units": carve_by(company), "contiguous": bool(company.planning.carve_one_piece)}


@dataclass
class CarveSettings:
    """Everything a carve run depends on.  Fractions are fractions (0.05 = ±5%); times in seconds."""

    metrics: tuple[str, ...] = ("potential_usd", "accounts")  # subset of BALANCE_METRICS
    tolerance: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TOLERANCE))
    weights: dict[str, float] = field(default_factory=dict)  # soft-mode penalty weight per metric (default 1)
    mode: str = "hard"  # hard: bands are constraints | soft: weighted penalties, never infeasible
    target: str = "capacity"  # capacity: proportional to capacity share | mean: equal books
    distance_weight: float = 1.0  # cost of 100 mi for an account of average workload
    distance_to: str = "home"  # home: rep's home | centre: centre of the rep's current book
    # Cost of moving one plain account (scaled by move_cost), in the same units as 100 mi of travel for an
    # average account.  See DEFAULT_CONTINUITY for why the default is what it is.
    continuity_weight: float = DEFAULT_CONTINUITY
    continuity_arr: float = 1.0  # extra move cost per mean-ARR of the account
    continuity_pipeline: float = 1.0  # extra move cost per mean open pipeline
    continuity_renewal: float = 1.0  # extra move cost for a renewal due now (falls to 0 at a year)
    max_moves: int | None = None  # disruption budget: accounts moved (forced moves and pins not counted)
    max_arr_moved: float | None = None  # disruption budget: ARR moved, annual USD
    match_segment: bool = True
    match_region: bool = False
    industry_rules: dict[str, list[str]] = field(default_factory=dict)  # territory_id → industries it takes
    employee_bands: dict[str, list] = field(default_factory=dict)  # territory_id → [min, max] employees
    respect_locks: bool = True
    pins: dict[str, str] = field(default_factory=dict)  # account_id → territory_id (or rep_id)
    excluded_reps: tuple[str, ...] = ()
    extra_territories: tuple[dict, ...] = ()  # {segment, region, start_month (1–12), name?, lat?, lon?}
    account_capacity: bool = False  # cap accounts per territory at the coverage model's maximum × capacity
    keep_families: bool = True  # accounts of one parent stay together
    units: dict[str, str] = field(default_factory=dict)  # segment → account | zip | zip3 | county | state
    contiguous: bool = True  # geographic units: every territory one connected piece (optimizers.contiguity)
    # compact shapes (0 = off): each pair's cost gains this × the unit's potential (in mean accounts' potential) ×
    # its distance to the territory's centre per 100 mi, so heavy units sit near the centre (prepare.pair_costs)
    compactness: float = 0.0
    contiguity_share: float = 0.35  # share of the time limit kept for the contiguity polish (geographic units)
    candidates: int = 10  # k nearest eligible territories per unit (plus its current one)
    column_generation: bool = True  # soft mode, widened lists: the LP prices their extra pairs in as they pay
    reverse_candidates: float = 2.0  # each territory also considers its nearest this-many books of units
    time_limit: float = 60.0
    mip_gap: float = 0.01
    full_mip_max_pairs: int = 6000  # below this many pairs the whole problem is one MIP
    repair_pool: int = 12  # units freed per touched territory in the integer repair
    band_margin: float = 0.4  # large runs: at most LP re-solved with bands narrowed by this share, so rounding fits
    decompose: bool = True  # solve independent segments separately (not with a budget)
    threads: int = 0  # parts solved at once in this process: 0 = one per core (at most 4), 1 = one after another
    # what is minimised: cost (travel + continuity, the default) | moves (fewest accounts moved, travel breaks
    # ties) | arr_moved (least ARR moved): the last two give the exact fewest-moves end of the frontier
    objective: str = "cost"
    # the repair ladder from a part's LP to its plan: strategies of optimizers.carve.ladder, in order (None: its
    # DEFAULT_LADDER); code only (a test injects its own), never saved with a plan's settings
    ladder: tuple | None = field(default=None, compare=False, repr=False)

    # ---- the time budget (optimizers.carve.budget): how ``time_limit`` is split among the steps.  Shares are of
    # the time left when the step starts; seconds are floors or caps.  Changing them changes speed, not rules.
    grace_s: float = 2.0  # the most a closing step (diagnosis, contiguity) may run past the limit
    part_min_s: float = 0.5  # the least a part is given, even past the end (its LP gets a moment)
    part_time_factor: float = 2.0  # a part's cap: this × its share of the pairs × the runner's workers …
    part_min_share: float = 0.1  # … of the time left, at least this share of it (a quick part leaves time over) …
    # … and at most this long (0: no such cap), its widened solves too; a part solved again to the gap target
    # (tighten) draws from the time left instead (scale_bench's --part-limit)
    part_max_s: float = 0.0
    retry_margin_s: float = 2.0  # a part is widened or retried only while more than this is left
    retry_share: float = 0.95  # a part left with no plan is retried with this share of the time left
    widen_step: float = 2.0  # widening: the next candidate list is this × as long …
    widen_priced_step: float = 4.0  # … (this × in soft mode with column generation, where the LP prices pairs in)
    widen_time_factor: float = 2.0  # a widened part with a plan: this × its first solve's time …
    widen_priced_factor: float = 4.0  # … (this × in soft mode with column generation: pricing is slower) …
    widen_min_s: float = 10.0  # … and at least this
    widen_stretch_max: float = 3.0  # widened parts may stretch their caps by at most this over the time unused
    # a part is solved again to the gap target (tighten) only while this is left; the parts chosen share the time
    # left by the runner's workers (one part on a free worker: all of it), so a part whose capped widened solve
    # ended far above its bound gets what the carve did not use (500,000×2,500: Enterprise · R2 ended 56% above its
    # bound at its 90 s cap with ~170 s of the carve unused, and its second try was held to 90 s again) …
    tighten_min_s: float = 5.0
    # … less, kept for the band mend after it: ``band_mend_max_s`` when a kept plan leaves a book outside its band.
    # Every solving stage (solve to mend) leaves this share of the time limit to the merge, the checks and the
    # assembly (pipeline.run; 7 s at 500,000×2,500, 12 s kept)
    closing_share: float = 0.01
    soft_rescue_share: float = 0.1  # soft mode: share of a part's time kept to rebalance its start if the LP
    soft_rescue_max_s: float = 30.0  # does not finish, at most this
    narrow_min_s: float = 1.0  # the narrowed-band LP re-solves run only while this is left
    mend_share: float = 0.1  # the polish of the LP's rounding: this share of the time left …
    mend_max_s: float = 20.0  # … at most this …
    mend_min_s: float = 1.0  # … at least this (and not at all with less left)
    mend_mip_min_s: float = 5.0  # the MIP mending the books still outside a band: the LP's time, at least this
    # soft mode, a part whose kept plan leaves a book outside its band: its books brought inside (widen.mend, by
    # band_mend.mend_bands) in at most this long (0: never), in at most band_mend_rounds chain repairs (MIPs; at
    # most len(band_mend.CHAIN_ROUNDS)).  500,000×2,500: three parts stopped by their cap left books 10.2-10.5% off
    # at ±10%; the mend brings them in in 1-13 s at a load of 3-4 (the heaviest, Mid-market · R7 with 19 books out,
    # 13.2 s), so 25 s leaves room on a busy machine
    band_mend_max_s: float = 25.0
    band_mend_rounds: int = 4
    # the one rule for when a mended plan replaces the unmended one (repair.mend_wins): its books lie less outside
    # their bands in all, none further than the unmended worst, and it costs at most this share more (inf: whenever
    # its books are further in).  In soft
    # mode a plan inside the bands the user set is what they asked for first; the penalties usually make such a
    # plan cheaper anyway, but a user who lowered a metric's weight still gets its books in for up to 5% more
    band_mend_extra_share: float = 0.05
    fractional_share: float = 0.1  # the fractional-units repair: this share of the time left …
    fractional_lp_factor: float = 0.5  # … or this × the LP's time, whichever is less …
    fractional_min_s: float = 2.0  # … at least this
    neighbourhood_share: float = 0.4  # the neighbourhood repair (one metric): this share of the time left …
    neighbourhood_lp_factor: float = 3.0  # … or this × the LP's time …
    neighbourhood_min_s: float = 20.0  # … at least this (capped by the share)
    repair_min_left_s: float = 2.0  # a rounding repair starts only while this is left
    repair_min_cap_s: float = 1.0  # … and only with a cap of at least this
    diagnosis_max_s: float = 20.0  # the elastic LP explaining an infeasible carve: the time left, at most this
    cut_lp_share: float = 0.3  # contiguity: the LP's cut loop (the contiguity-aware bound), this share of a part's time
    one_piece_share: float = 0.3  # … the cuts in the repair MIP (a plan in pieces made one), this share of what is left
    one_piece_mip_max_pairs: int = 12000  # … only for parts of at most this many pairs (larger: the polish alone;
    # at 3,107 counties × 50 the flow MIP over 44 split territories found nothing in its share)
    one_piece_pairs_s: float = 1.5  # … a plan grown from the roots: neighbouring territories re-carved by pairs, at most
    # this long (optimizers.contiguity.pair_mip, each pair at most PAIR_MAX_S; the demo's and Georgia's plans were the
    # same at 1.5 s as at 3 s)
    one_piece_pairs_max_units: int = 400  # … the pair re-carves only on parts up to this many units: on the demo's
    # county parts (649 and 1,219 units) each pair MIP ran into its 1 s cap, 1.5 s moved no unit and 8 s gained 0.1%;
    # a part of at most one_piece_mip.MIP_MAX_PAIRS pairs (Georgia's) takes the moves to touching books instead
    one_piece_grow_max_units: int = 2500  # … a part's plan is grown from the roots up to this many units (larger:
    # the ladder, the repair MIP and the polish, better at 3,107 counties × 50; see one_piece.grows)
    contiguity_restart_min_s: float = 1.0  # contiguity: a second start is tried only while this is left …
    contiguity_restart_share: float = 0.5  # … its travel-only LP with this share of the contiguity step's time

    def validate(self) -> None:
        bad = set(self.metrics) - set(BALANCE_METRICS)
        if bad:
            raise ValueError(f"unknown balance metric(s): {', '.join(sorted(bad))} (known: {', '.join(BALANCE_METRICS)})")
        if not 0 <= self.contiguity_share <= 0.9:
            raise ValueError(f"contiguity_share must be between 0 and 0.9, not {self.contiguity_share}")
        for name, known in (("mode", ("hard", "soft")), ("target", ("capacity", "mean")),
                            ("distance_to", ("home", "centre"))):
            if getattr(self, name) not in known:
                raise ValueError(f"{name} must be {' or '.join(map(repr, known))}, not {getattr(self, name)!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, not {self.objective!r}")
        for m in self.metrics:
            if self.tol(m) < 0:
                raise ValueError(f"tolerance for {m} must be ≥ 0")
        bad_units = set(self.units.values()) - set(UNIT_KINDS)
        if bad_units:
            raise ValueError(f"unknown carving unit(s): {', '.join(sorted(bad_units))} (known: {', '.join(UNIT_KINDS)})")
        if self.continuity_weight < 0 or self.distance_weight < 0:
            raise ValueError("continuity and distance weights must be ≥ 0")
        if self.compactness < 0:
            raise ValueError(f"compactness must be ≥ 0 (0 = off), not {self.compactness}")
        if self.threads < 0:
            raise ValueError(f"threads must be ≥ 0 (0 = one per core), not {self.threads}")
        if self.candidates < 1:
            raise ValueError("candidates must be at least 1")
        self._validate_time_rules()

    def _validate_time_rules(self) -> None:
        if self.time_limit <= 0:
            raise ValueError(f"time_limit must be > 0 seconds, not {self.time_limit}")
        if self.band_mend_extra_share < 0:
            raise ValueError(f"band_mend_extra_share must be ≥ 0, not {self.band_mend_extra_share}")
        shares = ("part_min_share", "retry_share", "closing_share", "soft_rescue_share", "mend_share",
                  "fractional_share", "neighbourhood_share", "contiguity_restart_share", "cut_lp_share",
                  "one_piece_share")
        for name in shares:
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {getattr(self, name)}")
        for name in ("widen_step", "widen_priced_step"):
            if getattr(self, name) <= 1:
                raise ValueError(f"{name} must be > 1 (the next candidate list is longer), not {getattr(self, name)}")
        for f in dataclasses.fields(self):
            if f.name.endswith(("_s", "_factor", "_max")) and getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must be ≥ 0, not {getattr(self, f.name)}")

    def tol(self, metric: str) -> float:
        return float(self.tolerance.get(metric, DEFAULT_TOLERANCE.get(metric, 0.1)))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(dataclasses.replace(self, ladder=None))
        d.pop("ladder")
        d["metrics"] = list(self.metrics)
        d["excluded_reps"] = list(self.excluded_reps)
        d["extra_territories"] = [dict(e) for e in self.extra_territories]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CarveSettings":
        known = {f.name for f in dataclasses.fields(cls)}
        # settings saved before the repair MIP had one backend name theirs: HiGHS, whichever it was, solves them
        data = {k: v for k, v in data.items() if k not in RETIRED}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown carve setting(s): {', '.join(sorted(unknown))}")
        d = dict(data)
        for k in ("metrics", "excluded_reps"):
            if k in d and d[k] is not None:
                d[k] = tuple(d[k])
        if "extra_territories" in d and d["extra_territories"] is not None:
            d["extra_territories"] = tuple(dict(e) for e in d["extra_territories"])
        out = cls(**d)
        out.validate()
        return out

