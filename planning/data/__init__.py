"""Data: read files, map columns, validate, geocode, and the editable defaults.

The dataset is the accounts, reps, targets, history and hierarchy tables after validation; every rejected row
keeps its original values. Settings (segments, ramp curves, bands...) are user-editable defaults.

Public names, by module (import them from this package; they load on first use):
- ``boundaries``: account_counties, BOUNDARIES_DIR, CONUS_ALBERS, counties, COUNTIES_TOPOJSON, county_adjacency,
  county_labels, equal_area_measures, link_islands, NON_CONUS, place_counties, SQ_M_PER_SQ_MI, STATE_POSTAL, states
- ``checks``: ACCOUNTS_SCHEMA, HISTORY_SCHEMA, REPS_SCHEMA, SCHEMAS, TARGETS_SCHEMA, TERRITORIES_SCHEMA
- ``dataset``: Dataset, load_dataset, load_sample, SAMPLE_DIR, sample_meta, Source
- ``defaults``: INDUSTRIES, load_settings, PlanningDefaults, QUOTA_ROLES, read_settings_file, REGIONS, REP_STATUSES,
  ROLE_DEFAULTS, RoleDefaults, ROLES, SEGMENT_DEFAULTS, SegmentBands, SegmentDefaults, SEGMENTS, Settings,
  settings_from_dict, SOURCE, STATE_REGION, workload_hours
- ``files``: apply_mapping, FileError, neutralise_formulas, RawTable, read_table, resolve_mapping, SOURCE_ROW,
  suggest_mapping, to_safe_csv, to_safe_excel, write_csv
- ``geo``: compactness_mi, distance_matrix_mi, EARTH_RADIUS_MI, haversine_mi, locate_zips, normalise_zip,
  STATES_GEOJSON, territory_hulls, us_states_geojson, zip_table
- ``health``: completeness, duplicate_accounts, health_report, HealthReport, normalise_domain, normalise_name,
  PLANNING_FIELDS
- ``people``: capacity_share, month_index, quota_carriers, ramp_factor, tenure_months
- ``sample_cache``: cache_path, cached_sample, sample_key
- ``schema``: column_names, COLUMNS, ColumnSpec, empty_frame, MONEY_KINDS, NUMERIC_KINDS, required_columns, spec,
  TABLES
- ``summary``: breakdown
- ``titles``: suggest_title_map, title_map_dict, classify_title, TITLE_RULES (job title → role and segment)
- ``currency``: Rate, RateTable (dated rates to USD)
- ``potential``: PotentialFactors, SegmentPotential, potential_note, potential_summary (estimated potential)
- ``presets``: detect_source, PRESETS (Salesforce, HubSpot, Dynamics 365 headers)
- ``places``: normalise_country, city_table (accounts outside the US)
- ``mapping_file``: load_mapping, parse_mapping, dump_mapping, suggest_mapping_file (column + title map file)
- ``validation``: canonical, column_help, derive_segment, Issue, parse_bool, parse_number, TableResult, validate_table,
  ValidationReport
- ``cross_checks``: check_rep_references, drop_unknown_reps, resolve_owners (owners, managers, history across tables)
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "ACCOUNTS_SCHEMA": "checks",
    "BOUNDARIES_DIR": "boundaries",
    "COLUMNS": "schema",
    "CONUS_ALBERS": "boundaries",
    "COUNTIES_TOPOJSON": "boundaries",
    "ColumnSpec": "schema",
    "Dataset": "dataset",
    "EARTH_RADIUS_MI": "geo",
    "FileError": "files",
    "HISTORY_SCHEMA": "checks",
    "HealthReport": "health",
    "INDUSTRIES": "defaults",
    "Issue": "validation",
    "MONEY_KINDS": "schema",
    "NON_CONUS": "boundaries",
    "NUMERIC_KINDS": "schema",
    "PLANNING_FIELDS": "health",
    "PlanningDefaults": "defaults",
    "QUOTA_ROLES": "defaults",
    "REGIONS": "defaults",
    "REPS_SCHEMA": "checks",
    "REP_STATUSES": "defaults",
    "ROLES": "defaults",
    "ROLE_DEFAULTS": "defaults",
    "RawTable": "files",
    "RoleDefaults": "defaults",
    "SAMPLE_DIR": "dataset",
    "SCHEMAS": "checks",
    "SEGMENTS": "defaults",
    "SEGMENT_DEFAULTS": "defaults",
    "SOURCE": "defaults",
    "SOURCE_ROW": "files",
    "SQ_M_PER_SQ_MI": "boundaries",
    "STATES_GEOJSON": "geo",
    "STATE_POSTAL": "boundaries",
    "STATE_REGION": "defaults",
    "SegmentBands": "defaults",
    "SegmentDefaults": "defaults",
    "Settings": "defaults",
    "Source": "dataset",
    "TABLES": "schema",
    "TARGETS_SCHEMA": "checks",
    "TERRITORIES_SCHEMA": "checks",
    "TableResult": "validation",
    "ValidationReport": "validation",
    "account_counties": "boundaries",
    "apply_mapping": "files",
    "breakdown": "summary",
    "cache_path": "sample_cache",
    "cached_sample": "sample_cache",
    "canonical": "validation",
    "capacity_share": "people",
    "check_rep_references": "cross_checks",
    "column_help": "validation",
    "column_names": "schema",
    "compactness_mi": "geo",
    "completeness": "health",
    "counties": "boundaries",
    "county_adjacency": "boundaries",
    "county_labels": "boundaries",
    "derive_segment": "validation",
    "distance_matrix_mi": "geo",
    "drop_unknown_reps": "cross_checks",
    "duplicate_accounts": "health",
    "empty_frame": "schema",
    "equal_area_measures": "boundaries",
    "haversine_mi": "geo",
    "health_report": "health",
    "link_islands": "boundaries",
    "load_dataset": "dataset",
    "load_sample": "dataset",
    "load_settings": "defaults",
    "locate_zips": "geo",
    "month_index": "people",
    "neutralise_formulas": "files",
    "normalise_domain": "health",
    "normalise_name": "health",
    "normalise_zip": "geo",
    "parse_bool": "validation",
    "parse_number": "validation",
    "place_counties": "boundaries",
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
    "states": "boundaries",
    "suggest_mapping": "files",
    "tenure_months": "people",
    "territory_hulls": "geo",
    "to_safe_csv": "files",
    "to_safe_excel": "files",
    "us_states_geojson": "geo",
    "validate_table": "validation",
    "workload_hours": "defaults",
    "write_csv": "files",
    "zip_table": "geo",
    "suggest_title_map": "titles",
    "title_map_dict": "titles",
    "classify_title": "titles",
    "TITLE_RULES": "titles",
    "Rate": "currency",
    "RateTable": "currency",
    "PotentialFactors": "potential",
    "SegmentPotential": "potential",
    "potential_note": "potential",
    "potential_summary": "potential",
    "detect_source": "presets",
    "PRESETS": "presets",
    "normalise_country": "places",
    "city_table": "places",
    "load_mapping": "mapping_file",
    "parse_mapping": "mapping_file",
    "dump_mapping": "mapping_file",
    "suggest_mapping_file": "mapping_file",
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
