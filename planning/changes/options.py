"""One option of a mid-year change with everything a person weighs it by, and the options side by side.

An option's figures come from the core's own reports: the disruption report (planning.plans.disruption: accounts
and ARR moved, relationships broken, per rep), the pro-rated quota changes (:mod:`planning.changes.quota_moves`)
and the holdover (:mod:`planning.changes.holdover`).  The CLI and the Changes page print the same tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planning.changes.holdover import holdover_report, holdover_total
from planning.changes.quota_moves import quota_changes, ramp_share
from planning.changes.spec import OPTION_TITLES, ChangeSpec
from planning.plans.disruption_report import DisruptionReport, disruption
from planning.plans.plan import Plan
from planning.reporting.formats import people

BOOK_COLUMNS = ["holder", "name", "accounts_before", "lost", "gained", "accounts_after", "potential_before_usd",
                "potential_after_usd", "arr_before_usd", "arr_after_usd", "relationships_broken",
                "annual_quota_usd", "quota_change_usd", "prorated_quota_usd", "ramped_quota_usd"]
SIDE_BY_SIDE_ROWS = ["accounts_moved", "arr_moved_usd", "relationships_broken", "reps_affected",
                     "pipeline_held_over_usd", "quota_moved_usd", "ramp_relief_usd", "new_open_territories"]


@dataclass
class ChangeOption:
    """One way to make a change: its plan (None when no plan was found), the disruption against the base plan,
    the books of every holder it touches with their pro-rated quotas, and the held-over pipeline."""

    option: str  # placeholder | split | carve
    spec: ChangeSpec
    plan: Plan | None
    disruption: DisruptionReport | None = None
    books: pd.DataFrame = field(default_factory=pd.DataFrame)  # BOOK_COLUMNS, holders touched
    holdover: pd.DataFrame = field(default_factory=pd.DataFrame)  # planning.changes.holdover.HOLDOVER_COLUMNS
    notes: list[str] = field(default_factory=list)  # what a person must know (bands loosened, budget hit, ...)
    solver: dict = field(default_factory=dict)  # the carve's status, gap and seconds (shown in an expander)
    disruption_base_open: int = 0  # open territories in the base plan (so the figure counts the new ones)

    @property
    def ok(self) -> bool:
        return self.plan is not None

    @property
    def title(self) -> str:
        return OPTION_TITLES[self.option]

    def figures(self) -> dict[str, float]:
        """The option's headline figures (SIDE_BY_SIDE_ROWS); empty without a plan."""
        if not self.ok or self.disruption is None:
            return {}
        c = self.disruption.company
        quota_moved = float(self.books["quota_change_usd"].clip(lower=0).sum()) if len(self.books) else 0.0
        relief = float((self.books["prorated_quota_usd"] - self.books["ramped_quota_usd"]).sum()) if len(self.books) \
            else 0.0
        return {"accounts_moved": int(c["accounts_moved"]), "arr_moved_usd": float(c["arr_moved_usd"]),
                "relationships_broken": int(c["relationships_broken"]), "reps_affected": int(c["reps_affected"]),
                "pipeline_held_over_usd": holdover_total(self.holdover), "quota_moved_usd": quota_moved,
                "ramp_relief_usd": relief,
                "new_open_territories": int(self.plan.territories["owner_rep_id"].isna().sum()
                                            - self.disruption_base_open)}


def evaluate(option: str, spec: ChangeSpec, base: Plan, plan: Plan | None, accounts: pd.DataFrame,
             reps: pd.DataFrame, as_of, territory_quota: pd.Series, renewal_window_days: int,
             notes: list[str] | None = None, solver: dict | None = None,
             ramp_curve: tuple[float, ...] | None = None) -> ChangeOption:
    """An option's reports, on the whole company's data (the caller checks the user may edit plans).
    ``ramp_curve``: the hire's segment's monthly ramp; a territory new in ``plan`` (the hire's) ramps by it."""
    out = ChangeOption(option, spec.with_option(option), plan, notes=list(notes or []), solver=dict(solver or {}),
                       disruption_base_open=int(base.territories["owner_rep_id"].isna().sum()))
    if plan is None:
        return out
    report = disruption(base, plan, accounts, reps, as_of, renewal_window_days=renewal_window_days)
    names = people(reps)
    touched = report.reps.loc[(report.reps["lost"] + report.reps["gained"]) > 0].copy()
    holder_names = touched.set_index("holder")["name"].astype(str)
    holder_names = holder_names.index.to_series().map(names).fillna(holder_names)
    ramping = {}
    if spec.kind == "hire" and ramp_curve:
        new = plan.territories.index.difference(base.territories.index)
        ramping = {str(t): ramp_share(spec, tuple(ramp_curve)) for t in new}
    quotas = quota_changes(base, plan, accounts, out.spec, territory_quota, holder_names, ramping)
    touched["name"] = touched["holder"].map(holder_names)
    books = touched.merge(quotas.drop(columns="holder_name"), on="holder", how="left")
    out.disruption = report
    out.books = books.reindex(columns=BOOK_COLUMNS).sort_values("accounts_after").reset_index(drop=True)
    out.holdover = holdover_report(report.accounts, out.spec)
    return out


def side_by_side(options: list[ChangeOption]) -> pd.DataFrame:
    """One row per headline figure (``figure``), one column per option (its title); blank where no plan."""
    rows = []
    for key in SIDE_BY_SIDE_ROWS:
        row = {"figure": key}
        for o in options:
            row[o.title] = o.figures().get(key)
        rows.append(row)
    return pd.DataFrame(rows)


def side_by_side_words(options: list[ChangeOption]) -> pd.DataFrame:
    """:func:`side_by_side` as people read it: the figure's label, money as $1.85M, counts with separators."""
    from planning.reporting.formats import count, usd
    from planning.reporting.labels import MONEY, label_of

    table = side_by_side(options)
    kinds = table["figure"].map(lambda k: label_of(k).kind)
    out = table.assign(figure=table["figure"].map(lambda k: label_of(k).text))
    for col in out.columns[1:]:
        out[col] = [("–" if v is None or pd.isna(v) else usd(v) if k == MONEY else count(v))
                    for v, k in zip(table[col], kinds)]
    return out
