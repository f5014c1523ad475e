"""The one scoped accessor: the dataset, the plans and the reports on them as one user may see them.

:class:`ScopedView` is built from (user, dataset, store).  A page, a download or a CLI command reads through it
instead of the dataset or the store:

* **rows**: a manager sees their team only (their reps, their reps' accounts and history, their territories);
  no company targets and no validation report (:func:`planning.access.scope_dataset`);
* **columns**: quota columns are dropped for a role without ``view_quota`` (a viewer), comp and cost columns for
  a role without ``view_comp`` (a manager, a viewer) -- one rule, :mod:`planning.access.columns`, which the
  capacity views use too;
* **reports** that take a plan or the dataset (per-territory books, headline summary, disruption, compare, quotas,
  comp cost, CRM changes) run in the core on the whole data, which needs both sides of every move, and come back
  cut to the user.  The view adds no figure of its own: it calls the existing core functions with the user.

Plans load whole (:meth:`ScopedView.load_plan`) because the reports need them whole; what is drawn of a plan
goes through :meth:`ScopedView.plan`, which cuts it to the team.
"""
from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import pandas as pd

from planning.access.columns import hidden_columns, visible_columns, visible_figures
from planning.access.crm_view import OTHER_TEAM
from planning.access.roles import Permission as P
from planning.access.scope import (scope_dataset, scope_plan, scope_rows, team_account_ids, team_rep_ids,
                                   team_territories)
from planning.access.store_view import UserStore
from planning.access.store_view import require as require_store
from planning.access.users import User, author_name, require

class ScopedView:
    """The dataset, plans and reports as ``user`` may see them (see module doc).

    ``store`` may be the plan store itself or a :class:`UserStore`; the view always reads it as ``user``.
    """

    def __init__(self, user: User, dataset, store=None):
        require(user, P.VIEW_PLANS)
        self.user = user
        self._ds = dataset
        raw = store.raw if isinstance(store, UserStore) else store
        self.store = UserStore(raw, user) if raw is not None else None

    # ------------------------------------------------------------------ who and what
    @property
    def scoped(self) -> bool:
        """True when the user sees one team only (a manager)."""
        return self.user.scoped

    @cached_property
    def team(self) -> frozenset[str] | None:
        """The rep ids the user may see (None: everyone)."""
        return team_rep_ids(self.user, self._ds.reps)

    def can(self, permission: P) -> bool:
        return self.user.can(permission)

    @cached_property
    def dataset(self):
        """The dataset as the user may see it: rows (a manager's team; the per-rep quota history needs
        view_quota) and columns (no quota / comp / cost columns for the roles that may not see them)."""
        ds = scope_dataset(self.user, self._ds)
        targets, history = ds.targets, ds.history  # targets: company-wide, already none for a manager
        if not self.user.can(P.VIEW_QUOTA):  # every row is a rep's quota and bookings for a period
            history = history.iloc[0:0]
        return replace(ds, accounts=visible_columns(self.user, ds.accounts), reps=visible_columns(self.user, ds.reps),
                       targets=visible_columns(self.user, targets), history=visible_columns(self.user, history))

    @property
    def accounts(self) -> pd.DataFrame:
        return self.dataset.accounts

    @property
    def reps(self) -> pd.DataFrame:
        return self.dataset.reps

    def rep_names(self) -> pd.Series:
        """rep_id → name for the reps the user may see."""
        return self.dataset.rep_names()

    # ------------------------------------------------------------------ any table
    def columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` without the columns the user may not see."""
        return visible_columns(self.user, frame)

    def rows(self, frame: pd.DataFrame, rep_col: str = "owner_rep_id") -> pd.DataFrame:
        """A per-rep or per-territory table cut to the team (rows) and to the visible columns."""
        return self.columns(scope_rows(self.user, frame, self._ds.reps, rep_col))

    def account_rows(self, frame: pd.DataFrame, plans=(), id_col: str = "account_id") -> pd.DataFrame:
        """A per-account table cut to the accounts the user may see (their team's in the data or in ``plans``)."""
        ids = self.account_ids(plans)
        rows = frame if ids is None else frame.loc[frame[id_col].astype(str).isin(ids).to_numpy()]
        return self.columns(rows)

    def account_ids(self, plans=()) -> pd.Index | None:
        """Account ids the user may see (None: every account)."""
        return team_account_ids(self.user, self._ds.reps, self._ds.accounts, list(plans))

    def figures(self, figures: dict) -> dict:
        """Headline figures without the ones the user may not see."""
        return visible_figures(self.user, figures)

    def carve_input(self):
        """The whole company's dataset, for the optimizer (needs edit_plans: carving balances every team's books
        against each other, so it reads every row and column; what a carve shows is for the roles that may carve)."""
        require(self.user, P.EDIT_PLANS)
        return self._ds

    # ------------------------------------------------------------------ plans
    @cached_property
    def fit_check(self):
        """The rule a plan must pass to be set against this data (:mod:`planning.plans.dataset_fit`), on the whole
        company's accounts; a one-team viewer is told counts, never other teams' account ids."""
        from planning.plans.dataset_fit import FitCheck

        return FitCheck.of(self._ds.name, self._ds.accounts, show_ids=not self.scoped)

    def current_plan(self):
        """Today's CRM ownership, whole (for the reports below; draw it through :meth:`plan`)."""
        return self._ds.current_plan()

    def plan(self, plan):
        """``plan`` as the user may see it: a manager's territories and the accounts in them."""
        return scope_plan(self.user, plan, self._ds.reps)

    def territories(self, plan) -> pd.Index | None:
        """Territory ids of ``plan`` the user may see (None: all)."""
        return team_territories(self.user, plan, self._ds.reps)

    def list_plans(self) -> pd.DataFrame:
        return self.store.list_plans()

    def versions(self, name: str) -> pd.DataFrame:
        return self.store.versions(name)

    def load_plan(self, name: str, version: int | None = None):
        """A saved plan, whole (the reports need both sides of every move); draw it through :meth:`plan`."""
        return self.store.load_plan(name, version)

    def save_plan(self, plan, *, note: str = "", name: str | None = None, author: str = "", accounts=None):
        """Save ``plan`` as a new version (needs edit_plans; a refusal is a StoreAccessDenied, so a StoreError),
        stamped as made on this data (:func:`planning.plans.save_made_on`).  The stored headline figures are the
        company's, computed on ``accounts`` (default: the dataset's)."""
        require_store(self.user, P.EDIT_PLANS, f"save {name or plan.name!r}")
        from planning.plans.saving import save_made_on

        return save_made_on(self.store, plan, self._ds, author=author or author_name(self.user), note=note,
                            name=name, accounts=accounts)

    # ------------------------------------------------------------------ reports
    def book(self, plan, account_ids=None, plans=()) -> pd.DataFrame:
        """Per-territory book of ``plan`` (:func:`planning.plans.metrics`), the user's territories only.

        With ``account_ids``: the book of just those accounts (within the ones the user may see in the data or in
        ``plans``), owners named from :meth:`report_dataset` -- a team's map, where a territory on the other side
        of a move holds only the team's accounts that move to it."""
        from planning.plans import metrics

        ds = self._ds
        if account_ids is None:
            book = metrics(plan, ds.accounts, ds.reps, ds.plan_year, ds.settings)
            return self.columns(scope_rows(self.user, book, ds.reps, "owner_rep_id"))
        rd = self.report_dataset(account_ids, plans)
        ids = set(pd.Index(account_ids).astype(str))
        acc = rd.accounts.loc[rd.accounts["account_id"].astype(str).isin(ids).to_numpy()]
        return self.columns(metrics(plan, acc, rd.reps, ds.plan_year, ds.settings))

    def summary(self, plan) -> dict:
        """Headline figures of ``plan`` (:func:`planning.plans.plan_summary`): the company's, or a manager's team's
        (their territories and the accounts in them); cost left out for roles without view_comp."""
        from planning.plans import plan_summary

        ds = self._ds
        p, accounts, reps = plan, ds.accounts, ds.reps
        if self.team is not None:
            p = self.plan(plan)
            accounts = accounts.loc[accounts["account_id"].astype(str).isin(p.assignment.index.astype(str))]
            reps = reps.loc[reps["rep_id"].astype(str).isin(self.team)]
        return self.figures(plan_summary(p, accounts, reps, ds.plan_year, ds.settings))

    def disruption(self, a, b, renewal_window_days: int | None = None):
        """Moving from plan ``a`` to ``b`` (:func:`planning.plans.disruption`), as the user may see it: a manager's
        team, where another team's manager reads ``(another team)``."""
        from planning.plans import disruption

        ds = self._ds
        w = ds.settings.planning.renewal_window_days if renewal_window_days is None else renewal_window_days
        report = disruption(a, b, ds.accounts, ds.reps, ds.as_of, renewal_window_days=w, user=self.user)
        if self.team is None:
            return report
        # an account leaving or joining the team names the rep on the other side, not that rep's manager
        acc = report.accounts.copy()
        for col in ("from_manager_id", "to_manager_id"):
            other = acc[col].notna() & ~acc[col].astype(str).isin(self.team)
            acc[col] = acc[col].astype(object).where(~other, OTHER_TEAM)
        return replace(report, accounts=acc)

    def compare(self, plans: list, baseline=None):
        """Plans side by side (:func:`planning.plans.compare_plans`) as the user may see them; no bookings targets
        (so no quota coverage) for a role without view_quota."""
        from planning.plans import compare_plans

        ds = self._ds
        quota = self.user.can(P.VIEW_QUOTA)
        return compare_plans(plans, ds.accounts, ds.reps, ds.as_of, ds.plan_year, baseline=baseline,
                             targets=ds.targets if quota else None, history=ds.history if quota else None,
                             settings=ds.settings, user=self.user)

    def quota(self, plan, settings=None):
        """Quotas for ``plan`` (:func:`planning.compensation.quota_for_plan`; needs view_quota).  A manager's result
        holds their team's territories only, with no company targets or pool gaps."""
        require(self.user, P.VIEW_QUOTA)
        from planning.compensation import quota_for_plan

        ds = self._ds
        res = quota_for_plan(plan, ds.accounts, ds.reps, ds.targets, ds.history, settings, plan_year=ds.plan_year,
                             defaults=ds.settings)
        if self.team is None:
            return res
        table = res.for_user(self.user, ds.reps)
        quarterly = res.quarterly.loc[res.quarterly["territory_id"].isin(table.index)] \
            if "territory_id" in res.quarterly else res.quarterly.iloc[0:0]
        return replace(res, table=table, quarterly=quarterly, targets=res.targets.iloc[0:0],
                       gaps=res.gaps.iloc[0:0])

    def _sim_inputs(self, kwargs: dict) -> dict:
        """The simulation's keyword arguments, with the data's attainment history and defaults unless given."""
        return {"history": self._ds.history, "defaults": self._ds.settings, **kwargs, "user": self.user}

    def comp_cost(self, plans, quotas, **kwargs):
        """The Monte Carlo comp cost (:func:`planning.compensation.simulate_cost`; needs view_comp), on the data's
        attainment history and defaults unless ``history`` / ``defaults`` are given."""
        from planning.compensation import simulate_cost

        return simulate_cost(plans, quotas, **self._sim_inputs(kwargs))

    def compare_variants(self, variants: dict, quotas, **kwargs) -> pd.DataFrame:
        """Comp-plan variants on the same draws (:func:`planning.compensation.compare_variants`; needs view_comp)."""
        from planning.compensation import compare_variants

        return compare_variants(variants, quotas, **self._sim_inputs(kwargs))

    def compare_capacity(self, payloads: dict) -> pd.DataFrame:
        """Saved capacity scenarios side by side (:func:`planning.plans.compare_capacity`; company-wide, so it needs
        view_company), without the quota and cost rows the user may not see."""
        require(self.user, P.VIEW_COMPANY)
        from planning.plans import compare_capacity

        out = compare_capacity(payloads, self._ds)
        return out.drop(index=hidden_columns(self.user, out.index))

    def capacity_scenario(self):
        """The capacity scenario pre-filled from the whole company's data (company-wide, so it needs view_company).
        Built on every row, since a headcount plan needs the targets even where the user may not read them; what
        the user is shown of it is cut by planning.capacity.views, which take the user."""
        require(self.user, P.VIEW_COMPANY)
        from planning.capacity import default_scenario

        return default_scenario(self._ds)

    # ------------------------------------------------------------------ teams and review targets
    def managers(self, plans=()) -> pd.DataFrame:
        """The managers whose team holds a book in ``plans`` (:func:`planning.plans.plan_managers`, on every rep);
        a manager gets their own team's managers only."""
        from planning.plans import plan_managers

        out = plan_managers(self._ds.reps, list(plans))
        return out if self.team is None else out.loc[out["manager_id"].astype(str).isin(self.team)]

    def check_target(self, kind: str, target, plans=()) -> None:
        """Refuse (AccessDenied) a comment on an account or rep outside what the user may see."""
        from planning.access.scope import require_account, require_rep

        ds = self._ds
        if kind == "account":
            require_account(self.user, ds.reps, target, ds.accounts, list(plans))
        elif kind == "rep":
            require_rep(self.user, ds.reps, target)

    def comment_teams(self, kind: str, target, plans=()) -> list[str]:
        """The managers whose team a comment on ``target`` concerns (:func:`planning.plans.target_teams`, on the
        whole data: an account leaving the team concerns the team it joins too); none for a plan comment."""
        from planning.plans import target_teams

        return [] if kind == "plan" else target_teams(kind, target, self._ds.reps, self._ds.accounts, list(plans))

    def report_dataset(self, account_ids, plans=()):
        """The dataset behind a report the user was given: its accounts (``account_ids``, within those the user
        may see in the data or in ``plans``), and the reps who own them in the data or in ``plans`` (the other
        side of a move is named in the report).  Unscoped users: :attr:`dataset`."""
        if self.team is None:
            return self.dataset
        ds, plans = self._ds, list(plans)
        ids = set(pd.Index(account_ids).astype(str)) & set(self.account_ids(plans))
        accounts = ds.accounts.loc[ds.accounts["account_id"].astype(str).isin(ids).to_numpy()]
        owners = set(self.team) | set(accounts["owner_rep_id"].dropna().astype(str))
        for p in plans:
            owner = p.assignment.reindex(list(ids)).map(p.territories["owner_rep_id"])
            owners |= set(owner.dropna().astype(str))
        reps = ds.reps.loc[ds.reps["rep_id"].astype(str).isin(owners).to_numpy()]
        return replace(self.dataset, accounts=self.columns(accounts), reps=self.columns(reps))

    # ------------------------------------------------------------------ CRM changes
    def load_crm_export(self, source, file: str | None = None):
        """Read and validate a newer CRM account export (owners resolve against every rep), within the upload
        limits (:class:`planning.data.UploadLimits`: a file over them is an ``UploadTooLarge``, a FileError)."""
        import os

        from planning.data.uploads import UploadLimits, check_rows, check_size
        from planning.plans import load_crm_accounts

        limits = UploadLimits.from_settings(self._ds.settings, os.environ)
        name = file or str(source)
        if isinstance(source, bytes | bytearray):
            check_size(name, len(source), limits)
        elif isinstance(source, str | os.PathLike) and os.path.isfile(source):
            check_size(name, os.path.getsize(source), limits)
        res = load_crm_accounts(source, self._ds.reps, settings=self._ds.settings, file=file)
        check_rows(name, len(res.clean) + len(res.rejects), limits)
        return res

    def publish(self, name: str, version: int | None, *, changed_only: bool = False, with_quotas: bool = True,
                segment_field: str | None = None, model_id: str = ""):
        """The CRM import files of an approved version (:func:`planning.plans.publish_plan`; needs publish, which
        sees every team): (export, warnings)."""
        from planning.plans import publish_plan

        return publish_plan(self.store, self.user, name, version, self._ds, changed_only=changed_only,
                            with_quotas=with_quotas, segment_field=segment_field, model_id=model_id)

    def crm_changes(self, plan, export, *, arr_threshold_usd: float = 0.0):
        """What changed in the CRM (``export``: :meth:`load_crm_export`'s result) since ``plan`` was made, as the
        user may see it; see :func:`planning.access.crm_view.scoped_changes`."""
        from planning.access.crm_view import scoped_changes

        return scoped_changes(self.user, plan, export, self._ds, arr_threshold_usd=arr_threshold_usd)

    def apply_crm_changes(self, plan, changes: pd.DataFrame, export, *, name: str, source: str = "",
                          author: str = ""):
        """Save ``plan`` with the accepted ``changes`` as a new version (needs edit_plans, which sees every team)."""
        require_store(self.user, P.EDIT_PLANS, f"apply CRM changes to {name!r}")
        from planning.plans import apply_changes

        newp = apply_changes(plan, changes, name=name, source=source)
        return self.save_plan(newp, note=newp.note.splitlines()[-1], author=author, accounts=export.clean)

    # ------------------------------------------------------------------ territory rules and routing
    def territory_definitions(self, plan):
        """The territory definitions of ``plan`` (:func:`planning.territories.derive_definitions`, on the whole
        data: a rule is the company's), cut to the territories the user may see with their rules and named
        accounts."""
        from planning.territories import derive_definitions

        defs = derive_definitions(plan, self._ds.accounts)
        keep = self.territories(plan)
        if keep is None:
            return defs
        keep = set(keep)
        return replace(defs, territories=defs.territories.loc[defs.territories.index.isin(keep)],
                       rules=defs.rules.loc[defs.rules["territory_id"].isin(keep)].reset_index(drop=True),
                       named=defs.named.loc[defs.named["territory_id"].isin(keep)].reset_index(drop=True))

    def route_accounts(self, plan, export, *, name: str | None = None, source: str = ""):
        """Route the clean rows of ``export`` (:meth:`load_crm_export`) by ``plan``'s rules
        (:func:`planning.territories.route`; needs edit_plans: a routing is a plan change, on every team's books)."""
        require(self.user, P.EDIT_PLANS)
        from planning.territories import derive_definitions, route

        ds = self._ds
        defs = derive_definitions(plan, ds.accounts)
        return route(plan, defs, export.clean, ds.reps, ds.accounts, plan_year=ds.plan_year, settings=ds.settings,
                     source=source, name=name)

    def save_routed(self, result, *, name: str, author: str = "", submit: bool = False, note: str = ""):
        """Save a routing's new version (headline figures on the accounts with the routed ones) and, with
        ``submit``, put it up for review: (saved version, the version now in review or None)."""
        from planning.plans import review

        v = self.save_plan(result.plan, note=note or result.plan.note, name=name, author=author,
                           accounts=result.accounts)
        in_review = review.submit(self.store, self.user, name, v.version, note) if submit else None
        return v, in_review


__all__ = ["ScopedView", "hidden_columns", "visible_columns", "visible_figures", "OTHER_TEAM"]
