"""A sweep is a run until someone asks for its plans (issue 26's rule for carves): without ``save`` nothing is
written to the store, with it each plan found is saved as "TITLE · SCENARIO" by the user who started it."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def items():
    from jobs.sweep import headcount_items
    from optimizers.carve import CarveSettings
    from optimizers.instances.companies import make_instance
    from planning.data.defaults import Settings

    acc, reps = make_instance(600, 8, seed=2, segments=("Mid-market",))
    base = CarveSettings(tolerance={"potential_usd": 0.2, "accounts": 0.2}, time_limit=30)
    return headcount_items(base, acc, reps, 2027, "2026-11-01", Settings(), "Mid-market", [6, 10])


def _run(tmp_path, items, **kw):
    from jobs import job_manager, submit_sweep
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    jid = submit_sweep(store, items, user="cara", title="Sweep MM", cluster="inprocess", **kw)
    assert job_manager().wait(jid, 300)
    return store, JobRecords(store.engine).get(jid)


NAMES = ["Sweep MM · 6 Mid-market territories", "Sweep MM · 10 Mid-market territories"]


def test_a_sweep_saves_nothing_unless_asked(tmp_path, items):
    store, job = _run(tmp_path, items)
    assert job["status"] == "succeeded" and job["settings"]["save"] is False
    assert store.plan_names() == []
    res = job["result"]
    assert res["plans"] == [] and res["saved"] is False
    assert [r["proposal"] for r in res["table"]] == NAMES  # the names they would be saved under
    assert [r["saved_as"] for r in res["table"]] == [None, None]
    assert res["summary"] == "2 of 2 scenarios found a plan; none saved (a run)"


def test_a_sweep_asked_to_save_saves_each_plan_found(tmp_path, items):
    store, job = _run(tmp_path, items, save=True, dataset_name="Sweep data")
    assert job["status"] == "succeeded" and job["settings"]["save"] is True
    assert sorted(store.plan_names()) == sorted(NAMES)
    assert [p["plan"] for p in job["result"]["plans"]] == NAMES
    assert [r["saved_as"] for r in job["result"]["table"]] == NAMES
    assert set(store.versions(NAMES[0])["author"]) == {"cara"}
    assert store.load_plan(NAMES[1]).territories.shape[0] == 10
    # each records the data it was carved on (planning.plans.save_made_on), as every saved plan does
    from planning.plans import dataset_stamp

    it = items[0]
    assert store.load_plan(NAMES[0]).settings["made_on"] == dataset_stamp("Sweep data", it.accounts, it.reps)


def test_sweep_save_is_refused_before_it_runs_for_a_role_that_may_not_change_plans(cli, tmp_path, monkeypatch):
    from planning.access import Role, User
    from planning.access.directory import add_user
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store = PlanStore(url)
    add_user(store, User("root@localhost", role=Role.ADMIN), "vic@acme.test", "viewer")
    r = cli(["--as", "vic@acme.test", "sweep", "--segment", "Mid-market", "--heads", "40", "--save", "--db", url])
    assert r.exit_code == 3 and "may not change plans" in r.output
    assert len(JobRecords(store.engine).list(kind="sweep")) == 0  # nothing started
