"""Quota after a mid-year change, pro-rated by months in seat from the effective date.

For a book that moves on the effective date, with ``f`` = months of the plan year from the effective date on ÷ 12
(a last day of 31 March → f = 9/12):

* a holder who gives up accounts gives up quota for the remaining months in proportion to the potential they gave:
  ``moved_quota = annual_quota × f × potential given ÷ potential held before``.  A leaver gives all of it, so
  ``quota = annual × (1 − f)`` (a $1.2M annual quota with a last day of 31 March keeps $300K);
* a holder who receives accounts gets each giver's moved quota by their share of the potential that giver moved
  (an open territory — a placeholder or a new hire — starts from nothing, so its quota is pro-rated by construction);
* the total quota of the plan does not change.

A hire also ramps: their quota for the months in seat is scaled by the segment's ramp curve (the same curve the
capacity and quota models use), ``ramped_quota_usd = prorated_quota_usd × ramp share``, where the ramp share is the
mean ramp % over the hire's months in seat.  A Mid-market hire starting 1 May (8 months, curve 0/25/50/75/90%, then
100%) has a ramp share of (0 + .25 + .5 + .75 + .9 + 1 + 1 + 1) ÷ 8 = 67.5%.  The difference is ramp relief: it is
handed to nobody (the givers no longer hold the accounts), so the plan's total quota drops by it, and the option
says so.  Every other holder's ramped quota is their pro-rated quota.

"Holder" is the disruption report's (planning.plans.disruption_report): the territory's owner rep, or the
territory itself when it is open.  The annual quotas are the plan's own (``planning.compensation.quota_for_plan``
on the base plan), falling back to the reps file's ``quota_usd`` when the data holds no bookings targets.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.changes.spec import ChangeSpec
from planning.plans.plan import Plan, metrics
from planning.reporting.figures import holders

QUOTA_CHANGE_COLUMNS = ["holder", "holder_name", "annual_quota_usd", "potential_out_usd", "potential_in_usd",
                        "quota_change_usd", "prorated_quota_usd", "ramped_quota_usd"]


def ramp_share(spec: ChangeSpec, curve: tuple[float, ...]) -> float:
    """The mean ramp % (0–1) over a hire's months in seat, from the effective date's month to the year's end;
    ``curve``: the segment's monthly ramp, its first month first (100% after it ends)."""
    first = int(spec.effective_date.month) - 1  # the plan year's month index the hire starts in (0 = January)
    in_seat = 12 - first
    ramp = list(curve)[:in_seat] + [1.0] * max(0, in_seat - len(curve))
    return float(np.mean(ramp)) if in_seat else 1.0


def prorate(annual: pd.Series, flows: pd.DataFrame, potential_before: pd.Series, remaining_fraction: float) -> pd.DataFrame:
    """Pro-rated quotas per holder (see module doc).

    ``annual``: holder → annual quota (USD; a holder absent is 0); ``flows``: one row per giver → receiver pair
    with ``from_holder``, ``to_holder``, ``potential_usd`` moved; ``potential_before``: holder → potential held
    before the change (USD/year); ``remaining_fraction``: the share of the year from the effective date on (0–1).
    Returns one row per holder in ``annual`` or ``flows``: annual_quota_usd, potential_out_usd, potential_in_usd,
    quota_change_usd and prorated_quota_usd (the year's quota after the change)."""
    if not 0 <= remaining_fraction <= 1:
        raise ValueError(f"the share of the year left must be between 0 and 1, not {remaining_fraction}")
    f = flows.loc[flows["potential_usd"].astype(float) > 0, ["from_holder", "to_holder", "potential_usd"]]
    keys = pd.Index(annual.index.astype(str)).union(pd.Index(f["from_holder"].astype(str).unique())) \
        .union(pd.Index(f["to_holder"].astype(str).unique())).unique()
    ann = annual.rename(index=str).reindex(keys).fillna(0.0).astype(float)
    pot = potential_before.rename(index=str).reindex(keys).astype(float)
    out_pot = f.groupby("from_holder")["potential_usd"].sum().reindex(keys).fillna(0.0)
    # the share of the giver's book that moved, capped at all of it
    with np.errstate(divide="ignore", invalid="ignore"):
        given = (out_pot / pot.where(pot > 0)).clip(upper=1.0).fillna(0.0)
    given = given.where(out_pot > 0, 0.0)
    moved_quota = ann * remaining_fraction * given  # what each giver hands on for the months left
    share = f["potential_usd"].astype(float) / f["from_holder"].map(out_pot).astype(float)
    received = (share * f["from_holder"].map(moved_quota).astype(float)).groupby(f["to_holder"]).sum()
    change = received.reindex(keys).fillna(0.0) - moved_quota
    return pd.DataFrame({"holder": keys, "annual_quota_usd": ann.to_numpy(), "potential_out_usd": out_pot.to_numpy(),
                         "potential_in_usd": f.groupby("to_holder")["potential_usd"].sum().reindex(keys).fillna(0.0)
                         .to_numpy(), "quota_change_usd": change.to_numpy(),
                         "prorated_quota_usd": (ann + change).to_numpy()})


def holder_quotas(plan: Plan, territory_quota: pd.Series) -> pd.Series:
    """holder → annual quota, from a per-territory quota (``quota_for_plan(...).table["quota_usd"]``)."""
    owner = plan.territories["owner_rep_id"]
    holder = owner.where(owner.notna(), plan.territories.index.to_series()).astype(str)
    return territory_quota.reindex(plan.territories.index).fillna(0.0).groupby(holder).sum()


def flows_between(base: Plan, changed: Plan, accounts: pd.DataFrame) -> pd.DataFrame:
    """Potential moved per giver → receiver holder (only accounts whose holder changed)."""
    ids = pd.Index(accounts["account_id"].astype(str))
    _, _, ha = holders(base, ids)
    _, _, hb = holders(changed, ids)
    pot = pd.Series(accounts["potential_usd"].fillna(0.0).astype(float).to_numpy(), index=ids)
    moved = ha.notna() & hb.notna() & (ha.astype(object).fillna("") != hb.astype(object).fillna(""))
    frame = pd.DataFrame({"from_holder": ha[moved].astype(str), "to_holder": hb[moved].astype(str),
                          "potential_usd": pot[moved]})
    return frame.groupby(["from_holder", "to_holder"], as_index=False)["potential_usd"].sum()


def holder_potential(plan: Plan, accounts: pd.DataFrame) -> pd.Series:
    """holder → potential held in ``plan`` (USD/year)."""
    book = metrics(plan, accounts)
    holder = book["owner_rep_id"].where(book["owner_rep_id"].notna(), book.index.to_series()).astype(str)
    return book["potential_usd"].groupby(holder).sum()


def quota_changes(base: Plan, changed: Plan, accounts: pd.DataFrame, spec: ChangeSpec, territory_quota: pd.Series,
                  names: pd.Series | None = None, ramping: dict[str, float] | None = None) -> pd.DataFrame:
    """The quota change of every holder who gives or receives accounts (QUOTA_CHANGE_COLUMNS), pro-rated from
    ``spec.effective_date``; ``names``: holder → the words a person reads (default the holder id); ``ramping``:
    holder → ramp share (:func:`ramp_share`) for the holders who start on the effective date (a hire)."""
    flows = flows_between(base, changed, accounts)
    table = prorate(holder_quotas(base, territory_quota), flows, holder_potential(base, accounts),
                    spec.months_after / 12.0)
    touched = set(flows["from_holder"]) | set(flows["to_holder"])
    table = table.loc[table["holder"].isin(touched)].copy()
    label = table["holder"].map(names) if names is not None else table["holder"]
    table["holder_name"] = label.fillna(table["holder"])
    share = table["holder"].map(ramping or {}).fillna(1.0).astype(float)
    table["ramped_quota_usd"] = table["prorated_quota_usd"] * share
    return table.sort_values("quota_change_usd").reset_index(drop=True)[QUOTA_CHANGE_COLUMNS]
