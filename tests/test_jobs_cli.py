"""`jobs list/show/cancel` and `sweep` input errors, through the CLI in-process."""
from __future__ import annotations


def test_jobs_list_show_cancel(cli, tmp_path):
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    rec = JobRecords(PlanStore(url).engine)
    done = rec.create("carve", "FY27 carve", "ana", {"carve": {"time_limit": 60}})
    rec.update(done, status="running")
    rec.update(done, status="succeeded", parts=[{"name": "SMB · West", "status": "optimal", "seconds": 2.5}],
               parts_done=1, parts_total=1, result={"plan": "FY27 carve", "version": 1})
    live = rec.create("sweep", "Mid-market 40/45/50", "ben", {})
    rec.update(live, status="running")

    out = cli(["jobs", "list", "--db", url])
    assert out.exit_code == 0 and "FY27 carve" in out.output and "Mid-market 40/45/50" in out.output
    assert "ben" not in cli(["jobs", "list", "--db", url, "--user", "ana"]).output
    shown = cli(["jobs", "show", str(done), "--db", url])
    assert shown.exit_code == 0 and "SMB · West" in shown.output and '"plan": "FY27 carve"' in shown.output
    assert cli(["jobs", "cancel", str(done), "--db", url]).exit_code == 1  # already finished
    assert cli(["jobs", "cancel", str(live), "--db", url]).exit_code == 0
    assert rec.cancel_requested(live)
    assert cli(["jobs", "show", "999", "--db", url]).exit_code == 2


def test_sweep_needs_scenarios_and_a_known_segment(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    assert cli(["sweep", "--db", url]).exit_code == 2
    out = cli(["sweep", "--segment", "Strategic", "--heads", "3,4", "--db", url])
    assert out.exit_code == 2
