"""The scale benchmark's own arithmetic: which plan a widened part kept, and the projection to N workers."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import scale_bench as sb  # noqa: E402
from benchmarks import scale_tables  # noqa: E402


def test_a_discarded_wider_run_does_not_overwrite_the_part_a_kept_one_does():
    runs = [
        {"name": "SMB · R1", "status": "optimal", "seconds": 30.0, "pairs": 100, "gap": 0.002, "objective": 100.0,
         "has_bound": True},
        {"name": "SMB · R2", "status": "optimal", "seconds": 20.0, "pairs": 100, "gap": 0.001, "objective": 900.0,
         "has_bound": True},
        # R1's wider run found no LP bound in time: the carve kept the narrower plan
        {"name": "SMB · R1 · k=20", "status": "time_limit", "seconds": 50.0, "pairs": 200, "gap": float("inf"),
         "objective": 80.0, "has_bound": False},
        # R2's wider run is cheaper and has its bound: the carve kept it
        {"name": "SMB · R2 · k=20", "status": "time_limit", "seconds": 40.0, "pairs": 200, "gap": 0.02,
         "objective": 120.0, "has_bound": True},
    ]
    r1, r2 = sb.merged_parts(runs)
    assert (r1["status"], r1["gap"], r1["seconds"], r1["widened_to"]) == ("optimal", 0.002, 80.0, None)
    assert (r2["status"], r2["gap"], r2["seconds"], r2["widened_to"]) == ("time_limit", 0.02, 60.0, 20)


def test_the_projection_takes_the_driver_as_the_wall_time_less_the_parts_on_the_runs_workers():
    # four 10 s parts on 2 workers: 20 s of parts in a 25 s carve, so 5 s in the driver
    row = {"parts": [{"seconds": 10.0}] * 4, "seconds_carve": 25.0, "workers": 2}
    proj = {p["workers"]: p for p in scale_tables.projection(row, ns=(1, 2, 4))}
    assert [proj[n]["driver_s"] for n in (1, 2, 4)] == [5.0, 5.0, 5.0]
    assert [proj[n]["total_s"] for n in (1, 2, 4)] == [45.0, 25.0, 15.0]


def test_the_drivers_memory_is_filed_under_the_stage_running_when_it_was_sampled():
    from types import SimpleNamespace as Stage

    # the carve starts at t=10: prepare 10-12, solve 12-20, prepare again (a restart) 20-21
    stages = [Stage(name="prepare", seconds=2.0), Stage(name="solve", seconds=8.0), Stage(name="prepare", seconds=1.0)]
    samples = [(9.0, 300.0), (10.5, 900.0), (11.5, 700.0), (13.0, 1_200.0), (19.9, 800.0), (20.5, 1_000.0)]
    rows = {r["stage"]: r for r in sb.stage_peaks(samples, 10.0, stages)}
    assert list(rows) == ["inputs", "prepare", "solve"]
    assert rows["inputs"]["peak_mb"] == 300.0
    assert (rows["prepare"]["peak_mb"], rows["prepare"]["seconds"]) == (1_000.0, 3.0)
    assert (rows["solve"]["peak_mb"], rows["solve"]["seconds"]) == (1_200.0, 8.0)


def test_a_part_solved_again_under_its_own_name_keeps_its_widened_lists():
    """A tightened (or retried) part comes back under its own name, with no "· k=": its cheaper plan is kept and
    it stays widened to the lists it had (this raised ValueError on int(""))."""
    runs = [{"name": "SMB · R7", "status": "time_limit", "seconds": 90.0, "pairs": 100, "gap": 0.04,
             "objective": 100.0, "has_bound": True},
            {"name": "SMB · R7 · k=40", "status": "time_limit", "seconds": 90.0, "pairs": 400, "gap": 0.03,
             "objective": 99.0, "has_bound": True},
            {"name": "SMB · R7", "status": "optimal", "seconds": 30.0, "pairs": 400, "gap": 0.005,
             "objective": 96.0, "has_bound": True}]
    (r,) = sb.merged_parts(runs)
    assert (r["status"], r["seconds"], r["widened_to"], r["objective"]) == ("optimal", 210.0, 40, 96.0)
