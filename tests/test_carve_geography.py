"""Geographic territories (issue 24): which segments are carved from geography is a company setting
(SegmentDefaults.carve_by, PlanningDefaults.carve_one_piece), said in words, taken by the CLI's `carve` with its
--units flags on top; the map's inputs (named-account points, owners as "Name (R-010)"); and the optional
compactness term, which on a small grid never lengthens the potential-weighted distance to the centre."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizers.carve import CarveSettings, company_carve_defaults
from optimizers.territory_carve import TerritoryCarver
from optimizers.instances.companies import make_instance
from planning.data import carve_by, settings_from_dict
from planning.data.defaults import Settings
from planning.plans import Plan, account_territories, map_units, territory_book
from planning.reporting.carve_words import carve_by_words, compactness_step


def test_the_demo_carves_mid_market_and_smb_by_county_and_enterprise_by_account():
    """By the coverage model (shared/domain.md): Mid-market and SMB geographic territories, one piece each,
    Enterprise named accounts (issue 24); said in words as the Carve, Territories and Plans pages say it."""
    assert carve_by() == {"Enterprise": "account", "Mid-market": "county", "SMB": "county"}
    d = company_carve_defaults(Settings())
    assert d == {"units": {"Enterprise": "account", "Mid-market": "county", "SMB": "county"}, "contiguous": True}
    assert carve_by_words(d["units"], d["contiguous"]) == (
        "Mid-market and SMB: territories of whole counties, one piece each; Enterprise: named accounts")
    by_account = settings_from_dict({"segments": {"Mid-market": {"carve_by": "account"}, "SMB": {"carve_by": "account"}}})
    assert carve_by_words(carve_by(by_account), True) == "Enterprise, Mid-market and SMB: named accounts"


def test_carve_by_is_a_company_setting_a_settings_file_changes():
    s = settings_from_dict({"segments": {"Mid-market": {"carve_by": "county"}, "SMB": {"carve_by": "state"}},
                            "planning": {"carve_one_piece": False}})
    d = company_carve_defaults(s)
    assert d["units"]["SMB"] == "state" and d["units"]["Mid-market"] == "county" and d["contiguous"] is False
    assert carve_by_words(d["units"], d["contiguous"]) == (
        "Mid-market: territories of whole counties (may be in several pieces); SMB: territories of whole states "
        "(may be in several pieces); Enterprise: named accounts")
    with pytest.raises(ValueError, match="carve_by must be one of account, zip, zip3, county, state"):
        settings_from_dict({"segments": {"SMB": {"carve_by": "city"}}})


def test_cli_settings_start_from_the_company_and_units_flags_override_one_segment(tmp_path):
    from cli.carve import build_settings

    company = company_carve_defaults(Settings())
    cs = build_settings(None, company)
    assert cs.units == company["units"] and cs.contiguous and cs.compactness == 0.0
    cs = build_settings(None, company, units={"SMB": "zip3"}, compactness=0.5)
    assert cs.units == {"Enterprise": "account", "Mid-market": "county", "SMB": "zip3"} and cs.compactness == 0.5
    cfg = tmp_path / "carve.yaml"
    cfg.write_text("carve:\n  units: {Mid-market: state}\n  contiguous: false\n")
    cs = build_settings(cfg, company, units={"SMB": "account"})
    assert cs.units == {"Enterprise": "account", "Mid-market": "state", "SMB": "account"} and not cs.contiguous
    with pytest.raises(ValueError, match="compactness must be ≥ 0"):
        build_settings(None, company, compactness=-1.0)


def test_cli_carve_takes_the_company_setting_and_its_units_flag_wins(cli, tmp_path):
    """The CLI twin of the Carve page's setting: a small company whose settings carve SMB by state, Mid-market
    by ZIP3 from the flag, Enterprise by account from the defaults."""
    acc, reps = make_instance(240, 6, seed=3, segments=("Enterprise", "Mid-market", "SMB"))
    acc.to_csv(tmp_path / "acc.csv", index=False)
    reps.to_csv(tmp_path / "reps.csv", index=False)
    (tmp_path / "s.yaml").write_text("defaults:\n  segments:\n    SMB: {carve_by: state}\n")
    r = cli(["carve", "--accounts", tmp_path / "acc.csv", "--reps", tmp_path / "reps.csv", "--settings",
             tmp_path / "s.yaml", "--units", "Mid-market=zip3", "--time-limit", "20", "--out", tmp_path / "a.csv",
             "--summary-out", tmp_path / "t.csv"])
    assert r.exit_code == 0, r.output
    assert ("territories: Mid-market: territories of whole 3-digit ZIP areas, one piece each; SMB: territories of "
            "whole states, one piece each; Enterprise: named accounts") in r.output
    out = pd.read_csv(tmp_path / "a.csv", dtype=str)
    # a state is one unit: every SMB account of a state went to one territory
    smb = out.merge(acc[["account_id", "segment", "state"]], on="account_id").query("segment == 'SMB'")
    assert (smb.groupby("state")["new_owner_id"].nunique() == 1).all()


def test_map_units_follow_the_carve_then_the_company():
    company = {"Enterprise": "account", "Mid-market": "county", "SMB": "county"}
    carved = Plan(name="p", assignment=pd.Series(dtype=str), territories=pd.DataFrame(), settings={"units": {}})
    assert map_units([carved], company) == dict.fromkeys(company, "account")  # an account carve stays one
    today = Plan(name="today", assignment=pd.Series(dtype=str), territories=pd.DataFrame(), kind="current")
    assert map_units([today], company) == company
    zip3 = Plan(name="z", assignment=pd.Series(dtype=str), territories=pd.DataFrame(),
                settings={"units": {"SMB": "zip3"}})
    assert map_units([zip3, carved], company) == {"Enterprise": "account", "Mid-market": "account", "SMB": "zip3"}


def test_named_account_points_carry_their_owner_as_name_and_id():
    acc = pd.DataFrame({"account_id": ["a", "b", "c"], "name": ["Acme", "Bolt", "Crane"],
                        "segment": "Enterprise", "lat": [40.0, 41.0, np.nan], "lon": [-75.0, -76.0, -77.0]})
    book = pd.DataFrame({"owner_rep_id": ["R-010", "R-011"], "owner_name": ["Liam Turner", "Ada Stone"],
                         "accounts": [2, 1], "potential_usd": [1e6, 2e6]}, index=["T-R-010", "T-R-011"])
    names = pd.Series({"R-010": "Liam Turner (R-010)", "R-011": "Ada Stone (R-011)"})
    pts = account_territories(pd.Series({"a": "T-R-010", "b": "T-R-011", "c": "T-R-010"}), acc,
                              territory_book(book, names))
    assert pts["account_id"].tolist() == ["a", "b"]  # an account without a location is not drawn
    assert pts["owner"].tolist() == ["Liam Turner (R-010)", "Ada Stone (R-011)"]
    assert pts["accounts"].tolist() == [2, 1]
    assert territory_book(book)["owner"].tolist() == ["Liam Turner", "Ada Stone"]  # no names: the book's own


def test_map_hover_says_owner_accounts_and_compactness_as_a_percent():
    import shapely

    from ui.maps import named_rows, shape_rows

    shapes = pd.DataFrame({"territory_id": ["T-R-010"], "segment": ["Mid-market"], "owner": ["Liam Turner (R-010)"],
                           "counties": [12], "area_sq_mi": [8000.0], "pieces": [1], "polsby_popper": [0.4321],
                           "accounts": [130], "potential_usd": [2.5e6], "potential_usd_vs_target": [0.031],
                           "arr_usd": [1.1e6], "geometry": [shapely.box(-75, 40, -74, 41)]})
    tip = shape_rows(shapes)["tip"].iat[0]
    assert tip.startswith("Liam Turner (R-010) · Mid-market")
    assert "130 accounts" in tip and "one piece" in tip and "compactness 43% (Polsby–Popper" in tip
    assert "0.43" not in tip
    named = pd.DataFrame({"name": ["Acme"], "segment": ["Enterprise"], "lat": [40.0], "lon": [-75.0],
                          "territory_id": ["T-R-011"], "owner": ["Ada Stone (R-011)"], "accounts": [12],
                          "potential_usd": [3e6], "potential_usd_vs_target": [-0.02], "arr_usd": [2e6]})
    tip = named_rows(named)["tip"].iat[0]
    assert tip.startswith("Acme\nOwner Ada Stone (R-011) · Enterprise (named accounts)") and "12 accounts" in tip


def _grid(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 10 × 10 grid of accounts 0.2° apart, equal workload, log-normal potential; four reps at the quarters'
    centres, today's owners at random (so continuity does not decide)."""
    rng = np.random.default_rng(seed)
    acc, reps = make_instance(100, 4, seed=seed)
    gy, gx = np.divmod(np.arange(100), 10)
    acc["lat"], acc["lon"] = 38.0 + 0.2 * gy, -90.0 + 0.2 * gx
    acc["potential_usd"] = np.round(rng.lognormal(np.log(80_000), 1.0, 100), -2)
    acc["workload_hours"] = 12.0
    acc["arr_usd"], acc["open_pipeline_usd"], acc["locked"] = 0.0, 0.0, False
    acc["parent_account_id"] = None
    acc["owner_rep_id"] = reps["rep_id"].to_numpy()[rng.integers(0, 4, 100)]
    reps["lat"] = [38.45, 38.45, 39.35, 39.35]
    reps["lon"] = [-89.55, -88.65, -89.55, -88.65]
    reps["segment"] = "Mid-market"
    acc["segment"] = "Mid-market"
    return acc, reps


def _pot_mean_distance_mi(acc: pd.DataFrame, reps: pd.DataFrame, assignment: pd.Series) -> float:
    """Potential-weighted mean distance (mi) from each account to its territory's centre (the rep's home)."""
    home = reps.assign(territory_id="T-" + reps["rep_id"]).set_index("territory_id")[["lat", "lon"]]
    h = home.reindex(assignment.reindex(acc["account_id"].astype(str)).to_numpy())
    lat1, lon1 = np.radians(acc["lat"].to_numpy()), np.radians(acc["lon"].to_numpy())
    lat2, lon2 = np.radians(h["lat"].to_numpy()), np.radians(h["lon"].to_numpy())
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    d = 2 * 3958.8 * np.arcsin(np.sqrt(a))
    return float(np.average(d, weights=acc["potential_usd"].to_numpy()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compactness_on_a_small_grid_never_lengthens_the_distance_to_the_centre(seed):
    acc, reps = _grid(seed)
    base = dict(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.15, "accounts": 0.25},
                mip_gap=0.0, time_limit=60, candidates=4, continuity_weight=0.5)
    got = {}
    for weight in (0.0, 2.0):
        res = TerritoryCarver(CarveSettings(**base, compactness=weight)).solve(acc, reps, 2027)
        assert res.ok and res.status == "optimal", res.summary()
        got[weight] = _pot_mean_distance_mi(acc, reps, res.plan.assignment)
        assert (res.balance["worst_dev_after"] <= res.balance["band"] + 1e-6).all()  # the bands hold either way
    assert got[2.0] < got[0.0], got  # here it shortens it (42.6 → 25.9 mi on seed 1)


def test_compactness_steps_are_named_and_off_by_default():
    assert CarveSettings().compactness == 0.0 and compactness_step(0.0) == "Balance first"
    assert compactness_step(2.0) == "Compact shapes" and compactness_step(0.5) == "Lean to compact shapes"


# ---- the Carve page's setting (AppTest) ---------------------------------------------------------------------------
@pytest.fixture()
def page_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")


def _carve_page(ds=None):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "2_Carve.py"), default_timeout=240)
    if ds is not None:
        at.session_state["dataset"], at.session_state["dataset_version"] = ds, "test:carve-by"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _said(at) -> str:
    """The page's captions as read (md_escape's backslashes dropped)."""
    return " ".join(c.value for c in at.caption).replace("\\", "")


def test_carve_page_says_which_segments_are_geographic_and_starts_from_the_company_setting(page_store):
    at = _carve_page()
    assert ("Territories: Mid-market and SMB: territories of whole counties, one piece each; Enterprise: named "
            "accounts") in _said(at)
    units = {seg: at.selectbox(key=f"carve_unit_{seg}") for seg in ("Enterprise", "Mid-market", "SMB")}
    assert {seg: box.value for seg, box in units.items()} == {"Enterprise": "account", "Mid-market": "county",
                                                              "SMB": "county"}
    # the choice per segment, in words: single accounts, 5-digit ZIP, 3-digit ZIP prefix, county or state
    assert units["SMB"].label == "SMB carved as" and units["SMB"].options == [
        "individual accounts", "5-digit ZIP", "3-digit ZIP prefix", "county", "state"]
    assert at.checkbox(key="carve_contiguous").value is True
    slider = at.select_slider(key="carve_compactness")
    assert slider.label == "Compact shapes ←→ balance first" and slider.value == "Balance first"


def test_carve_page_follows_a_changed_company_setting_and_runs_the_chosen_units(page_store, sample):
    import dataclasses
    import json

    from planning.data import load_sample

    ds = load_sample(settings_from_dict({"segments": {"Mid-market": {"carve_by": "county"},
                                                      "SMB": {"carve_by": "state"}}}))
    at = _carve_page(ds)
    said = _said(at)
    assert "Mid-market: territories of whole counties, one piece each; SMB: territories of whole states" in said
    assert at.selectbox(key="carve_unit_SMB").value == "state"
    assert at.selectbox(key="carve_unit_Mid-market").value == "county"
    # a run with every segment by account and compact shapes: the run's settings say so
    for seg in ("Mid-market", "SMB"):
        at.selectbox(key=f"carve_unit_{seg}").set_value("account")
    at.select_slider(key="carve_compactness").set_value("Compact shapes")
    next(b for b in at.button if b.label == "Run carve").click().run()
    assert not at.exception, [e.value for e in at.exception]
    key = json.loads(at.session_state["carve_result_key"])
    assert key["units"] == {"Enterprise": "account", "Mid-market": "account", "SMB": "account"}
    assert key["compactness"] == 2.0
    assert "Territories: Enterprise, Mid-market and SMB: named accounts" in _said(at)
    assert dataclasses.is_dataclass(ds.settings)


def test_territories_and_plans_say_how_a_plan_was_carved_or_what_the_next_carve_starts_from():
    from planning.reporting.carve_words import carving_words

    company = Settings()
    assert carving_words({"units": {"SMB": "zip3"}, "contiguous": False}, company) == (
        "Carved as SMB: territories of whole 3-digit ZIP areas (may be in several pieces); Enterprise and "
        "Mid-market: named accounts.")
    assert carving_words({}, company) == (
        "Not carved by the optimizer. The next carve starts from the company's settings: Mid-market and SMB: "
        "territories of whole counties, one piece each; Enterprise: named accounts.")


def test_a_missing_settings_file_is_bad_input_not_a_traceback(cli, tmp_path):
    r = cli(["summary", "--settings", tmp_path / "nope.yaml"])
    assert r.exit_code == 2 and "nope.yaml" in r.output and "No such file" in r.output
    assert "Traceback" not in r.output
