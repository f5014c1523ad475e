"""Disruption report: what moving from plan A to plan B does to accounts, reps, managers and the company.

Definitions (A is "before", B is "after"):

* An account's **holder** in a plan is its territory's owner rep, or the territory itself when the
  territory is open (a planned hire).  Unassigned accounts have no holder.
* ``change`` per account: ``kept`` (same holder), ``moved`` (assigned in both, different holder),
  ``newly assigned`` (no holder in A) or ``unassigned`` (no holder in B).  Only ``moved`` counts in the
  company's "% of accounts / ARR moved": the definitions (and their scope: unowned accounts are newly assigned,
  never moved) are :mod:`planning.reporting.figures`, which every page and the CLI share.
* Per holder: ``kept`` accounts held in A and B; ``lost`` held in A but not in B; ``gained`` held in B but
  not in A (so ``accounts_before = kept + lost`` and ``accounts_after = kept + gained``).
  ``arr_out_usd`` / ``pipeline_out_usd`` are the ARR / open pipeline of lost accounts, ``*_in_usd`` of
  gained ones.  ``pct_accounts_retained = kept / accounts_before`` and
  ``pct_arr_retained = arr_kept_usd / arr_before_usd``.
* A **relationship is broken** when an account leaves a real rep (not an open territory) while it has
  open pipeline (> 0) or its next renewal falls within ``renewal_window_days`` of ``as_of``
  (0 ≤ days ≤ window).  It is counted against the rep who loses the account.
* Change in potential, workload and travel distance come from :func:`planning.plans.plan.metrics` of each
  plan, summed per holder (distance: the account-weighted mean distance from the owner's home, miles).
* Per manager (the holder's manager in ``reps``): the team's book in A and B; ``kept`` = held by the
  team in both (``moved_within_team`` of those changed rep), ``lost`` left the team, ``gained`` joined
  it; ``relationships_broken`` sums the team's reps (moves inside the team break relationships too), as do
  the potential and workload changes; ``distance_change_mi`` is the mean over the team's reps.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from planning.data.defaults import PlanningDefaults
from planning.data.files import to_safe_excel
from planning.plans.dataset_fit import shared_accounts, shared_note
from planning.plans.plan import Plan, metrics
from planning.reporting.figures import changes, holders, movement
from planning.reporting.formats import people

UNASSIGNED = "(unassigned)"
NO_MANAGER = "(no manager)"
ACCOUNT_COLUMNS = ["account_id", "name", "segment", "region", "change", "moved", "from_territory", "to_territory",
                   "from_holder", "to_holder", "from_owner_name", "to_owner_name", "from_manager_id", "to_manager_id",
                   "arr_usd", "open_pipeline_usd", "potential_usd", "next_renewal_date", "days_to_renewal",
                   "renewal_in_window", "relationship_broken", "lat", "lon"]


@dataclass
class DisruptionReport:
    """Plan A → plan B disruption at account, holder (rep), manager and company level (see module doc)."""

    a_name: str
    b_name: str
    as_of: pd.Timestamp
    renewal_window_days: int
    accounts: pd.DataFrame  # one row per account (ACCOUNT_COLUMNS)
    reps: pd.DataFrame  # one row per holder in A or B
    managers: pd.DataFrame  # one row per manager (and "(no manager)")
    company: dict = field(default_factory=dict)
    manager_filter: str | None = None
    # What the figures' scope needs said beyond each plan's own fit message (dataset_fit.shared_note: both plans
    # made on changed exports, so the accounts both hold are fewer than either one's message counts).
    notes: list[str] = field(default_factory=list)

    @property
    def moved(self) -> pd.DataFrame:
        return self.accounts.loc[self.accounts["moved"]]

    def flows(self, value: str = "accounts", include_kept: bool = False) -> pd.DataFrame:
        """Long from → to table of moved accounts: from, to (holder labels), accounts, arr_usd, pipeline."""
        acc = self.accounts.loc[self.accounts["change"] != "unassigned both"]
        acc = acc if include_kept else acc.loc[acc["change"] != "kept"]
        f = acc.assign(source=acc["from_owner_name"].fillna(UNASSIGNED), target=acc["to_owner_name"].fillna(UNASSIGNED))
        out = f.groupby(["source", "target"], as_index=False).agg(
            accounts=("account_id", "size"), arr_usd=("arr_usd", "sum"), open_pipeline_usd=("open_pipeline_usd", "sum"))
        return out.sort_values(value, ascending=False, kind="stable").reset_index(drop=True)

    def flow_matrix(self, value: str = "accounts") -> pd.DataFrame:
        """from (rows) × to (columns) matrix of ``value`` over accounts that changed holder."""
        f = self.flows(value)
        if f.empty:
            return pd.DataFrame()
        return f.pivot_table(index="source", columns="target", values=value, aggfunc="sum", fill_value=0)

    def most_disrupted_reps(self, n: int = 10) -> pd.DataFrame:
        """Reps ranked by relationships broken, then ARR moved (out + in), then accounts moved."""
        r = self.reps.loc[self.reps["rep_id"].notna()].copy()
        r["arr_moved_usd"] = r["arr_out_usd"] + r["arr_in_usd"]
        r["accounts_moved"] = r["lost"] + r["gained"]
        r = r.loc[r["accounts_moved"] > 0]
        return r.sort_values(["relationships_broken", "arr_moved_usd", "accounts_moved"], ascending=False,
                             kind="stable").head(n).reset_index(drop=True)

    def most_disrupted_customers(self, n: int = 10) -> pd.DataFrame:
        """Moved accounts ranked: broken relationships first, then ARR + open pipeline at stake."""
        m = self.accounts.loc[self.accounts["change"].isin(["moved", "unassigned"])].copy()
        m["at_stake_usd"] = m["arr_usd"] + m["open_pipeline_usd"]
        return m.sort_values(["relationship_broken", "at_stake_usd"], ascending=False, kind="stable").head(n) \
            .reset_index(drop=True)

    def for_manager(self, manager_id: str) -> "DisruptionReport":
        """The report restricted to one manager's team: their reps, and accounts leaving or joining the team."""
        acc = self.accounts
        mask = (acc["from_manager_id"] == manager_id) | (acc["to_manager_id"] == manager_id)
        reps = self.reps.loc[self.reps["manager_id"] == manager_id].reset_index(drop=True)
        mgr = self.managers.loc[self.managers["manager_id"] == manager_id].reset_index(drop=True)
        company = {**self.company, **(mgr.iloc[0].to_dict() if len(mgr) else {})}
        return replace(self, accounts=acc.loc[mask].reset_index(drop=True), reps=reps, managers=mgr,
                       company=company, manager_filter=manager_id)

    def for_user(self, user, reps: pd.DataFrame) -> "DisruptionReport":
        """What ``user`` may see: everything, or (a manager) their team only, with the headline figures
        computed over the team's accounts and reps instead of the company's."""
        from planning.access import team_rep_ids

        if user is None or team_rep_ids(user, reps) is None:
            return self
        team = self.for_manager(str(user.manager_id))
        return replace(team, company=_company(team.accounts, team.reps))

    def company_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"figure": list(self.company), "value": list(self.company.values())})

    def to_excel(self) -> bytes:
        """The whole report as an .xlsx (formula-injection safe): summary, accounts, reps, managers, flows."""
        summary = pd.concat([pd.DataFrame({"figure": ["plan A", "plan B", "as of", "renewal window (days)"],
                                           "value": [self.a_name, self.b_name, str(self.as_of.date()),
                                                     self.renewal_window_days]}),
                             self.company_frame()], ignore_index=True)
        summary["value"] = summary["value"].astype(str)
        from planning.reporting import label, present

        summary["figure"] = summary["figure"].map(label)
        acc = self.accounts.drop(columns=["lat", "lon", "from_holder", "to_holder"]).copy()
        acc["next_renewal_date"] = acc["next_renewal_date"].dt.strftime("%Y-%m-%d")
        return to_safe_excel({name: present(df) for name, df in {
            "Summary": summary,
            "Moved accounts": acc.loc[~acc["change"].isin(["kept", "unassigned both"])],
            "All accounts": acc,
            "Reps": self.reps,
            "Managers": self.managers,
            "Flows": self.flows(),
            "Most disrupted reps": self.most_disrupted_reps(25),
            "Most disrupted customers": self.most_disrupted_customers(50).drop(
                columns=["lat", "lon", "from_holder", "to_holder"]),
        }.items()})


def _holder_books(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Potential, workload and mean distance (miles) per holder from planning.plans.plan.metrics."""
    book = metrics(plan, accounts, reps)
    book["holder"] = book["owner_rep_id"].where(book["owner_rep_id"].notna(), book.index.to_series())
    book["dist_x_acc"] = book["mean_distance_mi"].fillna(0) * book["accounts"]
    g = book.groupby("holder").agg(potential_usd=("potential_usd", "sum"), workload_hours=("workload_hours", "sum"),
                                   dist_x_acc=("dist_x_acc", "sum"), accounts=("accounts", "sum"),
                                   territories=("name", "size"), segment=("segment", "first"),
                                   region=("region", "first"), territory_name=("name", "first"))
    g["mean_distance_mi"] = (g["dist_x_acc"] / g["accounts"].replace(0, np.nan))
    return g.drop(columns=["dist_x_acc"])


def disruption(a: Plan, b: Plan, accounts: pd.DataFrame, reps: pd.DataFrame, as_of,
               renewal_window_days: int = PlanningDefaults().renewal_window_days, *, user=None) -> DisruptionReport:
    """Compare plan ``a`` (before) with plan ``b`` (after); see the module docstring for every definition.

    With ``user`` (a :class:`planning.access.User`) the report is what they may see: a manager gets their team's
    reps and the accounts leaving or joining it (:meth:`DisruptionReport.for_user`); None is the trusted caller.
    A plan made on a changed export is read over the accounts both plans and the data hold (``shared_accounts``);
    when both plans differ from the data so that count is below either plan's own, ``notes`` says so (as Compare's).
    """
    if user is not None:
        from planning.access import Permission, require

        require(user, Permission.VIEW_PLANS)
    as_of = pd.Timestamp(as_of).normalize()
    whole, accounts = accounts, shared_accounts(accounts, (a, b))  # never "unassigned" for an account one plan lacks
    notes = [n for n in (shared_note(whole, accounts, (a, b)),) if n]
    acc = accounts.set_index("account_id")
    ids = acc.index
    ta, oa, ha = holders(a, ids)
    tb, ob, hb = holders(b, ids)
    rp = reps.set_index("rep_id")
    names = rp["name"]
    mgr_of = rp["manager_id"]

    who = people(reps)  # "Liam Turner (R-010)"

    def label(owner: pd.Series, holder: pd.Series, plan: Plan) -> pd.Series:
        lab = owner.map(who)
        open_name = holder.map(plan.territories["name"])
        return lab.where(lab.notna(), ("Open: " + open_name.fillna(holder).astype(str)).where(holder.notna()))

    change = changes(ha, hb)
    renew = pd.to_datetime(acc["next_renewal_date"], errors="coerce")
    days = (renew - as_of).dt.days
    in_window = days.between(0, renewal_window_days).fillna(False).astype(bool)
    pipeline = acc["open_pipeline_usd"].fillna(0.0).astype(float)
    arr = acc["arr_usd"].fillna(0.0).astype(float)
    left = pd.Series(np.isin(change, ["moved", "unassigned"]), index=ids)
    broken = left & oa.notna() & ((pipeline > 0) | in_window)

    frame = pd.DataFrame({
        "name": acc["name"], "segment": acc.get("segment"), "region": acc.get("region"),
        "change": change, "moved": change == "moved",
        "from_territory": ta, "to_territory": tb, "from_holder": ha, "to_holder": hb,
        "from_owner_name": label(oa, ha, a), "to_owner_name": label(ob, hb, b),
        "from_manager_id": oa.map(mgr_of), "to_manager_id": ob.map(mgr_of),
        "arr_usd": arr, "open_pipeline_usd": pipeline, "potential_usd": acc["potential_usd"].fillna(0.0).astype(float),
        "next_renewal_date": renew, "days_to_renewal": days, "renewal_in_window": in_window,
        "relationship_broken": broken, "lat": acc.get("lat"), "lon": acc.get("lon"),
    }, index=ids).reset_index()[ACCOUNT_COLUMNS]

    reps_df = _rep_rows(frame, a, b, accounts, reps)
    managers_df = _manager_rows(frame, reps_df, reps)
    company = _company(frame, reps_df)
    report = DisruptionReport(a.name, b.name, as_of, int(renewal_window_days), frame, reps_df, managers_df, company,
                              notes=notes)
    return report.for_user(user, reps)


def _rep_rows(f: pd.DataFrame, a: Plan, b: Plan, accounts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    holders = pd.Index(sorted(set(f["from_holder"].dropna()) | set(f["to_holder"].dropna())
                              | set(_owners_or_territories(a)) | set(_owners_or_territories(b))), name="holder")
    rp = reps.set_index("rep_id")

    def sums(mask: pd.Series, key: str) -> pd.DataFrame:
        g = f.loc[mask].groupby(key)
        return pd.DataFrame({"n": g.size(), "arr": g["arr_usd"].sum(), "pipe": g["open_pipeline_usd"].sum(),
                             "broken": g["relationship_broken"].sum()}).reindex(holders, fill_value=0)

    kept_mask = f["change"] == "kept"
    before = sums(f["from_holder"].notna(), "from_holder")
    after = sums(f["to_holder"].notna(), "to_holder")
    kept = sums(kept_mask, "from_holder")
    lost = sums(f["from_holder"].notna() & ~kept_mask, "from_holder")
    gained = sums(f["to_holder"].notna() & ~kept_mask, "to_holder")
    ba, bb = _holder_books(a, accounts, reps), _holder_books(b, accounts, reps)

    out = pd.DataFrame(index=holders)
    is_rep = holders.isin(rp.index)
    out["rep_id"] = np.where(is_rep, holders, None)
    out["name"] = pd.Series(holders, index=holders).map(rp["name"])
    terr_name = bb["territory_name"].combine_first(ba["territory_name"]).reindex(holders)
    out["name"] = out["name"].fillna("Open: " + terr_name.fillna(pd.Series(holders, index=holders)).astype(str))
    out["manager_id"] = pd.Series(holders, index=holders).map(rp["manager_id"])
    out["manager_name"] = out["manager_id"].map(rp["name"])
    out["segment"] = pd.Series(holders, index=holders).map(rp["segment"]).fillna(
        bb["segment"].combine_first(ba["segment"]).reindex(holders))
    out["region"] = pd.Series(holders, index=holders).map(rp["region"]).fillna(
        bb["region"].combine_first(ba["region"]).reindex(holders))
    out["accounts_before"] = before["n"].astype(int)
    out["kept"] = kept["n"].astype(int)
    out["lost"] = lost["n"].astype(int)
    out["gained"] = gained["n"].astype(int)
    out["accounts_after"] = after["n"].astype(int)
    out["arr_before_usd"] = before["arr"]
    out["arr_kept_usd"] = kept["arr"]
    out["arr_out_usd"] = lost["arr"]
    out["arr_in_usd"] = gained["arr"]
    out["arr_after_usd"] = after["arr"]
    out["pipeline_out_usd"] = lost["pipe"]
    out["pipeline_in_usd"] = gained["pipe"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_accounts_retained"] = (out["kept"] / out["accounts_before"].replace(0, np.nan)).astype(float)
        out["pct_arr_retained"] = (out["arr_kept_usd"] / out["arr_before_usd"].replace(0, np.nan)).astype(float)
    out["relationships_broken"] = lost["broken"].astype(int)
    for col, src in (("potential", "potential_usd"), ("workload", "workload_hours")):
        unit = "usd" if col == "potential" else "hours"
        out[f"{col}_before_{unit}"] = ba[src].reindex(holders).fillna(0.0)
        out[f"{col}_after_{unit}"] = bb[src].reindex(holders).fillna(0.0)
        out[f"{col}_change_{unit}"] = out[f"{col}_after_{unit}"] - out[f"{col}_before_{unit}"]
    out["distance_before_mi"] = ba["mean_distance_mi"].reindex(holders)
    out["distance_after_mi"] = bb["mean_distance_mi"].reindex(holders)
    out["distance_change_mi"] = out["distance_after_mi"] - out["distance_before_mi"]
    return out.reset_index()


def _owners_or_territories(plan: Plan) -> list[str]:
    t = plan.territories
    return list(t["owner_rep_id"].where(t["owner_rep_id"].notna(), t.index.to_series()))


def _manager_rows(f: pd.DataFrame, reps_df: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    fm = f["from_manager_id"].where(f["from_holder"].notna())
    tm = f["to_manager_id"].where(f["to_holder"].notna())
    fm = fm.where(fm.notna() | f["from_holder"].isna(), NO_MANAGER)
    tm = tm.where(tm.notna() | f["to_holder"].isna(), NO_MANAGER)
    names = reps.set_index("rep_id")["name"]
    mgrs = sorted(set(fm.dropna()) | set(tm.dropna()) | set(reps_df["manager_id"].fillna(NO_MANAGER)))
    rows = []
    for m in mgrs:
        was, now = fm == m, tm == m
        kept = was & now
        lost, gained = was & ~now, now & ~was
        team = reps_df["manager_id"].fillna(NO_MANAGER) == m
        rows.append({
            "manager_id": m, "manager_name": names.get(m, m),
            "reps": int((team & reps_df["rep_id"].notna()).sum()),
            "accounts_before": int(was.sum()), "kept": int(kept.sum()),
            "moved_within_team": int((kept & (f["change"] != "kept")).sum()),
            "lost": int(lost.sum()), "gained": int(gained.sum()), "accounts_after": int(now.sum()),
            "arr_before_usd": float(f.loc[was, "arr_usd"].sum()), "arr_out_usd": float(f.loc[lost, "arr_usd"].sum()),
            "arr_in_usd": float(f.loc[gained, "arr_usd"].sum()), "arr_after_usd": float(f.loc[now, "arr_usd"].sum()),
            "pipeline_out_usd": float(f.loc[lost, "open_pipeline_usd"].sum()),
            "pipeline_in_usd": float(f.loc[gained, "open_pipeline_usd"].sum()),
            "relationships_broken": int(reps_df.loc[team, "relationships_broken"].sum()),
            "rep_accounts_moved": int(reps_df.loc[team, "lost"].sum()),
            "potential_change_usd": float(reps_df.loc[team, "potential_change_usd"].sum()),
            "workload_change_hours": float(reps_df.loc[team, "workload_change_hours"].sum()),
            "distance_change_mi": float(reps_df.loc[team, "distance_change_mi"].mean()) if team.any() else np.nan,
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_accounts_retained"] = out["kept"] / out["accounts_before"].replace(0, np.nan)
        out["pct_arr_retained"] = (out["arr_before_usd"] - out["arr_out_usd"]) / out["arr_before_usd"].replace(0, np.nan)
    return out


def _company(f: pd.DataFrame, reps_df: pd.DataFrame) -> dict:
    moved = f["moved"]
    affected = reps_df.loc[reps_df["rep_id"].notna() & ((reps_df["lost"] + reps_df["gained"]) > 0)]
    figs = movement(f["change"], f["arr_usd"])
    return {
        **{k: figs[k] for k in ("accounts", "accounts_moved", "pct_accounts_moved", "arr_usd", "arr_moved_usd",
                                "pct_arr_moved")},
        "pipeline_moved_usd": float(f.loc[moved, "open_pipeline_usd"].sum()),
        "newly_assigned": figs["newly_assigned"],
        "newly_unassigned": figs["newly_unassigned"],
        "relationships_broken": int(f["relationship_broken"].sum()),
        "renewals_in_window_moved": int((moved & f["renewal_in_window"]).sum()),
        "moved_with_open_pipeline": int((moved & (f["open_pipeline_usd"] > 0)).sum()),
        "reps_affected": int(len(affected)),
    }


# ---------------------------------------------------------------------------- printable manager summary
