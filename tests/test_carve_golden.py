"""The golden-row check of the carve (benchmarks/carve_golden.py) and the suite's family rows
(benchmarks/carve_bench.py): what counts as worse, on hand-made rows; no carve is run."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import carve_bench as cb  # noqa: E402
import carve_golden as cg  # noqa: E402


def golden(**kw) -> dict:
    row = {"key": "zips · 10,000×50 · 4 metrics · continuity 1", "status": "optimal", "objective": 1000.0,
           "bound": 995.0, "gap": 0.005, "band": 0.05, "moved": 0.3, "k": 10, "parts_widened": 0, "seconds": 12.0,
           "greedy_seconds": 1.0, "dev": {"potential_usd": 0.05, "accounts": 0.049}}
    return {**row, **kw}


def test_a_row_as_good_or_within_tolerance_is_not_worse():
    g = golden()
    # 0.4% dearer (under the 0.5% tolerance), gap 0.2 points wider (under 0.25), deviations inside the band
    new = golden(objective=1004.0, gap=0.007, dev={"potential_usd": 0.0499, "accounts": 0.05}, seconds=30.0)
    assert cg.verdict(new, g, 0.005, 0.0025) == []
    assert cg.verdict(golden(objective=990.0, gap=0.0), g, 0.005, 0.0025) == []


def test_a_dearer_plan_a_wider_gap_a_lower_status_or_a_broken_band_is_worse():
    g = golden()
    assert cg.verdict(golden(objective=1006.0), g, 0.005, 0.0025) == ["objective +0.60%"]
    assert cg.verdict(golden(gap=0.008), g, 0.005, 0.0025) == ["gap 0.80% > 0.50%"]
    assert cg.verdict(golden(status="feasible"), g, 0.005, 0.0025) == ["status feasible < optimal"]
    assert cg.verdict(golden(status="time_limit"), golden(status="feasible"), 0.005, 0.0025) == [
        "status time_limit < feasible"]
    assert cg.verdict(golden(dev={"potential_usd": 0.052, "accounts": 0.04}), g, 0.005, 0.0025) == [
        "pot dev 5.20% (band 5%, golden 5.00%)"]
    assert cg.verdict(None, g, 0.005, 0.0025) == ["missing (the run failed)"]


def test_a_soft_mode_row_may_stay_outside_its_band_but_not_further_than_golden():
    g = golden(band=0.10, dev={"potential_usd": 0.18}, status="time_limit", gap=0.2)
    assert cg.verdict(golden(band=0.10, dev={"potential_usd": 0.17}, status="time_limit", gap=0.19), g,
                      0.005, 0.0025) == []
    assert cg.verdict(golden(band=0.10, dev={"potential_usd": 0.19}, status="time_limit", gap=0.19), g,
                      0.005, 0.0025) == ["pot dev 19.00% (band 10%, golden 18.00%)"]


def test_the_compare_table_counts_worse_rows_and_a_missing_one():
    a = golden()
    b = golden(key="smb · 50,000×100 · 4 metrics · continuity 1")
    table, worse = cg.compare_table([golden(objective=1010.0)], [a, b], 0.005, 0.0025)
    assert worse == 2
    assert "WORSE: objective +1.00%" in table and "WORSE: missing (the run failed)" in table
    assert "12.0 (12.0× greedy)" in table


def test_row_keys_leave_out_what_the_solver_decides():
    assert cg.stable_run("frontier 4 pts: fewest moves ≥ 60") == "frontier"
    assert cg.stable_run("defaults (continuity 5)") == "defaults"
    assert cg.stable_run("continuity 0.5") == "continuity 0.5"


def test_the_suite_has_issue_23s_rows_for_every_family():
    for family in ("zips", "uneven_reps", "smb"):
        secs = [s for s in cb.SUITE if s.family == family]
        pure = [s for s in secs if s.metrics == ("potential_usd",)]
        assert [(s.sizes, s.weights, s.gap) for s in pure] == [("10000x50", "0", 0.005)]
        four = {(s.sizes, s.weights) for s in secs if s.metrics == cb.METRICS}
        assert {("10000x50", "1,5"), ("50000x250", "1")} <= four
    assert ("50000x100", "1") in {(s.sizes, s.weights) for s in cb.SUITE if s.family == "smb"}
    # issue 15's metros rows stay first and unchanged
    assert [s.sizes for s in cb.SUITE[:4]] == ["10000x50", "10000x50", "1000x10", "50000x250"]
    assert all(s.family == "metros" for s in cb.SUITE[:4])
    # every golden job has a unique name, and the recording order keeps the slow 500,000-account subset last
    names = [cg.job_name(j) for j in cg.jobs()]
    assert len(names) == len(set(names)) and names[-1] == "scale 500,000×2,500 region R3"


def test_a_family_run_replaces_its_own_sections_and_keeps_the_others():
    text = "# Carving benchmark\n\nlegend\n\n## metros rows\n\nold metros\n\n## zips rows\n\nold zips\n"
    assert cb.with_section(text, "zips rows", "new zips\n") == \
        "# Carving benchmark\n\nlegend\n\n## metros rows\n\nold metros\n\n## zips rows\n\nnew zips\n"
    assert cb.with_section(text, "metros rows", "new metros") == \
        "# Carving benchmark\n\nlegend\n\n## metros rows\n\nnew metros\n\n## zips rows\n\nold zips\n"
    assert cb.with_section(text, "smb rows", "smb") == text + "\n## smb rows\n\nsmb\n"
