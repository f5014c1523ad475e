"""Carve settings: everything a carve run depends on, with defaults a user can change."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from optimizers.carve.units import UNIT_KINDS
from planning.plans import BALANCE_METRICS

STATUSES = ("optimal", "feasible", "time_limit", "infeasible", "cancelled")
SOLVERS = ("highs", "pulp-highs", "cbc")
DEFAULT_TOLERANCE = {"potential_usd": 0.10, "arr_usd": 0.15, "workload_hours": 0.10, "accounts": 0.10}


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
    # Cost of moving one plain account (scaled by move_cost).  Raise it for fewer moves: on the sample company
    # 1 moves 47% of accounts, 5 moves 24% within the same bands.  But higher weights make large tight carves
    # much harder: at 10,000×50 with ±5% on four metrics 5 takes ~3× longer, and at 50,000×250 weight 3 left
    # one part without a plan in 300 s (benchmarks/RESULTS.md uses 1).
    continuity_weight: float = 1.0
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
    contiguous: bool = True  # geographic units: every territory one connected piece (carve.contiguity)
    contiguity_share: float = 0.35  # share of the time limit kept for the contiguity repair (geographic units)
    candidates: int = 10  # k nearest eligible territories per unit (plus its current one)
    reverse_candidates: float = 2.0  # each territory also considers its nearest this-many books of units
    time_limit: float = 60.0
    mip_gap: float = 0.01
    solver: str = "highs"  # highs (highspy) | pulp-highs (PuLP's HiGHS API) | cbc (PuLP CBC)
    full_mip_max_pairs: int = 6000  # below this many pairs the whole problem is one MIP
    repair_pool: int = 12  # units freed per touched territory in the integer repair
    band_margin: float = 0.4  # large runs: at most LP re-solved with bands narrowed by this share, so rounding fits
    decompose: bool = True  # solve independent segments separately (not with a budget)

    def validate(self) -> None:
        bad = set(self.metrics) - set(BALANCE_METRICS)
        if bad:
            raise ValueError(f"unknown balance metric(s): {', '.join(sorted(bad))} (known: {', '.join(BALANCE_METRICS)})")
        if not 0 <= self.contiguity_share <= 0.9:
            raise ValueError(f"contiguity_share must be between 0 and 0.9, not {self.contiguity_share}")
        if self.mode not in ("hard", "soft"):
            raise ValueError(f"mode must be 'hard' or 'soft', not {self.mode!r}")
        if self.target not in ("capacity", "mean"):
            raise ValueError(f"target must be 'capacity' or 'mean', not {self.target!r}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {self.solver!r}")
        if self.distance_to not in ("home", "centre"):
            raise ValueError(f"distance_to must be 'home' or 'centre', not {self.distance_to!r}")
        for m in self.metrics:
            if self.tol(m) < 0:
                raise ValueError(f"tolerance for {m} must be ≥ 0")
        bad_units = set(self.units.values()) - set(UNIT_KINDS)
        if bad_units:
            raise ValueError(f"unknown carving unit(s): {', '.join(sorted(bad_units))} (known: {', '.join(UNIT_KINDS)})")
        if self.candidates < 1:
            raise ValueError("candidates must be at least 1")

    def tol(self, metric: str) -> float:
        return float(self.tolerance.get(metric, DEFAULT_TOLERANCE.get(metric, 0.1)))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["metrics"] = list(self.metrics)
        d["excluded_reps"] = list(self.excluded_reps)
        d["extra_territories"] = [dict(e) for e in self.extra_territories]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CarveSettings":
        known = {f.name for f in dataclasses.fields(cls)}
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

