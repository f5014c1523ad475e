"""Sensitivity of expected bookings to each capacity driver (the tornado chart).

Each driver (attainment, ramp speed, attrition, quota) moves by ±step relative to the scenario, all else at
base; expected bookings (annual USD) come from the simulation's fast path, without building frames.  A moved
driver stays within what a scenario accepts: attainment at most :data:`MAX_ATTAINMENT` (the Capacity editor's
limit), attrition below 100%, ramp months at most 100%.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planning.capacity.scenario import MAX_ATTAINMENT, CapacityScenario, ScenarioError
from planning.capacity.simulation import expected_bookings


def _flex(sc: CapacityScenario, driver: str, factor: float) -> CapacityScenario:
    segs = {}
    for name, s in sc.segments.items():
        if driver == "attainment":
            # capped where the scenario (and so the Capacity editor) stops accepting an expected attainment
            s = dataclasses.replace(s, attainment=min(s.attainment * factor, MAX_ATTAINMENT))
        elif driver == "quota":
            s = dataclasses.replace(s, quota_usd=s.quota_usd * factor)
        elif driver == "attrition":
            s = dataclasses.replace(s, annual_attrition=min(s.annual_attrition * factor, 0.99))
        elif driver == "ramp":  # ramping months scaled (capped at 100%); the final 100% month unchanged
            c = tuple(min(v * factor, 1.0) for v in s.ramp_curve[:-1]) + (1.0,)
            c = tuple(np.maximum.accumulate(c))
            s = dataclasses.replace(s, ramp_curve=c)
        else:
            raise ScenarioError(f"unknown sensitivity driver {driver!r}")
        segs[name] = s
    return dataclasses.replace(sc, segments=segs)


TORNADO_DRIVERS = ("attainment", "ramp", "attrition", "quota")


def tornado(scenario: CapacityScenario, dataset_or_frames=None, step: float = 0.10) -> pd.DataFrame:
    """Expected bookings with each driver at −step and +step (relative), all else at base.

    Columns: driver, low_usd (driver −10%), high_usd (+10%), base_usd, swing_usd; sorted by swing.
    ``dataset_or_frames`` is accepted for symmetry with :func:`run_scenario`; bookings do not depend on it.
    """
    if not isinstance(scenario, CapacityScenario):
        raise ScenarioError("tornado needs a CapacityScenario")
    if not 0 < step < 1:
        raise ScenarioError(f"step: must be between 0 and 1 (got {step})")
    scenario.validate()
    base = expected_bookings(scenario)
    rows = []
    for d in TORNADO_DRIVERS:
        lo = expected_bookings(_flex(scenario, d, 1 - step))
        hi = expected_bookings(_flex(scenario, d, 1 + step))
        rows.append({"driver": d, "low_usd": lo, "high_usd": hi, "base_usd": base, "swing_usd": abs(hi - lo)})
    return pd.DataFrame(rows).sort_values("swing_usd", ascending=False, ignore_index=True)
