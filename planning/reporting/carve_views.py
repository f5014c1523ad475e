"""The tables a finished carve is read through: its books per territory, the moved accounts, the bands, the balance
per segment, the balance the manual editor starts from and the CRM export, and its map as the page opens it.

They are computed once per result, where the carve ran (:func:`jobs.carve_job.whole_carve_task` on a worker
process, or the job's thread), and travel with the result: the Carve page redraws a finished result on every rerun
(a widget, a tab's button, another reload), and four people's pages drawing their results at once held the web
server's interpreter for 0.7 s each (2026-12-03 15:14, AppTest profile), with another user's page waiting behind
them.  ``res`` is a carve result (optimizers.carve.CarveResult; read by its fields, since the core does not import
the optimizers)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.plans.plan import METRIC_LABELS
from planning.reporting.figures import book_balance
from planning.reporting.formats import people, person

BOOK_COLUMNS = ["capacity_share", "accounts", "potential_usd", "arr_usd", "workload_hours", "mean_distance_mi",
                "compactness_mi"]


@dataclass
class CarveViews:
    """A carve's tables, with canonical column names (the page labels them through the registry)."""

    books: pd.DataFrame  # per territory: owner, book, load vs target, book before
    moves: pd.DataFrame  # every account whose owner changes, people by name
    bands: pd.DataFrame  # per metric: band, worst deviation and largest ÷ smallest, before and after
    segment_balance: pd.DataFrame  # after the carve, per segment: the balance figures of Compare and Disruption
    edit_balance: pd.DataFrame  # the manual editor's balance before any edit (planning.plans.edits.live_balance)
    crm: pd.DataFrame  # the CRM-ready assignment (planning.plans.crm.crm_frame)
    # the map's first view, the proposal's territories in the segment it opens on (planning.plans.MapLayers); None:
    # the page draws it itself
    after_map: object = None


def books_frame(res, reps: pd.DataFrame) -> pd.DataFrame:
    """Per territory after the carve: owner as "Name (R-010)", book, load vs target and the book before."""
    after, before = res.after, res.before
    owners = people(reps)
    out = pd.DataFrame({"territory_name": after["name"], "segment": after["segment"],
                        "owner": after["owner_rep_id"].map(lambda r: owners.get(str(r), person("", r))
                                                           if pd.notna(r) else "Open territory")})
    for c in BOOK_COLUMNS:
        if c in after:
            out[c] = after[c]
    for m_ in res.balance["metric"]:
        target = after[f"target_{m_}"].where(after[f"target_{m_}"] > 0)
        out[f"{m_}_vs_target"] = after[m_] / target
        out[f"{m_}_before"] = before[m_].reindex(after.index)
    return out.reset_index(drop=True)


def moves_frame(res, reps: pd.DataFrame) -> pd.DataFrame:
    """Every account whose owner changes, with people by name; "newly assigned" marks accounts unowned today."""
    owners = people(reps)
    mv = res.moves

    def who(ids: pd.Series) -> pd.Series:
        return ids.map(lambda r: owners.get(str(r), str(r)) if pd.notna(r) else "No owner today")

    return pd.DataFrame({
        "account_id": mv["account_id"], "account_name": mv["account_name"], "segment": mv["segment"],
        "change": np.where(mv["from_owner"].notna(), "moved", "newly assigned"),
        "from_owner_name": who(mv["from_owner"]), "to_owner_name": who(mv["to_owner"]),
        "arr_usd": mv["arr_usd"], "potential_usd": mv["potential_usd"], "reason": mv["reason"]})


def _labelled(table: pd.DataFrame) -> pd.DataFrame:
    """Metric names in words; an infinite ratio (an empty book) as a blank."""
    table = table.assign(metric=table["metric"].map(METRIC_LABELS).fillna(table["metric"]))
    return table.replace([np.inf, -np.inf], np.nan)


def bands_frame(res) -> pd.DataFrame:
    """Each balanced metric's band and the worst book's deviation and largest ÷ smallest, before and after."""
    return _labelled(res.balance)[["metric", "band", "worst_dev_before", "worst_dev_after", "max_min_before",
                                   "max_min_after"]]


def segment_balance(res) -> pd.DataFrame:
    """After the carve, per segment and metric: the balance figures every page uses."""
    after = book_balance(res.after, tuple(res.balance["metric"]))
    if not len(after):
        return after
    return _labelled(after)[["segment", "metric", "territories", "max_mean", "min_mean", "max_min", "cv",
                             "worst_dev", "flag_variance"]]


def edited_balance(res, moves: dict, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings):
    """The carve's plan with the manual editor's ``moves`` applied → (plan, books, balance table), balanced on the
    carve's own metrics and targets (planning.plans.edits.live_balance)."""
    from planning.plans.edits import live_balance

    return live_balance(res.plan, moves, accounts, reps, plan_year, settings, tuple(res.balance["metric"]),
                        res.settings.target == "capacity", res.after["capacity_share"])


def edit_baseline(res, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings) -> pd.DataFrame:
    """The manual editor's balance table with no edit yet: the carve's own plan."""
    return edited_balance(res, {}, accounts, reps, plan_year, settings)[2]


def after_map(res, accounts: pd.DataFrame, reps: pd.DataFrame, settings):
    """The Carve page's map as it opens (planning.plans.MapLayers): the carve's territories after, in the segment a
    map opens on, geographic segments as county shapes (the dissolve is most of a finished result's first draw)."""
    from planning.data import carve_by
    from planning.plans.shapes import default_map_segment, map_kinds, map_layers, map_units

    company = carve_by(settings)
    segments = list(company)
    geo, named = map_kinds(segments, map_units([res.plan], company))
    return map_layers(res.plan.assignment, accounts, res.after, people(reps), default_map_segment(segments), geo,
                      named)


def compute_views(res, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings) -> CarveViews | None:
    """The tables of a successful carve and its map's first view (None for one without a plan: the page shows its
    diagnosis only)."""
    if not res.ok:
        return None
    from planning.plans.crm import crm_frame

    return CarveViews(books=books_frame(res, reps), moves=moves_frame(res, reps), bands=bands_frame(res),
                      segment_balance=segment_balance(res),
                      edit_balance=edit_baseline(res, accounts, reps, plan_year, settings),
                      crm=crm_frame(res.plan, reps, accounts, res.reasons),
                      after_map=after_map(res, accounts, reps, settings))
