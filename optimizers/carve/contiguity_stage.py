"""What the carve asks of a contiguity model: one stage object, injected (``TerritoryCarver(contiguity=...)``), so the
pipeline has no branch of its own on ``CarveSettings.contiguous``.  :class:`ContiguityStage` itself adds nothing
(territories need not be one piece); the one-piece model of :mod:`optimizers.contiguity` subclasses it.  That package
imports this one, never the other way: :mod:`optimizers.territory_carve` wires the one-piece model in by default."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from optimizers.carve.budget import Budget
from optimizers.carve.ladder import LadderState, Solved
from optimizers.carve.model import Problem
from optimizers.carve.settings import CarveSettings

if TYPE_CHECKING:  # the pipeline imports this module: only its types here
    from optimizers.carve.pipeline import CarveState
    from optimizers.carve.result import CarveResult

__all__ = ["ContiguityStage", "NO_CONTIGUITY"]


class ContiguityStage:
    """The methods the pipeline calls, each where the carve asks; this class's own do nothing."""

    def with_graph(self, cs: CarveSettings, p: Problem, ctx: dict) -> Problem:
        """Prepare: ``p`` with what each part's solve needs (``Problem.conn``), or ``p`` itself."""
        return p

    def kept_s(self, cs: CarveSettings) -> float:
        """Seconds of the time limit the solving stages leave to :meth:`polish`."""
        return 0.0

    def solve(self, s: LadderState, budget: Budget, ladder: Callable[[Budget], Solved]) -> Solved:
        """One part, its LP solved (in ``s``), to its plan; ``ladder(budget)`` walks the repair ladder."""
        return ladder(budget)

    def solves_again(self, r: Solved) -> bool:
        """Whether solving the part again (the tighten stage) may give another plan than ``r``'s."""
        return True

    def polish(self, s: CarveState, budget: Budget) -> CarveState:
        """The pipeline's contiguity stage, on the merged plan."""
        return s

    def prove(self, s: CarveState, budget: Budget) -> CarveState:
        """The pipeline's proof stage: why a plan is left as it is."""
        return s

    def annotate(self, res: CarveResult, s: CarveState) -> None:
        """The assembled result's stats and words for what :meth:`polish` and :meth:`prove` found."""


NO_CONTIGUITY = ContiguityStage()
