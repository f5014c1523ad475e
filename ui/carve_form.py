"""The Carve page's settings form, in the planner's words: what to balance, how tight, the trade-off between
keeping relationships and shorter travel, rules, and (in "Solver details") the time limit."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from optimizers.carve import DEFAULT_TOLERANCE, UNIT_KINDS, UNIT_LABELS, CarveSettings, company_carve_defaults
from planning.plans import BALANCE_METRICS, METRIC_LABELS
from planning.reporting.carve_words import (COMPACTNESS, COMPACTNESS_HELP, COMPACTNESS_LABEL, TRADE_OFF,
                                            TRADE_OFF_HELP, TRADE_OFF_LABEL, carve_by_words, compactness_step,
                                            trade_off_step, trade_off_weight)
from ui.plain import md_escape

_DEFAULTS = CarveSettings()


def _rules(ds, terr_options: list[str], segments: list[str]):
    """Territory rules and over-carve rows (two editors) → (rules frame, extra territories frame)."""
    st.markdown("**Territory rules** (rules first: a territory with a rule only takes matching accounts)")
    rules_df = st.data_editor(
        pd.DataFrame({"territory_id": pd.Series(dtype=str), "industries": pd.Series(dtype=str),
                      "employees_min": pd.Series(dtype=float), "employees_max": pd.Series(dtype=float)}),
        num_rows="dynamic", key="carve_rules", hide_index=True,
        column_config={"territory_id": st.column_config.SelectboxColumn("Territory", options=terr_options),
                       "industries": st.column_config.TextColumn("Industries",
                                                                 help="Comma separated, e.g. Healthcare, Software"),
                       "employees_min": st.column_config.NumberColumn("Fewest employees", min_value=0),
                       "employees_max": st.column_config.NumberColumn("Most employees", min_value=0)})
    st.markdown("**Over-carve:** open territories for planned hires (capacity pro-rated by start month)")
    extra_df = st.data_editor(pd.DataFrame({"segment": pd.Series(dtype=str), "region": pd.Series(dtype=str),
                                            "start_month": pd.Series(dtype=int)}),
                              num_rows="dynamic", key="carve_extra", hide_index=True,
                              column_config={"segment": st.column_config.SelectboxColumn("Segment", options=segments),
                                             "region": st.column_config.SelectboxColumn(
                                                 "Region", options=sorted(set(ds.settings.regions.values()))),
                                             "start_month": st.column_config.NumberColumn(
                                                 "Start month", min_value=1, max_value=12)})
    return rules_df, extra_df


def _parse_rules(rules_df: pd.DataFrame, extra_df: pd.DataFrame):
    extras = tuple({"segment": r.segment, "region": r.region, "start_month": int(r.start_month)}
                   for r in extra_df.dropna(subset=["segment"]).itertuples()
                   if isinstance(r.segment, str) and pd.notna(r.start_month))
    industry_rules, employee_bands = {}, {}
    for r in rules_df.dropna(subset=["territory_id"]).itertuples():
        if isinstance(r.industries, str) and r.industries.strip():
            industry_rules[r.territory_id] = [x.strip() for x in r.industries.split(",") if x.strip()]
        if pd.notna(r.employees_min) or pd.notna(r.employees_max):
            employee_bands[r.territory_id] = [None if pd.isna(r.employees_min) else float(r.employees_min),
                                              None if pd.isna(r.employees_max) else float(r.employees_max)]
    return extras, industry_rules, employee_bands


def _geography(segments: list[str], company: dict) -> tuple[dict[str, str], bool, float]:
    """Carving unit per segment, one-piece territories and compact shapes, starting from the company's settings
    (SegmentDefaults.carve_by, PlanningDefaults.carve_one_piece) → (units, contiguous, compactness weight)."""
    ucols = st.columns(len(segments))
    units = {s: ucols[i].selectbox(f"{s} carved as", UNIT_KINDS, key=f"carve_unit_{s}",
                                   index=UNIT_KINDS.index(company["units"].get(s, "account")),
                                   format_func=UNIT_LABELS.get) for i, s in enumerate(segments)}
    g1, g2 = st.columns(2)
    contiguous = g1.checkbox("Each geographic territory in one piece", value=company["contiguous"],
                             key="carve_contiguous",
                             help="For ZIP, ZIP3, county and state units: every territory one connected piece. The "
                                  "result says how many territories are still in more than one piece.")
    steps = [s for s, _ in COMPACTNESS]
    compact = g2.select_slider(COMPACTNESS_LABEL, steps, value=compactness_step(_DEFAULTS.compactness),
                               key="carve_compactness", help=COMPACTNESS_HELP)
    return units, contiguous, dict(COMPACTNESS)[compact]


def settings_form(ds, quota_reps: pd.DataFrame, rep_label: dict, pins: dict) -> tuple[CarveSettings | None, bool]:
    """Draw the form → (the settings, or None when they are not usable (said on the page); Run pressed)."""
    segments = list(ds.settings.segments)
    company = company_carve_defaults(ds.settings)
    with st.form("carve_form"):
        c1, c2, c3 = st.columns([1.5, 1, 1])  # room for two chosen metrics side by side at 1,280 px
        chosen = c1.multiselect("Balance on", list(BALANCE_METRICS), default=["potential_usd", "accounts"],
                                format_func=lambda m: METRIC_LABELS[m], key="carve_metrics")
        mode = c2.radio("Balance bands", ["hard", "soft"], horizontal=True, key="carve_mode",
                        format_func={"hard": "must hold", "soft": "may bend"}.get,
                        help="Must hold: every book sits inside its band, or the page says which rule or band "
                             "stands in the way. May bend: books may leave their band at a cost, so a plan always "
                             "comes back.")
        target = c3.radio("Target per territory", ["capacity", "mean"], horizontal=True, key="carve_target",
                          format_func={"capacity": "by capacity share", "mean": "equal books"}.get,
                          help="By capacity share: ramping reps, leavers and open requisitions get a smaller book "
                               "(months in seat × ramp, from the reps table).")
        steps = [s for s, _ in TRADE_OFF]
        trade = st.select_slider(TRADE_OFF_LABEL, steps, value=trade_off_step(_DEFAULTS.continuity_weight),
                                 key="carve_trade_off", help=TRADE_OFF_HELP)
        tcols = st.columns(len(BALANCE_METRICS))
        tol = {m: tcols[i].number_input(f"Band ± % — {METRIC_LABELS[m].split(' (')[0]}", 0.0, 200.0,
                                        DEFAULT_TOLERANCE[m] * 100, 1.0, key=f"carve_tol_{m}") / 100
               for i, m in enumerate(BALANCE_METRICS)}
        chosen_units = {s: st.session_state.get(f"carve_unit_{s}", company["units"].get(s, "account")) for s in segments}
        st.caption("Territories: " + md_escape(carve_by_words(
            chosen_units, st.session_state.get("carve_contiguous", company["contiguous"]))) +
                   " (change under “Rules, travel and carving units”; the defaults are the company's settings).")
        with st.expander("Rules, travel and carving units"):
            w1, w2 = st.columns(2)
            distance_w = w1.number_input("Cost of travel (per 100 mi)", 0.0, 100.0, _DEFAULTS.distance_weight, 0.1,
                                         key="carve_dist_w")
            balance_w = w2.number_input("Cost of a book outside its band (bands that may bend)", 0.0, 100.0, 1.0,
                                        0.1, key="carve_bal_w")
            distance_to = w1.radio("Travel measured to", ["home", "centre"], horizontal=True, key="carve_dist_to",
                                   format_func={"home": "rep's home", "centre": "centre of today's book"}.get)
            r1, r2, r3, r4 = st.columns(2) + st.columns(2)  # a quarter of the expander cut these labels
            match_region = r1.checkbox("Keep accounts in their region", False, key="carve_region")
            respect_locks = r2.checkbox("Locked accounts stay", True, key="carve_locks")
            keep_families = r3.checkbox("Keep parent families together", True, key="carve_families")
            account_cap = r4.checkbox("Accounts-per-rep cap (coverage model)", False, key="carve_acc_cap")
            excluded = st.multiselect("Exclude reps (their accounts are re-carved)", list(rep_label),
                                      format_func=rep_label.get, key="carve_excluded")
            rules_df, extra_df = _rules(ds, sorted("T-" + quota_reps["rep_id"].astype(str)), segments)
            units, contiguous, compact = _geography(segments, company)
        b1, b2 = st.columns(2)
        max_moves = b1.number_input("Most accounts moved (0 = no cap)", 0, 1_000_000, 0, 10, key="carve_max_moves")
        max_arr = b2.number_input("Most ARR moved, USD (0 = no cap)", 0.0, 1e12, 0.0, 100_000.0, key="carve_max_arr")
        with st.expander("Solver details: time limit"):
            time_limit = st.slider("Time limit (s)", 5, 300, 60, 5, key="carve_time")
        submitted = st.form_submit_button("Run carve", type="primary")

    extras, industry_rules, employee_bands = _parse_rules(rules_df, extra_df)
    try:
        cs = CarveSettings(metrics=tuple(chosen), tolerance=tol, weights=dict.fromkeys(BALANCE_METRICS, balance_w),
                           mode=mode, target=target, distance_weight=distance_w,
                           continuity_weight=trade_off_weight(trade), distance_to=distance_to,
                           max_moves=int(max_moves) or None, max_arr_moved=float(max_arr) or None,
                           match_region=match_region, respect_locks=respect_locks, keep_families=keep_families,
                           account_capacity=account_cap, excluded_reps=tuple(excluded), units=units,
                           contiguous=contiguous, compactness=compact, industry_rules=industry_rules, employee_bands=employee_bands,
                           extra_territories=extras, pins=dict(pins), time_limit=float(time_limit))
        cs.validate()
    except ValueError as exc:
        st.error(f"Settings not usable: {md_escape(exc)}")
        return None, submitted
    return cs, submitted
