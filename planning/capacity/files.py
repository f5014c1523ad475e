"""Capacity scenario files (YAML, TOML or JSON; the keys of ``CapacityScenario.to_dict()``).

A file may hold a whole scenario (``--write-template`` writes one) or only the
keys to change: :func:`scenario_from_file` lays it over the default scenario
of the data, segment by segment, so ``{segments: {SMB: {attainment: 0.7}}}``
is a valid what-if.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from planning.capacity.scenario import CapacityScenario, ScenarioError
from planning.data.defaults import read_settings_file


def merge_scenario_dict(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: segments merge field by field, every other key replaces."""
    if not isinstance(over, dict):
        raise ScenarioError("scenario file: must be a mapping of scenario fields")
    out = dict(base)
    for k, v in over.items():
        if k == "segments" and isinstance(v, dict):
            segs = {n: dict(s) for n, s in base.get("segments", {}).items()}
            for name, fields in v.items():
                if not isinstance(fields, dict):
                    raise ScenarioError(f"segments.{name}: must be a mapping of assumptions")
                segs[name] = {**segs.get(name, {}), **fields}
            out["segments"] = segs
        else:
            out[k] = v
    return out


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            return json.loads(path.read_text(encoding="utf-8-sig"))
        data = read_settings_file(path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file ({exc})") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be a mapping of scenario fields")
    return data


def scenario_from_file(path: str | Path, default: CapacityScenario) -> CapacityScenario:
    """The scenario in ``path``, missing keys taken from ``default``; errors name the file and the field."""
    data = read_scenario_file(path)
    try:
        return CapacityScenario.from_dict(merge_scenario_dict(default.to_dict(), data))
    except ScenarioError as exc:
        raise ScenarioError(f"{Path(path).name}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{Path(path).name}: {exc}") from exc


def inherited_segments(path: str | Path, scenario: CapacityScenario) -> list[str]:
    """The segments of ``scenario`` that the file at ``path`` does not list: their assumptions are the defaults."""
    listed = read_scenario_file(path).get("segments") or {}
    return [name for name in scenario.segments if name not in listed]


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ScenarioError("cannot write NaN/inf to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ScenarioError(f"cannot write {type(v).__name__} to TOML")


def _toml_table(d: dict, prefix: str) -> list[str]:
    lines, subs, arrays = [], [], []
    for k, v in d.items():
        if v is None:  # TOML has no null: omitted keys take their default (None) on load
            continue
        if isinstance(v, dict):
            subs.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            lines.append(f"{json.dumps(k) if not k.replace('_', '').isalnum() else k} = {_toml_value(v)}")
    out = lines
    for k, v in subs:
        key = f"{prefix}.{json.dumps(k) if not k.replace('_', '').isalnum() else k}" if prefix else k
        out += ["", f"[{key}]"] + _toml_table(v, key)
    for k, items in arrays:
        key = f"{prefix}.{k}" if prefix else k
        for item in items:
            out += ["", f"[[{key}]]"] + _toml_table(item, key)
    return out


def write_scenario_file(scenario: CapacityScenario, path: str | Path, header: str = "") -> Path:
    """Write a scenario as YAML (default), TOML (``.toml``) or JSON (``.json``)."""
    path = Path(path)
    data = scenario.to_dict()
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    elif path.suffix.lower() == ".toml":
        path.write_text(comment + "\n".join(_toml_table(data, "")) + "\n", encoding="utf-8")
    else:
        path.write_text(comment + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
