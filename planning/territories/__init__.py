"""Territories after publish: the rules a plan keeps assigning by, routing new accounts by them, and their
export as Salesforce ETM assignment rules (and a flat rules file for other CRMs).

Precedence: a named account, then the most specific geography (ZIP → ZIP3 → county → state → country), then the
segment default (see :mod:`planning.territories.definitions`).

Public names, by module (import them from this package; they load on first use):
- ``definitions``: ACCOUNT_LEVELS, agreement, DEFAULT_LEVEL, derive_definitions, GEO_UNITS, NAMED_COLUMNS,
  NAMED_REASONS, RULE_COLUMNS, TerritoryDefinitions
- ``etm``: BOOLEAN_FILTER_MAX_CHARS, chunk_values, county_zips, DEFAULT_SEGMENT_FIELD, etm_export, ETM_ITEM_COLUMNS,
  ETM_MANUAL_COLUMNS, ETM_RULE_COLUMNS, ETM_RULE_TERRITORY_COLUMNS, EtmExport, FLAT_COLUMNS, flat_rules, GEO_FIELDS,
  ITEMS_PER_RULE, LOAD_ORDER, NAME_MAX_CHARS, RULES_PER_TERRITORY, VALUE_MAX_CHARS
- ``keys``: geography_keys, is_us, LEVELS, US
- ``lanes``: account_lanes, lane_name, territory_lanes
- ``matching``: match_accounts, match_rules
- ``routing``: balance_impact, balance_settings, DEFAULT_METRIC, DEFAULT_TOLERANCE, IMPACT_COLUMNS, LEVEL_NAMES,
  route, ROUTE_COLUMNS, routing_files, RoutingResult
- ``words``: definition_sentence, describe, LEVEL_WORDS, LIST_AT_MOST, rule_rows
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "ACCOUNT_LEVELS": "definitions",
    "BOOLEAN_FILTER_MAX_CHARS": "etm",
    "DEFAULT_LEVEL": "definitions",
    "DEFAULT_METRIC": "routing",
    "DEFAULT_SEGMENT_FIELD": "etm",
    "DEFAULT_TOLERANCE": "routing",
    "ETM_ITEM_COLUMNS": "etm",
    "ETM_MANUAL_COLUMNS": "etm",
    "ETM_RULE_COLUMNS": "etm",
    "ETM_RULE_TERRITORY_COLUMNS": "etm",
    "EtmExport": "etm",
    "FLAT_COLUMNS": "etm",
    "GEO_FIELDS": "etm",
    "GEO_UNITS": "definitions",
    "IMPACT_COLUMNS": "routing",
    "ITEMS_PER_RULE": "etm",
    "LEVELS": "keys",
    "LEVEL_NAMES": "routing",
    "LEVEL_WORDS": "words",
    "LIST_AT_MOST": "words",
    "LOAD_ORDER": "etm",
    "NAMED_COLUMNS": "definitions",
    "NAMED_REASONS": "definitions",
    "NAME_MAX_CHARS": "etm",
    "ROUTE_COLUMNS": "routing",
    "RULES_PER_TERRITORY": "etm",
    "RULE_COLUMNS": "definitions",
    "RoutingResult": "routing",
    "TerritoryDefinitions": "definitions",
    "US": "keys",
    "VALUE_MAX_CHARS": "etm",
    "account_lanes": "lanes",
    "agreement": "definitions",
    "balance_impact": "routing",
    "balance_settings": "routing",
    "chunk_values": "etm",
    "county_zips": "etm",
    "definition_sentence": "words",
    "derive_definitions": "definitions",
    "describe": "words",
    "etm_export": "etm",
    "flat_rules": "etm",
    "geography_keys": "keys",
    "is_us": "keys",
    "lane_name": "lanes",
    "match_accounts": "matching",
    "match_rules": "matching",
    "route": "routing",
    "routing_files": "routing",
    "rule_rows": "words",
    "territory_lanes": "lanes",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
