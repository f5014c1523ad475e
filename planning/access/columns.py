"""Which columns a role may not see: the one rule behind every scoped table, figure dict and export.

Used by :class:`planning.access.ScopedView` (the dataset, reports and figures) and by
:mod:`planning.capacity.views` (the Capacity Scenarios page, the ``capacity`` command and its downloads), so the
same column name is hidden from the same roles wherever it appears.

What the README's role table asks, and so what the rule hides:

* **quota figures** need ``view_quota`` (the viewer has it not): a rep's or territory's quota (a word ``quota``:
  ``quota_usd``, ``Q1_quota_usd``, ``ramped_quota_usd``, ``quota_pct_potential``, ``p_at_or_above_quota``) and
  the figures made from quotas (quota coverage ``coverage_ratio``, a quota override and its difference);
* **comp and cost figures** need ``view_comp`` (the manager and the viewer have it not): pay, payouts and
  anything priced from pay (``cost_usd``, ``ae_cost_usd``, ``cost_of_sales``, ``cost_per_head_usd``,
  ``budget_usd``, ``ote_usd``, ``base_usd``, ``variable_usd``, ``rate_at_target``, ``pay_mix``, …).

A column that counts people or says where a figure came from (``quota_reps``, ``history_quarters``,
``attainment_source``) is not a figure and stays.  Bookings, the finance bookings target, expected bookings and
expected attainment are **not** quota figures: they are the company-wide capacity figures ``view_company`` gives
(the viewer sees the Capacity page's target, bookings and attainment; a manager, without ``view_company``, gets
no company figures at all, by rows).  The per-rep quota history is cut by rows, not by this rule
(:attr:`planning.access.ScopedView.dataset`).
"""
from __future__ import annotations

from planning.access.roles import Permission

QUOTA_WORDS = frozenset({"quota"})
QUOTA_NAMES = frozenset({"coverage_ratio", "quota_coverage", "override_usd", "override_gap_usd"})
COMP_WORDS = frozenset({"cost", "costs", "budget", "ote", "payout", "payouts", "commission", "comp", "salary",
                        "variable", "spiff", "spiffs", "accelerator", "clawback", "pay"})
COMP_NAMES = frozenset({"base_usd", "rate_at_target"})
# words that make a column a count or a label rather than a figure (quota_reps, history_quarters, cost_source)
NOT_A_FIGURE = frozenset({"reps", "quarters", "source", "method"})


def column_words(column) -> frozenset[str]:
    """The lower-case words of a column name ("Q1_quota_usd" → {"q1", "quota", "usd"})."""
    return frozenset(str(column).lower().replace(" ", "_").split("_"))


def _sensitive(column, words: frozenset[str], names: frozenset[str]) -> bool:
    if str(column).lower() in names:
        return True
    w = column_words(column)
    return bool(w & words) and not w & NOT_A_FIGURE


def is_quota_column(column) -> bool:
    """True when ``column`` is a quota figure (needs ``view_quota``)."""
    return _sensitive(column, QUOTA_WORDS, QUOTA_NAMES)


def is_comp_column(column) -> bool:
    """True when ``column`` is a comp or cost figure (needs ``view_comp``)."""
    return _sensitive(column, COMP_WORDS, COMP_NAMES)


def is_hidden(user, column) -> bool:
    """True when ``user`` may not see ``column``: a quota figure without view_quota, a comp or cost figure without
    view_comp."""
    return bool((is_quota_column(column) and not user.can(Permission.VIEW_QUOTA))
                or (is_comp_column(column) and not user.can(Permission.VIEW_COMP)))


def hidden_columns(user, columns) -> list[str]:
    """The columns of ``columns`` (names, a frame's columns or a dict's keys) that ``user`` may not see, in order."""
    return [c for c in columns if is_hidden(user, c)]


def visible_columns(user, frame):
    """``frame`` without the columns ``user`` may not see (rows untouched)."""
    hide = hidden_columns(user, frame.columns)
    return frame.drop(columns=hide) if hide else frame


def visible_figures(user, figures: dict) -> dict:
    """A dict of headline figures (name → value) without the quota / comp / cost figures ``user`` may not see."""
    return {k: v for k, v in figures.items() if not is_hidden(user, k)}


__all__ = ["QUOTA_WORDS", "QUOTA_NAMES", "COMP_WORDS", "COMP_NAMES", "NOT_A_FIGURE", "column_words",
           "is_quota_column", "is_comp_column", "is_hidden", "hidden_columns",
           "visible_columns", "visible_figures"]
