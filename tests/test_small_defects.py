"""Small defects found while reorganising the layout, each pinned by the behaviour a user sees."""
from __future__ import annotations

import yaml

from optimizers.carve.prepare import prepare
from optimizers.carve.settings import CarveSettings


def test_capacity_without_aes_says_why_a_ratio_is_undefined(cli, tmp_path):
    f = tmp_path / "nobody.yaml"
    f.write_text(yaml.safe_dump({"name": "Nobody", "people": [], "segments": {"SMB": {"attainment": 0.6}}}))
    r = cli(["capacity", f])
    assert r.exit_code == 0, r.output
    assert "nan" not in r.output.lower()
    assert "cost of sales n/a (no expected bookings)" in r.output
    assert "bookings per AE n/a (no AEs in seat)" in r.output


def test_scenario_file_names_the_segments_it_leaves_to_the_defaults(cli, tmp_path):
    f = tmp_path / "smb_only.yaml"
    f.write_text(yaml.safe_dump({"segments": {"SMB": {"attainment": 0.6}}}))
    r = cli(["capacity", f])
    assert r.exit_code == 0, r.output
    assert ("note: smb_only.yaml does not list Enterprise, Mid-market; those segments use the defaults from the "
            "data") in r.output
    full = tmp_path / "all.yaml"
    full.write_text(yaml.safe_dump({"segments": {s: {"attainment": 0.6} for s in ("Enterprise", "Mid-market", "SMB")}}))
    assert "does not list" not in cli(["capacity", full]).output


def test_an_unknown_excluded_rep_is_warned_like_an_unknown_pin(sample):
    known = sample.reps.loc[sample.reps["role"] == "AE", "rep_id"].iat[0]
    cs = CarveSettings(excluded_reps=(known, "R-999"), pins={"NOPE-1": "T-R-001"})
    _, ctx = prepare(cs, sample.settings, sample.accounts, sample.reps, sample.plan_year, sample.as_of)
    assert "exclude ignored: unknown rep(s) R-999" in ctx["warnings"]
    assert "pin ignored: unknown account NOPE-1" in ctx["warnings"]
    assert f"T-{known}" not in ctx["terr"].index  # the known one is still excluded
