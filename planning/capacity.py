"""Capacity planning: headcount by segment and role, month by month, and what-if scenarios.

The public API (other pages and the CLI use these names):

* :class:`CapacityScenario` — every assumption, ``to_dict()`` / ``from_dict()`` (JSON-safe);
* :func:`default_scenario` — pre-filled from the data and ``planning.defaults``;
* :func:`run_scenario` → :class:`CapacityResult` (monthly frames, lenses, ``summary()``);
* :func:`tornado` — bookings against ±10% in attainment, ramp, attrition and quota;
* :func:`ramped_rep_equivalents` — RRE = Σ ramp % × attainment.

The code lives in ``capacity_scenario`` (the dataclasses and validation),
``capacity_data`` (defaults from the data) and ``capacity_sim`` (the simulation).
Formulas: docs/capacity.md.
"""
from planning.capacity_data import default_scenario, earliest_start, segment_attainment
from planning.capacity_scenario import (MONTH_NAMES, MONTHS, CapacityScenario, Person, ScenarioError,
                                        SegmentAssumptions)
from planning.capacity_sim import (TORNADO_DRIVERS, CapacityResult, expected_bookings, hire_response, hires_needed, monthly_attrition,
                                   ramp_at, ramped_rep_equivalents, run_scenario, target_by_month, tornado)

__all__ = [
    "MONTHS", "MONTH_NAMES", "TORNADO_DRIVERS", "CapacityResult", "CapacityScenario", "Person", "ScenarioError",
    "SegmentAssumptions", "default_scenario", "earliest_start", "expected_bookings", "hire_response", "hires_needed", "monthly_attrition",
    "ramp_at", "ramped_rep_equivalents", "run_scenario", "segment_attainment", "target_by_month", "tornado",
]
