"""Capacity as a viewer (issue 27): the ``capacity`` command prints no cost and no quota, refuses the cost-based
optimiser, and the same run as an admin prints the shared "AE and support cost" figure."""
from __future__ import annotations

import pytest

from planning.access import Role, User
from planning.access.directory import add_user
from planning.capacity import default_scenario, run_scenario
from planning.plans import PlanStore
from planning.reporting import figure, scenario_costs, usd

VIEWER = "vic@acme.test"


@pytest.fixture()
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    s = PlanStore(url)
    add_user(s, User("root@localhost", role=Role.ADMIN), VIEWER, "viewer")
    return s


def test_viewer_capacity_run_has_no_cost_and_no_quota(cli, store, sample):
    r = cli(["--as", VIEWER, "capacity", "--tornado"])
    assert r.exit_code == 0, r.output
    s = run_scenario(default_scenario(sample), sample).summary()
    assert f"expected bookings {usd(s['expected_bookings_usd'])}" in r.output  # a headline: $19.65M
    assert "cost" not in r.output.lower()
    assert "Quota" not in r.output  # no quota column, and no quota driver in the tornado
    assert "AEs in January" in r.output  # headers from the label registry
    header = next(line for line in r.output.splitlines() if "Segment" in line and "Expected bookings" in line)
    assert figure("capacity_target_usd").label in header and "Bookings target" not in r.output
    assert "target_usd" not in r.output


def test_admin_capacity_run_shows_the_shared_cost_figure(cli, sample):
    r = cli(["capacity"])
    assert r.exit_code == 0, r.output
    c = scenario_costs(run_scenario(default_scenario(sample), sample))
    assert f"AE and support cost {usd(c.ae_support_cost_usd)} (AE cost {usd(c.ae_cost_usd)}" in r.output


def test_viewer_optimiser_by_headcount_only(cli, store):
    r = cli(["--as", VIEWER, "capacity", "--optimize"])  # auto → min-cost: a cost figure
    assert r.exit_code == 3 and "may not see comp plans, payouts or comp cost" in r.output
    r = cli(["--as", VIEWER, "capacity", "--optimize", "--budget", "20000000"])
    assert r.exit_code == 3
    r = cli(["--as", VIEWER, "capacity", "--optimize", "--max-headcount", "40"])
    assert r.exit_code == 0, r.output
    assert "Optimal hiring (max bookings): expected bookings $" in r.output and "Solver details: optimal" in r.output
    assert "cost" not in r.output.lower()
