"""Users: who may use the planner and in which role (admins only).  Every change is appended to the history.

Names, emails and notes people typed are shown as plain text; the reps come through the scoped accessor."""
from __future__ import annotations

import streamlit as st

from planning.access import AccessDenied, Permission, Role
from planning.access.directory import UserError, add_user, list_users, set_user, user_history
from planning.reporting import person
from ui import access, scoped
from ui.plain import md_escape
from ui.tables import show_table

user = access.page_user(Permission.MANAGE_USERS)
view = scoped.view()
ds = view.dataset
st.title("Users")
raw = view.store.raw  # the user directory checks the admin's permission itself
st.caption("Roles: **admin** everything; **sales ops** everything but user admin; **finance** quotas and comp, reads "
           "plans; **leadership** reads everything, approves; **manager** their own team only (map them to their "
           "manager rep id); **viewer** reads plans and reports, no quota or comp.")
if not access.auth_configured():
    st.info("Sign-in is off, so the app runs as the local admin whatever this list says; the CLI uses it for "
            "`--as` and the OS-login mapping. Turn sign-in on in `.streamlit/secrets.toml` (see the README).")
if msg := st.session_state.pop("users_flash", None):
    st.success(md_escape(msg))

users = list_users(raw, include_inactive=True)
if users.empty:
    st.caption("No users yet. Add yourself as admin first.")
else:
    show_table(users.assign(changed_at=users["changed_at"].dt.strftime("%Y-%m-%d %H:%M UTC"),
                            role=users["role"].map(lambda r: Role(r).title)), key="users_table")

roles = [r.value for r in Role]
mgr_ids = sorted(ds.reps["manager_id"].dropna().astype(str).unique())
names = ds.reps.set_index(ds.reps["rep_id"].astype(str))["name"]


def _mgr_label(m: str) -> str:
    return "(none)" if not m else person(names.get(m), m)


with st.form("users_add"):
    st.markdown("**Add or change a user**")
    c1, c2, c3 = st.columns(3)
    email = c1.text_input("Email (as the sign-in provider reports it)", key="users_email")
    name = c2.text_input("Name", key="users_name")
    role = c3.selectbox("Role", roles, key="users_role", format_func=lambda r: Role(r).title)
    c4, c5, c6 = st.columns(3)
    mgr = c4.selectbox("Manager rep id (managers: their team)", [""] + mgr_ids, key="users_mgr", format_func=_mgr_label)
    login = c5.text_input("OS login for the CLI (optional)", key="users_login")
    active = c6.checkbox("Active", value=True, key="users_active")
    note = st.text_input("Why (kept in the history)", key="users_note")
    if st.form_submit_button("Save user", type="primary"):
        try:
            known = users["email"].str.lower().eq(email.strip().lower()).any() if len(users) else False
            if known:
                set_user(raw, user, email, role=role, name=name or None, manager_id=mgr or None,
                         os_login=login or None, active=active, note=note)
            else:
                add_user(raw, user, email, role, name=name, manager_id=mgr or None, os_login=login or None, note=note)
            st.session_state["users_flash"] = f"Saved {email.strip().lower()} as {Role(role).title}."
            st.rerun()
        except (UserError, AccessDenied, ValueError) as exc:
            st.error(md_escape(f"Not saved: {exc}"))

with st.expander("History of every change"):
    h = user_history(raw)
    show_table(h.assign(changed_at=h["changed_at"].dt.strftime("%Y-%m-%d %H:%M UTC")) if len(h) else h,
               key="users_history")
