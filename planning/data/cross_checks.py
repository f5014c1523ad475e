"""Checks across tables, after each table is validated: account owners and rep managers given by id, name or
CRM user id, and history rows for people not in the reps table.

No cascades: an account whose owner's own row was rejected loads without an owner and a warning names that row;
an account whose owner is in no file loads unassigned with a warning.  Either way the owner as written is kept in
``owner_rep_id_as_written``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.data.field_problems import as_written_column
from planning.data.files import SOURCE_ROW
from planning.data.validation_report import WARNING, Issue, TableResult


def _owner_keys(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """(key, rep row) pairs: every non-blank value of ``cols``, lower-cased, for owner look-ups."""
    parts = [pd.DataFrame({"key": frame[c].astype(str).str.strip().str.lower(), "pos": np.arange(len(frame))})
             for c in cols if c in frame.columns]
    keys = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"key": [], "pos": []})
    return keys.loc[~keys["key"].isin(["", "nan", "none"])].drop_duplicates("key")


def resolve_owners(accounts: TableResult, reps: pd.DataFrame, reps_result: TableResult | None = None) -> None:
    """Resolve account owners given as rep_id, name or CRM user id.

    An owner whose own row in the reps file was rejected does not take the account down with it: the account
    loads without an owner and a warning names the rep's row.  An owner found in no file loads the account
    unassigned, with a warning.  The owner as written stays in ``owner_rep_id_as_written``.
    """
    if accounts.clean.empty:
        return
    df = accounts.clean
    keys = _owner_keys(reps, ["crm_user_id", "name", "rep_id"])
    lookup = pd.Series(reps["rep_id"].to_numpy()[keys["pos"].astype(int).to_numpy()], index=keys["key"].to_numpy())
    owner_key = df["owner_rep_id"].astype(str).str.strip().str.lower()
    resolved = owner_key.map(lookup).where(df["owner_rep_id"].notna())
    shared = _unassign_shared_names(accounts, df, reps, owner_key, resolved)
    resolved = resolved.where(~shared)
    unknown = df["owner_rep_id"].notna() & resolved.isna()
    rejected_owner = pd.Series(False, index=df.index)
    if unknown.any() and reps_result is not None and len(reps_result.rejects):
        rj = reps_result.rejects
        src_cols = [k for k, v in reps_result.mapping.items() if v in ("rep_id", "name", "crm_user_id")]
        rkeys = _owner_keys(rj, src_cols)
        row_of = pd.Series(rj[SOURCE_ROW].to_numpy()[rkeys["pos"].astype(int).to_numpy()], index=rkeys["key"].to_numpy())
        why_of = pd.Series(rj["reasons"].to_numpy()[rkeys["pos"].astype(int).to_numpy()], index=rkeys["key"].to_numpy())
        rep_row = owner_key.where(unknown).map(row_of)
        rejected_owner = unknown & rep_row.notna()
        for idx in rejected_owner[rejected_owner].index:
            k = owner_key.at[idx]
            accounts.issues.append(Issue(
                "accounts", accounts.file, int(df.at[idx, SOURCE_ROW]), "owner_rep_id", str(df.at[idx, "owner_rep_id"]),
                f"owner's row was rejected ({reps_result.file}, row {int(row_of[k])}: {why_of[k]}); "
                "the account is loaded without an owner", WARNING))
    bad = unknown & ~rejected_owner & ~shared
    where = f" ({reps_result.file})" if reps_result is not None else ""
    msg = (f"unknown owner: not a rep_id, name or CRM user id in the reps file{where}; "
           "the account is loaded unassigned")
    for idx in bad[bad].index:
        accounts.issues.append(Issue("accounts", accounts.file, int(df.at[idx, SOURCE_ROW]), "owner_rep_id",
                                     str(df.at[idx, "owner_rep_id"]), msg, WARNING))
    if unknown.any():
        df[as_written_column("owner_rep_id")] = _as_written(accounts, df, "owner_rep_id").where(unknown)
    accounts.clean = df.assign(owner_rep_id=resolved).reset_index(drop=True)
    assert accounts.counts_add_up


def _unassign_shared_names(accounts: TableResult, df: pd.DataFrame, reps: pd.DataFrame, owner_key: pd.Series,
                           resolved: pd.Series) -> pd.Series:
    """Accounts whose owner is written as a name two people in the reps file share (a mask): not guessed, the
    account loads unassigned (kept in ``owner_rep_id_as_written``) with a warning naming the people."""
    names = reps["name"].astype(str).str.strip().str.lower()
    ids = set(reps["rep_id"].astype(str).str.strip().str.lower())
    if "crm_user_id" in reps:
        ids |= set(reps["crm_user_id"].dropna().astype(str).str.strip().str.lower())
    shared = names[names.duplicated(keep=False) & ~names.isin(ids)]
    hit = owner_key.isin(set(shared)) & resolved.notna()
    for idx in hit[hit].index:
        people = ", ".join(reps.loc[names == owner_key.at[idx], "rep_id"].astype(str))
        accounts.issues.append(Issue(
            "accounts", accounts.file, int(df.at[idx, SOURCE_ROW]), "owner_rep_id", str(df.at[idx, "owner_rep_id"]),
            f"owner name shared by {people} in the reps file; the account is loaded unassigned (give the owner's id)",
            WARNING))
    return hit


def _as_written(result: TableResult, df: pd.DataFrame, column: str) -> pd.Series:
    """``column``'s cells exactly as written in the file, aligned to ``df`` by source row."""
    src = [k for k, v in result.mapping.items() if v == column]
    orig = result.original
    if not src or orig is None or src[0] not in orig:
        return df[column].astype(object)
    return df[SOURCE_ROW].map(orig.set_index(SOURCE_ROW)[src[0]]).astype(object)


def _reject_rows(result: TableResult, source_rows: pd.Series, reason: str) -> None:
    """Move rows rejected by a cross-table check to ``rejects`` with every original cell."""
    orig = result.original
    if orig is not None:
        rej = orig.loc[orig[SOURCE_ROW].isin(set(source_rows))].copy()
    else:
        rej = pd.DataFrame({SOURCE_ROW: source_rows.to_numpy()})
    rej["reasons"] = reason
    rej = rej[[SOURCE_ROW] + [c for c in rej.columns if c not in (SOURCE_ROW, "reasons")] + ["reasons"]]
    result.rejects = pd.concat([result.rejects, rej], ignore_index=True).sort_values(SOURCE_ROW).reset_index(drop=True)


def check_rep_references(reps: TableResult) -> None:
    df = reps.clean
    # Managers given by name or CRM user id (Salesforce's "Manager" column holds a full name) → rep_id.
    keys = _owner_keys(df, ["crm_user_id", "name", "rep_id"])
    lookup = pd.Series(df["rep_id"].to_numpy()[keys["pos"].astype(int).to_numpy()], index=keys["key"].to_numpy())
    mgr = df["manager_id"].astype(str).str.strip().str.lower().map(lookup).where(df["manager_id"].notna())
    df["manager_id"] = mgr.fillna(df["manager_id"])
    ids = set(df["rep_id"])
    bad = df["manager_id"].notna() & ~df["manager_id"].isin(ids)
    for idx in bad[bad].index:
        reps.issues.append(Issue("reps", reps.file, int(df.at[idx, SOURCE_ROW]), "manager_id", str(df.at[idx, "manager_id"]),
                                 "manager not found in the reps table; the rep is kept without a manager", WARNING))
    df.loc[bad, "manager_id"] = np.nan


def drop_unknown_reps(history: TableResult, reps: pd.DataFrame) -> None:
    """History rows for people not in the reps table can't be attributed: reject them."""
    df = history.clean
    unknown = ~df["rep_id"].isin(set(reps["rep_id"]))
    if not unknown.any():
        return
    for _, r in df.loc[unknown].iterrows():
        history.issues.append(Issue("history", history.file, int(r[SOURCE_ROW]), "rep_id", str(r["rep_id"]), "not in the reps table"))
    _reject_rows(history, df.loc[unknown, SOURCE_ROW], "rep_id: not in the reps table")
    history.clean = df.loc[~unknown].reset_index(drop=True)
