"""Plans: the plan library (save, load, rename, clone, delete, versions), CRM export and CRM change detection."""
from __future__ import annotations

import getpass

import pandas as pd
import streamlit as st

from planning.access import AccessDenied, Permission
from planning.data import FileError
from planning.plans import (SCENARIO_KINDS, ReviewError, StoreError, apply_changes, detect_changes, load_crm_accounts,
                            plan_summary, publish_plan)
from ui import access, review_panel, state
from ui.widgets import money_config

user = access.page_user(Permission.VIEW_PLANS)
can_edit = user.can(Permission.EDIT_PLANS)
ds = state.dataset()
st.title("Plans")
store = state.store()
st.caption(f"Every save appends a version; nothing is overwritten. Store: `{store.safe_url}`")
session = state.session_plans()


def _default_author() -> str:
    if user.source != "local":
        return user.email
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


def _flash(msg: str) -> None:
    st.session_state["plans_flash"] = msg


if msg := st.session_state.pop("plans_flash", None):
    st.success(msg)

# --- save a session plan ---------------------------------------------------------------------
if not can_edit:
    st.info(f"You are {user.display}: you can read plans, load them into your session and review them; saving, "
            "renaming, cloning, deleting and publishing are for sales ops.")
with st.expander("Save a plan from this session", expanded=can_edit):
    names = list(session)
    c1, c2 = st.columns(2)
    which = c1.selectbox("Plan", names, key="save_which")
    save_as = c2.text_input("Save as", value=which or "", key="save_name",
                            help="An existing name gets a new version; a new name starts at version 1.")
    c3, c4 = st.columns([1, 3])
    author = c3.text_input("Author", value=_default_author(), key="save_author")
    note = c4.text_input("Note (why this version)", key="save_note")
    if st.button("Save version", type="primary", key="save_btn", disabled=not save_as.strip() or not can_edit):
        plan = session[which]
        try:
            v = store.save_plan(plan, author=author, note=note, name=save_as.strip(),
                                summary=plan_summary(plan, ds.accounts, ds.reps, ds.plan_year, ds.settings))
            _flash(f"Saved **{v.name}** version {v.version}.")
            st.rerun()
        except StoreError as exc:
            st.error(f"Not saved: {exc}")

# --- library -----------------------------------------------------------------------------------
st.subheader("Plan library")
try:
    lib = store.list_plans()
except StoreError as exc:
    st.error(f"The plan store cannot be read: {exc}")
    st.stop()
if lib.empty:
    st.info("No saved plans yet. Save today's plan above to start the library.")
else:
    reviews = review_panel.review.statuses(store, list(lib["name"]))
    shown = lib.assign(created_at=lib["created_at"].dt.strftime("%Y-%m-%d %H:%M UTC"),
                       first_created_at=lib["first_created_at"].dt.strftime("%Y-%m-%d %H:%M UTC"))
    shown.insert(2, "review", [reviews[n].label() if n in reviews else "" for n in shown["name"]])
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config=money_config([c for c in ("arr_usd", "potential_usd", "cost_usd") if c in shown]))
    sel = st.selectbox("Work with", list(lib["name"]), key="lib_sel")
    vers = store.versions(sel)
    st.dataframe(vers.assign(created_at=vers["created_at"].dt.strftime("%Y-%m-%d %H:%M UTC")), hide_index=True,
                 width="stretch")
    version = st.selectbox("Version", list(vers["version"])[::-1], key="lib_ver")
    rs = review_panel.status_of(store, sel, version)
    if rs is not None:
        st.markdown(review_panel.status_line(rs) + " · act on it on the **Review** page")
    t_load, t_ren, t_clone, t_del, t_crm, t_chg = st.tabs(
        ["Load", "Rename", "Clone", "Delete", "Export to CRM", "CRM changes"])
    with t_load:
        st.write("Load this version into the session, for the Disruption and Compare pages and the other planning pages.")
        if st.button("Load into session", key="lib_load"):
            plan = store.load_plan(sel, version)
            plan.name = f"{sel} v{version}"
            state.add_plan(plan)
            _flash(f"Loaded **{plan.name}** into this session.")
            st.rerun()
    with t_ren:
        new = st.text_input("New name", key="lib_new_name")
        if st.button("Rename", key="lib_rename", disabled=not new.strip() or not can_edit):
            try:
                store.rename_plan(sel, new.strip())
                _flash(f"Renamed **{sel}** to **{new.strip()}** (all versions follow).")
                st.rerun()
            except StoreError as exc:
                st.error(str(exc))
    with t_clone:
        clone_name = st.text_input("Name of the copy", value=f"{sel} copy", key="lib_clone_name")
        if st.button(f"Clone version {version}", key="lib_clone", disabled=not can_edit):
            try:
                v = store.clone_plan(sel, clone_name.strip(), version, author=_default_author())
                _flash(f"Cloned **{sel}** v{version} to **{v.name}**.")
                st.rerun()
            except StoreError as exc:
                st.error(str(exc))
    with t_del:
        st.write("Deleting hides the plan from the library; its versions stay in the database and can be restored.")
        sure = st.checkbox(f"Yes, delete {sel}", key="lib_del_sure")
        if st.button("Delete", key="lib_delete", disabled=not sure or not can_edit):
            store.delete_plan(sel)
            _flash(f"Deleted **{sel}** (restore it below).")
            st.rerun()
    with t_crm:
        st.write("Publish an **approved** version in the files CRM import tools take: Data Loader `Id, OwnerId`, "
                 "territories, territory members and quotas (set by the quota model with default settings), with "
                 "`manifest.json` naming who approved and who published it. Publishing is recorded in the audit log.")
        changed_only = st.checkbox("Only accounts whose owner changes", value=True, key="crm_changed")
        with_quotas = st.checkbox("Include quotas", value=len(ds.targets) > 0, key="crm_quotas",
                                  disabled=len(ds.targets) == 0)
        approved = rs is not None and rs.state in ("approved", "published")
        if not approved:
            st.info(f"{sel} v{version} is {rs.label() if rs else 'not reviewed'}: only an approved version can be "
                    "published.")
        if st.button("Publish: prepare CRM files", key="crm_prepare",
                     disabled=not approved or not user.can(Permission.PUBLISH)):
            try:
                export, warns = publish_plan(store, user, sel, version, ds, changed_only=changed_only,
                                             with_quotas=with_quotas)
                for w in warns:
                    st.warning(w)
                st.session_state["crm_export"] = (sel, version, export)
            except (ReviewError, AccessDenied, StoreError) as exc:
                st.error(f"Not published: {exc}")
        ex = st.session_state.get("crm_export")
        if ex and ex[:2] == (sel, version):
            export = ex[2]
            st.dataframe(pd.DataFrame({"file": list(export.counts()), "rows": list(export.counts().values())}),
                         hide_index=True)
            m = export.manifest or {}
            st.caption(f"Approved by {m.get('approved_by', '?')} ({m.get('approved_at', '')[:16]}), published by "
                       f"{m.get('published_by', '?')}.")
            if len(export.skipped):
                st.warning(f"{len(export.skipped):,} accounts cannot be imported (unassigned, open territory or owner "
                           "without a CRM user id): see skipped_accounts.csv.")
            st.download_button("Download CRM import files (zip)", data=export.to_zip,
                               file_name=f"crm_{sel}_v{version}.zip".replace(" ", "_"), mime="application/zip",
                               key="crm_zip")
    with t_chg:
        st.write("Load a newer CRM account export to see what changed since this plan was made (compared with the "
                 "data in use now): new and deleted accounts, owner changes made outside the plan, ARR moves.")
        up = st.file_uploader("Newer account export", type=["csv", "txt", "xlsx", "xls", "parquet"], key="chg_file")
        threshold = st.number_input("Report ARR changes of at least (USD)", min_value=0.0, value=0.0, step=1000.0,
                                    key="chg_threshold")
        if up is not None:
            try:
                res = load_crm_accounts(up.getvalue(), ds.reps, settings=ds.settings, file=up.name)
            except FileError as exc:
                st.error(f"Not loaded: {exc}")
                res = None
            if res is not None:
                plan = store.load_plan(sel, version)
                rej = res.rejects["account_id"].dropna().astype(str) if "account_id" in res.rejects else []
                ch = detect_changes(plan, res.clean, ds.accounts, ds.reps, arr_threshold_usd=threshold,
                                    rejected_ids=rej)
                counts = ch.counts()
                cols = st.columns(4)
                for col, (k, v) in zip(cols, counts.items()):
                    col.metric(k.replace("_", " ").capitalize(), f"{v:,}")
                if len(res.rejects):
                    st.caption(f"{len(res.rejects):,} rows of {up.name} were rejected on validation and are not "
                               "counted as deleted.")
                if ch.changes.empty:
                    st.success("Nothing changed that affects this plan.")
                else:
                    edited = st.data_editor(ch.changes, hide_index=True, width="stretch", key="chg_editor",
                                            disabled=[c for c in ch.changes.columns if c != "accept"],
                                            column_config={"accept": st.column_config.CheckboxColumn("accept")})
                    n_acc = int(edited["accept"].sum())
                    if st.button(f"Apply {n_acc} accepted, reject {len(edited) - n_acc}: save as a new version",
                                 type="primary", key="chg_apply", disabled=not can_edit):
                        newp = apply_changes(plan, edited, name=sel, source=up.name)
                        v = store.save_plan(newp, author=_default_author(), note=newp.note.splitlines()[-1],
                                            summary=plan_summary(newp, res.clean, ds.reps, ds.plan_year, ds.settings))
                        _flash(f"Saved **{v.name}** version {v.version} with the accepted CRM changes.")
                        st.rerun()

with st.expander("Restore a deleted plan"):
    rname = st.text_input("Name of the deleted plan", key="restore_name")
    if st.button("Restore", key="restore_btn", disabled=not rname.strip() or not can_edit):
        try:
            store.restore_plan(rname.strip())
            _flash(f"Restored **{rname.strip()}**.")
            st.rerun()
        except StoreError as exc:
            st.error(str(exc))

# --- scenarios ---------------------------------------------------------------------------------
st.subheader("Saved scenarios")
scen = store.list_scenarios()
if scen.empty:
    st.caption(f"No {', '.join(SCENARIO_KINDS)} scenarios saved yet (the Capacity and Quota & Comp pages save them).")
else:
    st.dataframe(scen.assign(created_at=scen["created_at"].dt.strftime("%Y-%m-%d %H:%M UTC")), hide_index=True,
                 width="stretch")
    keys = [f"{k} · {n}" for k, n in zip(scen["kind"], scen["name"])]
    pick = st.selectbox("Scenario", keys, key="scen_sel")
    kind, name = pick.split(" · ", 1)
    s1, s2, s3 = st.columns(3)
    new = s1.text_input("Rename / clone to", key="scen_new")
    if s1.button("Rename", key="scen_rename", disabled=not new.strip()):
        try:
            store.rename_scenario(kind, name, new.strip())
            _flash(f"Renamed {kind} scenario **{name}** to **{new.strip()}**.")
            st.rerun()
        except StoreError as exc:
            st.error(str(exc))
    if s2.button("Clone", key="scen_clone", disabled=not new.strip()):
        try:
            store.clone_scenario(kind, name, new.strip(), author=_default_author())
            _flash(f"Cloned {kind} scenario **{name}** to **{new.strip()}**.")
            st.rerun()
        except StoreError as exc:
            st.error(str(exc))
    if s3.button("Delete", key="scen_delete", disabled=not can_edit):
        store.delete_scenario(kind, name)
        _flash(f"Deleted {kind} scenario **{name}**.")
        st.rerun()
    with st.expander("Versions"):
        st.dataframe(store.versions_scenario(kind, name), hide_index=True, width="stretch")
