"""Mid-year changes (issue 25): pro-rated quotas, holdover dates, change versions and the leaver / hire options.

The formulas are checked against hand-worked examples; the options on the sample company for their properties
(the placeholder keeps every account, the split moves only the leaver's book within the bands, the hire stays
within its disruption budget)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.changes import (CHANGE_KIND, ChangeError, ChangeSpec, change_of, hire, holdover_report, leaver,
                              months_before, placeholder_plan, prorate, quota_changes, ramp_share)
from planning.plans import Plan, PlanStore


# ---------------------------------------------------------------------------------------------- dates and months
def test_a_leavers_change_takes_effect_the_day_after_the_last_day():
    spec = leaver("R-010", "2027-03-31", 2027, "FY27")
    assert spec.effective_date == pd.Timestamp("2027-04-01")
    assert spec.months_before_effective == 3.0  # January to March in seat
    assert spec.months_after == 9.0


def test_a_hires_ramp_share_over_their_months_in_seat():
    # Mid-market's curve 0/25/50/75/90%, then 100%: a 1 May start is in seat May–December, 8 months
    mm = (0.0, 0.25, 0.5, 0.75, 0.9, 1.0)
    assert ramp_share(hire("Mid-market", "West", "2027-05-01", 2027, "FY27"), mm) == pytest.approx(5.4 / 8)
    # a 1 November start ramps for its only two months: (0 + .25) ÷ 2
    assert ramp_share(hire("Mid-market", "West", "2027-11-01", 2027, "FY27"), mm) == pytest.approx(0.125)
    # a January start with SMB's 25/50/75/100%: (.25 + .5 + .75 + 9 × 1) ÷ 12
    assert ramp_share(hire("SMB", "West", "2027-01-04", 2027, "FY27"), (0.25, 0.5, 0.75, 1.0)) == \
        pytest.approx(10.5 / 12)


def test_months_count_part_months_by_their_days():
    assert months_before("2027-01-01", 2027) == 0.0
    assert months_before("2027-05-01", 2027) == 4.0  # a hire starting 1 May is in seat 8 months
    assert months_before("2027-04-16", 2027) == pytest.approx(3.5)  # 15 of April's 30 days gone
    assert months_before("2026-12-15", 2027) == 0.0 and months_before("2028-01-02", 2027) == 12.0


def test_a_change_outside_the_plan_year_is_refused_with_the_date():
    with pytest.raises(ChangeError, match="2026-12-31 is outside plan year 2027"):
        leaver("R-010", "2026-12-31", 2027, "FY27")
    with pytest.raises(ChangeError, match="outside plan year 2027"):
        hire("Mid-market", "West", "2028-02-01", 2027, "FY27")


# ---------------------------------------------------------------------------------------------- pro-ration by hand
def test_a_leavers_quota_ends_and_the_rest_follows_the_moved_potential():
    """$1.2M annual quota, last day 31 March: $300K kept; the $900K left goes 3:1 to the receivers because they
    took $3M and $1M of the leaver's $4M potential."""
    annual = pd.Series({"R-010": 1_200_000.0, "R-011": 800_000.0, "R-012": 800_000.0})
    flows = pd.DataFrame({"from_holder": ["R-010", "R-010"], "to_holder": ["R-011", "R-012"],
                          "potential_usd": [3_000_000.0, 1_000_000.0]})
    spec = leaver("R-010", "2027-03-31", 2027, "FY27")
    out = prorate(annual, flows, pd.Series({"R-010": 4_000_000.0}), spec.months_after / 12).set_index("holder")
    assert out.at["R-010", "prorated_quota_usd"] == pytest.approx(300_000)
    assert out.at["R-010", "quota_change_usd"] == pytest.approx(-900_000)
    assert out.at["R-011", "quota_change_usd"] == pytest.approx(675_000)  # 3/4 of $900K
    assert out.at["R-012", "quota_change_usd"] == pytest.approx(225_000)  # 1/4
    assert out.at["R-011", "prorated_quota_usd"] == pytest.approx(1_475_000)
    assert out["prorated_quota_usd"].sum() == pytest.approx(annual.sum())  # quota moves, it is not made


def test_a_donor_gives_quota_for_the_share_of_potential_it_gave():
    """A hire starting 1 May takes $1M of a $5M book with a $1M quota: the donor gives 1M × 8/12 × 1/5."""
    flows = pd.DataFrame({"from_holder": ["R-011"], "to_holder": ["T-HIRE"], "potential_usd": [1_000_000.0]})
    spec = hire("Mid-market", "West", "2027-05-01", 2027, "FY27")
    out = prorate(pd.Series({"R-011": 1_000_000.0}), flows, pd.Series({"R-011": 5_000_000.0}),
                  spec.months_after / 12).set_index("holder")
    assert out.at["T-HIRE", "prorated_quota_usd"] == pytest.approx(1_000_000 * 8 / 12 / 5)
    assert out.at["R-011", "prorated_quota_usd"] == pytest.approx(1_000_000 - 1_000_000 * 8 / 12 / 5)


def _tiny_plan() -> tuple[Plan, pd.DataFrame, pd.DataFrame]:
    terr = pd.DataFrame({"territory_id": ["T-A", "T-B", "T-C"], "name": ["A", "B", "C"], "region": "West",
                         "area": "x", "segment": "Mid-market", "owner_rep_id": ["R-A", "R-B", "R-C"]})
    plan = Plan("FY27", pd.Series(["T-A", "T-A", "T-B", "T-C"], index=["a1", "a2", "b1", "c1"]),
                terr.set_index("territory_id"))
    accounts = pd.DataFrame({"account_id": ["a1", "a2", "b1", "c1"], "name": ["a1", "a2", "b1", "c1"],
                             "segment": "Mid-market", "region": "West", "arr_usd": [10.0, 0, 0, 0],
                             "potential_usd": [3e6, 1e6, 2e6, 2e6], "workload_hours": 10.0,
                             "open_pipeline_usd": [5_000.0, 0.0, 0.0, 0.0], "lat": np.nan, "lon": np.nan,
                             "next_renewal_date": pd.NaT})
    reps = pd.DataFrame({"rep_id": ["R-A", "R-B", "R-C", "M-1"], "name": ["Ann", "Bo", "Cy", "Max"],
                         "manager_id": ["M-1", "M-1", "M-1", np.nan], "segment": "Mid-market", "region": "West",
                         "role": ["AE", "AE", "AE", "Manager"], "status": "active", "lat": np.nan, "lon": np.nan})
    return plan, accounts, reps


def test_quota_changes_on_a_split_and_on_the_placeholder():
    plan, accounts, _ = _tiny_plan()
    spec = leaver("R-A", "2027-03-31", 2027, "FY27")
    quota = pd.Series({"T-A": 1_200_000.0, "T-B": 800_000.0, "T-C": 800_000.0})
    split = plan.with_moves({"a1": "T-B", "a2": "T-C"})
    out = quota_changes(plan, split, accounts, spec, quota).set_index("holder")
    assert out.at["R-A", "prorated_quota_usd"] == pytest.approx(300_000)
    assert out.at["R-B", "quota_change_usd"] == pytest.approx(675_000)  # took $3M of the $4M
    assert out.at["R-C", "quota_change_usd"] == pytest.approx(225_000)
    _, _, reps = _tiny_plan()
    hold = placeholder_plan(plan, spec, reps)
    out = quota_changes(plan, hold, accounts, spec, quota).set_index("holder")
    assert out.at["T-A", "prorated_quota_usd"] == pytest.approx(900_000)  # the open territory carries the rest
    assert out.at["R-A", "prorated_quota_usd"] == pytest.approx(300_000)


# ---------------------------------------------------------------------------------------------- holdover
def test_holdover_keeps_open_pipeline_with_the_previous_owner_for_the_set_days():
    from planning.data.defaults import PlanningDefaults
    from planning.plans import disruption

    plan, accounts, reps = _tiny_plan()
    assert PlanningDefaults().holdover_days == 90  # the domain default, a setting
    spec = leaver("R-A", "2027-03-31", 2027, "FY27")
    report = disruption(plan, plan.with_moves({"a1": "T-B", "a2": "T-C"}), accounts, reps, "2026-11-30")
    held = holdover_report(report.accounts, spec)
    assert list(held["account_id"]) == ["a1"]  # a2 moved too, but has no open pipeline
    assert held.at[0, "credited_until"] == pd.Timestamp("2027-06-29")  # 1 April + 90 days − 1: 29 June
    assert spec.holdover_ends == pd.Timestamp("2027-06-30")
    none = ChangeSpec.from_dict({**spec.to_dict(), "holdover_days": 0})
    assert holdover_report(report.accounts, none).empty


# ---------------------------------------------------------------------------------------------- change versions
def test_a_change_version_records_its_change_and_survives_the_store(tmp_path):
    plan, _, reps = _tiny_plan()
    spec = leaver("R-A", "2027-03-31", 2027, "FY27", base_version=2, holdover_days=60)
    hold = placeholder_plan(plan, spec, reps)
    assert hold.kind == CHANGE_KIND
    assert hold.assignment.equals(plan.assignment)  # the placeholder keeps every account
    assert pd.isna(hold.territories.at["T-A", "owner_rep_id"])
    # the reports put "Open: " before it, so the name does not say "open" itself
    name = hold.territories.at["T-A", "name"]
    assert name.endswith("; Max (M-1) covers") and " – was " in name and "open" not in name.lower()
    store = PlanStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
    store.save_plan(hold, author="ops", note=hold.note, name="FY27")
    back = store.load_plan("FY27")
    got = change_of(back)
    assert back.kind == CHANGE_KIND and got.effective_date == pd.Timestamp("2027-04-01")
    assert (got.rep_id, got.option, got.holdover_days, got.base_version) == ("R-A", "placeholder", 60, 2)
    listed = store.list_plans().set_index("name")
    assert listed.at["FY27", "kind"] == CHANGE_KIND and "effective 2027-04-01" in listed.at["FY27", "note"]
    store.dispose()


def test_an_unknown_leaver_is_named():
    plan, _, reps = _tiny_plan()
    with pytest.raises(ChangeError, match="R-ZZ"):
        placeholder_plan(plan, leaver("R-ZZ", "2027-03-31", 2027, "FY27"), reps)


def test_every_public_name_of_the_package_imports():
    """planning.changes lists its names by hand (scripts/mkinit.py covers the older packages): each must load."""
    import planning.changes as pkg

    for name in pkg.__all__:
        assert getattr(pkg, name) is not None, name


def test_the_review_note_of_a_change_names_no_person():
    """Every manager reads a plan's review notes, and the leaver may sit in another team: the note says what
    changes and when, never who."""
    from planning.changes.saving import review_note
    from planning.plans import Plan
    import pandas as pd

    leave = {"kind": "leave", "rep_id": "R-010", "effective_date": "2027-04-01", "last_day": "2027-03-31",
             "plan_year": 2027, "base_plan": "FY27", "option": "split"}
    plan = Plan(name="x", assignment=pd.Series(dtype=object), territories=pd.DataFrame(),
                settings={"change": leave}, note="Liam Turner (R-010) leaves")
    note = review_note(plan)
    assert note == "mid-year change effective 2027-04-01: a leaver's book, split over neighbours"
    assert "R-010" not in note and "Liam" not in note
