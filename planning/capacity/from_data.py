"""Pre-fill a capacity scenario from the data and ``planning.data.defaults``.

Every value :func:`default_scenario` writes says where it came from: targets
from ``dataset.targets``, people from ``dataset.reps``, attainment from the
history (median of the last quarters), accounts, ARR and open pipeline from
``dataset.accounts``; everything else from ``planning.data.defaults``.

A segment the targets file has no plan-year target for plans against today's
quota capacity (``FIGURES["capacity_target_usd"]``): :func:`capacity_targets`
says so per segment, and the page and the CLI show it.  That derived number is
never the bookings target (``planning.reporting.figures.bookings_target``):
quotas and coverage wait for a targets file.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.capacity.scenario import MONTHS, CapacityScenario, Person, SegmentAssumptions
from planning.data.defaults import QUOTA_ROLES, Settings
from planning.reporting.figures import plan_year_target_rows
from planning.reporting.formats import pct, person, usd


def segment_attainment(history: pd.DataFrame, reps: pd.DataFrame, quarters: int = 6) -> pd.DataFrame:
    """Median attainment per segment over the last ``quarters`` periods of history.

    Attainment of one rep-quarter = bookings ÷ quota; the median is taken over
    all rep-quarters of the segment's quota carriers (not the top quartile, per
    the domain rules).  Returns segment, attainment, rep_quarters, periods.
    """
    cols = ["segment", "attainment", "rep_quarters", "periods"]
    if history is None or history.empty or reps is None or reps.empty:
        return pd.DataFrame(columns=cols)
    periods = sorted(history["period"].dropna().unique())[-quarters:]
    h = history.loc[history["period"].isin(periods) & (history["quota_usd"] > 0)]
    h = h.merge(reps[["rep_id", "segment", "role"]], on="rep_id", how="inner")
    h = h.loc[h["role"].isin(QUOTA_ROLES) & h["segment"].notna()]
    if h.empty:
        return pd.DataFrame(columns=cols)
    h = h.assign(att=h["bookings_usd"] / h["quota_usd"])
    out = h.groupby("segment").agg(attainment=("att", "median"), rep_quarters=("att", "size")).reset_index()
    out["periods"] = f"{periods[0]}–{periods[-1]}" if periods else ""
    return out[cols]


def earliest_start(as_of: pd.Timestamp, plan_year: int, time_to_hire_months: int) -> int:
    """First month (1-12) a requisition opened on ``as_of`` can start: as_of + time to hire, next month start."""
    ready = pd.Timestamp(as_of) + pd.DateOffset(months=int(time_to_hire_months))
    if ready.day > 1:
        ready = (ready + pd.offsets.MonthBegin(1)).normalize()
    idx = (ready.year - plan_year) * 12 + ready.month  # 1-based month of the plan year
    return int(min(max(idx, 1), MONTHS))


def _phasing(tg: pd.DataFrame, plan_year: int) -> tuple[float, float, float, float]:
    q = tg.assign(q=tg["period"].astype(str).str.extract(r"Q([1-4])", expand=False).astype(float))
    by_q = q.groupby("q")["bookings_target_usd"].sum().reindex([1.0, 2.0, 3.0, 4.0], fill_value=0.0)
    total = by_q.sum()
    if total <= 0:
        return (0.25, 0.25, 0.25, 0.25)
    shares = [float(v / total) for v in by_q]
    shares[-1] = 1.0 - sum(shares[:-1])  # exact sum for validation
    return tuple(shares)


_DERIVED = "derived from today's team: "  # how a capacity target with no finance target says where it came from


def _attainment(att: pd.DataFrame, seg: str, default: float) -> tuple[float, str]:
    """A segment's expected attainment and where it came from (history median, else the defaults)."""
    if seg in att.index and att.loc[seg, "rep_quarters"] > 0:
        return (float(att.loc[seg, "attainment"]),
                f"median of {int(att.loc[seg, 'rep_quarters'])} rep-quarters, {att.loc[seg, 'periods']}")
    return float(default), "planning.data.defaults (no history)"


def _carriers(reps: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Today's quota carriers of a known segment (leavers and open requisitions in: they hold a seat)."""
    return reps.loc[reps["role"].isin(QUOTA_ROLES) & reps["segment"].isin(list(settings.segments))]


def capacity_targets(dataset, settings: Settings | None = None) -> pd.DataFrame:
    """What each segment's capacity scenario plans against (``FIGURES["capacity_target_usd"]``), annual USD:
    segment, capacity_target_usd, derived (True when the targets file has no plan-year target for it) and source
    (the words the page and the CLI show).  A derived target = quota carriers × the segment's quota × expected
    attainment."""
    settings = settings or getattr(dataset, "settings", None) or Settings()
    rows = plan_year_target_rows(dataset.targets, int(dataset.plan_year))
    att = segment_attainment(dataset.history, dataset.reps, settings.planning.attainment_history_quarters)
    att, carriers = att.set_index("segment"), _carriers(dataset.reps, settings)
    out = []
    for seg, d in settings.segments.items():
        tg = rows.loc[rows["segment"] == seg]
        if len(tg):
            out.append((seg, float(tg["bookings_target_usd"].sum()), False, "targets file"))
            continue
        heads = int((carriers["segment"] == seg).sum())
        attainment, _ = _attainment(att, seg, d.expected_attainment)
        target = float(heads * d.quota_usd * attainment)
        reps_ = f"{heads} quota rep{'' if heads == 1 else 's'}"
        out.append((seg, target, True, _DERIVED + f"{reps_} × {usd(d.quota_usd)} quota × {pct(attainment)} expected "
                                                  f"attainment"))
    return pd.DataFrame(out, columns=["segment", "capacity_target_usd", "derived", "source"])


def derived_target_note(targets: pd.DataFrame, scenario: CapacityScenario | None = None) -> str:
    """One sentence naming the segments whose capacity target is derived (:func:`capacity_targets`), and how; with
    ``scenario``, only those whose target in it is still the derived one (empty when none is)."""
    d = targets.loc[targets["derived"]]
    if scenario is not None:
        kept = [s in scenario.segments and np.isclose(scenario.segments[s].bookings_target_usd, t)
                for s, t in zip(d["segment"], d["capacity_target_usd"])]
        d = d.loc[kept]
    if d.empty:
        return ""
    parts = "; ".join(f"{r.segment} {usd(r.capacity_target_usd)} ({r.source.removeprefix(_DERIVED)})"
                      for r in d.itertuples())
    return (f"No bookings target in the targets file for {', '.join(d['segment'])}: the capacity plan targets "
            f"{usd(d['capacity_target_usd'].sum())} derived from today's team — {parts}. It is not a bookings "
            f"target: quotas and coverage wait for a targets file.")


def left_out_note(dataset, settings: Settings | None = None) -> str:
    """The quota carriers a capacity plan cannot count, named (no known segment, or no start date), so its AEs in
    seat read against the quota reps of the other pages; empty when every one is in.  Names are as written: a page
    escapes them."""
    settings = settings or getattr(dataset, "settings", None) or Settings()
    reps = dataset.reps
    q = reps.loc[reps["role"].isin(QUOTA_ROLES)]
    no_seg = q.loc[~q["segment"].isin(list(settings.segments))]
    no_start = q.loc[q["segment"].isin(list(settings.segments)) & q["start_date"].isna()]
    parts = [f"{len(g)} quota rep{'' if len(g) == 1 else 's'} with {why} "
             f"({', '.join(person(r.name, r.rep_id) for r in g.itertuples())})"
             for g, why in ((no_seg, "no segment"), (no_start, "no start date")) if len(g)]
    if not parts:
        return ""
    return (f"Not in the capacity plan: {' and '.join(parts)}. The other pages count them among the quota reps; "
            f"complete the people file to plan them.")


def default_scenario(dataset, settings: Settings | None = None, name: str = "Baseline") -> CapacityScenario:
    """A scenario pre-filled from ``dataset`` (targets, reps, history, accounts) and the defaults.

    ``dataset`` is a :class:`planning.data.dataset.Dataset` (or any object with
    ``accounts``, ``reps``, ``targets``, ``history``, ``as_of``, ``plan_year``).
    The hiring plan starts empty: the result then shows the gap of today's team
    and the hires needed to close it.
    """
    settings = settings or getattr(dataset, "settings", None) or Settings()
    plan_year = int(dataset.plan_year)
    as_of = pd.Timestamp(dataset.as_of)
    reps, accounts = dataset.reps, dataset.accounts
    rows = plan_year_target_rows(dataset.targets, plan_year)
    pd_ = settings.planning
    att = segment_attainment(dataset.history, reps, pd_.attainment_history_quarters).set_index("segment")
    support_loaded = float(np.mean([s.loaded_cost_extra for s in settings.segments.values()]))
    carriers = _carriers(reps, settings)
    cap_targets = capacity_targets(dataset, settings).set_index("segment")
    win_rate = 1.0 / pd_.pipeline_coverage_target  # the 3× rule implies about one in three qualified opps wins

    segments: dict[str, SegmentAssumptions] = {}
    for seg, d in settings.segments.items():
        tg = rows.loc[rows["segment"] == seg]
        acc = accounts.loc[accounts["segment"] == seg]
        heads = carriers.loc[carriers["segment"] == seg]
        attainment, source = _attainment(att, seg, d.expected_attainment)
        # no finance target: capacity_targets plans to today's quota capacity (the gap reads as zero) and says so
        target = float(cap_targets.loc[seg, "capacity_target_usd"])
        phasing = _phasing(tg, plan_year) if len(tg) else (0.25, 0.25, 0.25, 0.25)
        quota = heads["quota_usd"].median() if "quota_usd" in heads and heads["quota_usd"].notna().any() else np.nan
        segments[seg] = SegmentAssumptions(
            segment=seg,
            bookings_target_usd=target,
            target_phasing=phasing,
            quota_usd=float(quota) if pd.notna(quota) and quota > 0 else float(d.quota_usd),
            attainment=attainment,
            attainment_source=source,
            ramp_curve=tuple(float(x) for x in d.ramp_curve),
            annual_attrition=float(d.annual_attrition),
            time_to_hire_months=int(d.time_to_hire_months),
            cost_per_head_usd=float(d.ote_usd * (1 + d.loaded_cost_extra)),
            earliest_start_month=earliest_start(as_of, plan_year, d.time_to_hire_months),
            max_hires_per_month=3,
            sdr_per_ae=float(settings.roles["SDR"].per_ae or 0.0) if "SDR" in settings.roles else 0.0,
            se_per_ae=float(settings.roles["SE"].per_ae or 0.0) if "SE" in settings.roles else 0.0,
            opps_per_sdr_month=float(pd_.bdr_qualified_opps_per_month),
            opp_win_rate=win_rate,
            avg_deal_usd=float(d.typical_acv_usd[0]),  # low end of typical ACV: first-year bookings, conservative
            open_pipeline_usd=float(acc["open_pipeline_usd"].fillna(0).sum()),
            arr_usd=float(acc["arr_usd"].fillna(0).sum()),
            accounts_to_cover=int(len(acc)),
            accounts_per_rep=float(np.mean(d.accounts_per_rep)),
        )

    people = []
    for _, r in carriers.iterrows():
        if pd.isna(r["start_date"]):
            continue
        end = r.get("end_date")
        people.append(Person(rep_id=str(r["rep_id"]), name=str(r.get("name", "")), segment=str(r["segment"]),
                             start_date=str(pd.Timestamp(r["start_date"]).date()),
                             end_date=None if pd.isna(end) else str(pd.Timestamp(end).date()),
                             status=str(r.get("status", "active"))))
    roles = settings.roles
    active = reps.loc[reps["status"] != "open_req"] if "status" in reps else reps
    support_today = {role: int((active["role"] == role).sum()) for role in ("SDR", "SE", "CSM")}

    def loaded(role: str) -> float:
        return float(roles[role].ote_usd * (1 + support_loaded)) if role in roles else 0.0

    return CapacityScenario(
        name=name, plan_year=plan_year, segments=segments, people=people,
        sdr_cost_usd=loaded("SDR"), se_cost_usd=loaded("SE"), csm_cost_usd=loaded("CSM"),
        csm_book_usd=float(pd_.csm_book_usd), support_today=support_today,
        pipeline_coverage_target=float(pd_.pipeline_coverage_target), as_of=str(as_of.date()),
        note=" ".join(x for x in (f"Pre-filled from {getattr(dataset, 'name', 'the data')} (as of {as_of.date()}) "
                                  f"and the domain defaults.", derived_target_note(cap_targets.reset_index()),
                                  left_out_note(dataset, settings)) if x),
    ).validate()
