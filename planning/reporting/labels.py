"""One registry of the words users read: every user-facing table column, chart axis, legend and Excel header.

A column's canonical name (``arr_usd``) stays in the data, in CSV files meant for re-import and in code; what a
person reads is its :class:`Label` ("Current ARR"), with the kind that says how to format it (money as $1.85M in
headlines and whole dollars in tables, rates as %, counts with separators).  Shells call :func:`label` or
:func:`present`; the Excel writer calls :func:`present` for its headers.

A column with no entry still reads as words (``open_reqs`` → "Open reqs"), and its name is remembered in
:data:`UNLABELLED` so the page tests can fail on a header nobody registered.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MONEY, PCT, COUNT, NUMBER, RATIO, TEXT, DATE, MILES, HOURS, MONTHS, TIME = (
    "money", "pct", "count", "number", "ratio", "text", "date", "miles", "hours", "months", "time")
# TIME: a moment people read in a review ("3 Dec 14:05 UTC", planning.reporting.formats.moment); the column keeps
# the timestamp, so a grid sorts it by time, not as text


@dataclass(frozen=True)
class Label:
    """``text``: what the user reads; ``kind``: how values format; ``help``: a one-line definition (tooltips)."""

    text: str
    kind: str = TEXT
    help: str = ""


def _m(text: str, help: str = "") -> Label:
    return Label(text, MONEY, help)


def _p(text: str, help: str = "") -> Label:
    return Label(text, PCT, help)


def _c(text: str, help: str = "") -> Label:
    return Label(text, COUNT, help)


def _t(text: str, help: str = "") -> Label:
    return Label(text, TEXT, help)


def _r(text: str, help: str = "") -> Label:
    return Label(text, RATIO, help)


# Canonical column → label.  Add an entry here (not a rename in a page) when a page shows a new column; a column
# named as a headline figure (planning.reporting.figures.FIGURES) and not listed here reads as that figure.
LABELS: dict[str, Label] = {
    # who and where
    "account_id": _t("Account ID"), "name": _t("Name"), "account_name": _t("Account"),
    "rep_id": _t("Rep ID"), "rep_name": _t("Rep"), "rep": _t("Rep"), "owner_rep_id": _t("Owner ID"),
    "owner_name": _t("Owner"), "owner": _t("Owner"),
    "owner_group": _t("Owner", "Owners with the most potential have a colour each; the rest share one."),
    "largest_account": _t("Largest account", "The account with the most potential among those of this dot."),
    "place": _t("Place"),
    "colour": _t("Colour", "The territory's colour on the map."), "manager_id": _t("Manager ID"), "manager_name": _t("Manager"),
    "manager": _t("Manager"), "territory_id": _t("Territory"), "territory": _t("Territory"),
    "territory_name": _t("Territory"), "segment": _t("Segment"), "region": _t("Region"), "area": _t("Area"),
    "industry": _t("Industry"), "role": _t("Role"), "title": _t("Job title"), "email": _t("Email"),
    "state": _t("State"), "city": _t("City"), "country": _t("Country"), "postal_code": _t("Postal code"),
    "county_fips": _t("County (FIPS)"), "state_fips": _t("State (FIPS)"), "geo_precision": _t("Located by"),
    "from_owner_name": _t("From owner"), "to_owner_name": _t("To owner"), "from_owner": _t("From owner"),
    "to_owner": _t("To owner"), "from_holder": _t("From"), "to_holder": _t("To"),
    "from_territory": _t("From territory"), "to_territory": _t("To territory"),
    "from_manager_id": _t("From manager"), "to_manager_id": _t("To manager"),
    "proposed_territory": _t("Proposed territory"), "account_type": _t("Account type"),
    "is_customer": _t("Customer"), "open_req": _t("Open requisition"),
    # money (annual USD unless said)
    "arr_usd": _m("Current ARR", "Annual recurring revenue today."),
    "potential_usd": _m("Potential", "Annual whitespace the account could buy (uploaded, or estimated and labelled)."),
    "open_pipeline_usd": _m("Open pipeline"), "annual_revenue_usd": _m("Annual revenue"),
    "quota_usd": _m("Quota"), "full_year_quota_usd": _m("Full-year quota"), "target_usd": _m("Bookings target"),
    "bookings_target_usd": _m("Bookings target"), "bookings_usd": _m("Bookings"),
    "expected_bookings_usd": _m("Expected bookings"), "capacity_usd": _m("Capacity"),
    "gap_usd": _m("Gap to target"), "cost_usd": _m("Cost"), "ae_cost_usd": _m("AE cost"),
    "support_cost_usd": _m("Support cost"), "csm_cost_usd": _m("CSM cost"), "comp_cost_usd": _m("Comp cost"),
    "arr_moved_usd": _m("ARR moved"), "arr_in_usd": _m("ARR in"), "arr_out_usd": _m("ARR out"),
    "arr_kept_usd": _m("ARR kept"), "arr_before_usd": _m("ARR before"), "arr_after_usd": _m("ARR after"),
    "pipeline_in_usd": _m("Pipeline in"), "pipeline_out_usd": _m("Pipeline out"),
    "potential_change_usd": _m("Potential change"), "at_stake_usd": _m("ARR at stake"),
    "override_usd": _m("Override"), "allocated_usd": _m("Allocated"), "unallocated_usd": _m("Unallocated"),
    "planned_usd": _m("Planned"), "target_share_usd": _m("Share of target"), "ote_usd": _m("OTE"),
    "base_usd": _m("Base pay"), "variable_usd": _m("Target variable"), "amount_usd": _m("Amount"),
    "history_bookings_usd": _m("Past bookings"), "cum_target_usd": _m("Cumulative target"),
    "cum_capacity_usd": _m("Cumulative capacity"), "pipeline_supported_usd": _m("Bookings the pipeline supports"),
    "pipeline_capped_bookings_usd": _m("Bookings within pipeline"), "bookings_per_head_usd": _m("Bookings per head"),
    "avg_deal_usd": _m("Average deal"), "mean_variable_cost_usd": _m("Mean variable pay"),
    "p90_variable_cost_usd": _m("90th-percentile variable pay"),
    # rates and shares
    "pct_accounts_moved": _p("Accounts moved"), "pct_arr_moved": _p("ARR moved (share)"),
    "pct_arr_retained": _p("ARR retained"), "pct_accounts_retained": _p("Accounts retained"),
    "quota_coverage": _p("Quota coverage", "Sum of quotas ÷ bookings target."),
    "coverage_ratio": _p("Coverage"), "pipeline_coverage": _r("Pipeline coverage", "Open pipeline ÷ target (3× is healthy)."),
    "capacity_share": _p("Capacity share"), "capacity_factor": _p("Capacity factor"),
    "quota_pct_potential": _p("Quota as % of potential"), "attainment_of_target": _p("Attainment of target"),
    "min_attainment": _p("Lowest attainment"), "early_churn_share": _p("Early churn share"),
    "it_spend_share": _p("IT spend share of revenue"), "bookings_vs_target": _p("Bookings vs target"),
    "rate_at_target": _p("Commission rate at target"), "worst_dev": _p("Worst deviation from target",
                                                                      "max |book ÷ target − 1| across territories."),
    "cost_of_sales": _p("Cost of sales"), "mean_cost_of_sales": _p("Mean cost of sales"),
    # headline figures (planning.reporting.figures), disruption, compare, quota and comp
    "quota_reps": _c("Quota reps", "Distinct territory owners plus open territories."),
    "newly_assigned": _c("Newly assigned", "Unowned accounts that get an owner; not counted as moved."),
    "newly_unassigned": _c("Left unassigned"), "reps_affected": _c("Reps affected"),
    "arr_cv": _p("ARR spread (CV)"), "workload_cv": _p("Workload spread (CV)"),
    "pipeline_moved_usd": _m("Pipeline moved"), "renewals_in_window_moved": _c("Moved renewals in the window"),
    "moved_with_open_pipeline": _c("Moved with open pipeline"), "ae_support_cost_usd": _m("AE and support cost"),
    "moved_in": _t("Moved in"), "plans_moving": _c("Plans that move it"), "rep_accounts_moved": _c("Rep moves"),
    "moved_within_team": _c("Moved within the team"), "kept": _c("Kept"), "lost": _c("Lost"), "gained": _c("Gained"),
    "change": _t("Change"), "moved": _t("Moved"), "impact": _t("Impact"), "flags": _t("Flags"),
    "flag": _t("Flag"), "quarter": _t("Quarter"), "source": _t("From"), "target": _t("To"),
    "history_basis_usd": _m("History basis"), "override_gap_usd": _m("Override difference"),
    "payout_usd": _m("Payout"), "mean_attainment": _p("Mean attainment"),
    "p_at_or_above_quota": _p("Chance of reaching quota"), "mean_payout_usd": _m("Mean payout"),
    "p10_payout_usd": _m("Payout (P10)"), "p50_payout_usd": _m("Payout (P50)"), "p90_payout_usd": _m("Payout (P90)"),
    "percentile": _t("Percentile"), "P10": _t("P10"), "P50": _t("P50"), "P90": _t("P90"),
    "payout_at_target_usd": _m("Payout at 100%"), "payout_at_target_pct": _p("Payout at 100% (share of target variable)"),
    "p50_bookings_usd": _m("Median bookings"), "mean_total_cost_of_sales": _p("Mean cost of sales (total comp)"),
    "mean_pct_reps_at_quota": _p("Reps at or above quota"), "variant": _t("Variant"),
    # balance ratios
    "max_mean": _r("Largest ÷ mean"), "min_mean": _r("Smallest ÷ mean"),
    "max_min": _r("Largest ÷ smallest", "Productivity variance: above 2× means rebalance."),
    "cv": _p("Spread (CV)", "Standard deviation ÷ mean."), "potential_max_min": _r("Potential: largest ÷ smallest"),
    "fairness_ratio": _r("Fairness ratio"), "accelerator_multiplier": _r("Accelerator"),
    "polsby_popper": _p("Compactness (Polsby–Popper)", "Area against a circle of the same perimeter: 100% is a circle, "
                                                       "a long or ragged shape scores low."),
    # counts
    "accounts": _c("Accounts"), "customers": _c("Customers"), "accounts_moved": _c("Accounts moved"),
    "accounts_before": _c("Accounts before"), "accounts_after": _c("Accounts after"),
    "accounts_assigned": _c("Accounts assigned"), "accounts_to_cover": _c("Accounts to cover"),
    "accounts_in": _c("Accounts gained"), "accounts_out": _c("Accounts lost"), "accounts_kept": _c("Accounts kept"),
    "relationships_broken": _c("Relationships broken", "Moved accounts with open pipeline or a renewal within 90 days."),
    "hires_needed": _c("Hires needed"), "headcount_start": _c("Headcount at start"),
    "headcount_end": _c("Headcount at end"), "reps_needed_coverage": Label("Reps needed (coverage)", NUMBER),
    "reps_needed_bookings": Label("Reps needed (bookings)", NUMBER), "open_reqs": _c("Open requisitions"),
    "open_territories": _c("Open territories"), "territories": _c("Territories"), "reps": _c("Reps"),
    "rows_read": _c("Rows read"), "rows_loaded": _c("Rows loaded"), "rows_rejected": _c("Rows rejected"),
    "source_row": _t("Row in file", "The row's number in the uploaded file (the header is row 1)."),
    "employees_as_written": _t("Employees (as written)"), "annual_revenue_usd_as_written": _t("Revenue (as written)"),
    "potential_usd_as_written": _t("Potential (as written)"), "workload_hours_as_written": _t("Workload (as written)"),
    "next_renewal_date_as_written": _t("Next renewal (as written)"),
    "last_modified_date_as_written": _t("Last modified (as written)"),
    "postal_code_as_written": _t("Postal code (as written)"), "owner_rep_id_as_written": _t("Owner (as written)"),
    "open_comments": _c("Open comments"), "n_draws": _c("Draws"), "history_quarters": _c("Quarters of history"),
    "max_hires_per_month": _c("Most hires a month"), "parts_done": _c("Parts done"),
    # loading data and its health (Data page)
    "table": _t("Table"), "file": _t("File"), "rows": _c("Rows"), "blank_lines_skipped": _c("Blank lines skipped"),
    "loaded_with_warnings": _c("Loaded with warnings"), "warnings": _c("Warnings"), "severity": _t("Severity"),
    "row": _t("Row"), "column": _t("Column"), "message": _t("Problem"), "check": _t("Check"),
    "detail": _t("What it counts"), "result": _t("Result"), "matched_on": _t("Matched on"),
    "days_since_update": _c("Days since last update"), "field": _t("Field"), "needed_for": _t("Needed for"),
    "filled": _c("Filled"), "of": _c("Of"), "completeness": _p("Completeness"), "arr_share": _p("Share of ARR"),
    "how": _t("How it was read"), "currency": _t("Currency"), "usd_per_unit": Label("USD per unit", NUMBER),
    "rate_date": _t("Rate date"), "original_total": _c("Total in original currency"),
    "usd_total": _m("Total in USD"), "seat_price_usd": _m("Seat price"), "seat_share": _p("Seat share"),
    "wallet_share": _p("Wallet share"), "metric": _t("Measure"),
    "mean": _t("Average territory", "The average book of the segment's territories, in the measure's unit."),
    "average": _t("Average"), "attainment_sd": _p("Attainment spread (sd)",
                                                  "Standard deviation of a ramped rep's attainment in the simulation."),
    "flag_variance": _t("Rebalance", "Largest ÷ smallest load above 2×: the segment needs rebalancing."),
    # other units
    "workload_hours": Label("Workload (hours/year)", HOURS), "workload_change_hours": Label("Workload change (hours)", HOURS),
    "mean_distance_mi": Label("Mean distance (mi)", MILES), "distance_change_mi": Label("Distance change (mi)", MILES),
    "distance_before_mi": Label("Distance before (mi)", MILES), "distance_after_mi": Label("Distance after (mi)", MILES),
    "compactness_mi": Label("Spread around centre (mi)", MILES), "area_sq_mi": Label("Area (sq mi)", NUMBER),
    "months_in_seat": Label("Months in seat", MONTHS), "time_to_hire_months": Label("Time to hire (months)", MONTHS),
    "ramp_months": Label("Ramp (months)", MONTHS), "days_to_renewal": _c("Days to renewal"),
    "se_per_ae": Label("SEs per AE", NUMBER), "sdr_per_ae": Label("SDRs per AE", NUMBER),
    "opps_per_sdr_month": Label("Opportunities per SDR a month", NUMBER),
    # carve runs, the moves-vs-travel curve and jobs (Carve page)
    "item": _t("Item"), "band": _p("Band ±", "How far a book may sit from its target."),
    "worst_dev_before": _p("Worst deviation before"), "worst_dev_after": _p("Worst deviation after"),
    "max_min_before": _r("Largest ÷ smallest before"), "max_min_after": _r("Largest ÷ smallest after"),
    "potential_usd_vs_target": _p("Potential vs target"), "accounts_vs_target": _p("Accounts vs target"),
    "arr_usd_vs_target": _p("ARR vs target"), "workload_hours_vs_target": _p("Workload vs target"),
    "potential_usd_before": _m("Potential before"), "arr_usd_before": _m("ARR before"),
    "workload_hours_before": Label("Workload before (hours)", HOURS), "solver_value": _t("Value"),
    "plan_from": _t("Plan from", "Which step of the repair ladder turned the LP into this plan."),
    "one_piece_proof": _t("One piece within the bands", "Whether every geographic territory can be one connected "
                          "piece while every book stays inside its band, from an LP with connectivity cuts."),
    "proof_cuts": _c("Connectivity cuts (proof)", "Separator cuts in the LP that checked one piece per territory."),
    "job_id": _t("Job"), "job_name": _t("Run"), "user_name": _t("Started by"), "error": _t("Error"),
    "job_message": _t("Latest message"),
    "moves": _c("Moves"), "total_distance_mi": Label("Total travel (mi)", MILES), "diagnosis": _t("Why no plan"), "parts": _t("Parts done"), "engine": _t("Where it ran"),
    "seconds": Label("Seconds", NUMBER), "saved_as": _t("Saved as"), "job_result": _t("Result"),
    "part": _t("Part"), "solve_seconds": Label("Solve (s)", NUMBER), "point": _t("Point"),
    "travel_mi": Label("Total travel (mi)", MILES), "scenario": _t("Scenario"), "proposal": _t("Proposal"),
    "gap": _p("Gap to the best possible", "How far the plan's cost may at most be from the best plan possible."),
    "counties": _c("Counties"), "pieces": _c("Pieces", "Separate pieces of the territory on the map (islands count)."),
    # dates and states
    "created_at": Label("Saved", DATE), "first_created_at": Label("First saved", DATE),
    "changed_at": Label("Changed", DATE), "started_at": Label("Started", DATE), "finished_at": Label("Finished", DATE),
    "start_date": Label("Start date", DATE), "end_date": Label("End date", DATE),
    "next_renewal_date": Label("Next renewal", DATE), "last_modified_date": Label("Last modified", DATE),
    "as_of": Label("As of", DATE), "month_name": _t("Month"), "month_start": Label("Month", DATE),
    "start_month": _t("Start month"), "earliest_start_month": _t("Earliest start"), "plan_year": _t("Plan year"),
    "version": _c("Version"), "versions": _c("Versions"), "author": _t("Author"), "note": _t("Note"),
    "kind": _t("Kind"), "status": _t("Status"), "reason": _t("Reason"), "reasons": _t("Reasons"),
    "risk_reasons": _t("Why at risk"), "change_type": _t("Change"), "actor_name": _t("By"), "actor_role": _t("Role"),
    "relationship_broken": _t("Relationship broken"), "renewal_in_window": _t("Renewal within 90 days"),
    "new_account": _t("New account"), "deleted_account": _t("Deleted account"), "owner_change": _t("Owner change"),
    "potential_source": _t("Potential source"), "attainment_source": _t("Attainment source"),
    "target_type": _t("Target type"), "coverage_band": _t("Coverage band"), "pay_mix": _t("Pay mix"),
    "closest_known_title": _t("Closest known title"), "duplicate_group": _t("Duplicate group"),
    "lenses_disagree": _t("Lenses disagree"), "in_review": _t("In review"), "changes_requested": _t("Changes requested"),
    # review (planning.plans.review_tables)
    "plan": _t("Plan"), "review_state": _t("Review state"), "since": Label("Since", TIME),
    "action": _t("What waits for you"),
    "reviewer": _t("Reviewer"), "decision": _t("Decision"), "by": _t("By"), "at": Label("When", TIME),
    "on_version": _c("On version"), "stale": _t("Stale", "Made on an older version than the plan's latest."),
    "comment_id": _c("Comment #"), "comment_on": _t("On"), "text": _t("Comment"), "resolved": _t("Resolved"),
    "resolution": _t("Resolution"), "event": _t("What happened"),
    # plan library, CRM changes, users (Plans and Users pages)
    "review": _t("Review"), "potential_cv": _p("Potential spread (CV)", "Standard deviation ÷ mean of potential "
                                                "across territories, in the worst segment."),
    "change_id": _t("Change ID"), "baseline_owner": _t("Owner when planned"), "plan_owner": _t("Owner in the plan"),
    "crm_owner": _t("Owner in the CRM now"), "plan_territory": _t("Territory in the plan"),
    "arr_change_usd": _m("ARR change"), "arr_change": _t("ARR change"), "accept": _t("Accept"),
    "os_login": _t("OS login (CLI)"), "active": _t("Active"), "changed_by": _t("Changed by"),
    # capacity scenarios (editor, results, sensitivity, solver details)
    "attainment": _p("Expected attainment", "Bookings of a ramped AE as a share of their own target: the median "
                     "of recent quarters."),
    "annual_attrition": _p("Annual attrition", "Expected share of AEs leaving in a year."),
    "cost_per_head_usd": _m("Cost per AE", "Fully loaded annual cost of one AE: OTE, benefits and tools."),
    "opp_win_rate": _p("Opportunity win rate", "Qualified opportunity to closed-won."),
    "accounts_per_rep": Label("Accounts per rep", NUMBER, "Coverage model: accounts one rep can cover."),
    "pipeline_usd": _m("Qualified pipeline", "Open pipeline plus what the SDRs source in the year."),
    "aes_start": Label("AEs in January", NUMBER), "aes_end": Label("AEs in December", NUMBER),
    "headcount": Label("Expected AEs in seat", NUMBER), "ramped_headcount": Label("Ramped AEs", NUMBER),
    "rre": Label("Ramped rep equivalents", NUMBER, "Σ ramp % × expected attainment."),
    "hires": _c("Planned hires"), "planned_hires": _c("Planned hires"),
    "backfills": Label("Expected backfills", NUMBER), "departures": Label("Expected departures", NUMBER),
    "rule": _t("Ratio rule"), "today": _c("In seat today"), "needed_start": Label("Needed in January", NUMBER),
    "needed_end": Label("Needed in December", NUMBER), "hires_to_ratio": _c("Hires to reach the ratio"),
    "person": _t("Person"), "driver": _t("Driver"), "low_usd": _m("Bookings with the driver 10% lower"),
    "high_usd": _m("Bookings with the driver 10% higher"), "swing_usd": _m("Swing"),
    "change_usd": _m("Change in expected bookings"), "total": _c("Total"),
    "meaning": _t("What it means"), "shadow_price": Label("Shadow price", NUMBER), "shadow_unit": _t("Unit"), "binding": _t("Binding"),
    "constraint": _t("Constraint"), "rhs": Label("Limit", NUMBER), "slack": Label("Slack", NUMBER),
    "figure": _t("Figure"), "value": _t("Value"), "definition": _t("Definition"),
    "sdr_cost_usd": _m("SDR cost per head"), "se_cost_usd": _m("SE cost per head"),
    "csm_book_usd": _m("ARR book per CSM"),
    "pipeline_coverage_target": _r("Pipeline coverage needed"),
    # territory rules and routing (Territories page; planning.territories)
    "rules": _c("Rules"), "named_accounts": _c("Named accounts"), "rule_level": _t("Rule on"),
    "rule_value": _t("Matches"), "matched_by": _t("Matched by", "Named account, the geography level that matched, "
                                                  "the segment default, or the nearest territory with room."),
    "flagged": _t("Flagged for review", "No rule matched: it went to the nearest eligible territory with room."),
    "distance_mi": Label("Distance (mi)", MILES, "To the owner's home (or the book's centre)."),
    "routed_accounts": _c("Routed accounts"),
    "book_before": Label("Book before", NUMBER, "The balanced metric of the book before routing."),
    "book_after": Label("Book after", NUMBER, "The balanced metric of the book with the routed accounts."),
    "book_target": Label("Target book", NUMBER, "The segment's total in proportion to capacity."),
    "load_before": _r("Load before", "Book ÷ target before routing."),
    "load_after": _r("Load after", "Book ÷ target after routing."),
    "in_band_before": _t("In band before"), "in_band_after": _t("In band after"),
}

# comp plans: the plan editor, its tiers and SPIFFs, the plans' table (Quota and Comp; planning.compensation)
LABELS.update({
    "base_share": _p("Base share of OTE", "Pay mix: the share of OTE paid as base salary; the rest is variable."),
    "reference_quota_usd": _m("Reference quota", "For the rate at target; each rep's rate uses their own quota."),
    "threshold": _p("Threshold", "No commission below this attainment."),
    "cap_multiple": _r("Cap (× target variable)", "Commission stops at this multiple of the target variable; empty "
                       "for no cap (caps are usually discouraged)."),
    "cap": _t("Cap"), "tiers": _t("Tiers"), "spiffs": _t("SPIFFs"),
    # the credit rules' names are short, the full words in their help: the five sit in one editor row that must read
    # whole at a 1,280 px window (Quota and Comp → Comp plans)
    "clawback_months": Label("Clawback (months)", MONTHS, "Clawback window: commission on deals that churn within "
                             "this many months is taken back."),
    "multi_year_share": _p("Multi-year share", "Multi-year share of bookings: the part of bookings on multi-year "
                           "contracts."),
    "multi_year_uplift": _p("Multi-year credit", "Multi-year extra credit: extra attainment credit on multi-year "
                            "bookings (0%: none)."),
    "expansion_share": _p("Expansion share", "Expansion share of bookings: the part of bookings that expands "
                          "existing customers."),
    "expansion_credit": _p("Expansion credit", "Expansion credit rate: attainment credit on expansion bookings "
                           "(100%: full credit)."),
    "from_attainment": _p("From attainment", "The band starts at this attainment."),
    "to_attainment": _p("Up to", "The band ends below this attainment; empty: and above."),
    "multiplier": _r("× rate", "Multiplier on the rate at target within the band."),
    "spiff_name": _t("SPIFF"),
    # the quota and comp workbook's sheets (planning.compensation.report)
    "commission_usd": _m("Commission"), "spiff_usd": _m("SPIFFs paid"), "total_pay_usd": _m("Total pay (base + variable)"),
    "pct_of_variable": _p("Payout as share of target variable"), "rep_attainment": _p("Attainment (% of quota)"),
    "effective_rate": _p("Effective commission rate", "Commission ÷ credited bookings."),
    "basis_share": _p("Share of the pool's basis", "The territory's share of what the method splits the target by."),
    "share": _p("Share of the pool's quota"), "pool": _t("Pool"), "setting": _t("Setting"),
    **{f"Q{q}_quota_usd": _m(f"Q{q} quota") for q in range(1, 5)},
})

# mid-year changes: leavers, hires, pro-rated quotas, holdover (Changes page, `change` command; planning.changes)
LABELS.update({
    "holder": _t("Rep or open territory"), "holder_name": _t("Rep or open territory"),
    "potential_before_usd": _m("Potential before"), "potential_after_usd": _m("Potential after"),
    "potential_out_usd": _m("Potential given"), "potential_in_usd": _m("Potential taken"),
    "annual_quota_usd": _m("Annual quota", "The plan's quota for the whole year, before the change."),
    "quota_change_usd": _m("Quota change", "Quota handed on or taken for the months from the effective date, in "
                           "proportion to the potential moved."),
    "prorated_quota_usd": _m("Quota for the year", "The year's quota after the change, pro-rated by months in seat."),
    "ramped_quota_usd": _m("Quota after ramp", "The year's quota after the change, a new hire's scaled by their "
                                               "segment's ramp over their months in seat."),
    "ramp_relief_usd": _m("Ramp relief", "Quota a new hire does not carry while ramping; handed to nobody, so the "
                                         "plan's total quota drops by it."),
    "quota_moved_usd": _m("Quota moved", "Quota handed to receivers for the rest of the year."),
    "pipeline_held_over_usd": _m("Pipeline held over", "Open pipeline on moved accounts still credited to the "
                                 "previous owner during the holdover."),
    "new_open_territories": _c("New open territories"),
    "credited_until": Label("Credited to previous owner until", DATE),
    "effective_date": Label("Effective date", DATE), "last_day": Label("Last day", DATE),
    "holdover_days": _c("Holdover (days)"), "change_option": _t("Option"), "change_words": _t("Change"),
    "base_plan": _t("Derived from"),
})

UNLABELLED: set[str] = set()
"""Columns shown without an entry in :data:`LABELS` (filled as they are met; the page tests read it)."""


def humanise(column: str) -> str:
    """``open_reqs`` → "Open reqs"; ``arr_usd`` → "Arr" (units dropped: the format shows them)."""
    words = [w for w in str(column).split("_") if w not in ("usd",)]
    text = " ".join(words) or str(column)
    return text[:1].upper() + text[1:]


def _figure_label(column) -> Label | None:
    """A headline figure's own column (``capacity_target_usd``) reads as the figure: its label, kind and help from
    :data:`planning.reporting.figures.FIGURES`, the one definition the headline metric shows too (so a table, a
    chart and an Excel header cannot call it something else).  None when ``column`` is no figure."""
    from planning.reporting.figures import FIGURES  # here: figures pulls in the plan model, labels stays light

    fig = FIGURES.get(str(column))
    return None if fig is None else Label(fig.label, fig.kind, fig.help)


def label_of(column) -> Label:
    """The :class:`Label` of a canonical column: its :data:`LABELS` entry, else its headline figure's
    (:func:`_figure_label`), else a humanised one, remembered in UNLABELLED."""
    key = str(column)
    found = LABELS.get(key) or _figure_label(key)
    if found is not None:
        return found
    if "_" in key or key.islower():
        UNLABELLED.add(key)
        kind = MONEY if key.endswith("_usd") else PCT if key.startswith("pct_") else TEXT
        return Label(humanise(key), kind)
    return Label(key)  # already words (a page built its own header)


def label(column) -> str:
    """What a person reads for ``column``."""
    return label_of(column).text


def present(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its columns renamed to their labels (values untouched), for display and Excel headers.

    Two canonical columns with the same label keep the first label and add the canonical name to the second."""
    seen: set[str] = set()
    names = []
    for c in df.columns:
        text = label(c)
        if text in seen:
            text = f"{text} ({c})"
        seen.add(text)
        names.append(text)
    out = df.copy()
    out.columns = names
    return out


def kinds(columns) -> dict[str, str]:
    """canonical column → kind, for choosing formats."""
    return {str(c): label_of(c).kind for c in columns}
