"""Pre-fill a capacity scenario from the data and ``planning.data.defaults``.

Every value :func:`default_scenario` writes says where it came from: targets
from ``dataset.targets``, people from ``dataset.reps``, attainment from the
history (median of the last quarters), accounts, ARR and open pipeline from
``dataset.accounts``; everything else from ``planning.data.defaults``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.capacity.scenario import MONTHS, CapacityScenario, Person, SegmentAssumptions
from planning.data.defaults import QUOTA_ROLES, Settings


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
    targets = dataset.targets if dataset.targets is not None else pd.DataFrame()
    pd_ = settings.planning
    att = segment_attainment(dataset.history, reps, pd_.attainment_history_quarters).set_index("segment")
    support_loaded = float(np.mean([s.loaded_cost_extra for s in settings.segments.values()]))
    carriers = reps.loc[reps["role"].isin(QUOTA_ROLES) & reps["segment"].isin(list(settings.segments))]
    win_rate = 1.0 / pd_.pipeline_coverage_target  # the 3× rule implies about one in three qualified opps wins

    segments: dict[str, SegmentAssumptions] = {}
    for seg, d in settings.segments.items():
        tg = targets.loc[targets["segment"] == seg] if len(targets) else targets
        if len(tg):
            tg = tg.loc[tg["period"].astype(str).str.startswith(str(plan_year))]
        acc = accounts.loc[accounts["segment"] == seg]
        heads = carriers.loc[carriers["segment"] == seg]
        if seg in att.index and att.loc[seg, "rep_quarters"] > 0:
            attainment = float(att.loc[seg, "attainment"])
            source = f"median of {int(att.loc[seg, 'rep_quarters'])} rep-quarters, {att.loc[seg, 'periods']}"
        else:
            attainment, source = d.expected_attainment, "planning.data.defaults (no history)"
        if len(tg):
            target = float(tg["bookings_target_usd"].sum())
            phasing = _phasing(tg, plan_year)
        else:  # no finance target: plan to today's quota-carrying capacity so the gap reads as zero
            target, phasing = float(len(heads) * d.quota_usd * attainment), (0.25, 0.25, 0.25, 0.25)
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
        note=f"Pre-filled from {getattr(dataset, 'name', 'the data')} (as of {as_of.date()}) and the domain defaults.",
    ).validate()
