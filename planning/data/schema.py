"""Canonical tables: the column dictionary (the pandera schemas built from it are in ``checks``).

The column dictionary (:data:`COLUMNS`) is the single source for names,
units, whether a column is required, and the CRM synonyms used to map
real exports.  The README's data-format section is generated from it
(``python -m planning columns``).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # id | text | money | number | int | date | bool | lat | lon | postal | segment | role | status | fraction
    required: bool
    description: str
    synonyms: tuple[str, ...] = ()
    default: str | None = None


def _c(name, kind, required, description, synonyms=(), default=None):
    return ColumnSpec(name, kind, required, description, tuple(synonyms), default)


COLUMNS: dict[str, list[ColumnSpec]] = {
    "accounts": [
        _c("account_id", "id", True, "Unique account id (CRM record id).",
           ["Account ID", "Id", "Record ID", "Company ID", "Account Id", "AccountId", "Account Number"]),
        _c("name", "text", True, "Account name.", ["Account Name", "Company name", "Company Name", "Name", "Company"]),
        _c("segment", "segment", False, "Enterprise, Mid-market or SMB. Derived from employee (or revenue) bands when blank.",
           ["Segment", "Account Segment", "Customer Segment", "Tier"], "derived from bands"),
        _c("industry", "text", False, "Industry / vertical; unknown values are flagged, not guessed.",
           ["Industry", "Vertical", "Industry Type"]),
        _c("postal_code", "postal", False, "US ZIP code (5 digits; ZIP+4 accepted), Canadian or UK postcode. "
           "Placed offline when lat/lon are blank.",
           ["Billing Zip/Postal Code", "Billing Postal Code", "Postal Code", "Zip", "ZIP", "Zip Code", "Postal code", "Postcode",
            "Address 1: ZIP/Postal Code"]),
        _c("state", "text", False, "US state (2-letter). Filled from the postal code when blank.",
           ["Billing State/Province", "Billing State", "State", "State/Region", "State/Province",
            "Address 1: State/Province"]),
        _c("city", "text", False, "City. Places accounts outside the US (and US accounts without a ZIP).",
           ["Billing City", "City", "Address 1: City", "Town"]),
        _c("country", "text", False, "Country (name or ISO code). Blank means the US.",
           ["Billing Country", "Country", "Country/Region", "Address 1: Country/Region", "Country Code"], "US"),
        _c("lat", "lat", False, "Latitude (degrees). Filled from the postal code or city when blank.",
           ["Latitude", "Billing Latitude", "Lat"]),
        _c("lon", "lon", False, "Longitude (degrees). Filled from the postal code when blank.",
           ["Longitude", "Billing Longitude", "Lng", "Long"]),
        _c("region", "text", False, "Sales region. Derived from the state's region map when blank.",
           ["Region", "Sales Region", "Territory Region"], "from state"),
        _c("currency", "text", False, "ISO currency of the row's amounts (EUR, GBP, CAD…); converted to USD with the rate table.",
           ["Currency ISO Code", "Account Currency", "CurrencyIsoCode", "Currency", "Currency Code"], "USD"),
        _c("account_type", "text", False, "Customer status (Customer, Prospect, Former Customer; HubSpot lifecycle stage). "
           "Marks customers where ARR is blank.", ["Type", "Account Type", "Lifecycle Stage", "Relationship Type",
                                                   "Customer Status"]),
        _c("arr_usd", "money", False, "Current annual recurring revenue (annual USD).",
           ["ARR", "Current ARR", "Annual Recurring Revenue", "ARR (USD)"], "0"),
        _c("potential_usd", "money", False, "Whitespace potential (annual USD). Estimated from employees or revenue when blank.",
           ["Potential", "Whitespace", "Account Potential", "TAM", "Potential (USD)", "Potential Score"], "estimated"),
        _c("employees", "int", False, "Employee count.",
           ["Employees", "Number of Employees", "Number of employees", "NumberOfEmployees", "Employee Count"]),
        _c("annual_revenue_usd", "money", False, "Company annual revenue (annual USD).",
           ["Annual Revenue", "AnnualRevenue", "Revenue"]),
        _c("workload_hours", "number", False, "Hours per year to cover the account. Segment default when blank.",
           ["Workload", "Workload Hours", "Coverage Hours"], "segment default"),
        _c("next_renewal_date", "date", False, "Next renewal date (YYYY-MM-DD).",
           ["Renewal Date", "Next Renewal Date", "Contract End Date"]),
        _c("open_pipeline_usd", "money", False, "Open qualified pipeline (USD).",
           ["Open Pipeline", "Pipeline", "Open Opportunity Amount"], "0"),
        _c("owner_rep_id", "id", False, "Current owner: a rep_id, rep name or CRM user id from the reps table.",
           ["Account Owner", "Company owner", "Owner", "Owner ID", "Account Owner ID", "OwnerId", "HubSpot Owner"]),
        _c("locked", "bool", False, "Locked to its current owner (named / strategic / late-stage deal).",
           ["Locked", "Named Account", "Is Named"], "false"),
        _c("parent_account_id", "id", False, "Parent account id; a family is kept together when carving.",
           ["Parent Account ID", "Parent Account", "ParentId", "Parent Company ID"]),
        _c("domain", "text", False, "Web domain, used to find duplicates.",
           ["Website", "Domain", "Company Domain Name", "Web Domain"]),
        _c("last_modified_date", "date", False, "Last CRM update, for the staleness check.",
           ["Last Modified Date", "Last Modified", "Last Activity Date", "Last Activity"]),
    ],
    "reps": [
        _c("rep_id", "id", True, "Unique person (or open requisition) id.", ["Rep ID", "User ID", "Employee ID", "Id", "Owner ID"]),
        _c("name", "text", True, "Full name (or First Name + Last Name).", ["Full Name", "Name", "Rep Name", "User"]),
        _c("role", "role", True, "AE, SDR, SE, CSM, Manager or Channel, or a job title mapped by the title map.",
           ["Role", "Title", "Job Role", "Job Title"]),
        _c("segment", "segment", False, "Segment covered (blank for managers and shared roles).", ["Segment", "Team Segment"]),
        _c("manager_id", "id", False, "rep_id of the first-line manager.", ["Manager", "Manager ID", "Reports To"]),
        _c("region", "text", False, "Sales region.", ["Region", "Sales Region"]),
        _c("area", "text", False, "Area (a manager's team). Defaults to the manager's name.", ["Area", "Team"]),
        _c("postal_code", "postal", False, "Home ZIP code (for travel distance).", ["Home Zip", "Postal Code", "Zip"]),
        _c("lat", "lat", False, "Home latitude.", ["Latitude"]),
        _c("lon", "lon", False, "Home longitude.", ["Longitude"]),
        _c("start_date", "date", False, "Start date (past: tenure and ramp state; future: planned hire).", ["Start Date", "Hire Date"]),
        _c("end_date", "date", False, "Leaving date, for leavers.", ["End Date", "Termination Date"]),
        _c("status", "status", False, "active, open_req or leaving.", ["Status", "Employment Status"], "active"),
        _c("capacity_override", "fraction", False, "Share of a full book this person should carry (0–2).", ["Capacity", "Capacity Override"]),
        _c("quota_usd", "money", False, "Current annual quota (USD).", ["Quota", "Annual Quota"]),
        _c("crm_user_id", "id", False, "CRM user id, used when exporting back to the CRM.", ["CRM User ID", "Salesforce User ID", "HubSpot Owner ID"]),
    ],
    "targets": [
        _c("segment", "segment", True, "Segment.", ["Segment"]),
        _c("region", "text", True, "Region.", ["Region"]),
        _c("period", "text", True, "Period, e.g. 2027-Q1.", ["Period", "Quarter"]),
        _c("bookings_target_usd", "money", True, "Finance bookings target for the period (USD).", ["Target", "Bookings Target"]),
    ],
    "history": [
        _c("rep_id", "id", True, "Rep.", ["Rep ID"]),
        _c("period", "text", True, "Period, e.g. 2026-Q2.", ["Period", "Quarter"]),
        _c("quota_usd", "money", True, "Quota for the period (USD).", ["Quota"]),
        _c("bookings_usd", "money", True, "Bookings in the period (USD).", ["Bookings", "Closed Won"]),
    ],
    "territories": [
        _c("territory_id", "id", True, "Territory id.", ["Territory ID", "Territory"]),
        _c("name", "text", False, "Territory name.", ["Territory Name"]),
        _c("region", "text", False, "Region.", ["Region"]),
        _c("area", "text", False, "Area (a manager's team).", ["Area"]),
        _c("segment", "segment", False, "Segment.", ["Segment"]),
        _c("owner_rep_id", "id", False, "Owner rep_id, blank for an open territory / planned hire.", ["Owner", "Owner ID"]),
    ],
}

TABLES = tuple(COLUMNS)
MONEY_KINDS = {"money"}
NUMERIC_KINDS = {"money", "number", "int", "lat", "lon", "fraction"}


def spec(table: str, column: str) -> ColumnSpec:
    for c in COLUMNS[table]:
        if c.name == column:
            return c
    raise KeyError(f"{table}.{column}")


def required_columns(table: str) -> list[str]:
    return [c.name for c in COLUMNS[table] if c.required]


def column_names(table: str) -> list[str]:
    return [c.name for c in COLUMNS[table]]


# The pandera schemas live in planning.data.checks: pandera takes about a second to import, and only validation
# needs them (a page showing the cached sample does not).
_CHECKS = {"ACCOUNTS_SCHEMA", "REPS_SCHEMA", "TARGETS_SCHEMA", "HISTORY_SCHEMA", "TERRITORIES_SCHEMA", "SCHEMAS"}


def __getattr__(name: str):
    if name in _CHECKS:
        from planning.data import checks

        return getattr(checks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def empty_frame(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(spec(table, c).kind)) for c in column_names(table)})


def _dtype(kind: str) -> str:
    if kind in NUMERIC_KINDS:
        return "float64"
    if kind == "date":
        return "datetime64[ns]"
    if kind == "bool":
        return "bool"
    return "object"
