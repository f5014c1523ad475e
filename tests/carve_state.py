"""A carve taken through its first stages (prepare → decompose → solve) for tests of the later ones (widen,
tighten): the state as the pipeline hands it on, on a runner the test chooses."""
from __future__ import annotations

import pandas as pd

from optimizers.carve import CarveSettings
from optimizers.carve.budget import Budget
from optimizers.carve.pipeline import CarveInputs, CarveState, decompose_stage, prepare_stage, solve_stage
from planning.data import Settings


def solved_state(cs: CarveSettings, accounts: pd.DataFrame, reps: pd.DataFrame, runner=None,
                 budget: Budget | None = None) -> CarveState:
    """Every part solved once (no widening yet), at the settings' own candidate lists."""
    budget = budget or Budget(cs.time_limit)
    s = CarveState(cs, CarveInputs(accounts, reps, 2027, pd.Timestamp("2026-11-01"), Settings()), runner,
                   k=cs.candidates)
    for stage in (prepare_stage, decompose_stage, solve_stage):
        s = stage(s, budget)
    return s
