"""The mapping file: column mapping per table plus the title → role map, as YAML or JSON.

    accounts: {"Legacy Owner": owner_rep_id, "Owner": ""}   # source column → canonical column ("" ignores it)
    reps: {"Job Title": role}
    titles: {"Enterprise AE": AE/Enterprise, "Solutions Consultant": SE}

The Data page downloads it after the review; ``--mapping`` in the CLI reads it; ``python -m planning mapping``
writes the suggestion for a pair of files so it can be edited and reused.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from planning.data.files import read_table, resolve_mapping
from planning.data.schema import COLUMNS
from planning.data.titles import suggest_title_map, title_map_dict

SECTIONS = (*COLUMNS, "titles")


def parse_mapping(text: str, file: str = "mapping") -> dict:
    """A mapping file's text → {table: {source: canonical}, titles: {title: "Role[/Segment]"}}."""
    data = json.loads(text) if file.lower().endswith(".json") else yaml.safe_load(text)
    data = data or {}
    if not isinstance(data, dict):
        raise ValueError(f"{file}: a mapping file holds sections {', '.join(SECTIONS)}")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ValueError(f"{file}: unknown section(s) {', '.join(sorted(unknown))}; known: {', '.join(SECTIONS)}")
    return {k: {str(a): ("" if b is None else b) for a, b in (v or {}).items()} for k, v in data.items()}


def load_mapping(path: str | Path) -> dict:
    path = Path(path)
    return parse_mapping(path.read_text(encoding="utf-8-sig"), path.name)


def dump_mapping(mappings: dict) -> str:
    """YAML text of a mapping (tables, then titles), keys in file order."""
    clean = {k: v for k, v in mappings.items() if v}
    return yaml.safe_dump(clean, sort_keys=False, allow_unicode=True)


def suggest_mapping_file(files: dict[str, object], user: dict | None = None) -> dict:
    """The suggested mapping for the given table → file sources, with the title map of the reps file."""
    user = user or {}
    out: dict = {}
    for table, source in files.items():
        raw = read_table(source)
        out[table] = resolve_mapping(raw, table, user.get(table))
        if table == "reps":
            role_src = next((k for k, v in out[table].items() if v == "role"), None)
            titles = raw.frame[role_src] if role_src else pd.Series([], dtype=object)
            out["titles"] = title_map_dict(suggest_title_map(titles, user.get("titles")))
    return out
