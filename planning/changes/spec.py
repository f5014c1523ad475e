"""A mid-year change: what happens (a rep leaves, a rep is hired), from which date, to which plan.

Dates and months (domain.md, "During the year"):

* a leaver's **last day** is the last day they hold their book; the change's **effective date** is the day after
  (a last day of 31 March 2027 → effective 1 April 2027);
* a hire's **effective date** is their start date;
* **months in seat** count whole months, and a month entered part-way counts by its days
  (:func:`months_before`): a last day of 31 March is 3 months in seat, a start on 1 May leaves 8.

A change version of a plan is a :class:`planning.plans.Plan` of kind ``"change"`` whose ``settings["change"]``
holds :meth:`ChangeSpec.to_dict` (kind, rep, effective date, the plan and version it derives from, the option
taken, the holdover days), so the Plans and Review pages list it as a change and every report reads it back with
:func:`change_of`.
"""
from __future__ import annotations

import calendar
import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

CHANGE_KIND = "change"  # Plan.kind of a change version
KINDS = ("leave", "hire")
OPTIONS = {"leave": ("placeholder", "split"), "hire": ("carve",)}
OPTION_TITLES = {"placeholder": "Keep the book as an open territory (to be hired)",
                 "split": "Split the book over neighbouring territories",
                 "carve": "Carve a territory for the new rep"}


class ChangeError(ValueError):
    """A change that cannot be made as asked (unknown rep, a date outside the plan year, ...): the message says
    what to fix."""


@dataclass(frozen=True)
class ChangeSpec:
    """One mid-year change.  ``effective_date``: the first day the new books apply (see module doc)."""

    kind: str  # leave | hire
    effective_date: pd.Timestamp
    plan_year: int
    base_plan: str  # the plan the change derives from (its name)
    base_version: int | None = None  # its stored version (None: not a stored plan, e.g. the CRM's ownership)
    rep_id: str | None = None  # the leaver
    last_day: pd.Timestamp | None = None  # the leaver's last day in seat
    segment: str | None = None  # the hire's segment
    region: str | None = None  # the hire's region
    holdover_days: int = 90  # open opportunities stay with the previous owner this long (PlanningDefaults)
    max_moves: int | None = None  # the hire's disruption budget: accounts moved
    max_arr_moved: float | None = None  # … and ARR moved, annual USD
    option: str | None = None  # placeholder | split | carve, once an option is chosen

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ChangeError(f"a change is one of {', '.join(KINDS)}, not {self.kind!r}")
        eff = pd.Timestamp(self.effective_date).normalize()
        object.__setattr__(self, "effective_date", eff)
        if self.last_day is not None:
            object.__setattr__(self, "last_day", pd.Timestamp(self.last_day).normalize())
        if eff.year != self.plan_year:
            raise ChangeError(f"the effective date {eff.date()} is outside plan year {self.plan_year}: a mid-year "
                              f"change applies within the year being planned")
        if self.holdover_days < 0:
            raise ChangeError(f"holdover days must be 0 or more, not {self.holdover_days}")
        if self.option is not None and self.option not in OPTIONS[self.kind]:
            raise ChangeError(f"a {self.kind} change has options {', '.join(OPTIONS[self.kind])}, not {self.option!r}")

    @property
    def months_before_effective(self) -> float:
        """Months of the plan year before the effective date (a leaver's months in seat)."""
        return months_before(self.effective_date, self.plan_year)

    @property
    def months_after(self) -> float:
        """Months of the plan year from the effective date on (a hire's months in seat)."""
        return 12.0 - self.months_before_effective

    @property
    def holdover_ends(self) -> pd.Timestamp:
        """The day the credit of a moved account's open opportunities passes to its new owner."""
        return self.effective_date + pd.Timedelta(days=self.holdover_days)

    def with_option(self, option: str) -> "ChangeSpec":
        return dataclasses.replace(self, option=option)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (dates as YYYY-MM-DD), for ``Plan.settings["change"]``."""
        d = dataclasses.asdict(self)
        for k in ("effective_date", "last_day"):
            d[k] = None if d[k] is None else pd.Timestamp(d[k]).strftime("%Y-%m-%d")
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChangeSpec":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def words(self, rep_label: str | None = None) -> str:
        """One line a person reads: "Liam Turner (R-010) leaves: last day 2027-03-31, effective 2027-04-01"."""
        eff = self.effective_date.strftime("%Y-%m-%d")
        if self.kind == "leave":
            who = rep_label or self.rep_id
            return f"{who} leaves: last day {self.last_day.strftime('%Y-%m-%d')}, effective {eff}"
        return f"New {self.segment} rep in {self.region}: starts {eff}"


def leaver(rep_id: str, last_day, plan_year: int, base_plan: str, base_version: int | None = None,
           holdover_days: int = 90) -> ChangeSpec:
    """A leaver's change: effective the day after ``last_day``."""
    last = pd.Timestamp(last_day).normalize()
    if last.year != plan_year:
        raise ChangeError(f"the last day {last.date()} is outside plan year {plan_year}")
    if last.month == 12 and last.day == 31:
        raise ChangeError(f"a last day of {last.date()} is the end of the plan year: there is nothing to change")
    return ChangeSpec("leave", last + pd.Timedelta(days=1), plan_year, base_plan, base_version, rep_id=str(rep_id),
                      last_day=last, holdover_days=holdover_days)


def hire(segment: str, region: str, start, plan_year: int, base_plan: str, base_version: int | None = None,
         holdover_days: int = 90, max_moves: int | None = None, max_arr_moved: float | None = None) -> ChangeSpec:
    """A hire's change: effective on the start date."""
    return ChangeSpec("hire", pd.Timestamp(start), plan_year, base_plan, base_version, segment=segment, region=region,
                      holdover_days=holdover_days, max_moves=max_moves, max_arr_moved=max_arr_moved)


def months_before(date, plan_year: int) -> float:
    """Months of ``plan_year`` before ``date``: whole months, plus the days of its own month already gone
    (1 April → 3.0; 16 April → 3.5); 0 before the year, 12 after it."""
    d = pd.Timestamp(date)
    if d.year < plan_year:
        return 0.0
    if d.year > plan_year:
        return 12.0
    days = calendar.monthrange(d.year, d.month)[1]
    return (d.month - 1) + (d.day - 1) / days


def change_of(plan) -> ChangeSpec | None:
    """The change a plan version records (None for an annual plan)."""
    data = (plan.settings or {}).get("change") if plan is not None else None
    return ChangeSpec.from_dict(data) if isinstance(data, dict) else None
