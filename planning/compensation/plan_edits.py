"""A comp plan as the tables its editor shows, and back, with every bad value named in words.

Three tables: the plan's settings (one row), its tiers and its SPIFFs.  Money is annual USD; every rate (base share,
threshold, credits, tier bands, a SPIFF's attainment) is held as percentage points, so typing 50 means 50%
(planning.reporting.entry, as the Capacity editors read).  A tier with no upper end is the open band, "and above".
:func:`apply_plan_tables` reads the tables into a new :class:`CompPlan` or returns the problems, each with the table
it belongs to, so the editor shows it beside that table and the rest of the page keeps the last valid plan."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from planning.compensation.comp_plan import CompPlan, CompPlanError, Spiff, Tier
from planning.reporting.entry import blank, from_points, percent_words, read_number, to_points
from planning.reporting.formats import usd_whole

PLAN_SETTINGS_COLUMNS = ["ote_usd", "base_share", "reference_quota_usd", "threshold", "cap_multiple", "clawback_months",
                    "multi_year_share", "multi_year_uplift", "expansion_share", "expansion_credit"]
TIER_COLUMNS = ["from_attainment", "to_attainment", "multiplier"]
SPIFF_COLUMNS = ["spiff_name", "amount_usd", "min_attainment"]
PLAN_PERCENT_COLUMNS = {"base_share", "threshold", "multi_year_share", "multi_year_uplift", "expansion_share",
                   "expansion_credit", "from_attainment", "to_attainment", "min_attainment"}
PLAN_WHOLE_COLUMNS = {"clawback_months"}
# the plan's field behind each settings column, and its allowed range (fractions for rates; USD; × variable; months)
PLAN_FIELDS = {"ote_usd": "ote_usd", "reference_quota_usd": "quota_usd", "threshold": "threshold",
          "cap_multiple": "cap_multiple", "clawback_months": "clawback_months", "multi_year_share": "multi_year_share",
          "multi_year_uplift": "multi_year_uplift", "expansion_share": "expansion_share",
          "expansion_credit": "expansion_credit"}
PLAN_RANGES = {"ote_usd": (1.0, 5_000_000.0), "base_share": (0.0, 1.0), "reference_quota_usd": (1.0, 50_000_000.0),
          "threshold": (0.0, 1.0), "cap_multiple": (0.5, 10.0), "clawback_months": (0, 24),
          "multi_year_share": (0.0, 1.0), "multi_year_uplift": (0.0, 2.0), "expansion_share": (0.0, 1.0),
          "expansion_credit": (0.0, 2.0)}


@dataclass(frozen=True)
class PlanProblem:
    """One bad value: the editor table it sits in (plan, tiers or spiffs) and what is wrong, in words."""

    table: str
    text: str


def plan_tables(plan: CompPlan) -> dict[str, pd.DataFrame]:
    """The editor's frames for ``plan``: settings (one row), tiers, spiffs; rates in percentage points."""
    values = {"base_share": plan.pay_mix[0], **{col: getattr(plan, f) for col, f in PLAN_FIELDS.items()}}
    settings = pd.DataFrame([{c: _shown(c, values[c]) for c in PLAN_SETTINGS_COLUMNS}], columns=PLAN_SETTINGS_COLUMNS)
    settings = settings.astype({c: float for c in PLAN_SETTINGS_COLUMNS if c not in PLAN_WHOLE_COLUMNS})
    tiers = pd.DataFrame([[to_points(t.start), None if t.end is None else to_points(t.end), t.multiplier]
                          for t in plan.tiers], columns=TIER_COLUMNS, dtype=float)
    spiffs = pd.DataFrame([[s.name, s.amount_usd, to_points(s.min_attainment)] for s in plan.spiffs],
                          columns=SPIFF_COLUMNS).astype({"amount_usd": float, "min_attainment": float})
    return {"plan": settings, "tiers": tiers, "spiffs": spiffs}


def _shown(column: str, value):
    if value is None:
        return None
    return to_points(value) if column in PLAN_PERCENT_COLUMNS else value


def _words(column: str, value: float) -> str:
    if column in PLAN_PERCENT_COLUMNS:
        return percent_words(value)
    if column.endswith("_usd"):
        return usd_whole(value)
    return f"{value:g}"


class _Reader:
    """Reads typed cells, noting each bad one instead of stopping at the first."""

    def __init__(self):
        self.problems: list[PlanProblem] = []

    def cell(self, table: str, where: str, column: str, value, keep=None, optional: bool = False):
        """The cell as the plan's value (a fraction for a rate); None for a blank ``optional`` cell or a bad one."""
        from planning.reporting import label

        name = f"{where} · {label(column)}" if where else label(column)
        if optional and blank(value):
            return None
        try:
            number = read_number(value, whole=column in PLAN_WHOLE_COLUMNS)
        except ValueError as exc:
            self.problems.append(PlanProblem(table, f"{name}: {exc}"))
            return None
        number = from_points(number, keep) if column in PLAN_PERCENT_COLUMNS else number
        lo, hi = PLAN_RANGES.get(column, (0.0, None))
        if number < lo or (hi is not None and number > hi):
            bounds = f"between {_words(column, lo)} and {_words(column, hi)}" if hi is not None else \
                f"at least {_words(column, lo)}"
            self.problems.append(PlanProblem(table, f"{name}: must be {bounds} (got {_words(column, number)})"))
            return None
        return number


def _settings(plan: CompPlan, frame: pd.DataFrame, read: _Reader) -> dict:
    row = frame.iloc[0] if len(frame) else pd.Series(dtype=float)
    keep = {"base_share": plan.pay_mix[0], **{c: getattr(plan, f) for c, f in PLAN_FIELDS.items()}}
    got = {c: read.cell("plan", "", c, row.get(c), keep[c], optional=c == "cap_multiple")
           for c in PLAN_SETTINGS_COLUMNS}
    if any(got[c] is None for c in PLAN_SETTINGS_COLUMNS if c != "cap_multiple"):
        return {}
    base = got.pop("base_share")
    return {**{PLAN_FIELDS[c]: v for c, v in got.items()}, "pay_mix": (base, 1 - base),
            "clawback_months": int(got["clawback_months"])}


def _tiers(plan: CompPlan, frame: pd.DataFrame, read: _Reader) -> tuple[Tier, ...] | None:
    rows = frame.dropna(how="all")
    old = list(plan.tiers)
    out = []
    for i, (_, r) in enumerate(rows.iterrows()):
        was = old[i] if i < len(old) else None
        where = f"Tier {i + 1}"
        start = read.cell("tiers", where, "from_attainment", r.get("from_attainment"), was and was.start)
        end = read.cell("tiers", where, "to_attainment", r.get("to_attainment"), was and was.end, optional=True)
        mult = read.cell("tiers", where, "multiplier", r.get("multiplier"))
        out.append(None if start is None or mult is None else Tier(start, end, mult))
    return None if any(t is None for t in out) else tuple(out)


def _spiffs(plan: CompPlan, frame: pd.DataFrame, read: _Reader) -> tuple[Spiff, ...] | None:
    rows = frame.dropna(subset=["amount_usd"]) if "amount_usd" in frame else frame.iloc[0:0]
    old = list(plan.spiffs)
    out = []
    for i, (_, r) in enumerate(rows.iterrows()):
        was = old[i].min_attainment if i < len(old) else None
        name = str(r["spiff_name"]).strip() if not blank(r.get("spiff_name")) else f"SPIFF {i + 1}"
        amount = read.cell("spiffs", name, "amount_usd", r.get("amount_usd"))
        at = read.cell("spiffs", name, "min_attainment", r.get("min_attainment"), was, optional=True)
        out.append(None if amount is None else Spiff(name, amount, at or 0.0))
    return None if any(s is None for s in out) else tuple(out)


def apply_plan_tables(plan: CompPlan, tables: dict[str, pd.DataFrame]) -> tuple[CompPlan | None, list[PlanProblem]]:
    """``plan`` with the edited tables (any of plan, tiers, spiffs) applied → (the new plan, []) or (None, every
    problem, each with its table)."""
    read = _Reader()
    settings = _settings(plan, tables["plan"], read) if "plan" in tables else {}
    tiers = _tiers(plan, tables["tiers"], read) if "tiers" in tables else plan.tiers
    spiffs = _spiffs(plan, tables["spiffs"], read) if "spiffs" in tables else plan.spiffs
    if read.problems:
        return None, read.problems
    try:
        return dataclasses.replace(plan, **settings, tiers=tiers, spiffs=spiffs), []
    except CompPlanError as exc:  # the plan's own rules: tiers that overlap or leave a gap, no open last band
        text = str(exc).split(": ", 1)[-1]
        table = "tiers" if text.startswith("tiers") else "spiffs" if "SPIFF" in text else "plan"
        text = text.removeprefix("tiers: ")
        return None, [PlanProblem(table, text[:1].upper() + text[1:])]
