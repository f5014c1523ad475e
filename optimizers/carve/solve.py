"""The carve engine's entry point, :class:`TerritoryCarver`, with the stages it is given; the carve itself is the
pipeline of :mod:`optimizers.carve.pipeline`.  Shells and jobs call :mod:`optimizers.territory_carve`, which gives it
the default stages."""
from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from optimizers.carve.budget import Budget
from optimizers.carve.contiguity_stage import NO_CONTIGUITY, ContiguityStage
from optimizers.carve.pipeline import CarveInputs, CarveState, run
from optimizers.carve.prepare import prepared
from optimizers.carve.result import CarveResult
from optimizers.carve.runners import Runner
from optimizers.carve.settings import CarveSettings
from planning.data import Settings

ProgressFn = Callable[[float, str], None]


class TerritoryCarver:
    """``TerritoryCarver(settings).solve(accounts, reps, plan_year=..., as_of=...) -> CarveResult``.

    ``clock``: what the carve's time budget reads (:class:`~optimizers.carve.budget.Budget`; a test passes a fake
    one and advances it from inside the steps).  ``contiguity``: the stage that keeps territories one piece
    (:class:`~optimizers.carve.contiguity_stage.ContiguityStage`; this engine's default: none)."""

    def __init__(self, settings: CarveSettings | None = None, defaults: Settings | None = None,
                 clock: Callable[[], float] = time.monotonic, contiguity: ContiguityStage | None = None):
        self.cs = settings or CarveSettings()
        self.cs.validate()
        self.defaults = defaults or Settings()
        self.clock = clock
        self.contiguity = contiguity or NO_CONTIGUITY

    def prepare(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp,
                k: int | None = None):
        """Units, territories, candidates, targets and costs as a :class:`Problem` (+ context for reporting)."""
        return prepared(self.cs, CarveInputs(accounts, reps, plan_year, as_of, self.defaults), k, self.contiguity)

    def solve(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp | str | None = None,
              progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
              name: str | None = None, runner: Runner | None = None,
              warm: pd.Series | None = None) -> CarveResult:
        """The whole carve (:data:`optimizers.carve.pipeline.STAGES`), within ``settings.time_limit``.

        ``runner``: how the independent parts are solved (default: on this process's threads, or one after
        another; the jobs layer passes its own, see :mod:`optimizers.carve.runners`).  ``warm``: a plan to start from
        (account_id → territory_id), e.g. the previous point of a frontier; used when it meets every rule."""
        as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
        inputs = CarveInputs(accounts, reps, plan_year, as_of, self.defaults, warm, name)
        state = CarveState(self.cs, inputs, runner, self.contiguity, progress or (lambda f, m: None),
                           should_stop or (lambda: False), k=self.cs.candidates)
        return run(state, Budget(self.cs.time_limit, self.clock))

