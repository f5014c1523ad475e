"""Routing new (or changed) accounts by a plan's territory definitions.

Each account gets a territory by the rules in their precedence (named account → most specific geography →
segment default; :mod:`planning.territories.definitions`) and a reason in words ("Mid-market, county 13121 →
T-R-012").  An account no rule matches goes to the **nearest eligible territory with room** and is flagged:

* eligible: a territory of the account's lane (its segment, narrowed by industry and employee rules); an account
  outside every lane may go to any territory of its segment;
* room: band headroom on the balanced metric, the upper band edge (target × (1 + tolerance)) minus the book
  so far, the book counting the accounts already routed in this run; the target is the capacity-proportional
  one of :func:`planning.plans.capacity_targets`; the metric and tolerance are the plan's own carve settings
  (its first balanced metric), else potential and ±10%;
* nearest: great-circle miles from the account to the owner's home, else the book's centre.  When no eligible
  territory has room the nearest eligible one takes it, flagged "no territory had room".

The result is a new version of the plan (kind ``edited``, the routing recorded in ``settings["routing"]``) with the
balance impact on the books it touches, before and after (:func:`planning.plans.metrics`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.data.geo import haversine_mi
from planning.plans.plan import Plan, balance_table, capacity_targets, metrics
from planning.territories.definitions import TerritoryDefinitions
from planning.territories.matching import match_accounts

DEFAULT_METRIC = "potential_usd"
DEFAULT_TOLERANCE = 0.10
ROUTE_COLUMNS = ["account_id", "name", "segment", "territory_id", "territory_name", "owner_rep_id", "matched_by",
                 "reason", "flagged", "distance_mi"]
IMPACT_COLUMNS = ["territory_id", "name", "segment", "owner_rep_id", "routed_accounts", "accounts_before",
                  "accounts_after", "book_before", "book_after", "book_target", "load_before", "load_after",
                  "in_band_before", "in_band_after"]
LEVEL_NAMES = {"zip": "ZIP", "zip3": "ZIP3", "county": "county", "state": "state", "country": "country"}


@dataclass
class RoutingResult:
    """``routed``: one row per account (ROUTE_COLUMNS); ``impact``: the touched books before and after
    (IMPACT_COLUMNS; ``load`` = book ÷ target on ``metric``); ``balance_before`` / ``balance_after``: the balance
    figures of the touched segments; ``plan``: the new version."""

    plan: Plan
    routed: pd.DataFrame
    impact: pd.DataFrame
    balance_before: pd.DataFrame
    balance_after: pd.DataFrame
    metric: str
    tolerance: float
    accounts: pd.DataFrame | None = None  # the plan's accounts with the routed ones: what the new version is made from

    @property
    def flagged(self) -> pd.DataFrame:
        return self.routed.loc[self.routed["flagged"]]

    def counts(self) -> dict[str, int]:
        by = self.routed["matched_by"].value_counts()
        return {"accounts": len(self.routed), "named": int(by.get("named", 0)),
                "by_rules": int(self.routed["matched_by"].isin(["zip", "zip3", "county", "state", "country",
                                                                 "segment"]).sum()),
                "flagged": int(self.routed["flagged"].sum()),
                "unassigned": int(self.routed["territory_id"].isna().sum())}


def balance_settings(plan: Plan) -> tuple[str, float]:
    """The balanced metric and its tolerance: the plan's carve settings, else potential ±10%."""
    s = plan.settings or {}
    ms = list(s.get("metrics") or [])
    metric = ms[0] if ms else DEFAULT_METRIC
    tol = (s.get("tolerance") or {}).get(metric, DEFAULT_TOLERANCE)
    return metric, float(tol)


def _reason(row) -> str:
    if row["matched_by"] == "named":
        return f"named account → {row['territory_id']}"
    if row["matched_by"] == "segment":
        return f"{row['lane']}, the segment's only territory → {row['territory_id']}"
    return f"{row['lane']}, {LEVEL_NAMES[row['matched_by']]} {row['value']} → {row['territory_id']}"


def _centres(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """lat/lon per territory: the owner's home, else the centre of the book."""
    acc = accounts.assign(territory_id=plan.assignment.reindex(accounts["account_id"].astype(str)).to_numpy())
    cent = acc.dropna(subset=["territory_id", "lat", "lon"]).groupby("territory_id")[["lat", "lon"]].mean()
    r = reps.set_index(reps["rep_id"].astype(str)) if reps is not None and len(reps) else pd.DataFrame(columns=["lat", "lon"])
    owner = plan.territories["owner_rep_id"]
    lat = owner.map(r["lat"]) if "lat" in r else pd.Series(np.nan, index=owner.index)
    lon = owner.map(r["lon"]) if "lon" in r else pd.Series(np.nan, index=owner.index)
    out = pd.DataFrame({"lat": pd.to_numeric(lat, errors="coerce"), "lon": pd.to_numeric(lon, errors="coerce")})
    return out.fillna(cent.reindex(out.index))


def _headroom(book: pd.DataFrame, metric: str, tol: float) -> tuple[pd.Series, pd.Series]:
    """(target, upper band edge − book) per territory on ``metric``."""
    target = capacity_targets(book, metric).fillna(book[metric])
    return target, target * (1 + tol) - book[metric]


def _nearest_with_room(todo: pd.DataFrame, eligible: dict[str, np.ndarray], terr_ids: np.ndarray,
                       centres: pd.DataFrame, room: np.ndarray, values: np.ndarray):
    """Sequential greedy for the accounts no rule matched: nearest eligible territory with room (room shrinks as
    accounts land).  Returns territory ids, distances and whether any had room."""
    clat, clon = centres["lat"].to_numpy(float), centres["lon"].to_numpy(float)
    out_t = np.full(len(todo), None, dtype=object)
    out_d = np.full(len(todo), np.nan)
    had_room = np.zeros(len(todo), bool)
    lat, lon = todo["lat"].to_numpy(float), todo["lon"].to_numpy(float)
    for i, key in enumerate(todo["eligible_key"].to_numpy()):
        cand = eligible.get(key)
        if cand is None or not len(cand):
            continue
        d = haversine_mi(lat[i], lon[i], clat[cand], clon[cand])
        d = np.where(np.isnan(d), np.inf, d)
        fits = room[cand] >= values[i]
        pick_from = np.flatnonzero(fits) if fits.any() else np.arange(len(cand))
        if np.isinf(d[pick_from]).all():  # no location: the most headroom
            j = pick_from[np.argmax(room[cand][pick_from])]
        else:
            j = pick_from[np.argmin(d[pick_from])]
        t = cand[j]
        out_t[i], out_d[i], had_room[i] = terr_ids[t], d[j] if np.isfinite(d[j]) else np.nan, bool(fits.any())
        room[t] -= values[i]
    return out_t, out_d, had_room


def _eligibility(defs: TerritoryDefinitions, terr_ids: np.ndarray) -> tuple[dict[str, np.ndarray], dict]:
    """Lane → positions of its territories, and segment → positions (for accounts outside every lane)."""
    pos = {t: i for i, t in enumerate(terr_ids)}
    lanes = defs.territories.reindex(terr_ids)
    by_lane = {f"lane:{k}": np.array([pos[t] for t in g.index]) for k, g in lanes.groupby("lane")}
    by_seg = {f"seg:{k}": np.array([pos[t] for t in g.index]) for k, g in lanes.groupby("segment")}
    return {**by_lane, **by_seg}, pos


def route(plan: Plan, defs: TerritoryDefinitions, new_accounts: pd.DataFrame, reps: pd.DataFrame,
          accounts: pd.DataFrame, *, plan_year: int | None = None, settings=None, source: str = "",
          name: str | None = None) -> RoutingResult:
    """Route ``new_accounts`` (validated account rows; an id already in the plan is a changed account and is
    re-routed) on ``plan`` made from ``accounts`` (see module doc)."""
    metric, tol = balance_settings(plan)
    new = new_accounts.assign(account_id=new_accounts["account_id"].astype(str)).drop_duplicates("account_id",
                                                                                                 keep="last")
    m = match_accounts(defs, new)
    base = accounts.loc[~accounts["account_id"].astype(str).isin(set(new["account_id"]))]
    book = metrics(plan, base, reps, plan_year, settings)
    terr_ids = book.index.to_numpy()
    target, room = _headroom(book, metric, tol)
    room = room.to_numpy(float).copy()
    newi = new.set_index("account_id")
    values = pd.to_numeric(newi[metric], errors="coerce").fillna(0.0).to_numpy(float) if metric in newi else \
        np.ones(len(newi))
    pos = {t: i for i, t in enumerate(terr_ids)}
    hit = m["territory_id"].notna().to_numpy()
    hit_pos = m.loc[hit, "territory_id"].map(pos).to_numpy()
    np.subtract.at(room, hit_pos[~pd.isna(hit_pos)].astype(int), values[hit][~pd.isna(hit_pos)])
    eligible, _ = _eligibility(defs, terr_ids)
    todo = newi.loc[~hit, ["lat", "lon"]].copy()
    todo["eligible_key"] = np.where(m.loc[~hit, "lane"].astype(str) != "", "lane:" + m.loc[~hit, "lane"].astype(str),
                                    "seg:" + m.loc[~hit, "segment"].astype(str))
    centres = _centres(plan, base, reps).reindex(terr_ids)
    t_near, d_near, had_room = _nearest_with_room(todo, eligible, terr_ids, centres, room, values[~hit])
    m["distance_mi"] = np.nan
    m.loc[~hit, "territory_id"] = t_near
    m.loc[~hit, "distance_mi"] = d_near
    m["flagged"] = ~hit
    reasons = pd.Series("", index=m.index, dtype=object)
    if hit.any():
        shown = m.loc[hit].copy()
        county = (shown["matched_by"] == "county").to_numpy()
        if county.any():  # "county Fulton, GA", not its FIPS code
            from planning.data.boundaries import county_labels

            shown.loc[county, "value"] = county_labels(shown.loc[county, "value"].astype(str).to_numpy()).to_numpy()
        reasons[hit] = [_reason(r) for r in shown.to_dict("records")]
    lane_words = m.loc[~hit, "lane"].where(m.loc[~hit, "lane"].astype(str) != "", m.loc[~hit, "segment"])
    reasons[~hit] = np.where(pd.isna(t_near), "no rule matched and no territory takes " + lane_words.astype(str)
                             + ": left unassigned",
                             np.where(had_room, "no rule matched: nearest " + lane_words.astype(str)
                                      + " territory with room → " + pd.Series(t_near, dtype=object).astype(str).to_numpy(),
                                      "no rule matched and no territory had room: nearest " + lane_words.astype(str)
                                      + " territory → " + pd.Series(t_near, dtype=object).astype(str).to_numpy()))
    m["reason"] = reasons
    assignment = pd.concat([plan.assignment.drop(m.index, errors="ignore"), m["territory_id"]])
    history = list((plan.settings or {}).get("routing", {}).get("history", []))
    history.append({"source": source, "routed_at": pd.Timestamp.now(tz="UTC").isoformat(), "accounts": len(m),
                    "flagged": int((~hit).sum()), "metric": metric, "tolerance": tol})
    note = f"Routed {len(m):,} new account{'s' if len(m) != 1 else ''}{' from ' + source if source else ''}: " \
           f"{int(hit.sum()):,} by the rules, {int((~hit).sum()):,} flagged"
    newp = dataclasses.replace(plan, name=name or plan.name, assignment=assignment, kind="edited",
                               territories=plan.territories.copy(), note=note,
                               settings={**(plan.settings or {}), "routing": {"history": history}})
    routed = _routed_table(m, newi, plan)
    after_accounts = pd.concat([base, new], ignore_index=True)
    impact, bb, ba = balance_impact(plan, newp, base, after_accounts, reps, routed, metric, tol, plan_year, settings)
    return RoutingResult(newp, routed, impact, bb, ba, metric, tol, after_accounts)


def _routed_table(m: pd.DataFrame, newi: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    t = plan.territories
    out = pd.DataFrame({"account_id": m.index, "name": newi["name"].reindex(m.index).to_numpy() if "name" in newi else "",
                        "segment": m["segment"].to_numpy(), "territory_id": m["territory_id"].to_numpy(),
                        "territory_name": m["territory_id"].map(t["name"]).to_numpy(),
                        "owner_rep_id": m["territory_id"].map(t["owner_rep_id"]).to_numpy(),
                        "matched_by": m["matched_by"].where(~m["flagged"], "nearest with room").to_numpy(),
                        "reason": m["reason"].to_numpy(), "flagged": m["flagged"].to_numpy(bool),
                        "distance_mi": m["distance_mi"].to_numpy(float)})
    return out.reindex(columns=ROUTE_COLUMNS)


def balance_impact(before: Plan, after: Plan, accounts_before: pd.DataFrame, accounts_after: pd.DataFrame,
                   reps: pd.DataFrame, routed: pd.DataFrame, metric: str, tol: float, plan_year=None, settings=None):
    """The books the routing touched, before and after, and the balance figures of their segments
    (:func:`planning.plans.balance_table` on ``metric``): (impact, balance_before, balance_after)."""
    b0 = metrics(before, accounts_before, reps, plan_year, settings)
    b1 = metrics(after, accounts_after, reps, plan_year, settings)
    touched = pd.Index(routed["territory_id"].dropna().unique())
    t0, _ = _headroom(b0, metric, tol)
    t1, _ = _headroom(b1, metric, tol)
    n_routed = routed["territory_id"].value_counts()
    impact = pd.DataFrame({
        "territory_id": touched, "name": b1["name"].reindex(touched).to_numpy(),
        "segment": b1["segment"].reindex(touched).to_numpy(),
        "owner_rep_id": b1["owner_rep_id"].reindex(touched).to_numpy(),
        "routed_accounts": n_routed.reindex(touched).fillna(0).astype(int).to_numpy(),
        "accounts_before": b0["accounts"].reindex(touched).to_numpy(),
        "accounts_after": b1["accounts"].reindex(touched).to_numpy(),
        "book_before": b0[metric].reindex(touched).to_numpy(float),
        "book_after": b1[metric].reindex(touched).to_numpy(float),
        "book_target": t1.reindex(touched).to_numpy(float)})
    with np.errstate(divide="ignore", invalid="ignore"):
        impact["load_before"] = impact["book_before"] / t0.reindex(touched).to_numpy(float)
        impact["load_after"] = impact["book_after"] / impact["book_target"]
    impact["in_band_before"] = (impact["load_before"] - 1).abs() <= tol + 1e-9
    impact["in_band_after"] = (impact["load_after"] - 1).abs() <= tol + 1e-9
    segs = set(impact["segment"].dropna())
    bb = balance_table(b0.loc[b0["segment"].isin(segs)], (metric,), capacity_weighted=True)
    ba = balance_table(b1.loc[b1["segment"].isin(segs)], (metric,), capacity_weighted=True)
    return impact.reindex(columns=IMPACT_COLUMNS).sort_values("territory_id").reset_index(drop=True), bb, ba


def routing_files(result: RoutingResult, reps: pd.DataFrame, before: Plan) -> dict[str, pd.DataFrame]:
    """Data Loader files for the routed accounts (:func:`planning.plans.crm_export` of the new version, against
    ``before``): account_owners.csv (Id, OwnerId), account_territories.csv (ObjectTerritory2Association),
    skipped_accounts.csv, plus routed_accounts.csv (every routed account with its territory and reason)."""
    from planning.plans.crm import crm_export

    ex = crm_export(result.plan, reps, before=before, changed_only=True)
    ids = set(result.routed["account_id"].astype(str))
    owners = ex.account_owners.loc[ex.account_owners["Id"].astype(str).isin(ids)].reset_index(drop=True)
    at = ex.account_territories.loc[ex.account_territories["ObjectId"].astype(str).isin(ids)].reset_index(drop=True)
    skipped = ex.skipped.loc[ex.skipped["account_id"].astype(str).isin(ids)].reset_index(drop=True)
    return {"account_owners.csv": owners, "account_territories.csv": at, "skipped_accounts.csv": skipped,
            "routed_accounts.csv": result.routed}
