"""What a capacity result shows, to whom: the headline figures, the tables and the exports of the Capacity
Scenarios page and the ``capacity`` command, with canonical column names (labels come from the registry).

Every builder takes the user: without ``view_quota`` the quota is left out, without ``view_comp`` every cost
(cost per AE, AE and support cost, cost of sales, support-role costs) is left out — dropped here, so the page,
the CLI and the downloads cannot show what the core did not hand them.  Which columns those are is
:mod:`planning.access.columns`' rule, the one :class:`planning.access.ScopedView` applies, so a column is hidden
from the same roles here and there.  ``user=None`` is the unscoped view (tests, benchmarks).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planning.access.columns import is_hidden as column_hidden
from planning.access.roles import Permission
from planning.capacity.result import CapacityResult
from planning.capacity.scenario import CapacityScenario
from planning.reporting import count, figure, pct, person, present, scenario_costs, usd

# capacity's quota and cost columns (what the page and the CLI would otherwise show); which of them a user may not
# see is planning.access.columns' rule, the one the scoped accessor uses too
QUOTA_COLUMNS = frozenset({"quota_usd"})
COST_COLUMNS = frozenset({"cost_per_head_usd", "cost_usd", "ae_cost_usd", "support_cost_usd", "csm_cost_usd",
                          "ae_support_cost_usd", "cost_of_sales", "sdr_cost_usd", "se_cost_usd", "budget_usd"})


def can(user, permission: Permission) -> bool:
    """True for ``user=None`` (the unscoped view) or a user holding ``permission``."""
    return user is None or user.can(permission)


def is_hidden(user, column) -> bool:
    """True when ``user`` may not see ``column`` (:func:`planning.access.columns.is_hidden`: a quota figure without
    view_quota, a comp or cost figure without view_comp; by the words, so a new cost column is hidden too).
    ``user=None`` is the unscoped view."""
    return user is not None and column_hidden(user, column)


def hidden_columns(user, columns=QUOTA_COLUMNS | COST_COLUMNS) -> frozenset[str]:
    """The columns of ``columns`` (default: capacity's quota and cost columns) ``user`` may not see."""
    return frozenset(c for c in columns if is_hidden(user, c))


def scoped(frame: pd.DataFrame, user) -> pd.DataFrame:
    """``frame`` without the columns ``user`` may not see."""
    return frame.drop(columns=[c for c in frame.columns if is_hidden(user, c)])


# ------------------------------------------------------------------------------------------- headline
@dataclass(frozen=True)
class Metric:
    """One headline figure as shown: ``name`` (canonical), ``label``, ``value`` (formatted), ``help``, ``delta``."""

    name: str
    label: str
    value: str
    help: str = ""
    delta: str | None = None


COST_OF_SALES_HELP = "(AE + SDR + SE cost) ÷ expected bookings; CSMs serve the installed base and are not in it."


def headline(res: CapacityResult, user=None) -> list[Metric]:
    """The plan-year headline, in the order the page draws it (costs only for those who may see them)."""
    s = res.summary()
    target = figure("capacity_target_usd")  # the one definition (planning.reporting.figures), as its help text
    out = [
        Metric(target.name, target.label, usd(s["capacity_target_usd"]), target.help),
        Metric("expected_bookings_usd", "Expected bookings", usd(s["expected_bookings_usd"]),
               "Bottom-up capacity: Σ ramped rep equivalents × quota ÷ 12 over the year.",
               f"{pct(s['attainment_of_target'])} of target"),
        Metric("gap_usd", "Gap to target", usd(s["gap_usd"]), "Target − expected bookings (the bottom-up capacity)."),
        Metric("headcount", "AEs Jan → Dec", f"{s['headcount_start']:.1f} → {s['headcount_end']:.1f}",
               "Expected AEs in seat in January and in December (attrition is expected, so heads are fractional).",
               f"{count(s['hires'])} hires planned, {count(s['hires_needed'])} to add"),  # fits a quarter of the page
        Metric("risk", "Risk", s["risk"].capitalize(), s["risk_reasons"]),
    ]
    if can(user, Permission.VIEW_COMP):
        cost = figure("ae_support_cost_usd")
        out += [Metric(cost.name, cost.label, usd(scenario_costs(res).ae_support_cost_usd), cost.help),
                Metric("cost_of_sales", "Cost of sales", pct(s["cost_of_sales"], 1), COST_OF_SALES_HELP)]
    out += [
        Metric("bookings_per_head_usd", "Bookings per AE", usd(s["bookings_per_head_usd"]),
               "Expected bookings ÷ average AEs in seat."),
        Metric("pipeline_capped_bookings_usd", "Pipeline supports", usd(s["pipeline_capped_bookings_usd"]),
               "Per segment the smaller of capacity and (open + SDR-sourced pipeline) × win rate."),
        Metric("rre", "RRE Jan → Dec", f"{s['rre_start']:.1f} → {s['rre_end']:.1f}",
               "Ramped rep equivalents: Σ ramp % × expected attainment."),
    ]
    return out


# ------------------------------------------------------------------------------------------- tables
SEGMENT_COLUMNS = ["segment", "capacity_target_usd", "expected_bookings_usd", "gap_usd", "aes_start", "aes_end",
                   "hires_needed", "reps_needed_bookings", "reps_needed_coverage", "lenses_disagree", "pipeline_usd",
                   "pipeline_coverage", "pipeline_supported_usd", "ae_support_cost_usd", "attainment",
                   "attainment_source"]


def segment_view(res: CapacityResult, user=None) -> pd.DataFrame:
    """By segment: bookings, the two headcount lenses, pipeline, AE and support cost, attainment."""
    seg = res.segments.rename(columns={"headcount_start": "aes_start", "headcount_end": "aes_end",
                                       "cost_usd": "ae_support_cost_usd"})
    return scoped(seg[SEGMENT_COLUMNS], user)


def support_view(res: CapacityResult, user=None) -> pd.DataFrame:
    """Support roles by ratio: rule, in seat today, needed in January and December, hires, their cost."""
    return scoped(res.support.rename(columns={"cost_usd": "support_cost_usd"}), user)


DRIVER_WORDS = {"attainment": "Expected attainment", "ramp": "Ramp speed", "attrition": "Annual attrition",
                "quota": "Quota"}


def tornado_view(tornado: pd.DataFrame, user=None) -> pd.DataFrame:
    """The sensitivity table in words: driver, bookings with it at −10% and +10%, the base, the swing (no quota
    driver for someone who may not see quotas)."""
    out = tornado.rename(columns={"base_usd": "expected_bookings_usd"})
    out = out.loc[[not is_hidden(user, d) for d in out["driver"]]].reset_index(drop=True)
    return out.assign(driver=out["driver"].map(DRIVER_WORDS).fillna(out["driver"]))


def people_view(sc: CapacityScenario) -> pd.DataFrame:
    """Quota carriers at the start of the plan: person ("Liam Turner (R-010)"), segment, status, dates."""
    rows = [{"person": person(p.name, p.rep_id), "segment": p.segment, "status": p.status.replace("_", " "),
             "start_date": p.start_date, "end_date": p.end_date} for p in sc.people]
    return pd.DataFrame(rows, columns=["person", "segment", "status", "start_date", "end_date"])


def monthly_view(res: CapacityResult, user=None, segment: str | None = None) -> pd.DataFrame:
    """Month by month (all segments added up, or one segment), for the charts."""
    mon = res.company_monthly() if segment is None else res.monthly.loc[res.monthly["segment"] == segment]
    return scoped(mon.reset_index(drop=True), user)


def hiring_export(res: CapacityResult, user=None) -> pd.DataFrame:
    """The hiring plan CSV (canonical names, for re-use in a spreadsheet or a script), scoped to ``user``."""
    return scoped(res.hiring_plan(), user)


# ------------------------------------------------------------------------------------------- compare
COMPARE_ROWS = [
    ("capacity_target_usd", "usd"), ("expected_bookings_usd", "usd"), ("gap_usd", "usd"),
    ("attainment_of_target", "pct"),
    ("headcount_start", "heads"), ("headcount_end", "heads"), ("hires", "count"), ("hires_needed", "count"),
    ("backfills", "heads"), ("ae_support_cost_usd", "usd"), ("cost_of_sales", "pct"),
    ("bookings_per_head_usd", "usd"), ("pipeline_capped_bookings_usd", "usd"), ("new_hire_share", "pct"),
    ("risk", "text"), ("risk_reasons", "text"),
]
COMPARE_LABELS = {
    "capacity_target_usd": figure("capacity_target_usd").label, "expected_bookings_usd": "Expected bookings",
    "gap_usd": "Gap to target",
    "attainment_of_target": "Expected ÷ target", "headcount_start": "AEs in January",
    "headcount_end": "AEs in December", "hires": "Planned hires", "hires_needed": "Hires still needed",
    "backfills": "Expected backfills", "ae_support_cost_usd": figure("ae_support_cost_usd").label,
    "cost_of_sales": "Cost of sales", "bookings_per_head_usd": "Bookings per AE",
    "pipeline_capped_bookings_usd": "Bookings the pipeline supports",
    "new_hire_share": "Bookings from this year's hires", "risk": "Risk", "risk_reasons": "Why",
}


def _summary_row(s: dict) -> dict:
    return {**s, "ae_support_cost_usd": s["ae_cost_usd"] + s["support_cost_usd"]}


def compare_summaries(summaries: dict[str, dict], user=None) -> pd.DataFrame:
    """Side by side, numbers: one column per scenario, one row per headline figure (labelled), scoped."""
    rows = [(k, f) for k, f in COMPARE_ROWS if not is_hidden(user, k)]
    data = {name: [_summary_row(s).get(k) for k, _ in rows] for name, s in summaries.items()}
    return pd.DataFrame(data, index=[COMPARE_LABELS[k] for k, _ in rows])


def compare_table(summaries: dict[str, dict], user=None) -> pd.DataFrame:
    """:func:`compare_summaries` formatted as people read it ($1.85M, 84%, 24.5, "high")."""
    rows = [(k, f) for k, f in COMPARE_ROWS if not is_hidden(user, k)]
    fmt = {"usd": usd, "pct": lambda v: pct(v, 1), "heads": lambda v: f"{v:.1f}", "count": count,
           "text": lambda v: str(v).capitalize() if v in ("low", "medium", "high") else str(v)}
    data = {name: [fmt[f](_summary_row(s).get(k)) for k, f in rows] for name, s in summaries.items()}
    return pd.DataFrame(data, index=[COMPARE_LABELS[k] for k, _ in rows], dtype=object)


def compare_amounts(summaries: dict[str, dict], user=None) -> pd.DataFrame:
    """The money figures of each scenario, long (scenario, figure, usd), for a side-by-side chart; scoped."""
    keys = [k for k in ("expected_bookings_usd", "capacity_target_usd", "ae_support_cost_usd")
            if not is_hidden(user, k)]
    return pd.DataFrame([{"scenario": n, "figure": COMPARE_LABELS[k], "usd": _summary_row(s)[k]}
                         for n, s in summaries.items() for k in keys], columns=["scenario", "figure", "usd"])


def with_needed_hires(sc: CapacityScenario, res: CapacityResult) -> CapacityScenario:
    """``sc`` with the hires its result ``res`` says are needed to close the gap added to its hiring plan."""
    import dataclasses

    need = res.monthly.pivot(index="segment", columns="month", values="hires_needed")
    segs = {n: dataclasses.replace(seg, hiring_plan=tuple(int(a + b) for a, b in zip(seg.hiring_plan, need.loc[n])))
            for n, seg in sc.segments.items()}
    return dataclasses.replace(sc, segments=segs)


# ------------------------------------------------------------------------------------------- Excel
def assumptions_view(sc: CapacityScenario, user=None) -> pd.DataFrame:
    """Per segment, every assumption as a number (rates as fractions), scoped to ``user``; the target under the
    capacity target's name (``SHOWN_AS``)."""
    from planning.capacity.tables import ASSUMPTION_COLUMNS, SHOWN_AS, SUPPORT_COLUMNS

    rows = [{"segment": n, **{c: getattr(s, c) for c in ASSUMPTION_COLUMNS + SUPPORT_COLUMNS},
             "attainment_source": s.attainment_source} for n, s in sc.segments.items()]
    return scoped(pd.DataFrame(rows).rename(columns=SHOWN_AS), user)


def export_sheets(res: CapacityResult, tornado: pd.DataFrame, user=None) -> dict[str, pd.DataFrame]:
    """The Excel workbook: labelled headers (the registry), only what ``user`` may see."""
    summary = pd.DataFrame([{"figure": m.label, "value": m.value, "definition": m.help}
                            for m in headline(res, user)])
    return {
        "Summary": present(summary),
        "By segment": present(segment_view(res, user)),
        "Hiring plan": present(hiring_export(res, user).drop(columns=["month"])
                               .rename(columns={"cost_usd": "ae_support_cost_usd"})),
        "Headcount": present(res.headcount_table().reset_index()),
        "Support roles": present(support_view(res, user)),
        "Sensitivity": present(tornado_view(tornado, user)),
        "Assumptions": present(assumptions_view(res.scenario, user)),
    }

