"""The carve as shells, jobs and benchmarks call it: the engine of :mod:`optimizers.carve` with its default stages
wired in, here where both packages are seen (the carve package never imports :mod:`optimizers.contiguity`, which
imports it): contiguity by the one-piece model, :data:`optimizers.contiguity.stage.ONE_PIECE`."""
from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from optimizers.carve import solve
from optimizers.carve.contiguity_stage import ContiguityStage
from optimizers.carve.result import CarveResult
from optimizers.carve.settings import CarveSettings
from optimizers.contiguity.stage import ONE_PIECE
from planning.data import Settings

__all__ = ["TerritoryCarver", "carve"]


class TerritoryCarver(solve.TerritoryCarver):
    """``TerritoryCarver(settings).solve(accounts, reps, plan_year=..., as_of=...) -> CarveResult``, geographic
    territories one piece each when ``settings.contiguous`` asks (``contiguity``: another stage)."""

    def __init__(self, settings: CarveSettings | None = None, defaults: Settings | None = None,
                 clock: Callable[[], float] = time.monotonic, contiguity: ContiguityStage | None = None):
        super().__init__(settings, defaults, clock, contiguity or ONE_PIECE)


def carve(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings: CarveSettings | None = None,
          defaults: Settings | None = None, as_of=None, **kw) -> CarveResult:
    """Shortcut: ``TerritoryCarver(settings, defaults).solve(...)``."""
    return TerritoryCarver(settings, defaults).solve(accounts, reps, plan_year, as_of=as_of, **kw)
