"""CRM presets: the column names Salesforce, HubSpot and Dynamics 365 exports use, detected from the header.

A preset adds its synonyms ahead of the generic ones for the file it was detected in, and the detected
source is shown on the Data page and printed by ``validate``.  Detection counts the preset's signature
columns found in the header; the best score wins when it reaches two.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Preset:
    name: str
    signature: tuple[str, ...]  # headers typical of this CRM's exports
    columns: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # table → canonical → headers


PRESETS: tuple[Preset, ...] = (
    Preset("Salesforce",
           ("Account ID", "Account Name", "Account Owner", "Billing City", "Billing Zip/Postal Code", "Billing Country",
            "Billing State/Province", "Currency ISO Code", "Account Currency", "User ID", "Full Name", "Role",
            "Manager", "Active", "Username", "Parent Account", "Type", "OwnerId", "CurrencyIsoCode"),
           {"accounts": {"account_id": ("Account ID", "Id"), "name": ("Account Name",), "owner_rep_id": ("Account Owner", "OwnerId"),
                         "city": ("Billing City",), "country": ("Billing Country",), "postal_code": ("Billing Zip/Postal Code",),
                         "state": ("Billing State/Province",), "currency": ("Currency ISO Code", "Account Currency", "CurrencyIsoCode"),
                         "account_type": ("Type",), "employees": ("Employees",), "annual_revenue_usd": ("Annual Revenue",)},
            "reps": {"rep_id": ("User ID", "Id"), "name": ("Full Name",), "role": ("Role", "Title"), "manager_id": ("Manager",)}}),
    Preset("HubSpot",
           ("Record ID", "Company name", "Company owner", "Company Domain Name", "Lifecycle Stage", "Country/Region",
            "State/Region", "Number of Employees", "Create Date", "Last Activity Date", "Owner ID", "First Name",
            "Last Name", "Team", "Time Zone"),
           {"accounts": {"account_id": ("Record ID",), "name": ("Company name",), "owner_rep_id": ("Company owner",),
                         "country": ("Country/Region",), "state": ("State/Region",), "account_type": ("Lifecycle Stage",),
                         "domain": ("Company Domain Name",)},
            "reps": {"rep_id": ("Owner ID", "User ID"), "area": ("Team",)}}),
    Preset("Dynamics 365",
           ("(Do Not Modify) Account", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
            "(Do Not Modify) User", "Address 1: City", "Address 1: ZIP/Postal Code", "Address 1: Country/Region",
            "Address 1: State/Province", "Relationship Type", "Primary Email", "Business Unit", "Main Phone"),
           {"accounts": {"account_id": ("(Do Not Modify) Account",), "name": ("Account Name",), "owner_rep_id": ("Owner",),
                         "city": ("Address 1: City",), "postal_code": ("Address 1: ZIP/Postal Code",),
                         "country": ("Address 1: Country/Region",), "state": ("Address 1: State/Province",),
                         "account_type": ("Relationship Type",), "last_modified_date": ("(Do Not Modify) Modified On",),
                         "employees": ("Number of Employees",), "annual_revenue_usd": ("Annual Revenue",)},
            "reps": {"rep_id": ("(Do Not Modify) User",), "name": ("Full Name",), "role": ("Title",), "manager_id": ("Manager",),
                     "area": ("Business Unit",)}}),
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def detect_source(columns: list[str]) -> str | None:
    """The CRM whose export this header looks like ('Salesforce', 'HubSpot', 'Dynamics 365'), or None."""
    have = {_norm(c) for c in columns}
    scores = {p.name: sum(_norm(s) in have for s in p.signature) for p in PRESETS}
    # Dynamics marks its system columns "(Do Not Modify) …": one is enough to know the source.
    scores["Dynamics 365"] += 2 * any(_norm(c).startswith("donotmodify") for c in columns)
    best = max(scores, key=scores.get)
    return best if scores[best] >= 2 else None


def preset(name: str | None) -> Preset | None:
    return next((p for p in PRESETS if p.name == name), None)


def preset_synonyms(name: str | None, table: str) -> dict[str, tuple[str, ...]]:
    p = preset(name)
    return dict(p.columns.get(table, {})) if p else {}


def compose_names(frame: pd.DataFrame) -> pd.Series | None:
    """'First Name' + 'Last Name' → a full name, for user exports without a full-name column."""
    cols = {_norm(c): c for c in frame.columns}
    first, last = cols.get("firstname"), cols.get("lastname")
    if not (first and last):
        return None
    f = frame[first].astype(str).str.strip()
    l_ = frame[last].astype(str).str.strip()
    out = (f + " " + l_).str.strip()
    return out.where(out != "", np.nan)
