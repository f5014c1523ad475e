"""A scenario as editable tables (one row per segment) and back, with every bad cell named in words.

The Scenarios page edits these frames with ``st.data_editor``; the functions here are pure pandas so the
conversion and the validation are tested without Streamlit.  People type percentages as percentages: the rate
columns of the editor frames (:data:`PERCENT_COLUMNS`, the phasing and the ramp) hold percentage points
(84.75 = 84.75%), and :func:`apply_tables` turns them back into the scenario's fractions.  A cell left as shown
keeps the scenario's exact value (0.8474999999999999 is shown as 84.75 and stays 0.8474999999999999).
Money stays annual USD.  Columns the user may not see (quota, cost per AE) are left out of the frames and keep
their values.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from planning.capacity.scenario import (MONTH_NAMES, MONTHS, CapacityScenario, ScenarioError, segment_problems)
from planning.capacity.views import hidden_columns, is_hidden
from planning.reporting.entry import PERCENT_DIGITS, blank, from_points, read_number, to_points

ASSUMPTION_COLUMNS = ["bookings_target_usd", "quota_usd", "attainment", "annual_attrition", "time_to_hire_months",
                      "cost_per_head_usd", "earliest_start_month", "max_hires_per_month"]
SUPPORT_COLUMNS = ["sdr_per_ae", "se_per_ae", "opps_per_sdr_month", "opp_win_rate", "avg_deal_usd",
                   "open_pipeline_usd", "arr_usd", "accounts_to_cover", "accounts_per_rep"]
INT_COLUMNS = {"time_to_hire_months", "earliest_start_month", "max_hires_per_month", "accounts_to_cover"}
PERCENT_COLUMNS = {"attainment", "annual_attrition", "opp_win_rate"}  # percentage points in the editor frames
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
RAMP_MONTHS = 12  # longest ramp the editor shows (months in seat)
RAMP_COLUMNS = [f"M{i + 1}" for i in range(RAMP_MONTHS)]
TABLES = ("assumptions", "phasing", "ramp", "hiring", "support")
# scenario fields shown under a headline figure's name (planning.reporting.figures): a segment's
# bookings_target_usd is what the scenario plans against, derived from today's team when the targets file has none,
# so the editor, its messages and the workbook call it the capacity target, never a bookings target
SHOWN_AS = {"bookings_target_usd": "capacity_target_usd"}
DIGITS = PERCENT_DIGITS  # decimals of a percentage in the editor (84.75%): planning.reporting.entry reads them


def is_percent(table: str, column: str) -> bool:
    """True when ``column`` of editor frame ``table`` holds percentage points."""
    return table in ("phasing", "ramp") or column in PERCENT_COLUMNS


def scenario_tables(sc: CapacityScenario, user=None) -> dict[str, pd.DataFrame]:
    """Editor frames indexed by segment: assumptions, phasing, ramp, hiring, support.

    Rates are percentage points; the quota (without ``view_quota``) and cost per AE (without ``view_comp``)
    are left out for ``user``."""
    segs = list(sc.segments.values())
    idx = pd.Index([s.segment for s in segs], name="segment")
    hide = hidden_columns(user)

    def row(s, cols):
        return {c: (to_points(getattr(s, c)) if c in PERCENT_COLUMNS else getattr(s, c)) for c in cols
                if c not in hide and not is_hidden(user, c)}

    assumptions = pd.DataFrame([row(s, ASSUMPTION_COLUMNS) for s in segs], index=idx)
    assumptions["attainment_source"] = [s.attainment_source for s in segs]
    phasing = pd.DataFrame([[to_points(v) for v in s.target_phasing] for s in segs], index=idx, columns=QUARTERS)
    ramp = pd.DataFrame([[to_points(v) for v in s.ramp_curve] + [None] * (RAMP_MONTHS - len(s.ramp_curve))
                         for s in segs], index=idx, columns=RAMP_COLUMNS, dtype=float)
    hiring = pd.DataFrame([list(s.hiring_plan) for s in segs], index=idx, columns=list(MONTH_NAMES)).astype(int)
    support = pd.DataFrame([row(s, SUPPORT_COLUMNS) for s in segs], index=idx)
    return {"assumptions": assumptions, "phasing": phasing, "ramp": ramp, "hiring": hiring, "support": support}


# ------------------------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class CellProblem:
    """One bad value: the editor frame (``table``: assumptions, phasing, ramp, hiring, support or company), the
    segment (row) and canonical column when known, and the reason in words."""

    table: str
    segment: str | None
    column: str | None
    reason: str

    @property
    def text(self) -> str:
        """"Mid-market · Expected attainment: must be above 0% and at most 200% (got 250%)"."""
        where = " · ".join(p for p in (self.segment, _column_words(self.table, self.column)) if p)
        return f"{where}: {self.reason}" if where else self.reason


def _column_words(table: str, column: str | None) -> str:
    from planning.reporting import label

    if column is None:
        return {"ramp": "Ramp curve", "phasing": "Target phasing", "hiring": "Hiring plan"}.get(table, "")
    if table == "ramp" and column in RAMP_COLUMNS:
        return f"Ramp in month {column[1:]}"
    if table == "phasing":
        return f"Share of target in {column}"
    if table == "hiring":
        return f"Hires in {column}"
    return label(SHOWN_AS.get(column, column))


def _where(field: str, segment: str | None) -> tuple[str, str | None]:
    """(table, column) of a scenario field path (``segments.SMB.ramp_curve[3]`` → ramp, M4)."""
    key = field.split(f"segments.{segment}.", 1)[1] if segment is not None else field
    base, _, idx = key.partition("[")
    idx = idx.rstrip("]")
    if base == "ramp_curve":
        return "ramp", (RAMP_COLUMNS[int(idx)] if idx.isdigit() and int(idx) < RAMP_MONTHS else None)
    if base == "target_phasing":
        return "phasing", (QUARTERS[int(idx)] if idx.isdigit() and int(idx) < 4 else None)
    if base == "hiring_plan":
        return "hiring", (idx or None)
    if base in ASSUMPTION_COLUMNS:
        return "assumptions", base
    if base in SUPPORT_COLUMNS:
        return "support", base
    return "company", base


def _cell(v, field: str, as_int: bool, percent: bool = False, keep=None):
    """A typed cell as the scenario's value; ``keep`` (the scenario's value) wins when the cell shows it."""
    try:
        number = read_number(v, whole=as_int and not percent)
    except ValueError as exc:
        raise ScenarioError(f"{field}: {exc}") from None
    return from_points(number, keep) if percent else number


class _Collector:
    """Reads cells, noting each bad one as a CellProblem instead of stopping at the first."""

    def __init__(self):
        self.problems: list[CellProblem] = []

    def read(self, table, segment, column, fn, fallback):
        try:
            return fn()
        except ScenarioError as exc:
            reason = str(exc).split(": ", 1)[-1]
            self.problems.append(CellProblem(table, segment, column, reason))
            return fallback


def _segment_updates(name: str, seg, tables: dict[str, pd.DataFrame], col: _Collector) -> dict:
    upd = {}
    for key, cols in (("assumptions", ASSUMPTION_COLUMNS), ("support", SUPPORT_COLUMNS)):
        t = tables.get(key)
        if t is not None and name in t.index:
            for c in cols:
                if c in t.columns:
                    v, old = t.at[name, c], getattr(seg, c)
                    upd[c] = col.read(key, name, c, lambda v=v, c=c, old=old: _cell(
                        v, f"segments.{name}.{c}", c in INT_COLUMNS, c in PERCENT_COLUMNS, old), old)
    t = tables.get("phasing")
    if t is not None and name in t.index:
        old = list(seg.target_phasing) + [None] * (4 - len(seg.target_phasing))
        vals = [col.read("phasing", name, q, lambda q=q, i=i: _cell(
            t.at[name, q], f"segments.{name}.target_phasing[{q}]", False, True, old[i]), old[i] or 0.0)
            for i, q in enumerate(QUARTERS)]
        total = sum(vals)
        if total > 0 and abs(total - 1) <= 0.005 and vals != old:  # display rounding: renormalise to 100%
            vals = [v / total for v in vals]
        upd["target_phasing"] = tuple(vals)
    t = tables.get("ramp")
    if t is not None and name in t.index:
        old = list(seg.ramp_curve)
        curve = []
        for i, v in enumerate(t.loc[name].tolist()):
            if blank(v):
                break
            keep = old[i] if i < len(old) else None
            curve.append(col.read("ramp", name, RAMP_COLUMNS[i], lambda v=v, keep=keep: _cell(
                v, f"segments.{name}.ramp_curve", False, True, keep), keep if keep is not None else 0.0))
        upd["ramp_curve"] = tuple(curve)
    t = tables.get("hiring")
    if t is not None and name in t.index:
        upd["hiring_plan"] = tuple(
            0 if blank(v) else col.read("hiring", name, m, lambda v=v, m=m: _cell(
                v, f"segments.{name}.hiring_plan[{m}]", True), seg.hiring_plan[i])
            for i, (m, v) in enumerate(zip(MONTH_NAMES, t.loc[name])))
    return upd


def apply_tables(sc: CapacityScenario, tables: dict[str, pd.DataFrame],
                 **changes) -> tuple[CapacityScenario | None, list[CellProblem]]:
    """``sc`` with the edited frames (any subset) and top-level ``changes`` applied, and every bad value.

    Returns (the valid scenario, []) or (None, the problems, each naming its segment and column)."""
    col = _Collector()
    segs = {name: dataclasses.replace(seg, **_segment_updates(name, seg, tables, col))
            for name, seg in sc.segments.items()}
    for name, seg in segs.items():
        for exc in segment_problems(f"segments.{name}", seg):
            table, column = _where(exc.field, name)
            if not any(p.segment == name and p.table == table and p.column == column for p in col.problems):
                col.problems.append(CellProblem(table, name, column, exc.reason))
    if col.problems:
        order = {n: i for i, n in enumerate(sc.segments)}
        return None, sorted(col.problems, key=lambda p: (order.get(p.segment, len(order)), TABLES.index(p.table)
                                                         if p.table in TABLES else len(TABLES)))
    out = dataclasses.replace(sc, segments=segs, **changes)
    try:
        out.validate()
    except ScenarioError as exc:
        field = getattr(exc, "field", "")
        return None, [CellProblem("company", None, field or None, getattr(exc, "reason", str(exc)))]
    return out, []


def scenario_from_tables(sc: CapacityScenario, tables: dict[str, pd.DataFrame], **changes) -> CapacityScenario:
    """``sc`` with the edited frames applied; raises :class:`ScenarioError` naming the first bad value."""
    out, problems = apply_tables(sc, tables, **changes)
    if problems:
        p = problems[0]
        where = f"segments.{p.segment}." if p.segment else ""
        raise ScenarioError(f"{where}{_field_name(p)}: {p.reason}")
    return out


def _field_name(p: CellProblem) -> str:
    if p.table == "ramp":
        return "ramp_curve"
    if p.table == "phasing":
        return "target_phasing"
    if p.table == "hiring":
        return f"hiring_plan[{p.column}]" if p.column else "hiring_plan"
    return p.column or ""


def months_of(hiring_plan) -> list[str]:
    """Month names with hires, for captions ("Feb ×2, Mar ×1")."""
    return [f"{MONTH_NAMES[m]} ×{int(h)}" for m, h in enumerate(hiring_plan[:MONTHS]) if h]
