"""CRM round trip: export an approved plan in CRM import shapes, and detect data changes since a plan was made.

Export shapes (Salesforce Data Loader / Enterprise Territory Management style; other CRMs take the same columns):

* ``account_owners``      Id, OwnerId – one row per account whose new owner has a CRM user id
  (Data Loader "update" on Account).  ``changed_only`` keeps the accounts whose owner changes.
* ``territories``         DeveloperName, Name, ParentTerritory, Segment, Region (Territory2).
* ``territory_users``     Territory2DeveloperName, UserId, RoleInTerritory2 (UserTerritory2Association).
* ``account_territories`` ObjectId, Territory2DeveloperName, AssociationCause (ObjectTerritory2Association).
* ``quotas``              UserId, Territory2DeveloperName, StartDate, EndDate, QuotaAmount (one row per
  quarter when quarterly quotas are given, else one annual row) – only with a quota table.
* ``skipped``             accounts that cannot be imported, with the reason (unassigned, open territory,
  owner without a CRM user id).
* ``rules``               with the plan's accounts: its territory definitions as ETM assignment rules
  (ObjectTerritory2AssignmentRule, …RuleItem, RuleTerritory2Association, named accounts as
  ObjectTerritory2Association Territory2Manual) and the flat ``territory_rules.csv``
  (:func:`planning.territories.etm_export`; what was split or cannot fit is in ``rules.problems``).

Change detection compares a newer CRM account export with a saved plan and the account data the plan
was made from (the *baseline*):

* ``new_account``      in the export, not in the plan;
* ``deleted_account``  in the plan, not in the export (rows the export rejected are not counted as deleted);
* ``owner_change``     the CRM owner differs from both the baseline owner and the plan's owner, i.e. someone
  re-assigned it outside the plan (CRM owner = plan owner means the plan was applied; CRM owner =
  baseline owner ≠ plan owner means it is not applied yet; neither is a change);
* ``arr_change``       ARR differs from the baseline by at least ``arr_threshold_usd``.

:func:`apply_changes` accepts or rejects each change into the plan and returns a new plan (save it to get a
new version): an accepted new account or owner change goes to the territory its CRM owner holds in the plan
(unassigned when that owner holds none), an accepted deletion drops the account, a rejected change keeps the
plan as it was; ARR changes do not move accounts, the decision is recorded in ``settings["crm_changes"]``.

Shells reach change detection through :meth:`planning.access.ScopedView.crm_changes`, which cuts the plan, the
export and the baseline to what the user may see (a manager: their team's accounts, other teams' reps and
territories named "(another team)") before calling :func:`detect_changes`; applying needs ``edit_plans``.
"""
from __future__ import annotations

import dataclasses
import io
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.data.files import read_table, to_safe_csv, to_safe_excel
from planning.plans.plan import Plan
from planning.data.cross_checks import resolve_owners
from planning.data.validation import TableResult, validate_table

CHANGE_TYPES = ("new_account", "deleted_account", "owner_change", "arr_change")


@dataclass
class CrmExport:
    """The import files for one plan (see module doc); ``files()`` names them."""

    plan_name: str
    account_owners: pd.DataFrame
    territories: pd.DataFrame
    territory_users: pd.DataFrame
    account_territories: pd.DataFrame
    quotas: pd.DataFrame | None
    skipped: pd.DataFrame
    manifest: dict | None = None  # who approved and who published this version (planning.plans.review.publish)
    rules: object | None = None  # planning.territories.EtmExport: the ETM assignment rules, with the accounts

    def files(self) -> dict[str, pd.DataFrame]:
        out = {"account_owners.csv": self.account_owners, "territories.csv": self.territories,
               "territory_users.csv": self.territory_users, "account_territories.csv": self.account_territories}
        if self.quotas is not None:
            out["quotas.csv"] = self.quotas
        out["skipped_accounts.csv"] = self.skipped
        if self.rules is not None:
            out.update(self.rules.files())
        return out

    def to_zip(self) -> bytes:
        """Every file as formula-safe CSV in one zip."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, df in self.files().items():
                z.writestr(name, to_safe_csv(df))
            if self.manifest is not None:
                z.writestr("manifest.json", self.manifest_json())
            if self.rules is not None:
                z.writestr("etm_README.txt", self.rules.readme())
        return buf.getvalue()

    def manifest_json(self) -> str:
        import json

        return json.dumps(self.manifest, indent=2, default=str)

    def to_excel(self) -> bytes:
        return to_safe_excel({name.removesuffix(".csv"): df for name, df in self.files().items()})

    def counts(self) -> dict[str, int]:
        return {name: len(df) for name, df in self.files().items()}


def _crm_ids(reps: pd.DataFrame) -> pd.Series:
    ids = reps.set_index("rep_id")["crm_user_id"] if "crm_user_id" in reps else pd.Series(dtype=object)
    return ids.where(ids.astype(str).str.strip().ne("") & ids.notna())


def crm_export(plan: Plan, reps: pd.DataFrame, *, before: Plan | None = None, changed_only: bool = False,
               quotas=None, plan_year: int | None = None, manifest: dict | None = None,
               accounts: pd.DataFrame | None = None, segment_field: str | None = None,
               model_id: str = "") -> CrmExport:
    """The CRM import files for ``plan``.

    ``before`` (e.g. the current CRM plan) with ``changed_only`` limits the owner file to accounts whose
    owner changes.  ``quotas`` is a :class:`planning.compensation.quota.QuotaResult` or a frame indexed (or keyed) by
    territory_id with ``quota_usd`` (and optional ``Q1_quota_usd``..``Q4_quota_usd``); ``plan_year`` dates
    the quota rows.  With ``accounts`` (the data the plan was made from) the territory definitions are added as
    ETM assignment rules (``rules``): ``segment_field`` is the Salesforce Account field holding the segment
    (default ``Segment__c``) and ``model_id`` the Territory2Model Id the rules belong to (blank: the importer fills it).
    """
    crm = _crm_ids(reps)
    terr = plan.territories
    owner = plan.owners()
    user = owner.map(crm)
    reason = pd.Series("", index=owner.index, dtype=object)
    reason[plan.assignment.isna()] = "unassigned in the plan"
    reason[plan.assignment.notna() & owner.isna()] = "open territory (planned hire): no owner yet"
    reason[owner.notna() & user.isna()] = "owner has no CRM user id in the reps table"
    ok = reason == ""
    owners = pd.DataFrame({"Id": owner.index[ok], "OwnerId": user[ok].to_numpy()})
    if changed_only and before is not None:
        prev = before.owners().reindex(owners["Id"]).map(crm).to_numpy()
        owners = owners.loc[owners["OwnerId"].to_numpy() != prev].reset_index(drop=True)
    skipped = pd.DataFrame({"account_id": owner.index[~ok], "territory_id": plan.assignment[~ok].to_numpy(),
                            "owner_rep_id": owner[~ok].to_numpy(), "reason": reason[~ok].to_numpy()})

    t = terr.reset_index()
    territories = pd.DataFrame({"DeveloperName": t["territory_id"].map(developer_name), "Name": t["name"],
                                "ParentTerritory": t["area"], "Segment": t["segment"], "Region": t["region"]})
    has_user = t["owner_rep_id"].map(crm)
    tu = t.assign(UserId=has_user).dropna(subset=["UserId"])
    territory_users = pd.DataFrame({"Territory2DeveloperName": tu["territory_id"].map(developer_name),
                                    "UserId": tu["UserId"], "RoleInTerritory2": "Owner"}).reset_index(drop=True)
    assigned = plan.assignment.dropna()
    account_territories = pd.DataFrame({"ObjectId": assigned.index,
                                        "Territory2DeveloperName": assigned.map(developer_name).to_numpy(),
                                        "AssociationCause": "Territory2Manual"})
    quota_rows = _quota_rows(quotas, terr, crm, plan_year) if quotas is not None else None
    rules = None
    if accounts is not None:
        from planning.territories import derive_definitions, etm_export  # lazy: plans load without territories

        from planning.territories import DEFAULT_SEGMENT_FIELD

        rules = etm_export(derive_definitions(plan, accounts), segment_field=segment_field or DEFAULT_SEGMENT_FIELD,
                           model_id=model_id)
    return CrmExport(plan.name, owners, territories, territory_users, account_territories, quota_rows, skipped,
                     manifest, rules)


def developer_name(territory_id) -> str:
    """A CRM API name for a territory id: letters, digits and underscores, starting with a letter."""
    s = "".join(c if c.isalnum() else "_" for c in str(territory_id)).strip("_")
    return s if s[:1].isalpha() else f"T_{s}"


def _quota_rows(quotas, terr: pd.DataFrame, crm: pd.Series, plan_year: int | None) -> pd.DataFrame:
    table = quotas
    if hasattr(quotas, "table"):  # a QuotaResult
        table = quotas.table.join(quotas.quarterly_wide())
        plan_year = plan_year or quotas.plan_year
    table = table.set_index("territory_id") if "territory_id" in table.columns else table
    if "quota_usd" not in table:
        raise ValueError("quota table: needs a quota_usd column (annual USD per territory)")
    year = int(plan_year or pd.Timestamp.today().year)
    owner = table.get("owner_rep_id", pd.Series(index=table.index, dtype=object))
    owner = owner.fillna(terr["owner_rep_id"].reindex(table.index))
    user = owner.map(crm)
    quarters = [c for c in ("Q1_quota_usd", "Q2_quota_usd", "Q3_quota_usd", "Q4_quota_usd") if c in table]
    rows = []
    for tid, r in table.iterrows():
        base = {"UserId": user.get(tid), "Territory2DeveloperName": developer_name(tid)}
        if len(quarters) == 4:
            for q, col in enumerate(quarters):
                start = pd.Timestamp(year, 3 * q + 1, 1)
                rows.append({**base, "StartDate": start.date().isoformat(),
                             "EndDate": (start + pd.offsets.QuarterEnd(0)).date().isoformat(),
                             "QuotaAmount": round(float(r[col]), 2)})
        else:
            rows.append({**base, "StartDate": f"{year}-01-01", "EndDate": f"{year}-12-31",
                         "QuotaAmount": round(float(r["quota_usd"]), 2)})
    return pd.DataFrame(rows, columns=["UserId", "Territory2DeveloperName", "StartDate", "EndDate", "QuotaAmount"])


def plan_from_assignment(frame: pd.DataFrame, base_territories: pd.DataFrame, rep_names: pd.Series | None = None,
                         name: str = "Imported plan", note: str = "") -> Plan:
    """A Plan from an assignment table (account_id, territory_id[, owner_rep_id]), e.g. ``Plan.to_frame()``.

    With ``owner_rep_id`` the territories and their owners come from the file (names from
    ``base_territories`` where the id is known, else the owner's name); without it the territory ids must
    be those of ``base_territories`` (unknown ids become open territories named by their id).
    """
    missing = {"account_id", "territory_id"} - set(frame.columns)
    if missing:
        raise ValueError(f"assignment: missing column(s) {', '.join(sorted(missing))} (need account_id, territory_id)")
    df = frame.astype(object).where(frame.notna() & frame.astype(str).ne(""), None)
    if df["account_id"].isna().any():
        raise ValueError(f"assignment: row {int(df['account_id'].isna().idxmax()) + 2} has no account_id")
    dup = df["account_id"].astype(str).duplicated()
    if dup.any():
        raise ValueError(f"assignment: account {df.loc[dup, 'account_id'].iloc[0]} appears more than once")
    if "owner_rep_id" in df.columns:
        pairs = df.dropna(subset=["territory_id"]).drop_duplicates("territory_id").set_index("territory_id")
        terr = base_territories.reindex(pairs.index)
        terr["owner_rep_id"] = pairs["owner_rep_id"]
        names = rep_names if rep_names is not None else pd.Series(dtype=object)
        terr["name"] = terr["name"].fillna(pairs["owner_rep_id"].map(names)).fillna(terr.index.to_series())
    else:
        ids = pd.Index(df["territory_id"].dropna().astype(str).unique())
        terr = base_territories.reindex(base_territories.index.union(ids))
        terr["name"] = terr["name"].fillna(terr.index.to_series())
    return Plan(name, pd.Series(df["territory_id"].to_numpy(), index=df["account_id"].astype(str), dtype=object),
                terr, kind="edited", note=note)


# ---------------------------------------------------------------------------- change detection
def load_crm_accounts(source, reps: pd.DataFrame, *, mapping: dict[str, str] | None = None, settings=None,
                      file: str | None = None) -> TableResult:
    """Read and validate a newer CRM account export; owners resolve against ``reps`` (id, name or CRM id).

    Raises :class:`planning.data.files.FileError` for a file that cannot be used; row problems land in
    ``result.rejects`` / ``result.issues``.
    """
    raw = read_table(source, file)
    result = validate_table(raw, "accounts", mapping, settings)
    resolve_owners(result, reps)
    return result


@dataclass
class DataChanges:
    """What changed in the CRM since a plan was made; ``changes`` has one row per change (see module doc)."""

    plan_name: str
    changes: pd.DataFrame
    rejected_rows: int = 0

    def counts(self) -> dict[str, int]:
        vc = self.changes["change_type"].value_counts() if len(self.changes) else pd.Series(dtype=int)
        return {t: int(vc.get(t, 0)) for t in CHANGE_TYPES}


CHANGE_COLUMNS = ["change_id", "change_type", "account_id", "name", "segment", "baseline_owner", "plan_owner",
                  "crm_owner", "plan_territory", "proposed_territory", "arr_before_usd", "arr_after_usd",
                  "arr_change_usd", "detail", "accept"]


def detect_changes(plan: Plan, new_accounts: pd.DataFrame, baseline_accounts: pd.DataFrame,
                   reps: pd.DataFrame | None = None, *, arr_threshold_usd: float = 0.0,
                   rejected_ids=()) -> DataChanges:
    """Changes in ``new_accounts`` (a validated newer export) against ``plan`` and the data it was made from.

    ``rejected_ids``: account ids the new export had but rejected on validation (not reported as deleted).
    ``accept`` starts True for every change; the user unticks what the plan should not take.
    """
    names = reps.set_index("rep_id")["name"] if reps is not None else pd.Series(dtype=object)
    new = new_accounts.drop_duplicates("account_id").set_index("account_id")
    new.index = new.index.astype(str)
    base = baseline_accounts.drop_duplicates("account_id").set_index("account_id")
    base.index = base.index.astype(str)
    plan_ids = plan.assignment.index
    plan_owner = plan.owners()
    owner_terr = _owner_territory(plan)
    rejected = {str(x) for x in rejected_ids}
    rows = []

    def nm(rep):
        return names.get(rep, rep) if isinstance(rep, str) else None

    for aid in new.index.difference(plan_ids):
        r = new.loc[aid]
        crm_owner = r.get("owner_rep_id")
        prop = owner_terr.get(crm_owner) if isinstance(crm_owner, str) else None
        rows.append(dict(change_type="new_account", account_id=aid, name=r.get("name"), segment=r.get("segment"),
                         crm_owner=nm(crm_owner), proposed_territory=prop, arr_after_usd=float(r.get("arr_usd") or 0),
                         detail=f"new in CRM, owner {nm(crm_owner) or 'none'}; "
                                + (f"goes to {prop}" if prop else "no territory of that owner in the plan: unassigned")))
    for aid in plan_ids.difference(new.index):
        if aid in rejected:
            continue
        b = base.loc[aid] if aid in base.index else pd.Series(dtype=object)
        rows.append(dict(change_type="deleted_account", account_id=aid, name=b.get("name"), segment=b.get("segment"),
                         plan_owner=nm(plan_owner.get(aid)), plan_territory=plan.assignment.get(aid),
                         arr_before_usd=float(b.get("arr_usd") or 0), detail="no longer in the CRM export"))
    both = plan_ids.intersection(new.index)
    crm_own = new.loc[both, "owner_rep_id"]
    base_own = base["owner_rep_id"].reindex(both)
    p_own = plan_owner.reindex(both)

    def differs(x: pd.Series, y: pd.Series) -> pd.Series:
        return ~((x == y) | (x.isna() & y.isna()))

    outside = differs(crm_own, base_own) & differs(crm_own, p_own)
    for aid in both[outside.to_numpy()]:
        o = crm_own[aid]
        prop = owner_terr.get(o) if isinstance(o, str) else None
        rows.append(dict(change_type="owner_change", account_id=aid, name=new.at[aid, "name"],
                         segment=new.at[aid, "segment"], baseline_owner=nm(base_own[aid]), plan_owner=nm(p_own[aid]),
                         crm_owner=nm(o), plan_territory=plan.assignment.get(aid), proposed_territory=prop,
                         arr_after_usd=float(new.at[aid, "arr_usd"] or 0),
                         detail=f"re-assigned in CRM to {nm(o) or 'nobody'} outside the plan (plan: "
                                f"{nm(p_own[aid]) or 'unassigned'})"
                                + ("" if prop or not isinstance(o, str) else "; that owner holds no territory in the plan")))
    a0 = base["arr_usd"].reindex(both).fillna(0.0).astype(float)
    a1 = new.loc[both, "arr_usd"].fillna(0.0).astype(float)
    delta = a1 - a0
    moved_arr = (delta.abs() >= max(arr_threshold_usd, 1e-9)) & base["arr_usd"].reindex(both).notna().to_numpy()
    for aid in both[moved_arr.to_numpy()]:
        rows.append(dict(change_type="arr_change", account_id=aid, name=new.at[aid, "name"],
                         segment=new.at[aid, "segment"], plan_owner=nm(p_own[aid]), plan_territory=plan.assignment.get(aid),
                         arr_before_usd=a0[aid], arr_after_usd=a1[aid], arr_change_usd=delta[aid],
                         detail=f"ARR {a0[aid]:,.0f} → {a1[aid]:,.0f} USD"))
    df = pd.DataFrame(rows).reindex(columns=CHANGE_COLUMNS)
    if len(df):
        order = {t: i for i, t in enumerate(CHANGE_TYPES)}
        df = df.sort_values(["change_type", "account_id"], key=lambda s: s.map(order) if s.name == "change_type" else s,
                            kind="stable").reset_index(drop=True)
        df["change_id"] = df["change_type"] + ":" + df["account_id"].astype(str)
        df["accept"] = True
    else:
        df["accept"] = df["accept"].astype(bool)
    return DataChanges(plan.name, df, rejected_rows=len(rejected))


def _owner_territory(plan: Plan) -> dict[str, str]:
    """rep_id → the first territory it owns in the plan."""
    t = plan.territories.reset_index().dropna(subset=["owner_rep_id"]).drop_duplicates("owner_rep_id")
    return dict(zip(t["owner_rep_id"], t["territory_id"]))


def apply_changes(plan: Plan, changes: pd.DataFrame, *, name: str | None = None, source: str = "") -> Plan:
    """A new plan with the accepted changes applied (``accept`` column); see module doc."""
    a = plan.assignment.copy()
    acc = changes.loc[changes["accept"].astype(bool)] if len(changes) else changes
    for _, c in acc.iterrows():
        aid, kind = str(c["account_id"]), c["change_type"]
        target = c["proposed_territory"] if isinstance(c["proposed_territory"], str) else np.nan
        if kind == "new_account":
            a.loc[aid] = target
        elif kind == "deleted_account":
            a = a.drop(aid, errors="ignore")
        elif kind == "owner_change":
            a.loc[aid] = target
    log = dict(plan.settings.get("crm_changes") or {})
    history = list(log.get("history", []))
    history.append({"source": source, "applied_at": pd.Timestamp.now(tz="UTC").isoformat(),
                    "accepted": changes.loc[changes["accept"].astype(bool), "change_id"].tolist() if len(changes) else [],
                    "rejected": changes.loc[~changes["accept"].astype(bool), "change_id"].tolist() if len(changes) else []})
    settings = {**plan.settings, "crm_changes": {"history": history}}
    n_acc = int(changes["accept"].astype(bool).sum()) if len(changes) else 0
    note = (plan.note + "\n" if plan.note else "") + \
        f"CRM changes{' from ' + source if source else ''}: {n_acc} accepted, {len(changes) - n_acc} rejected"
    return dataclasses.replace(plan, name=name or plan.name, assignment=a, territories=plan.territories.copy(),
                               settings=settings, note=note, kind="edited")


def crm_frame(plan: Plan, reps: pd.DataFrame, accounts: pd.DataFrame, reasons: pd.Series | None = None) -> pd.DataFrame:
    """A carve proposal as a CRM-ready table: account, new and old owner (id, name, CRM user id), territory, whether
    it moved and why (``reasons``: account_id → reason)."""
    names = reps.set_index("rep_id")["name"]
    crm = reps.set_index("rep_id")["crm_user_id"] if "crm_user_id" in reps else pd.Series(dtype=object)
    acc = accounts.set_index("account_id")
    new_owner = plan.owners().reindex(acc.index)
    out = pd.DataFrame({
        "account_id": acc.index,
        "account_name": acc["name"].to_numpy(),
        "new_owner_id": new_owner.to_numpy(),
        "new_owner_name": new_owner.map(names).to_numpy(),
        "new_owner_crm_user_id": new_owner.map(crm).to_numpy(),
        "old_owner_id": acc["owner_rep_id"].to_numpy(),
        "old_owner_name": acc["owner_rep_id"].map(names).to_numpy(),
        "territory_id": plan.assignment.reindex(acc.index).to_numpy(),
        "territory_name": plan.assignment.reindex(acc.index).map(plan.territories["name"]).to_numpy(),
    })
    out["moved"] = out["new_owner_id"].astype(object).fillna("") != out["old_owner_id"].astype(object).fillna("")
    out["reason"] = out["account_id"].map(reasons) if reasons is not None else ""
    out["reason"] = out["reason"].fillna("")
    return out
