"""Roles and what each may do.

Six roles, from the planning cycle: sales ops publish a draft, each first-line manager reviews their own team,
finance signs off quotas, leadership approves, and only then is the plan exported to the CRM.

=============  =============================================================================================
role           may
=============  =============================================================================================
admin          everything, including managing users and roles
sales_ops      everything but user admin: carve, save plans and scenarios, submit for review, publish
finance        read every plan and team; quotas and comp (read and edit); sign off quotas; comment
leadership     read everything (comp too); approve a plan in review; comment
manager        their own team only (their reps, their reps' accounts, the disruption and quotas for their
               team); comment, approve or request changes for their team.  No comp, no company-wide figures
viewer         read plans, disruption and compare across teams; nothing else (no quota, no comp, no saving)
=============  =============================================================================================
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SALES_OPS = "sales_ops"
    FINANCE = "finance"
    LEADERSHIP = "leadership"
    MANAGER = "manager"
    VIEWER = "viewer"

    @property
    def title(self) -> str:
        return ROLE_TITLES[self]


class Permission(StrEnum):
    VIEW_PLANS = "view_plans"          # plans, disruption, compare, data (a manager: their team's rows only)
    VIEW_COMPANY = "view_company"      # every team's rows and company-wide figures (capacity, headline totals)
    EDIT_PLANS = "edit_plans"          # carve, save / rename / clone / delete / restore plans, apply CRM changes
    EDIT_CAPACITY = "edit_capacity"    # save capacity scenarios
    VIEW_QUOTA = "view_quota"          # quota tables (a manager: their team's)
    EDIT_QUOTA = "edit_quota"          # save quota scenarios
    VIEW_COMP = "view_comp"            # comp plans, payouts and cost
    EDIT_COMP = "edit_comp"            # save comp scenarios
    REVIEW_COMMENT = "review_comment"  # comment on a plan version, an account or a rep
    REVIEW_TEAM = "review_team"        # approve or request changes for one's own team
    REVIEW_SUBMIT = "review_submit"    # submit a version for review, withdraw it, resolve comments
    SIGN_OFF_QUOTA = "sign_off_quota"  # finance sign-off on a version's quotas
    APPROVE = "approve"                # final approval of a version in review
    PUBLISH = "publish"                # the CRM export of an approved version
    MANAGE_USERS = "manage_users"      # add users, set roles and team mappings


ROLE_TITLES = {Role.ADMIN: "admin", Role.SALES_OPS: "sales ops", Role.FINANCE: "finance",
               Role.LEADERSHIP: "leadership", Role.MANAGER: "manager", Role.VIEWER: "viewer"}

P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SALES_OPS: frozenset(Permission) - {P.MANAGE_USERS},
    Role.FINANCE: frozenset({P.VIEW_PLANS, P.VIEW_COMPANY, P.VIEW_QUOTA, P.EDIT_QUOTA, P.VIEW_COMP, P.EDIT_COMP,
                             P.REVIEW_COMMENT, P.SIGN_OFF_QUOTA}),
    Role.LEADERSHIP: frozenset({P.VIEW_PLANS, P.VIEW_COMPANY, P.VIEW_QUOTA, P.VIEW_COMP, P.REVIEW_COMMENT,
                                P.APPROVE}),
    Role.MANAGER: frozenset({P.VIEW_PLANS, P.VIEW_QUOTA, P.REVIEW_COMMENT, P.REVIEW_TEAM}),
    Role.VIEWER: frozenset({P.VIEW_PLANS, P.VIEW_COMPANY}),
}

# what a denial says the user tried to do ("... may not <action>")
ACTIONS: dict[Permission, str] = {
    P.VIEW_PLANS: "see plans",
    P.VIEW_COMPANY: "see other teams or company-wide figures",
    P.EDIT_PLANS: "change plans (carve, save, rename, clone, delete, restore)",
    P.EDIT_CAPACITY: "save capacity scenarios",
    P.VIEW_QUOTA: "see quotas",
    P.EDIT_QUOTA: "change quotas",
    P.VIEW_COMP: "see comp plans, payouts or comp cost",
    P.EDIT_COMP: "change comp plans",
    P.REVIEW_COMMENT: "comment on a plan",
    P.REVIEW_TEAM: "approve or request changes for a team",
    P.REVIEW_SUBMIT: "submit, withdraw or resolve a plan review",
    P.SIGN_OFF_QUOTA: "sign off quotas",
    P.APPROVE: "approve a plan",
    P.PUBLISH: "publish a plan to the CRM",
    P.MANAGE_USERS: "manage users and roles",
}


def parse_role(value: str) -> Role:
    """A role from its name or title ("sales ops", "Sales-Ops", "sales_ops" all work)."""
    key = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Role(key)
    except ValueError:
        raise ValueError(f"unknown role {value!r}; use one of: {', '.join(r.value for r in Role)}") from None


def roles_with(permission: Permission) -> list[Role]:
    return [r for r in Role if permission in ROLE_PERMISSIONS[r]]
