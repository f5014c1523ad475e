"""The headline figures, each defined once: what it counts, and whether unowned accounts and open territories
are in.  Every page, the CLI and every export call these functions, and show :func:`figure_help` as the help text.

* **Accounts moved / ARR moved** (plan A → plan B): an account *moves* when it has a holder in both plans and the
  holders differ.  A holder is the territory's owner, or the open territory itself (a planned hire), so moves to
  and from open territories count.  Accounts with no holder in A (unowned today: 36 in the demo company) that get
  one in B are *newly assigned*, counted apart and never in "moved"; accounts losing their holder are *unassigned*.
* **Balance per segment**: for each territory, its *load* = book ÷ target, the target being the segment's total
  split in proportion to capacity share (a rep leaving in February is expected to carry 2/12 of a full book; with
  no plan year every territory counts as one).  Territories with no capacity in the year are left out; open
  territories (planned hires) are in with their capacity.  On the loads: ``max_mean`` = max ÷ mean, ``min_mean``
  = min ÷ mean, ``max_min`` = max ÷ min (> 2× means rebalance), ``cv`` = std ÷ mean, ``worst_dev`` = max
  |load − 1|.  With equal capacities these are exactly max/mean, min/mean, max/min and std/mean of the books.
* **Quota reps**: quota-carrying seats in the plan — the distinct owners of its territories (AEs and channel reps,
  leavers and open requisitions included) plus its open territories.
* **Bookings target**: the plan year's bookings target from the finance targets file (Σ of its rows for the plan
  year; annual rows count whole).  Only a targets file sets it: with none there is *no* bookings target, so quotas,
  quota coverage and the chance of reaching target wait for one.  A capacity scenario still needs a number per
  segment to plan against: where the file has none, it plans against *today's quota capacity* (quota carriers ×
  the segment's quota × expected attainment), shown as derived and never used as the bookings target.
* **Cost**, three things with three names: *AE cost* (the plan's seats at target, fully loaded), *support cost*
  (SDRs, SEs and CSMs of a capacity scenario) and *comp cost* (the simulated variable pay of the comp plans).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.plans.plan import BALANCE_FIGURES, BALANCE_METRICS, Plan, balance_table, metrics

KEPT, MOVED, NEWLY_ASSIGNED, UNASSIGNED, UNASSIGNED_BOTH = (
    "kept", "moved", "newly assigned", "unassigned", "unassigned both")


@dataclass(frozen=True)
class Figure:
    """A headline figure: ``name`` (its key in frames and exports), ``label`` (what people read), a one-line
    ``definition`` and its ``scope`` (what is in and what is out)."""

    name: str
    label: str
    definition: str
    scope: str
    kind: str = "count"

    @property
    def help(self) -> str:
        """The help text a page shows next to the figure (``help=`` on st.metric)."""
        return f"{self.definition} {self.scope}"


def _f(name, label, definition, scope, kind="count") -> tuple[str, Figure]:
    return name, Figure(name, label, definition, scope, kind)


FIGURES: dict[str, Figure] = dict([
    _f("accounts_moved", "Accounts moved",
       "Accounts with an owner in both plans whose owner differs (an open territory counts as an owner).",
       "Unowned accounts that get an owner are counted apart as newly assigned, not as moved."),
    _f("pct_accounts_moved", "Share of accounts moved", "Accounts moved ÷ all accounts in the data.",
       "Unowned accounts are in the denominator, not in the moved count.", "pct"),
    _f("arr_moved_usd", "ARR moved", "Current ARR of the accounts moved.",
       "Unowned accounts that get an owner are not in it (they are newly assigned).", "money"),
    _f("pct_arr_moved", "Share of ARR moved", "ARR moved ÷ the current ARR of all accounts in the data.",
       "Unowned accounts' ARR is in the denominator, not in the moved amount.", "pct"),
    _f("newly_assigned", "Newly assigned", "Accounts with no owner in the first plan that get one in the second.",
       "These are the unowned accounts; they are never counted as moved."),
    _f("newly_unassigned", "Left unassigned", "Accounts with an owner in the first plan and none in the second.",
       "Not counted as moved."),
    _f("relationships_broken", "Relationships broken",
       "Accounts leaving a rep while they have open pipeline or renew within the renewal window.",
       "Accounts leaving an open territory, and unowned accounts, break no relationship."),
    _f("balance_max_min", "Largest ÷ smallest load",
       "Per segment: the largest territory's book ÷ its target, over the smallest's (above 2× means rebalance).",
       "Targets split the segment's total by capacity share; territories with no capacity this year are out, "
       "open territories in.", "ratio"),
    _f("balance_cv", "Spread (CV)", "Per segment: standard deviation ÷ mean of each territory's book ÷ target.",
       "Same territories as the other balance figures: no-capacity territories out, open territories in.", "pct"),
    _f("balance_worst_dev", "Worst deviation from target",
       "Per segment: the largest |book ÷ target − 1| over the territories.",
       "Targets split the segment's total by capacity share; no-capacity territories out.", "pct"),
    _f("worst_book_off_target", "Worst book off target",
       "A carve's largest |book ÷ target − 1| over its territories and balanced metrics, after the carve.",
       "Today's plan, measured against the same targets, is shown beside it: its worst book is often far off.",
       "pct"),
    _f("quota_reps", "Quota reps",
       "Quota-carrying seats in the plan: the distinct owners of its territories plus its open territories.",
       "Leavers and open requisitions are in (they hold a territory); SDRs, SEs, CSMs and managers are out."),
    _f("open_territories", "Open territories", "Territories with no owner: seats for planned hires.",
       "Open requisitions listed in the people file own their territory and are not counted here."),
    _f("ae_cost_usd", "AE cost",
       "Fully loaded annual cost of the plan's AE seats at target: segment OTE × (1 + loaded-cost extra) per seat.",
       "Every territory counts, owned or open, but one with no segment (no OTE prices it: see unpriced_seats); "
       "support roles and commissions above target are not in it.", "money"),
    _f("support_cost_usd", "Support cost",
       "Annual cost of the SDRs, SEs and CSMs a capacity scenario needs for its AEs and its ARR.",
       "Support roles only; AEs and commissions are not in it.", "money"),
    _f("ae_support_cost_usd", "AE and support cost",
       "AE cost plus support cost of a capacity scenario, month by month over the plan year.",
       "Hires count from their start month; commissions above target are not in it.", "money"),
    _f("comp_cost_usd", "Comp cost (variable pay)",
       "Mean simulated variable pay of the quota reps under the comp plans (commission, accelerators, SPIFFs).",
       "Reps with a quota above zero; base pay is not in it (it is part of the AE cost).", "money"),
    _f("bookings_target_usd", "Bookings target",
       "The plan year's bookings target from the finance targets file (Σ of its rows for the plan year).",
       "Only a targets file sets it; with none loaded there is no bookings target, and quotas wait for one.", "money"),
    _f("capacity_target_usd", "Target",
       "What a capacity scenario plans against: each segment's bookings target; where the targets file has none, "
       "today's quota capacity (quota carriers × quota × expected attainment).",
       "It is not a bookings target and never sets quotas; a derived target is stated as such where it is shown.",
       "money"),
    _f("quota_coverage", "Quota coverage", "Σ quotas ÷ the finance bookings target.",
       "Company-wide; hidden from roles that may not see quotas.", "pct"),
])


def figure(name: str) -> Figure:
    """The :class:`Figure` called ``name`` (KeyError names the known ones)."""
    try:
        return FIGURES[name]
    except KeyError:
        raise KeyError(f"no figure {name!r}; known: {', '.join(sorted(FIGURES))}") from None


def figure_help(name: str) -> str:
    """Definition and scope of a figure, for ``help=`` on a metric."""
    return figure(name).help


# ---------------------------------------------------------------------------------------- accounts and ARR moved
def holders(plan: Plan, account_ids: pd.Index) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(territory, owner rep, holder) per account; the holder is the owner, or the open territory itself."""
    terr = plan.assignment.reindex(account_ids)
    owner = terr.map(plan.territories["owner_rep_id"])
    holder = owner.where(owner.notna(), terr)
    return terr.astype(object), owner.astype(object), holder.astype(object)


def changes(holder_a: pd.Series, holder_b: pd.Series) -> np.ndarray:
    """Each account's change from A to B: kept, moved, newly assigned, unassigned or unassigned both."""
    in_a, in_b = holder_a.notna().to_numpy(), holder_b.notna().to_numpy()
    same = in_a & in_b & (holder_a.to_numpy() == holder_b.to_numpy())
    return np.select([same, in_a & in_b, ~in_a & in_b, in_a & ~in_b], [KEPT, MOVED, NEWLY_ASSIGNED, UNASSIGNED],
                     default=UNASSIGNED_BOTH)


def movement(change, arr_usd: pd.Series) -> dict[str, float]:
    """Accounts and ARR moved from a per-account change (see :func:`changes`) and ARR, over the accounts given."""
    change = np.asarray(change)
    arr = pd.Series(arr_usd).fillna(0.0).astype(float).to_numpy()
    moved = change == MOVED
    n, total = len(change), float(arr.sum())
    arr_moved = float(arr[moved].sum())
    return {"accounts": n, "accounts_moved": int(moved.sum()),
            "pct_accounts_moved": float(moved.sum() / n) if n else np.nan,
            "arr_usd": total, "arr_moved_usd": arr_moved, "pct_arr_moved": arr_moved / total if total else np.nan,
            "newly_assigned": int((change == NEWLY_ASSIGNED).sum()),
            "newly_unassigned": int((change == UNASSIGNED).sum())}


def moved_between(a: Plan, b: Plan, accounts: pd.DataFrame) -> dict[str, float]:
    """Accounts moved, ARR moved and the newly assigned between plans ``a`` and ``b`` over ``accounts``."""
    ids = pd.Index(accounts["account_id"].astype(str))
    ha, hb = holders(a, ids)[2], holders(b, ids)[2]
    return movement(changes(ha, hb), pd.Series(accounts["arr_usd"].to_numpy(), index=ids))


def accounts_moved(a: Plan, b: Plan, accounts: pd.DataFrame) -> int:
    """See ``FIGURES["accounts_moved"]``."""
    return int(moved_between(a, b, accounts)["accounts_moved"])


def arr_moved(a: Plan, b: Plan, accounts: pd.DataFrame) -> float:
    """See ``FIGURES["arr_moved_usd"]``."""
    return float(moved_between(a, b, accounts)["arr_moved_usd"])


# --------------------------------------------------------------------------------------------- balance
def book_balance(book: pd.DataFrame, metrics_: tuple[str, ...] = BALANCE_METRICS,
                 variance_flag: float = 2.0) -> pd.DataFrame:
    """The balance figures per segment and metric of a per-territory book (with ``capacity_share`` when known):
    segment, metric, territories, mean, max_mean, min_mean, max_min, cv, worst_dev, flag_variance."""
    return balance_table(book, tuple(metrics_), capacity_weighted=True, variance_flag=variance_flag)


def balance(plan: Plan, accounts: pd.DataFrame, reps: pd.DataFrame | None, plan_year: int | None,
            settings=None, metrics_: tuple[str, ...] = BALANCE_METRICS) -> pd.DataFrame:
    """The balance figures per segment of ``plan`` (see the module doc): the one function every page calls."""
    flag = settings.planning.productivity_variance_flag if settings is not None else 2.0
    book = metrics(plan, accounts, reps, plan_year, settings)
    return book_balance(book, metrics_, flag)


def worst_segment(table: pd.DataFrame, metric: str, name: str) -> float:
    """The worst segment's value of balance figure ``name`` for ``metric`` (the highest, or for min_mean the
    lowest; NaN when no segment has two territories)."""
    if name not in BALANCE_FIGURES:
        raise KeyError(f"{name!r} is not a balance figure ({', '.join(BALANCE_FIGURES)})")
    sub = table.loc[table["metric"] == metric, name] if len(table) else pd.Series(dtype=float)
    if sub.dropna().empty:
        return np.nan
    return float(sub.min() if name == "min_mean" else sub.max())


# --------------------------------------------------------------------------------------------- people
def quota_reps(plan: Plan) -> int:
    """See ``FIGURES["quota_reps"]``: distinct territory owners plus open territories."""
    owners = plan.territories["owner_rep_id"]
    return int(owners.dropna().astype(str).nunique() + owners.isna().sum())


def open_territories(plan: Plan) -> int:
    """Territories with no owner (seats for planned hires)."""
    return int(plan.territories["owner_rep_id"].isna().sum())


# --------------------------------------------------------------------------------------------- cost
def seat_cost(segment: str, settings=None) -> float:
    """Fully loaded annual cost of one AE seat in ``segment`` at target (NaN for an unknown segment)."""
    from planning.data.defaults import Settings

    d = (settings or Settings()).segments.get(segment)
    return float(d.ote_usd * (1 + d.loaded_cost_extra)) if d is not None else np.nan


def ae_cost(plan: Plan, settings=None) -> float:
    """See ``FIGURES["ae_cost_usd"]``: Σ over the plan's territories of the segment's loaded OTE."""
    seg = plan.territories["segment"]
    return float(sum(seat_cost(s, settings) for s in seg if isinstance(s, str) and s)) if len(seg) else 0.0


def unpriced_seats(plan: Plan, settings=None) -> list[str]:
    """The plan's territories AE cost leaves out: no known segment, so no OTE prices them (they are still quota
    reps).  A page showing AE cost next to quota reps names them."""
    from planning.data.defaults import Settings

    known = set((settings or Settings()).segments)
    seg = plan.territories["segment"]
    return [str(t) for t, s in seg.items() if not (isinstance(s, str) and s in known)]


def unpriced_note(plan: Plan, settings=None) -> str:
    """What a page or command showing AE cost says of :func:`unpriced_seats` ("" when every seat is priced): how
    many, named as people read a territory ("=1+2 Will (T-005M6)").  Names are as written: a page escapes them."""
    seats = unpriced_seats(plan, settings)
    if not seats:
        return ""
    from planning.reporting.formats import person

    names = plan.territories["name"] if "name" in plan.territories else pd.Series(dtype=object)
    shown = ", ".join(person(names.get(t), t) for t in seats[:5]) + (
        f" and {len(seats) - 5:,} more" if len(seats) > 5 else "")
    one = len(seats) == 1
    return (f"AE cost leaves out {len(seats):,} seat{'' if one else 's'} with no segment, so no OTE prices "
            f"{'it' if one else 'them'} ({shown}); {'it is' if one else 'they are'} still counted among the quota "
            f"reps.")


@dataclass(frozen=True)
class Costs:
    """The three costs, named apart (annual USD; None where this view does not compute one)."""

    ae_cost_usd: float | None = None
    support_cost_usd: float | None = None
    comp_cost_usd: float | None = None

    @property
    def ae_support_cost_usd(self) -> float | None:
        if self.ae_cost_usd is None or self.support_cost_usd is None:
            return None
        return self.ae_cost_usd + self.support_cost_usd

    def as_dict(self) -> dict[str, float | None]:
        return {"ae_cost_usd": self.ae_cost_usd, "support_cost_usd": self.support_cost_usd,
                "ae_support_cost_usd": self.ae_support_cost_usd, "comp_cost_usd": self.comp_cost_usd}


def scenario_costs(result) -> Costs:
    """AE and support cost of a capacity scenario (a ``CapacityResult``)."""
    s = result.summary()
    return Costs(ae_cost_usd=float(s["ae_cost_usd"]), support_cost_usd=float(s["support_cost_usd"]))


def comp_cost(sim) -> float:
    """See ``FIGURES["comp_cost_usd"]``: the mean of a comp simulation's total variable pay."""
    return float(np.nanmean(sim.total_variable_cost))


# --------------------------------------------------------------------------------------------- bookings target
def no_target_message(plan_year: int) -> str:
    """What every page and command says when there is no bookings target for ``plan_year``."""
    return (f"No bookings targets loaded for {plan_year}: quotas, quota coverage and the chance of reaching target "
            f"need a targets file (segment, region, period, bookings_target_usd). Capacity Scenarios plans against "
            f"today's team capacity until then.")


def plan_year_target_rows(targets: pd.DataFrame | None, plan_year: int) -> pd.DataFrame:
    """The rows of the targets file whose period is in ``plan_year`` ("2027", "2027-Q1", …); empty when none."""
    cols = ["segment", "region", "period", "bookings_target_usd"]
    if targets is None or not len(targets):
        return pd.DataFrame(columns=cols)
    return targets.loc[targets["period"].astype(str).str.strip().str.startswith(str(plan_year))]


def segment_targets(targets: pd.DataFrame | None, plan_year: int) -> dict[str, float]:
    """The bookings target (annual USD) of each segment the targets file has plan-year rows for."""
    rows = plan_year_target_rows(targets, plan_year)
    return {str(k): float(v) for k, v in rows.groupby("segment")["bookings_target_usd"].sum().items()}


def bookings_target(targets: pd.DataFrame | None, plan_year: int) -> float | None:
    """See ``FIGURES["bookings_target_usd"]``: Σ of the plan year's rows of the targets file (annual USD); None
    when the file has none (there is then no bookings target: never a derived one)."""
    rows = plan_year_target_rows(targets, plan_year)
    return float(rows["bookings_target_usd"].sum()) if len(rows) else None
