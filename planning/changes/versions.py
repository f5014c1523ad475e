"""Change versions of a plan: the leaver's placeholder, a split or a hire's carve applied to the plan it derives from.

Every function returns a new :class:`planning.plans.Plan` of kind ``"change"`` built on the base plan: its
territories and every account the change does not touch stay exactly as they were.  The carve behind a split or
a hire runs in ``jobs/`` (the core never calls an optimizer); here are its inputs (:func:`carve_inputs`) and the
way its answer becomes a version of the base plan (:func:`apply_carve`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.changes.spec import CHANGE_KIND, ChangeError, ChangeSpec
from planning.data.people import quota_carriers
from planning.plans.plan import Plan
from planning.reporting.formats import person


def leaver_territories(base: Plan, rep_id: str) -> list[str]:
    """The territories ``rep_id`` owns in ``base`` (an error naming the rep when none)."""
    owned = base.territories.index[base.territories["owner_rep_id"].astype(str) == str(rep_id)]
    if not len(owned):
        raise ChangeError(f"{rep_id} owns no territory in {base.name!r}: pick a rep who holds a book in that plan")
    return [str(t) for t in owned]


def rep_row(reps: pd.DataFrame, rep_id: str) -> pd.Series:
    """The rep's row (an error naming the rep when unknown)."""
    r = reps.loc[reps["rep_id"].astype(str) == str(rep_id)]
    if r.empty:
        raise ChangeError(f"unknown rep {rep_id}: not in the reps file")
    return r.iloc[0]


def change_version(base: Plan, spec: ChangeSpec, assignment: pd.Series, territories: pd.DataFrame,
                   name: str | None = None, note: str = "") -> Plan:
    """A Plan of kind ``change`` recording ``spec`` (and any earlier change of ``base``) in its settings."""
    settings = {k: v for k, v in (base.settings or {}).items() if k not in ("change", "earlier_changes")}
    earlier = list((base.settings or {}).get("earlier_changes", []))
    if isinstance((base.settings or {}).get("change"), dict):
        earlier.append(base.settings["change"])
    settings["change"] = spec.to_dict()
    if earlier:
        settings["earlier_changes"] = earlier
    return Plan(name=name or default_name(base, spec), assignment=assignment, territories=territories,
                kind=CHANGE_KIND, settings=settings, note=note)


def default_name(base: Plan, spec: ChangeSpec) -> str:
    """A change version's own name, so it reads apart from its base in a comparison: "FY27 – leaver 2027-04-01
    (split)". Plan names are read by every manager, so it names no person (a leaver may be in another team and not
    yet announced); the change itself, with the rep, is in the version's settings for those who may see it."""
    what = "leaver" if spec.kind == "leave" else f"{spec.segment} {spec.region} hire"
    return f"{base.name} – {what} {spec.effective_date:%Y-%m-%d}" + (f" ({spec.option})" if spec.option else "")


def placeholder_plan(base: Plan, spec: ChangeSpec, reps: pd.DataFrame, name: str | None = None) -> Plan:
    """Option (a): the leaver's territories keep every account and become open (to be hired); their manager
    covers them meanwhile."""
    row = rep_row(reps, spec.rep_id)
    owned = leaver_territories(base, spec.rep_id)
    names = reps.set_index(reps["rep_id"].astype(str))["name"]
    mgr = row.get("manager_id")
    cover = person(names.get(str(mgr), str(mgr)), str(mgr)) if pd.notna(mgr) else "their manager"
    terr = base.territories.copy()
    terr.loc[owned, "owner_rep_id"] = np.nan
    leaver_words = person(row["name"], str(row["rep_id"]))
    for t in owned:
        seg, reg = terr.at[t, "segment"], terr.at[t, "region"]
        # the reports say "Open: " before an open territory's name, so the name itself does not
        terr.at[t, "name"] = f"{seg} {reg} – was {leaver_words}; {cover} covers"
    note = f"{spec.with_option('placeholder').words(leaver_words)}; the book stays whole as an open territory"
    return change_version(base, spec.with_option("placeholder"), base.assignment.copy(), terr, name, note)


def carve_inputs(base: Plan, accounts: pd.DataFrame, reps: pd.DataFrame, segment: str,
                 leaver: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the carve behind a change solves: the accounts held in ``base`` by the segment's quota reps (owner =
    the base plan's, not the CRM's; whatever the account's own segment says) and those reps plus every non-quota
    person (managers, for names).

    With ``leaver``, every account the leaver does not hold is locked to its owner, so only the leaver's book can
    move; without (a hire), the accounts keep their own lock flags and the carve's disruption budget bounds the
    moves.  Accounts of open territories or of other segments' reps in ``base`` sit out: they do not move."""
    carriers = quota_carriers(reps)
    seg_reps = set(carriers.loc[carriers["segment"] == segment, "rep_id"].astype(str))
    owner = base.owners().reindex(accounts["account_id"].astype(str))
    acc = accounts.assign(owner_rep_id=owner.to_numpy())
    acc = acc.loc[owner.astype(object).fillna("").astype(str).isin(seg_reps).to_numpy()].copy()
    if leaver is not None:
        acc["locked"] = acc["owner_rep_id"].astype(str) != str(leaver)
    keep = reps["rep_id"].astype(str).isin(seg_reps).to_numpy() | \
        ~reps["rep_id"].astype(str).isin(set(carriers["rep_id"].astype(str))).to_numpy()
    return acc.reset_index(drop=True), reps.loc[keep].reset_index(drop=True)


def hire_territory(spec: ChangeSpec) -> dict:
    """The hire's open territory as a carve's extra territory (segment, region, start month, id, name)."""
    tid = f"T-HIRE-{spec.effective_date.strftime('%Y%m%d')}"
    return {"segment": spec.segment, "region": spec.region, "start_month": int(spec.effective_date.month),
            "territory_id": tid,
            "name": f"{spec.segment} {spec.region} – new hire from {spec.effective_date.strftime('%Y-%m-%d')}"}


def apply_carve(base: Plan, spec: ChangeSpec, carved: Plan, name: str | None = None, note: str = "") -> Plan:
    """The carve's answer as a version of ``base``: each account whose owner changed goes to the base territory
    of its new owner, or to the carve's new open territory (a hire); a leaver's emptied territories close."""
    carved_owner = carved.owners()
    base_owner = base.owners().reindex(carved_owner.index)
    changed = carved_owner.index[(carved_owner.astype(object).fillna("") != base_owner.astype(object).fillna(""))
                                 .to_numpy()]
    by_owner = base.territories.reset_index().dropna(subset=["owner_rep_id"]).drop_duplicates("owner_rep_id")
    terr_of = by_owner.set_index(by_owner["owner_rep_id"].astype(str))["territory_id"]
    terr = base.territories.copy()
    a = base.assignment.copy()
    for acc_id in changed:
        new_owner = carved_owner.get(acc_id)
        if pd.isna(new_owner):  # the carve's open territory (a hire)
            tid = carved.assignment[acc_id]
            if tid not in terr.index:
                terr.loc[tid] = carved.territories.loc[tid].reindex(terr.columns)
            a[acc_id] = tid
        elif str(new_owner) in terr_of.index:
            a[acc_id] = terr_of[str(new_owner)]
        else:
            raise ChangeError(f"the carve gave account {acc_id} to {new_owner}, who holds no territory in "
                              f"{base.name!r}")
    if spec.kind == "leave":
        owned = leaver_territories(base, spec.rep_id)
        left = a.isin(owned)
        if left.any():
            raise ChangeError(f"{int(left.sum())} account(s) still with the leaver after the split")
        terr = terr.drop(index=owned)
    option = "split" if spec.kind == "leave" else "carve"
    return change_version(base, spec.with_option(option), a, terr, name, note)
