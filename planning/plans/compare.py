"""Side-by-side comparison of 2–4 plans (and of saved capacity scenarios).

For every plan:

Every headline figure is the one defined in :mod:`planning.reporting.figures` (the same numbers as on
Disruption, Carve, Quota and Comp and Finance):

* **balance** – :func:`planning.reporting.figures.book_balance` per segment and metric (book ÷ capacity target),
  the figures ``max_mean``, ``min_mean``, ``max_min``, ``cv``, ``worst_dev``;
* **disruption** vs the baseline (the current plan) – :func:`planning.plans.disruption_report.disruption` company
  figures (accounts and ARR moved; unowned accounts are newly assigned, not moved);
* **quota coverage** – :func:`planning.compensation.quota.quota_for_plan` with default quota settings:
  Σ quotas ÷ finance target per segment (``coverage_ratio``); left out for a user without view_quota;
* **quota reps and AE cost** – :func:`planning.reporting.figures.quota_reps` and
  :func:`planning.reporting.figures.ae_cost` (segment OTE × (1 + loaded cost) per seat, annual USD); the cost is
  left out for a user without view_comp, and the seats it cannot price are named in the notes
  (:func:`planning.reporting.figures.unpriced_note`, as Capacity and the AE cost say them).

Every figure is over the accounts all the plans and the data hold
(:func:`planning.plans.dataset_fit.shared_accounts`): a plan made on a changed export is compared on the accounts
it shares with today's data, never penalised for the data's new accounts.

Capacity scenarios are compared with :func:`compare_capacity` (``CapacityResult.summary()`` side by side).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.data.defaults import Settings
from planning.plans.dataset_fit import shared_accounts, shared_note
from planning.plans.disruption_report import disruption
from planning.plans.plan import BALANCE_FIGURES, Plan, metrics
from planning.reporting import figures as F

MAX_PLANS = 4
# which direction is better for each figure (used to highlight the best plan in a row)
LOWER_IS_BETTER = {"max_mean": True, "min_mean": False, "max_min": True, "cv": True, "worst_dev": True,
                   "accounts_moved": True, "pct_accounts_moved": True, "pct_arr_moved": True,
                   "arr_moved_usd": True, "relationships_broken": True, "reps_affected": True, "cost_usd": True,
                   "ae_cost_usd": True, "gap_usd": True, "pipeline_moved_usd": True}
HEADLINE_ROWS = ["territories", "open_territories", "quota_reps", "ae_cost_usd", "accounts_assigned",
                 "potential_cv", "potential_max_min", "arr_cv", "workload_cv", "accounts_moved", "pct_accounts_moved",
                 "arr_moved_usd", "pct_arr_moved", "newly_assigned", "relationships_broken", "quota_coverage"]
HEADLINE_BETTER = {"potential_cv": True, "potential_max_min": True, "arr_cv": True, "workload_cv": True,
                   "accounts_moved": True, "pct_accounts_moved": True, "arr_moved_usd": True, "pct_arr_moved": True,
                   "relationships_broken": True, "ae_cost_usd": True}


@dataclass
class PlanComparison:
    """Plans side by side; every ``*_wide`` frame has one column per plan."""

    names: list[str]
    baseline_name: str
    headline: pd.DataFrame  # figure × plan
    balance: pd.DataFrame  # long: plan, segment, metric, territories, mean, figures
    disruption: pd.DataFrame  # figure × plan (company-level disruption vs the baseline)
    quota: pd.DataFrame | None  # segment × plan coverage_ratio (None when quotas could not be set)
    moves: pd.DataFrame  # accounts whose owner differs between any two of the plans
    notes: list[str] = field(default_factory=list)  # what the figures leave out (accounts outside a plan, seats AE
    # cost cannot price), as plain sentences written as the data has it: a page escapes them
    quota_note: str = ""  # why there is no quota coverage (quota is None), in the words every page uses

    def to_excel(self, capacity: pd.DataFrame | None = None) -> bytes:
        """The comparison (and optional capacity scenarios) as a formula-safe workbook."""
        from planning.data.files import to_safe_excel
        from planning.reporting import label, present

        def rows(wide: pd.DataFrame) -> pd.DataFrame:  # figure rows read as their labels
            out = wide.reset_index()
            out["figure"] = out["figure"].map(label)
            return out.rename(columns={"figure": "Figure"})

        bal = self.balance_wide().reset_index()
        bal["metric"], bal["figure"] = bal["metric"].map(label), bal["figure"].map(label)
        sheets = {"Headline": rows(self.headline), "Balance": present(bal),
                  "Disruption": rows(self.disruption), "Moved accounts": present(self.moves.drop(
                      columns=["lat", "lon"], errors="ignore"))}
        if self.quota is not None:
            sheets["Quota coverage"] = present(self.quota.reset_index())
        if capacity is not None:
            sheets["Capacity"] = rows(capacity.rename_axis("figure")).astype(str)
        return to_safe_excel(sheets)

    def balance_wide(self, metric: str | None = None) -> pd.DataFrame:
        """(segment, metric, figure) × plan."""
        b = self.balance if metric is None else self.balance.loc[self.balance["metric"] == metric]
        long = b.melt(id_vars=["plan", "segment", "metric"], value_vars=list(BALANCE_FIGURES), var_name="figure")
        wide = long.pivot_table(index=["segment", "metric", "figure"], columns="plan", values="value", sort=False)
        return wide.reindex(columns=self.names)


def best_in_row(wide: pd.DataFrame, lower_is_better: dict[str, bool], key_level: int | str = -1) -> pd.DataFrame:
    """Boolean frame: True where a plan has the best value of its row (ties all True; unknown rows all False)."""
    out = pd.DataFrame(False, index=wide.index, columns=wide.columns)
    for idx in wide.index:
        key = idx[key_level] if isinstance(idx, tuple) else idx
        if key not in lower_is_better:
            continue
        row = pd.to_numeric(wide.loc[idx], errors="coerce")
        if row.notna().sum() < 2 or row.nunique() < 2:
            continue
        best = row.min() if lower_is_better[key] else row.max()
        out.loc[idx] = (row == best).to_numpy()
    return out


def differs(wide: pd.DataFrame, rel_tol: float = 0.005) -> pd.Series:
    """Rows whose values differ between plans by more than ``rel_tol`` of the row's largest magnitude."""
    num = wide.apply(pd.to_numeric, errors="coerce")
    spread = num.max(axis=1) - num.min(axis=1)
    scale = num.abs().max(axis=1).replace(0, 1.0)
    with np.errstate(invalid="ignore"):
        out = (spread / scale > rel_tol).fillna(False)
    # an infinite figure (max_min with an empty territory) differs from any finite one
    infinite = ~np.isfinite(scale)
    return out.where(~infinite, num.nunique(axis=1) > 1).astype(bool)


def plan_cost(plan: Plan, settings: Settings | None = None) -> dict[str, float]:
    """Territories, open territories, quota reps and AE cost (:mod:`planning.reporting.figures`)."""
    return {"territories": len(plan.territories), "open_territories": F.open_territories(plan),
            "quota_reps": F.quota_reps(plan), "ae_cost_usd": F.ae_cost(plan, settings or Settings())}


def _quota_coverage(plan: Plan, accounts, reps, targets, history, plan_year, settings) -> pd.Series | str:
    try:
        from planning.compensation.quota import QuotaError, quota_for_plan
    except ImportError:  # pragma: no cover - quota module not in this tree
        return "quota module not available"
    if targets is None or not len(targets):
        return F.no_target_message(plan_year)  # the one sentence every page and command says
    try:
        res = quota_for_plan(plan, accounts, reps, targets, history, plan_year=plan_year, defaults=settings)
    except (QuotaError, ValueError, KeyError) as exc:
        return f"{plan.name}: quotas could not be set ({exc})"
    cov = res.coverage("segment")
    return cov.set_index("segment")["coverage_ratio"]


def compare_plans(plans: list[Plan], accounts: pd.DataFrame, reps: pd.DataFrame, as_of, plan_year: int | None = None,
                  *, baseline: Plan | None = None, targets: pd.DataFrame | None = None,
                  history: pd.DataFrame | None = None, settings: Settings | None = None,
                  user=None) -> PlanComparison:
    """Compare 2–4 plans (names must differ).  ``baseline`` (default: the first plan) is the disruption reference.

    With ``user`` a manager compares their team only: every plan is cut to the territories their reps own and the
    accounts in them (an account leaving the team counts as leaving), and the company-level quota coverage is
    left out.  A user without view_quota gets no quota coverage, and without view_comp no cost (it is priced
    from OTE), in the headline, the tables and the workbook.
    """
    see_quota = see_cost = True
    every = [*plans, *([baseline] if baseline is not None else [])]
    whole, accounts = accounts, shared_accounts(accounts, every)  # a changed export: the accounts all of them hold
    notes = [n for n in (shared_note(whole, accounts, every),) if n]
    quota_off = "" if plan_year else "Quota coverage needs a plan year."  # why none, when it is not per plan
    if user is not None:
        from planning.access import Permission, require, scope_plan, team_account_ids, team_rep_ids

        require(user, Permission.VIEW_PLANS)
        see_quota, see_cost = user.can(Permission.VIEW_QUOTA), user.can(Permission.VIEW_COMP)
        if not see_quota:
            targets, quota_off = None, "Quota coverage is not shown to your role."
        team = team_rep_ids(user, reps)
        if team is not None:
            ids = team_account_ids(user, reps, accounts, every)
            accounts = accounts.loc[accounts["account_id"].astype(str).isin(ids)]
            plans = [scope_plan(user, p, reps) for p in plans]
            baseline = scope_plan(user, baseline, reps) if baseline is not None else None
            reps = reps.loc[reps["rep_id"].astype(str).isin(team)]
            targets = None
            quota_off = quota_off or "Quota coverage is company-wide: a team's comparison leaves it out."
    if not 2 <= len(plans) <= MAX_PLANS:
        raise ValueError(f"pick 2 to {MAX_PLANS} plans to compare (got {len(plans)})")
    names = [p.name for p in plans]
    if len(set(names)) != len(names):
        raise ValueError("the plans to compare need distinct names")
    settings = settings or Settings()
    baseline = baseline or plans[0]
    window = settings.planning.renewal_window_days
    flag = settings.planning.productivity_variance_flag
    heads, dis_rows, bal_rows, quota_cols = {}, {}, [], {}
    quota_notes: list[str] = []
    for p in plans:
        book = metrics(p, accounts, reps, plan_year, settings)
        bt = F.book_balance(book, variance_flag=flag)
        if len(bt):
            bal_rows.append(bt.assign(plan=p.name))
        d = disruption(baseline, p, accounts, reps, as_of, renewal_window_days=window)
        dis_rows[p.name] = d.company
        h = _headline_row(p, accounts, bt, d.company, settings)
        cov = quota_off or _quota_coverage(p, accounts, reps, targets, history, plan_year, settings)
        if isinstance(cov, str):
            if cov not in quota_notes:
                quota_notes.append(cov)
            h["quota_coverage"] = np.nan
        else:
            quota_cols[p.name] = cov
            h["quota_coverage"] = float(cov.get("Total", np.nan))
        heads[p.name] = h
    rows = [r for r in HEADLINE_ROWS if (see_quota or r != "quota_coverage") and (see_cost or r != "ae_cost_usd")]
    headline = pd.DataFrame(heads).reindex(rows)[names]
    headline.index.name = "figure"
    dis = pd.DataFrame(dis_rows)[names]
    dis.index.name = "figure"
    balance = pd.concat(bal_rows, ignore_index=True) if bal_rows else pd.DataFrame(
        columns=["plan", "segment", "metric", "territories", "mean", *BALANCE_FIGURES])
    quota = pd.DataFrame(quota_cols).reindex(columns=[n for n in names if n in quota_cols]) if quota_cols else None
    if quota is not None:
        quota.index.name = "segment"
    if see_cost:
        notes += _unpriced_notes(plans, settings)
    return PlanComparison(names, baseline.name, headline, balance, dis, quota,
                          account_moves(plans, accounts, reps), notes, " ".join(quota_notes))


def _headline_row(p: Plan, accounts: pd.DataFrame, bt: pd.DataFrame, moved: dict, settings: Settings) -> dict:
    """One plan's headline column: seats and cost, accounts assigned, the worst segment's spread (what a reviewer
    looks at) and the moves against the baseline (``moved``: its disruption's company figures)."""
    h = plan_cost(p, settings)
    h["accounts_assigned"] = int(p.assignment.reindex(accounts["account_id"].astype(str)).notna().sum())
    for m, label in (("potential_usd", "potential"), ("arr_usd", "arr"), ("workload_hours", "workload")):
        sub = bt.loc[bt["metric"] == m] if len(bt) else bt
        h[f"{label}_cv"] = float(sub["cv"].max()) if len(sub) else np.nan
        if m == "potential_usd":
            h["potential_max_min"] = float(sub["max_min"].max()) if len(sub) else np.nan
    h.update({k: moved[k] for k in ("accounts_moved", "pct_accounts_moved", "arr_moved_usd", "pct_arr_moved",
                                    "newly_assigned", "relationships_broken")})
    return h


def _unpriced_notes(plans: list[Plan], settings: Settings) -> list[str]:
    """The seats AE cost cannot price (:func:`planning.reporting.figures.unpriced_note`), said once for the plans
    sharing them ("Current, FY27: AE cost leaves out 1 seat ...")."""
    by_note: dict[str, list[str]] = {}
    for p in plans:
        note = F.unpriced_note(p, settings)
        if note:
            by_note.setdefault(note, []).append(p.name)
    return [f"{', '.join(names)}: {note}" for note, names in by_note.items()]


def account_moves(plans: list[Plan], accounts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Accounts whose owner (holder) differs between any of the plans, with one owner column per plan.

    ``moved_in`` lists the plans where the account sits with a different holder than in the first plan.
    """
    from planning.reporting import people

    acc = accounts.set_index("account_id")
    names = people(reps)  # "Liam Turner (R-010)"
    holders = {}
    for p in plans:
        terr = p.assignment.reindex(acc.index)
        owner = terr.map(p.territories["owner_rep_id"])
        label = owner.map(names)
        open_label = "Open: " + terr.map(p.territories["name"]).fillna(terr).astype(str)
        holders[p.name] = label.where(label.notna(), open_label.where(terr.notna()))
    h = pd.DataFrame(holders)
    filled = h.fillna("(unassigned)")
    # column against column, not row by row: an account varies when some plan differs from the first
    # (``nunique(axis=1)`` and a per-row ``apply`` took ~0.35 s of Compare's first open on the 10,000-account demo)
    moved_in = filled.ne(filled.iloc[:, 0], axis=0)
    varied = moved_in.any(axis=1)
    out = acc.loc[varied, ["name", "segment", "lat", "lon", "arr_usd", "open_pipeline_usd"]].copy()
    for n in h.columns:
        out[f"owner in {n}"] = filled.loc[varied, n]
    moving = moved_in.loc[varied]
    out["moved_in"] = _joined_names(moving)
    out["plans_moving"] = moving.sum(axis=1).astype(int)
    return out.reset_index()


def _joined_names(flags: pd.DataFrame) -> pd.Series:
    """Per row, the names of the columns that are True, joined with ", " ("B, C"); "" when none is."""
    joined = pd.Series("", index=flags.index, dtype=object)
    for name in flags.columns:
        hit = flags[name].to_numpy(dtype=bool)
        joined[hit] = np.where(joined[hit] == "", name, joined[hit] + ", " + str(name))
    return joined.astype(str)


CAPACITY_COMPARE_ROWS = ["headcount_start", "headcount_end", "hires", "hires_needed", "cost_usd",
                         "expected_bookings_usd", "capacity_target_usd", "gap_usd", "attainment_of_target",
                         "cost_of_sales", "risk"]
"""The figures of :func:`compare_capacity` that Compare shows side by side (the page and the CLI), in order."""


def compare_capacity(scenarios: dict[str, dict], dataset=None) -> pd.DataFrame:
    """Saved capacity scenarios (name → stored dict) side by side: figure × scenario from ``summary()``."""
    from planning.capacity import CapacityScenario, run_scenario

    cols = {}
    for name, payload in scenarios.items():
        summary = run_scenario(CapacityScenario.from_dict(payload), dataset).summary()
        cols[name] = {k: v for k, v in summary.items() if k != "scenario"}
    out = pd.DataFrame(cols)
    out.index.name = "figure"
    return out


def plan_summary(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int | None = None,
                 settings: Settings | None = None) -> dict[str, float]:
    """Headline figures stored with a saved version (shown in the plan library): size, ARR, balance, cost."""
    settings = settings or Settings()
    book = metrics(plan, accounts, reps, plan_year, settings)
    bt = F.book_balance(book, variance_flag=settings.planning.productivity_variance_flag)
    pot = bt.loc[bt["metric"] == "potential_usd"] if len(bt) else bt
    out = {"accounts_assigned": int(plan.assignment.reindex(accounts["account_id"].astype(str)).notna().sum()),
           "arr_usd": float(book["arr_usd"].sum()), "potential_usd": float(book["potential_usd"].sum()),
           "potential_cv": float(pot["cv"].max()) if len(pot) else np.nan,
           "potential_max_min": float(pot["max_min"].max()) if len(pot) else np.nan}
    out.update({k: v for k, v in plan_cost(plan, settings).items() if k != "territories"})
    return out
