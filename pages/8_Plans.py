"""Plans: the plan library (save, load, rename, clone, delete, versions), CRM export and CRM change detection.

Everything is read through the scoped accessor (ui.scoped.view()): a manager's library carries no company figures
and their CRM changes are their team's.  Names and notes people wrote are shown as plain text."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.access import AccessDenied, Permission, author_name, scenario_permissions
from planning.data import FileError, carve_by
from planning.plans import CHANGE_TYPES, SCENARIO_KINDS, PlanDataMismatch, ReviewError, StoreError, saved_fit
from planning.reporting import count, label
from planning.reporting.carve_words import carve_by_words
from ui import access, review_panel, scoped, state
from ui.plain import md_escape
from ui.tables import column_config, show_table
from ui.widgets import download_csv, download_file

user = access.page_user(Permission.VIEW_PLANS)
view = scoped.view()
store = view.store
can_edit = user.can(Permission.EDIT_PLANS)
st.title("Plans")
where = f" Store: `{store.safe_url}`" if user.can(Permission.MANAGE_USERS) else ""
st.caption("Every save appends a version; nothing is overwritten." + where)
session = state.session_plans()
TS = "%Y-%m-%d %H:%M UTC"


def _flash(msg: str) -> None:
    """A success message for the next run (``msg`` is plain text: names in it are never read as markdown)."""
    st.session_state["plans_flash"] = msg


def _failed(what: str, exc: Exception) -> None:
    """Say an act did not happen: a refusal (the role may not) says it was refused."""
    if isinstance(exc, AccessDenied):
        st.error(md_escape(f"Refused, not {what}: {exc}"))
    else:
        st.error(md_escape(f"Not {what}: {exc}"))


def _dates(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(**{c: df[c].dt.strftime(TS) for c in ("created_at", "first_created_at", "changed_at")
                        if c in df and len(df)})


if msg := st.session_state.pop("plans_flash", None):
    st.success(md_escape(msg))

# --- save a session plan ---------------------------------------------------------------------
if not can_edit:
    st.info(md_escape(f"You are {user.display}: you can read plans, load them into your session and review them; "
                      "saving, renaming, cloning, deleting and publishing are for sales ops."))
with st.expander("Save a plan from this session", expanded=can_edit):
    names = list(session)
    c1, c2 = st.columns(2)
    which = c1.selectbox("Plan", names, key="save_which")
    save_as = c2.text_input("Save as", value=which or "", key="save_name",
                            help="An existing name gets a new version; a new name starts at version 1.")
    c3, c4 = st.columns([1, 3])
    author = c3.text_input("Author", value=author_name(user), key="save_author")
    note = c4.text_input("Note (why this version)", key="save_note")
    if st.button("Save version", type="primary", key="save_btn", disabled=not save_as.strip() or not can_edit):
        try:
            v = view.save_plan(session[which], author=author, note=note, name=save_as.strip())
            _flash(f"Saved {v.name} version {v.version}.")
            st.rerun()
        except StoreError as exc:  # a refusal (StoreAccessDenied) is a StoreError too
            _failed("saved", exc)


def _library() -> pd.DataFrame:
    st.subheader("Plan library")
    try:
        lib = view.list_plans()
    except StoreError as exc:
        st.error(md_escape(f"The plan store cannot be read: {exc}"))
        st.stop()
    if lib.empty:
        st.info("No saved plans yet. Save today's plan above to start the library.")
        return lib
    if user.scoped:
        st.caption("Your team's view: the library lists names, versions and notes; its stored headline figures are "
                   "the company's, so they are left out. Your team's figures are on the Disruption and Compare pages.")
    reviews = review_panel.review.statuses(store, list(lib["name"]))
    shown = _dates(lib)
    shown.insert(2, "review", [reviews[n].label() if n in reviews else "" for n in shown["name"]])
    show_table(view.columns(shown), key="lib_table")
    return lib


def _fit_note(sel: str, version: int, vers: pd.DataFrame) -> None:
    """Say when the chosen version was not made on the data in use (planning.plans.dataset_fit)."""
    saved_at = vers.loc[vers["version"] == version, "created_at"]
    try:
        fit = saved_fit(store, sel, version, saved_at.iloc[0] if len(saved_at) else None, view.fit_check)
    except StoreError:  # deleted meanwhile: the tabs below say so
        return
    if fit.status != "same":
        (st.warning if fit.usable else st.error)(md_escape(fit.message(f"{sel!r} v{version}")))


def _load_tab(sel: str, version: int) -> None:
    st.write("Load this version into the session, for the Disruption and Compare pages and the other planning pages.")
    if st.button("Load into session", key="lib_load"):
        try:
            plan = view.load_plan(sel, version)
            view.fit_check.require(plan, f"{sel!r} v{version}")  # another dataset's plan never joins the session's
        except (StoreError, PlanDataMismatch) as exc:
            _failed("loaded", exc)
            return
        plan.name = f"{sel} v{version}"
        state.add_plan(plan)
        _flash(f"Loaded {plan.name} into this session.")
        st.rerun()


def _rename_clone_delete(t_ren, t_clone, t_del, sel: str, version: int) -> None:
    with t_ren:
        new = st.text_input("New name", key="lib_new_name")
        if st.button("Rename", key="lib_rename", disabled=not new.strip() or not can_edit):
            try:
                store.rename_plan(sel, new.strip())
                _flash(f"Renamed {sel} to {new.strip()} (all versions follow).")
                st.rerun()
            except StoreError as exc:
                _failed("renamed", exc)
    with t_clone:
        clone_name = st.text_input("Name of the copy", value=f"{sel} copy", key="lib_clone_name")
        if st.button(f"Clone version {version}", key="lib_clone", disabled=not can_edit):
            try:
                v = store.clone_plan(sel, clone_name.strip(), version, author=author_name(user))
                _flash(f"Cloned {sel} v{version} to {v.name}.")
                st.rerun()
            except StoreError as exc:
                _failed("cloned", exc)
    with t_del:
        st.write("Deleting hides the plan from the library; its versions stay in the database and can be restored.")
        sure = st.checkbox(md_escape(f"Yes, delete {sel}"), key="lib_del_sure")
        if st.button("Delete", key="lib_delete", disabled=not sure or not can_edit):
            try:
                store.delete_plan(sel)
                _flash(f"Deleted {sel} (restore it below).")
                st.rerun()
            except StoreError as exc:
                _failed("deleted", exc)


def _publish_tab(sel: str, version: int, rs) -> None:
    targets = view.dataset.targets
    st.write("Publish an **approved** version in the files CRM import tools take: Data Loader `Id, OwnerId`, "
             "territories, territory members and quotas (set by the quota model with default settings), with "
             "`manifest.json` naming who approved and who published it. Publishing is recorded in the audit log.")
    changed_only = st.checkbox("Only accounts whose owner changes", value=True, key="crm_changed")
    with_quotas = st.checkbox("Include quotas", value=len(targets) > 0, key="crm_quotas", disabled=len(targets) == 0)
    with st.expander("Salesforce territory rules (ETM)"):
        e1, e2 = st.columns(2)
        segment_field = e1.text_input("Account field holding the segment", value="Segment__c", key="crm_seg_field",
                                      help="The rules test this field of the Account (API name) for the segment.")
        model_id = e2.text_input("Territory model Id", value="", key="crm_model_id",
                                 help="The Territory2Model the rules belong to; blank leaves it to fill on import.")
    approved = rs is not None and rs.state in ("approved", "published")
    if not approved:
        state_ = rs.label() if rs else "not reviewed"
        st.info(md_escape(f"{sel} v{version} is {state_}: only an approved version can be published."))
    if st.button("Publish: prepare CRM files", key="crm_prepare",
                 disabled=not approved or not user.can(Permission.PUBLISH)):
        try:
            export, warns = view.publish(sel, version, changed_only=changed_only, with_quotas=with_quotas,
                                         segment_field=segment_field.strip() or None, model_id=model_id.strip())
            for w in warns:
                st.warning(md_escape(w))
            st.session_state["crm_export"] = (sel, version, export)
        except (ReviewError, AccessDenied, StoreError) as exc:
            _failed("published", exc)
    ex = st.session_state.get("crm_export")
    if ex and ex[:2] == (sel, version):
        export = ex[2]
        show_table(pd.DataFrame({"file": list(export.counts()), "rows": list(export.counts().values())}),
                   key="crm_files")
        m = export.manifest or {}
        st.caption(md_escape(f"Approved by {m.get('approved_by', '?')} ({m.get('approved_at', '')[:16]}), "
                             f"published by {m.get('published_by', '?')}."))
        if len(export.skipped):
            st.warning(f"{len(export.skipped):,} accounts cannot be imported (unassigned, open territory or owner "
                       "without a CRM user id): see skipped_accounts.csv.")
        download_file("Download CRM import files (zip)", export.to_zip,
                      f"crm_{sel}_v{version}.zip".replace(" ", "_"), "application/zip", key="crm_zip")


def _changes_tab(sel: str, version: int) -> None:
    st.write("Load a newer CRM account export to see what changed since this plan was made (compared with the "
             "data in use now): new and deleted accounts, owner changes made outside the plan, ARR moves.")
    if user.scoped:
        st.caption("Your team's changes only: the accounts your reps own in the data or in this plan, and those the "
                   "CRM now gives to one of them. Other teams' reps and territories read '(another team)'. You can "
                   "preview the changes; applying them to the plan is for sales ops.")
    up = st.file_uploader("Newer account export", type=["csv", "txt", "xlsx", "xls", "parquet"], key="chg_file")
    threshold = st.number_input("Report ARR changes of at least (USD)", min_value=0.0, value=0.0, step=1000.0,
                                key="chg_threshold")
    if up is None:
        return
    try:
        res = view.load_crm_export(up.getvalue(), up.name)
        plan = view.load_plan(sel, version)
    except (FileError, StoreError) as exc:
        _failed("loaded", exc)
        return
    ch = view.crm_changes(plan, res, arr_threshold_usd=threshold)
    counts = ch.counts()
    for col, kind in zip(st.columns(len(CHANGE_TYPES)), CHANGE_TYPES):
        col.metric(label(kind) + "s", count(counts[kind]))
    if len(res.rejects):
        st.caption(md_escape(f"{len(res.rejects):,} rows of {up.name} were rejected on validation and are not "
                             "counted as deleted."))
    if ch.changes.empty:
        st.success("Nothing changed that affects this plan." if not user.scoped
                   else "Nothing changed that affects your team in this plan.")
        return
    table = ch.changes
    header = {"detail": st.column_config.Column("What changed")}
    download_csv(table.drop(columns=["accept"]), "Download the change list (CSV)",
                 f"crm_changes_{sel}_v{version}.csv".replace(" ", "_"), key="chg_download")
    if not can_edit:
        show_table(table.drop(columns=["accept"]), key="chg_table", overrides=header)
        return
    _apply_changes(sel, plan, res, table, up.name, header)


def _apply_changes(sel: str, plan, res, table: pd.DataFrame, source: str, header: dict) -> None:
    """The editor with an accept tick per change, and the button that saves the accepted ones as a new version."""
    from ui.tables import display_frame

    cfg = column_config(table, {**header, "accept": st.column_config.CheckboxColumn(label("accept"))})
    edited = st.data_editor(display_frame(table), hide_index=True, width="stretch", key="chg_editor", placeholder="",
                            disabled=[c for c in table.columns if c != "accept"], column_config=cfg)
    decided = table.assign(accept=edited["accept"].astype(bool).to_numpy())
    n_acc = int(decided["accept"].sum())
    if st.button(f"Apply {n_acc} accepted, reject {len(decided) - n_acc}: save as a new version", type="primary",
                 key="chg_apply"):
        try:
            v = view.apply_crm_changes(plan, decided, res, name=sel, source=source)
            _flash(f"Saved {v.name} version {v.version} with the accepted CRM changes.")
            st.rerun()
        except StoreError as exc:
            _failed("saved", exc)


lib = _library()
st.caption(md_escape("The next carve's territories (company settings): " + carve_by_words(
    carve_by(view.dataset.settings), view.dataset.settings.planning.carve_one_piece) + "."))
if not lib.empty:
    sel = st.selectbox("Work with", list(lib["name"]), key="lib_sel")
    vers = view.versions(sel)
    show_table(view.columns(_dates(vers)), key="lib_versions")
    version = st.selectbox("Version", list(vers["version"])[::-1], key="lib_ver")
    _fit_note(sel, version, vers)
    rs = review_panel.status_of(store, sel, version)
    if rs is not None:
        st.markdown(review_panel.status_line(rs) + " · act on it on the **Review** page")
    t_load, t_ren, t_clone, t_del, t_crm, t_chg = st.tabs(
        ["Load", "Rename", "Clone", "Delete", "Export to CRM", "CRM changes"])
    with t_load:
        _load_tab(sel, version)
    _rename_clone_delete(t_ren, t_clone, t_del, sel, version)
    with t_crm:
        _publish_tab(sel, version, rs)
    with t_chg:
        _changes_tab(sel, version)

with st.expander("Restore a deleted plan"):
    rname = st.text_input("Name of the deleted plan", key="restore_name")
    if st.button("Restore", key="restore_btn", disabled=not rname.strip() or not can_edit):
        try:
            store.restore_plan(rname.strip())
            _flash(f"Restored {rname.strip()}.")
            st.rerun()
        except StoreError as exc:
            _failed("restored", exc)


# --- scenarios ---------------------------------------------------------------------------------
def _scenarios() -> None:
    st.subheader("Saved scenarios")
    scen = store.list_scenarios()
    if scen.empty:
        st.caption(f"No {', '.join(SCENARIO_KINDS)} scenarios saved yet (the Capacity and Quota & Comp pages save "
                   "them).")
        return
    show_table(view.columns(_dates(scen)), key="scen_table")
    keys = [f"{k} · {n}" for k, n in zip(scen["kind"], scen["name"])]
    pick = st.selectbox("Scenario", keys, key="scen_sel")
    kind, name = pick.split(" · ", 1)
    may = user.can(scenario_permissions(kind)[1])
    s1, s2, s3 = st.columns(3)
    new = s1.text_input("Rename / clone to", key="scen_new")
    to = new.strip()
    acts = [("renamed", s1, "Rename", "scen_rename", lambda: store.rename_scenario(kind, name, to), f" to {to}"),
            ("cloned", s2, "Clone", "scen_clone",
             lambda: store.clone_scenario(kind, name, to, author=author_name(user)), f" to {to}"),
            ("deleted", s3, "Delete", "scen_delete", lambda: store.delete_scenario(kind, name), "")]
    for done, col, text, key, act, where_to in acts:
        if col.button(text, key=key, disabled=(bool(where_to) and not to) or not may):
            try:
                act()
                _flash(f"{done.capitalize()} {kind} scenario {name}{where_to}.")
                st.rerun()
            except StoreError as exc:
                _failed(done, exc)
    with st.expander("Versions"):
        show_table(view.columns(_dates(store.versions_scenario(kind, name))), key="scen_versions")


_scenarios()
