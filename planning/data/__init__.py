"""Data: read files, map columns, validate, geocode, and the editable defaults.

The dataset is the accounts, reps, targets, history and hierarchy tables after validation; every rejected row
keeps its original values. Settings (segments, ramp curves, bands...) are user-editable defaults.

Public names, by module (import them from this package; they load on first use):
- ``boundaries``: account_counties, BOUNDARIES_DIR, CONUS_ALBERS, counties, COUNTIES_TOPOJSON, county_adjacency,
  county_labels, equal_area_measures, link_islands, NON_CONUS, place_counties, SQ_M_PER_SQ_MI, STATE_POSTAL, states
- ``checks``: ACCOUNTS_SCHEMA, HISTORY_SCHEMA, REPS_SCHEMA, SCHEMAS, TARGETS_SCHEMA, TERRITORIES_SCHEMA
- ``cross_checks``: check_rep_references, drop_unknown_reps, resolve_owners
- ``currency``: AMBIGUOUS, CELL_RE, code_of, Conversion, convert, CurrencyResult, ISO_CODES, Rate, RateTable,
  split_cells, SYMBOLS
- ``dataset``: Dataset, load_dataset, load_sample, SAMPLE_DIR, sample_meta, Source
- ``defaults``: COUNTRY_REGION, INDUSTRIES, load_settings, PlanningDefaults, potential_from_dict, QUOTA_ROLES,
  read_settings_file, REGIONS, REP_STATUSES, ROLE_DEFAULTS, RoleDefaults, ROLES, SEGMENT_DEFAULTS, SegmentBands,
  SegmentDefaults, SEGMENTS, Settings, settings_from_dict, SOURCE, STATE_REGION, workload_hours
- ``enrich``: convert_money, country_region, customer_status, CUSTOMER_WORDS, map_titles, money_cells,
  NOT_CUSTOMER_WORDS, place_world, potential, WARNING
- ``files``: apply_mapping, FileError, neutralise_formulas, RawTable, read_table, resolve_mapping, SOURCE_ROW,
  suggest_mapping, to_safe_csv, to_safe_excel, write_csv
- ``geo``: cached_frame, compactness_mi, distance_matrix_mi, EARTH_RADIUS_MI, haversine_mi, locate_zips,
  normalise_zip, STATES_GEOJSON, territory_hulls, us_states_geojson, zip_table
- ``health``: completeness, duplicate_accounts, health_report, HealthReport, normalise_domain, normalise_name,
  PLANNING_FIELDS
- ``mapping_file``: dump_mapping, load_mapping, parse_mapping, SECTIONS, suggest_mapping_file
- ``people``: capacity_share, month_index, quota_carriers, ramp_factor, tenure_months
- ``places``: CA_POSTAL, capitals, city_table, countries, COUNTRY_ALIASES, FSA_CITY, FSA_PROVINCE,
  guess_country_from_postal, locate_cities, normalise_country, postal_city, PROVINCE_CITY, UK_AREA_TOWN, UK_POSTAL, US
- ``potential``: estimate_potential, fill_potential, IT_SPEND_SHARE, potential_note, potential_summary,
  PotentialFactors, SegmentPotential
- ``presets``: compose_names, detect_source, Preset, preset, preset_synonyms, PRESETS
- ``sample_cache``: cache_path, cached_sample, sample_key
- ``schema``: column_names, COLUMNS, ColumnSpec, empty_frame, MONEY_KINDS, NUMERIC_KINDS, required_columns, spec,
  TABLES
- ``summary``: breakdown
- ``titles``: apply_title_map, classify_title, guess_title, KNOWN_TITLES, normalise_title, SEGMENT_RULES,
  suggest_title_map, title_map_dict, TITLE_RULES, TitleRole
- ``validation``: canonical, column_help, derive_segment, Issue, parse_bool, parse_number, TableResult,
  validate_table, ValidationReport
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "ACCOUNTS_SCHEMA": "checks",
    "AMBIGUOUS": "currency",
    "BOUNDARIES_DIR": "boundaries",
    "CA_POSTAL": "places",
    "CELL_RE": "currency",
    "COLUMNS": "schema",
    "CONUS_ALBERS": "boundaries",
    "COUNTIES_TOPOJSON": "boundaries",
    "COUNTRY_ALIASES": "places",
    "COUNTRY_REGION": "defaults",
    "CUSTOMER_WORDS": "enrich",
    "ColumnSpec": "schema",
    "Conversion": "currency",
    "CurrencyResult": "currency",
    "Dataset": "dataset",
    "EARTH_RADIUS_MI": "geo",
    "FSA_CITY": "places",
    "FSA_PROVINCE": "places",
    "FileError": "files",
    "HISTORY_SCHEMA": "checks",
    "HealthReport": "health",
    "INDUSTRIES": "defaults",
    "ISO_CODES": "currency",
    "IT_SPEND_SHARE": "potential",
    "Issue": "validation",
    "KNOWN_TITLES": "titles",
    "MONEY_KINDS": "schema",
    "NON_CONUS": "boundaries",
    "NOT_CUSTOMER_WORDS": "enrich",
    "NUMERIC_KINDS": "schema",
    "PLANNING_FIELDS": "health",
    "PRESETS": "presets",
    "PROVINCE_CITY": "places",
    "PlanningDefaults": "defaults",
    "PotentialFactors": "potential",
    "Preset": "presets",
    "QUOTA_ROLES": "defaults",
    "REGIONS": "defaults",
    "REPS_SCHEMA": "checks",
    "REP_STATUSES": "defaults",
    "ROLES": "defaults",
    "ROLE_DEFAULTS": "defaults",
    "Rate": "currency",
    "RateTable": "currency",
    "RawTable": "files",
    "RoleDefaults": "defaults",
    "SAMPLE_DIR": "dataset",
    "SCHEMAS": "checks",
    "SECTIONS": "mapping_file",
    "SEGMENTS": "defaults",
    "SEGMENT_DEFAULTS": "defaults",
    "SEGMENT_RULES": "titles",
    "SOURCE": "defaults",
    "SOURCE_ROW": "files",
    "SQ_M_PER_SQ_MI": "boundaries",
    "STATES_GEOJSON": "geo",
    "STATE_POSTAL": "boundaries",
    "STATE_REGION": "defaults",
    "SYMBOLS": "currency",
    "SegmentBands": "defaults",
    "SegmentDefaults": "defaults",
    "SegmentPotential": "potential",
    "Settings": "defaults",
    "Source": "dataset",
    "TABLES": "schema",
    "TARGETS_SCHEMA": "checks",
    "TERRITORIES_SCHEMA": "checks",
    "TITLE_RULES": "titles",
    "TableResult": "validation",
    "TitleRole": "titles",
    "UK_AREA_TOWN": "places",
    "UK_POSTAL": "places",
    "US": "places",
    "ValidationReport": "validation",
    "WARNING": "enrich",
    "account_counties": "boundaries",
    "apply_mapping": "files",
    "apply_title_map": "titles",
    "breakdown": "summary",
    "cache_path": "sample_cache",
    "cached_frame": "geo",
    "cached_sample": "sample_cache",
    "canonical": "validation",
    "capacity_share": "people",
    "capitals": "places",
    "check_rep_references": "cross_checks",
    "city_table": "places",
    "classify_title": "titles",
    "code_of": "currency",
    "column_help": "validation",
    "column_names": "schema",
    "compactness_mi": "geo",
    "completeness": "health",
    "compose_names": "presets",
    "convert": "currency",
    "convert_money": "enrich",
    "counties": "boundaries",
    "countries": "places",
    "country_region": "enrich",
    "county_adjacency": "boundaries",
    "county_labels": "boundaries",
    "customer_status": "enrich",
    "derive_segment": "validation",
    "detect_source": "presets",
    "distance_matrix_mi": "geo",
    "drop_unknown_reps": "cross_checks",
    "dump_mapping": "mapping_file",
    "duplicate_accounts": "health",
    "empty_frame": "schema",
    "equal_area_measures": "boundaries",
    "estimate_potential": "potential",
    "fill_potential": "potential",
    "guess_country_from_postal": "places",
    "guess_title": "titles",
    "haversine_mi": "geo",
    "health_report": "health",
    "link_islands": "boundaries",
    "load_dataset": "dataset",
    "load_mapping": "mapping_file",
    "load_sample": "dataset",
    "load_settings": "defaults",
    "locate_cities": "places",
    "locate_zips": "geo",
    "map_titles": "enrich",
    "money_cells": "enrich",
    "month_index": "people",
    "neutralise_formulas": "files",
    "normalise_country": "places",
    "normalise_domain": "health",
    "normalise_name": "health",
    "normalise_title": "titles",
    "normalise_zip": "geo",
    "parse_bool": "validation",
    "parse_mapping": "mapping_file",
    "parse_number": "validation",
    "place_counties": "boundaries",
    "place_world": "enrich",
    "postal_city": "places",
    "potential": "enrich",
    "potential_from_dict": "defaults",
    "potential_note": "potential",
    "potential_summary": "potential",
    "preset": "presets",
    "preset_synonyms": "presets",
    "quota_carriers": "people",
    "ramp_factor": "people",
    "read_settings_file": "defaults",
    "read_table": "files",
    "required_columns": "schema",
    "resolve_mapping": "files",
    "resolve_owners": "cross_checks",
    "sample_key": "sample_cache",
    "sample_meta": "dataset",
    "settings_from_dict": "defaults",
    "spec": "schema",
    "split_cells": "currency",
    "states": "boundaries",
    "suggest_mapping": "files",
    "suggest_mapping_file": "mapping_file",
    "suggest_title_map": "titles",
    "tenure_months": "people",
    "territory_hulls": "geo",
    "title_map_dict": "titles",
    "to_safe_csv": "files",
    "to_safe_excel": "files",
    "us_states_geojson": "geo",
    "validate_table": "validation",
    "workload_hours": "defaults",
    "write_csv": "files",
    "zip_table": "geo",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    # lazy: a page that needs one name must not pay for every heavy library the package touches
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
