"""The carve's one time budget: every step asks a :class:`Budget` how long it may take, instead of its own clock.

    b = Budget(60)              # the carve: 60 s from now, on time.monotonic
    b.left(), b.expired()       # seconds left (never below 0); whether they are up
    part = b.child(12)          # a sub-budget: 12 s, and never past b's own end
    lp = part.share(0.9)        # 90% of what ``part`` has left
    b.less(21)                  # b's time but for its last 21 s (kept for a later step)
    b.extended(2)               # b's end plus 2 s: the grace of a closing step (diagnosis, contiguity)
    b.at_least(0.5, not_after)  # b, or 0.5 s from now when b has less, but never past ``not_after``

A budget sent to another process (a Dask worker) pickles as its wall-clock form: its end in epoch seconds
(``time.time()``), which a worker compares with its own clock (:meth:`wall`, :meth:`epoch_end`).  The clock is
injectable: a test passes a fake clock to the carve (``TerritoryCarver(..., clock=...)``) and advances it from
inside the solver's steps, and every budget the carve derives reads that clock.

The rules that split the budget among the steps (the LP's share, the repair's, the polish's, the contiguity
step's, the grace) are named fields of :class:`~optimizers.carve.settings.CarveSettings`, never literals.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["Budget"]

Clock = Callable[[], float]


class Budget:
    """``limit_s`` seconds from now on ``clock`` (default ``time.monotonic``); see the module docstring."""

    __slots__ = ("clock", "start", "end")

    def __init__(self, limit_s: float, clock: Clock = time.monotonic, *, end: float | None = None):
        self.clock = clock
        self.start = clock()
        self.end = float(end) if end is not None else self.start + max(float(limit_s), 0.0)

    @classmethod
    def until_epoch(cls, epoch_s: float) -> Budget:
        """The wall-clock form: a budget ending at ``epoch_s`` (``time.time()`` seconds), checkable anywhere."""
        return cls(0.0, time.time, end=epoch_s)

    @property
    def limit_s(self) -> float:
        """The whole length of this budget, seconds (from its start to its end)."""
        return self.end - self.start

    def left(self) -> float:
        """Seconds left (0 once expired)."""
        return max(self.end - self.clock(), 0.0)

    def expired(self) -> bool:
        return self.clock() >= self.end

    def spent(self) -> float:
        """Seconds since this budget started."""
        return self.clock() - self.start

    def child(self, cap_s: float | None) -> Budget:
        """A sub-budget of at most ``cap_s`` seconds (None: all that is left), never ending after this one."""
        cap = math.inf if cap_s is None else max(float(cap_s), 0.0)
        now = self.clock()
        return Budget(0.0, self.clock, end=min(self.end, now + cap))

    def share(self, fraction: float) -> Budget:
        """A sub-budget of ``fraction`` of the time left."""
        return self.child(max(float(fraction), 0.0) * self.left())

    def less(self, seconds: float) -> Budget:
        """This budget but for its last ``seconds`` (kept for a later step, e.g. the contiguity repair)."""
        return Budget(0.0, self.clock, end=max(self.end - max(float(seconds), 0.0), self.clock()))

    def extended(self, seconds: float) -> Budget:
        """This budget with its end moved ``seconds`` later: with :meth:`at_least`, the only ways a step may run
        past the end, each by a named grace of the settings (a diagnosis still explains, contiguity still checks)."""
        return Budget(0.0, self.clock, end=self.end + max(float(seconds), 0.0))

    def at_least(self, seconds: float, not_after: float | None = None) -> Budget:
        """This budget, or one of ``seconds`` from now when less is left, but never ending after ``not_after`` (a
        time on this clock, e.g. the carve's end plus its grace): a part started late still gets its LP a moment."""
        if self.left() >= seconds:
            return self
        now = self.clock()
        end = now + max(float(seconds), 0.0)
        if not_after is not None:
            end = min(end, not_after)
        return Budget(0.0, self.clock, end=max(end, self.end))

    def epoch_end(self) -> float:
        """This budget's end as epoch seconds (``time.time()``), for a process that cannot read this clock."""
        if self.clock is time.time:
            return self.end
        return time.time() + (self.end - self.clock())

    def wall(self) -> Budget:
        """The wall-clock form of this budget (same end), picklable and checkable on another machine's clock."""
        return self if self.clock is time.time else Budget.until_epoch(self.epoch_end())

    def __getstate__(self):
        # a process that unpickles this budget cannot read the sender's clock: it gets the wall-clock form
        return {"epoch_end": self.epoch_end()}

    def __setstate__(self, state) -> None:
        self.clock, self.start, self.end = time.time, time.time(), float(state["epoch_end"])
        self.start = min(self.start, self.end)

    def __repr__(self) -> str:
        return f"Budget(left={self.left():.3f}s of {self.limit_s:.3f}s)"
