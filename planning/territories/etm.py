"""Territory definitions as Salesforce Enterprise Territory Management (ETM) rules, and as a flat rules file.

Files (Data Loader CSVs; a parent is named by its DeveloperName where the API wants its Id, as the other CRM
export files do with ``Territory2DeveloperName``):

* ``ObjectTerritory2AssignmentRule.csv``      DeveloperName, MasterLabel, ObjectType, IsActive, BooleanFilter
  (blank), Territory2ModelId
* ``ObjectTerritory2AssignmentRule_BooleanFilter.csv``  DeveloperName, BooleanFilter: an update loaded after the
  items, since Salesforce creates rule items only on a rule whose BooleanFilter is null
* ``ObjectTerritory2AssignmentRuleItem.csv``  RuleDeveloperName (for RuleId), SortOrder, Field, Operation, Value
* ``RuleTerritory2Association.csv``           RuleDeveloperName (RuleId), Territory2DeveloperName (Territory2Id),
  IsInherited
* ``ObjectTerritory2Association.csv``         ObjectId, Territory2DeveloperName, AssociationCause =
  Territory2Manual: the named accounts, as manual associations
* ``territory_rules.csv``                     the same rules flat, for HubSpot or Dynamics: territory_id,
  territory_name, precedence, rule_type, field, operator, values (canonical field names)

Each territory's rule is ``segment AND (geography item OR geography item …)``: the segment field equals the
territory's segment (plus Industry and NumberOfEmployees items where the carve used them), and the geography as
BillingCountry / BillingState equals, BillingPostalCode startsWith (ZIP3) or equals (ZIP; a county is written as
the ZIP codes that lie in it: Salesforce has no county field).  Values are comma-separated lists, which ETM reads
as "any of".

Documented limits (Salesforce object reference, ObjectTerritory2AssignmentRule / …RuleItem; Winter '15 release
notes "Assignment Rule Limit"), checked and split to fit:

* ``Value`` is a string of at most 1,000 characters: long lists are split over several items;
* ``BooleanFilter`` at most 255 characters; ``DeveloperName`` and ``MasterLabel`` at most 80;
* at most 10 rule items (criteria rows) per rule: a territory's geography spreads over several rules;
* at most 15 assignment rules per territory: a territory needing more **cannot fit**, and the export says so
  (its first 15 rules are written; the rest is listed in ``problems``: split the territory into child territories
  or rule it by coarser units).

ETM adds an account to *every* territory whose rules match, so precedence cannot be encoded in ETM: the geography
pieces here never overlap (planning.territories.definitions), and a named account that also matches another
territory's rule is reported in ``problems``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.plans.crm import developer_name
from planning.territories.definitions import DEFAULT_LEVEL, TerritoryDefinitions

VALUE_MAX_CHARS = 1000
BOOLEAN_FILTER_MAX_CHARS = 255
NAME_MAX_CHARS = 80
ITEMS_PER_RULE = 10
RULES_PER_TERRITORY = 15
DEFAULT_SEGMENT_FIELD = "Segment__c"
LOAD_ORDER = ("Load order (Data Loader, insert): territories (Territory2) first, then "
              "ObjectTerritory2AssignmentRule.csv (fill Territory2ModelId with your model's Id if blank), "
              "ObjectTerritory2AssignmentRuleItem.csv (RuleId from RuleDeveloperName), then update the rules with "
              "ObjectTerritory2AssignmentRule_BooleanFilter.csv, then RuleTerritory2Association.csv and "
              "ObjectTerritory2Association.csv (the named accounts).  Run the territory model's assignment rules "
              "afterwards.  territory_rules.csv is the same rules flat, for HubSpot or Dynamics.")
ETM_RULE_COLUMNS = ["DeveloperName", "MasterLabel", "ObjectType", "IsActive", "BooleanFilter", "Territory2ModelId"]
ETM_ITEM_COLUMNS = ["RuleDeveloperName", "SortOrder", "Field", "Operation", "Value"]
ETM_RULE_TERRITORY_COLUMNS = ["RuleDeveloperName", "Territory2DeveloperName", "IsInherited"]
ETM_MANUAL_COLUMNS = ["ObjectId", "Territory2DeveloperName", "AssociationCause"]
FLAT_COLUMNS = ["territory_id", "territory_name", "precedence", "rule_type", "field", "operator", "values"]
# geography level → (Salesforce field, operation, flat field, flat operator, precedence)
GEO_FIELDS = {"zip": ("Account.BillingPostalCode", "equals", "postal_code", "equals", 2),
              "zip3": ("Account.BillingPostalCode", "startsWith", "postal_code", "starts_with", 3),
              "county": ("Account.BillingPostalCode", "equals", "county_fips", "equals", 4),
              "state": ("Account.BillingState", "equals", "state", "equals", 5),
              "country": ("Account.BillingCountry", "equals", "country", "equals", 6)}


@dataclass
class EtmExport:
    """The ETM files and the flat rules (see module doc); ``problems`` says what was split or cannot fit."""

    rules: pd.DataFrame
    items: pd.DataFrame
    rule_territories: pd.DataFrame
    manual: pd.DataFrame
    flat: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    def files(self) -> dict[str, pd.DataFrame]:
        return {"ObjectTerritory2AssignmentRule.csv": self.rules.assign(BooleanFilter=""),
                "ObjectTerritory2AssignmentRuleItem.csv": self.items,
                "ObjectTerritory2AssignmentRule_BooleanFilter.csv": self.rules[["DeveloperName", "BooleanFilter"]],
                "RuleTerritory2Association.csv": self.rule_territories,
                "ObjectTerritory2Association.csv": self.manual,
                "territory_rules.csv": self.flat}

    def readme(self) -> str:
        """The load order and what did not fit, for whoever runs Data Loader."""
        lines = [LOAD_ORDER, ""] + (["Notes:"] + [f"- {p}" for p in self.problems] if self.problems else [])
        return "\n".join(lines) + "\n"

    def to_zip(self) -> bytes:
        """The ETM files, territory_rules.csv and etm_README.txt in one zip (formula-safe CSV)."""
        import io
        import zipfile

        from planning.data.files import to_safe_csv

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, df in self.files().items():
                z.writestr(name, to_safe_csv(df))
            z.writestr("etm_README.txt", self.readme())
        return buf.getvalue()


def chunk_values(values: list[str], max_chars: int = VALUE_MAX_CHARS) -> list[str]:
    """Comma-joined lists of ``values``, each at most ``max_chars`` long (a value longer than that alone is
    cut to fit, which no ZIP, state or country code ever is)."""
    out, cur = [], ""
    for v in values:
        v = str(v)[:max_chars]
        nxt = f"{cur},{v}" if cur else v
        if len(nxt) > max_chars:
            out.append(cur)
            nxt = v
        cur = nxt
    if cur:
        out.append(cur)
    return out


def county_zips(fips: list[str]) -> dict[str, list[str]]:
    """County FIPS → the US ZIP codes that lie in it (by county name and state in the ZIP table)."""
    from planning.data.boundaries import county_labels
    from planning.data.geo import zip_table

    z = zip_table()
    name = z["county"].astype(str).str.replace(r"\s+(County|Parish|Borough|Census Area|Municipality)$", "",
                                               regex=True).str.strip().str.lower()
    key = name + ", " + z["state"].astype(str).str.upper()
    zips = pd.Series(z.index.astype(str), index=key.to_numpy()).groupby(level=0).agg(list)
    out = {}
    for f, lab in zip(fips, county_labels(fips)):
        nm, _, st = str(lab).rpartition(", ")
        out[f] = sorted(zips.get(f"{nm.lower()}, {st.upper()}", []))
    return out


def _lane_items(t: pd.Series, segment_field: str) -> list[tuple[str, str, str]]:
    """The items every rule of territory ``t`` starts with: segment, then industry and employee band."""
    items = [(f"Account.{segment_field}", "equals", str(t["segment"]))]
    if t.get("industries"):
        items.append(("Account.Industry", "equals", ",".join(t["industries"])))
    lo, hi = t.get("employees_min"), t.get("employees_max")
    if lo is not None and not np.isnan(lo) and np.isfinite(lo):
        items.append(("Account.NumberOfEmployees", "greaterOrEqual", f"{lo:.0f}"))
    if hi is not None and not np.isnan(hi) and np.isfinite(hi):
        items.append(("Account.NumberOfEmployees", "lessOrEqual", f"{hi:.0f}"))
    return items


def _geo_items(rules: pd.DataFrame, zips_of_county: dict[str, list[str]]) -> tuple[list, list[str]]:
    """(field, operation, value) items for a territory's geography rules, values chunked to the Value limit."""
    items, notes = [], []
    for level in ("country", "state", "county", "zip3", "zip"):
        vals = rules.loc[rules["level"] == level, "value"].astype(str).tolist()
        if not vals:
            continue
        if level == "county":
            expanded = []
            for f in vals:
                z = zips_of_county.get(f, [])
                if not z:
                    notes.append(f"county {f} has no ZIP codes in the ZIP table: not in the ETM rules")
                expanded += z
            vals = sorted(set(expanded))
        fld, op = GEO_FIELDS[level][:2]
        items += [(fld, op, v) for v in chunk_values(sorted(vals))]
    return items, notes


def _boolean_filter(n_lane: int, n_geo: int) -> str:
    lane = " AND ".join(str(i) for i in range(1, n_lane + 1))
    if n_geo == 0:
        return lane
    geo = " OR ".join(str(i) for i in range(n_lane + 1, n_lane + n_geo + 1))
    return f"{lane} AND ({geo})" if n_geo > 1 else f"{lane} AND {n_lane + 1}"


def _territory_rules(tid: str, t: pd.Series, geo: list, segment_field: str, problems: list[str]):
    """Rule rows, item rows and rule–territory rows for one territory, split to the limits."""
    lane = _lane_items(t, segment_field)
    per_rule = ITEMS_PER_RULE - len(lane)
    groups = [geo[i:i + per_rule] for i in range(0, len(geo), per_rule)] or [[]]
    if len(groups) > RULES_PER_TERRITORY:
        left = sum(len(v.split(",")) for g in groups[RULES_PER_TERRITORY:] for _, _, v in g)
        problems.append(f"{tid} ({t.get('name')}): needs {len(groups)} assignment rules and Salesforce allows "
                        f"{RULES_PER_TERRITORY} per territory, so it cannot fit: the first {RULES_PER_TERRITORY} are "
                        f"written and {left:,} geography values are left out; split it into child territories "
                        "or rule it by coarser units (ZIP3, county, state)")
        groups = groups[:RULES_PER_TERRITORY]
    elif len(groups) > 1:
        problems.append(f"{tid}: its geography is split over {len(groups)} rules (at most {ITEMS_PER_RULE} items "
                        f"of at most {VALUE_MAX_CHARS:,} characters each per rule)")
    base = developer_name(tid)
    rules, items, links = [], [], []
    for k, g in enumerate(groups, start=1):
        dev = f"{base}_R{k}"[:NAME_MAX_CHARS]
        label = f"{t.get('name') or tid} – rule {k}"[:NAME_MAX_CHARS]
        bf = _boolean_filter(len(lane), len(g))
        if len(bf) > BOOLEAN_FILTER_MAX_CHARS:  # cannot happen with 10 items; kept as the documented check
            raise ValueError(f"{dev}: BooleanFilter longer than {BOOLEAN_FILTER_MAX_CHARS} characters")
        rules.append({"DeveloperName": dev, "MasterLabel": label, "ObjectType": "Account", "IsActive": "TRUE",
                      "BooleanFilter": bf})
        for i, (fld, op, val) in enumerate(lane + g, start=1):
            items.append({"RuleDeveloperName": dev, "SortOrder": i, "Field": fld, "Operation": op, "Value": val})
        links.append({"RuleDeveloperName": dev, "Territory2DeveloperName": base, "IsInherited": "FALSE"})
    return rules, items, links


def flat_rules(defs: TerritoryDefinitions) -> pd.DataFrame:
    """territory_rules.csv: one row per territory and field, canonical field names, precedence 1 = first."""
    rows = []
    terr = defs.territories
    for tid, g in defs.named.groupby("territory_id"):
        rows.append((tid, 1, "named account", "account_id", "equals", ",".join(sorted(g["account_id"].astype(str)))))
    for (tid, level), g in defs.rules.groupby(["territory_id", "level"]):
        t = terr.loc[tid]
        if level == DEFAULT_LEVEL:
            rows.append((tid, 7, "segment default", "segment", "equals", str(t["segment"])))
            continue
        _, _, fld, op, prec = GEO_FIELDS[level]
        rows.append((tid, prec, "geography", fld, op, ",".join(sorted(g["value"].astype(str)))))
    for tid, t in terr.iterrows():
        if t.get("industries"):
            rows.append((tid, 0, "lane", "industry", "equals", ",".join(t["industries"])))
        if not np.isnan(t.get("employees_min", np.nan)):
            rows.append((tid, 0, "lane", "employees", "between", f"{t['employees_min']:.0f},{t['employees_max']:.0f}"))
        rows.append((tid, 0, "lane", "segment", "equals", str(t["segment"])))
    out = pd.DataFrame(rows, columns=["territory_id", "precedence", "rule_type", "field", "operator", "values"])
    out.insert(1, "territory_name", out["territory_id"].map(terr["name"]))
    return out.sort_values(["territory_id", "precedence"], kind="stable").reset_index(drop=True)[FLAT_COLUMNS]


def etm_export(defs: TerritoryDefinitions, *, segment_field: str = DEFAULT_SEGMENT_FIELD,
               model_id: str = "") -> EtmExport:
    """The ETM files of ``defs`` (see module doc).  ``segment_field``: the Account field holding the segment;
    ``model_id``: the Territory2Model Id the rules belong to (blank: the importer fills it)."""
    problems: list[str] = []
    county_fips = defs.rules.loc[defs.rules["level"] == "county", "value"].astype(str).unique().tolist()
    zips_of_county = county_zips(county_fips) if county_fips else {}
    rules, items, links = [], [], []
    by_terr = dict(tuple(defs.rules.groupby("territory_id")))
    for tid, t in defs.territories.iterrows():
        r = by_terr.get(tid)
        if r is None or r.empty:
            continue
        geo, notes = _geo_items(r, zips_of_county)
        problems += [f"{tid}: {n}" for n in notes]
        if not geo and not (r["level"] == DEFAULT_LEVEL).any():
            continue
        a, b, c = _territory_rules(str(tid), t, geo, segment_field, problems)
        rules += a
        items += b
        links += c
    named = defs.named
    manual = pd.DataFrame({"ObjectId": named["account_id"].astype(str),
                           "Territory2DeveloperName": named["territory_id"].map(developer_name),
                           "AssociationCause": "Territory2Manual"}, columns=ETM_MANUAL_COLUMNS)
    also = named["rule_territory_id"].notna() & (named["rule_territory_id"] != named["territory_id"])
    if also.any():
        problems.append(f"{int(also.sum()):,} named accounts also match another territory's rules; ETM adds them to "
                        "both territories (remove them from the other by hand, or mark them Exclude from "
                        "territory assignment rules)")
    rule_df = pd.DataFrame(rules, columns=ETM_RULE_COLUMNS[:-1]).assign(Territory2ModelId=model_id)
    return EtmExport(rule_df[ETM_RULE_COLUMNS], pd.DataFrame(items, columns=ETM_ITEM_COLUMNS),
                     pd.DataFrame(links, columns=ETM_RULE_TERRITORY_COLUMNS), manual, flat_rules(defs), problems)
