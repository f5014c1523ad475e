"""Users, roles and the scoping every read goes through.

* :class:`User`, :class:`Role`, :class:`Permission`; :func:`local_user` (the single local user when sign-in
  is off); :func:`require` raises a clear :class:`AccessDenied`.
* Scoping (pure functions over frames and Plans): :func:`team_rep_ids`, :func:`scope_reps`,
  :func:`scope_accounts`, :func:`scope_rows`, :func:`scope_plan`, :func:`require_team`.
* :mod:`planning.access.directory`: the users kept in the plan store (append-only), and resolving who is
  acting (an OIDC email, ``--as EMAIL`` or the OS login).
* :class:`UserStore`: the plan store as one user sees it (saves and comp scenarios need their permission,
  listings lose company figures for a manager, the store's URL is an admin's).
* :class:`ScopedView`: **the one accessor** pages, downloads and CLI commands read through -- the dataset (rows
  and columns), plans and the reports on them (books, summary, disruption, compare, quotas, comp cost, CRM
  changes) as one user may see them.
* :mod:`planning.access.columns`: the one rule for which quota, comp and cost columns a role may not see
  (:func:`hidden_columns`, :func:`visible_columns`, :func:`is_hidden`), used by the accessor and by the capacity
  views alike.
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_NAMES = {
    "Role": "roles", "Permission": "roles", "ROLE_PERMISSIONS": "roles", "parse_role": "roles", "roles_with": "roles",
    "User": "users", "AccessDenied": "users", "local_user": "users", "require": "users", "denial": "users",
    "team_rep_ids": "scope", "scope_reps": "scope", "scope_accounts": "scope", "scope_rows": "scope",
    "scope_plan": "scope", "team_territories": "scope", "team_account_ids": "scope", "require_team": "scope",
    "require_rep": "scope", "require_account": "scope", "is_team_rep": "scope", "scope_dataset": "scope",
    "UserStore": "store_view", "StoreAccessDenied": "store_view", "scenario_permissions": "store_view",
    "author_name": "users",
    "ScopedView": "view", "hidden_columns": "columns", "visible_columns": "columns", "visible_figures": "columns",
    "is_hidden": "columns", "is_quota_column": "columns", "is_comp_column": "columns",
    "OTHER_TEAM": "crm_view", "scoped_changes": "crm_view",
}
__all__ = sorted(_NAMES)

__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
