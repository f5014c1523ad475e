"""Jobs outlive the page: a carve started outside this session is re-attached by a fresh AppTest session; a run is
not saved unless asked; later sessions of the same user show the last result again and open any from the jobs
table."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.quota_sections import open_section

ROOT = Path(__file__).resolve().parent.parent
COMP_COST = "Comp cost (variable pay)"  # planning.reporting.figures: the comp cost figure's label


def _carve_job(ds, url, title, save_as=None):
    from jobs import current_user, submit_carve
    from optimizers.carve import CarveSettings
    from planning.plans import PlanStore

    return submit_carve(PlanStore(url), ds.accounts, ds.reps, ds.plan_year, ds.as_of, CarveSettings(time_limit=60),
                        ds.settings, user=current_user(), title=title, save_as=save_as, dataset="sample", dataset_name=ds.name)


def _status(at) -> str:
    """The result's headline ("Balanced plan found — …"), or "" when none is shown."""
    return next((s.value for s in at.success if s.value.startswith("Balanced plan found")), "")


def test_job_result_in_the_store_is_picked_up_by_a_fresh_session(sample, tmp_path, monkeypatch):
    from jobs import job_manager
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "ana")
    jid = _carve_job(sample, url, "FY27 from a job")
    assert job_manager().wait(jid, 300)  # no page follows it: the browser was closed
    store = PlanStore(url)
    job = JobRecords(store.engine).get(jid)
    assert job["status"] == "succeeded" and job["user_name"] == "ana" and job["kind"] == "carve"
    assert job["result"]["proposal"] == "FY27 from a job" and "plan" not in job["result"]
    assert job["parts_done"] == job["parts_total"] >= 1
    assert job["seconds"] > 0 and job["settings"]["carve"]["time_limit"] == 60
    assert job["message"].startswith("Balanced plan found — within ")  # the job list speaks words too
    assert store.plan_names() == []  # a run is not saved

    # the next visit shows the result, saying it finished while the user was away ...
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"job #{jid} finished" in c.value for c in at.caption)
    assert _status(at)
    assert "FY27 from a job" in at.session_state["session_plans"]
    # ... and so does a later session (a reload), as the user's last result; any job opens from the jobs table
    at2 = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=60)
    at2.run()
    assert not at2.exception and _status(at2) == _status(at)
    assert any(f"Your last carve: job #{jid}" in c.value for c in at2.caption)
    jobs_df = next(d.value for d in at2.dataframe if "saved_as" in d.value.columns)
    assert jobs_df.loc[jobs_df["job_id"] == jid, "saved_as"].item() == "not saved"
    at2.selectbox(key="carve_job_pick").set_value(jid)
    next(b for b in at2.button if b.label == "Open result").click().run()
    assert not at2.exception and _status(at2)
    assert store.plan_names() == []


def test_a_job_asked_to_save_saves_only_when_it_succeeds(sample, tmp_path, monkeypatch):
    from jobs import job_manager
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "cli")
    jid = _carve_job(sample, url, "FY27 saved", save_as="FY27 saved")  # as the CLI's --save: explicit
    assert job_manager().wait(jid, 300)
    store = PlanStore(url)
    assert JobRecords(store.engine).get(jid)["result"]["plan"] == "FY27 saved"
    assert store.plan_names() == ["FY27 saved"]
    from planning.plans import dataset_stamp  # made on the data the job carved

    assert store.load_plan("FY27 saved").settings["made_on"] == dataset_stamp(sample.name, sample.accounts,
                                                                               sample.reps)


def test_a_page_opened_while_the_job_runs_follows_it_to_the_result(sample, tmp_path, monkeypatch):
    from jobs import job_manager

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "dan")
    jid = _carve_job(sample, url, "FY27 followed")
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=300)
    at.run()  # e.g. after a reload: re-attaches and waits for the running job
    assert not at.exception, [e.value for e in at.exception]
    assert job_manager().wait(jid, 300)
    if any(f"#{jid}" in s.label for s in at.status):  # still running when the page opened: followed it
        assert _status(at)


def test_another_users_jobs_are_not_listed(sample, tmp_path, monkeypatch):
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "ben")
    rec = JobRecords(PlanStore(url).engine)
    other = rec.create("carve", "someone else's", "ana", {})
    rec.update(other, status="failed", error="x")
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert not any("saved_as" in d.value.columns for d in at.dataframe)


def _tiny_dataset(accounts: int = 600, reps: int = 8):
    import pandas as pd

    from optimizers.instances.companies import make_instance
    from planning.data.dataset import Dataset
    from planning.data.validation import ValidationReport

    acc, reps = make_instance(accounts, reps, seed=2, segments=("Mid-market",))
    return Dataset("tiny", acc, reps, pd.DataFrame(), pd.DataFrame(), None, ValidationReport(),
                   pd.Timestamp("2026-11-01"), 2027)


def test_sweep_from_the_page_carves_each_headcount_and_saves_each_plan_when_asked(tmp_path, monkeypatch):
    from planning.plans import PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "cara")
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=180)
    at.session_state["dataset"] = _tiny_dataset()
    at.session_state["dataset_version"] = "tiny"
    # by account: the sweep's page flow, not geography (the county default's cut loop on this synthetic company took
    # ~18 s a headcount); set before the first run, as the carve form's widgets apply only when that form is submitted
    at.session_state["carve_unit_Mid-market"] = "account"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="carve_tol_potential_usd").set_value(20.0)
    at.number_input(key="carve_tol_accounts").set_value(20.0)
    at.text_input(key="sweep_counts").set_value("6, 10")
    at.checkbox(key="sweep_save").check()  # saved only when asked, as the CLI's --save
    next(b for b in at.button if b.label == "Run sweep").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "saved_as" in d.value.columns)
    assert list(table["territories Mid-market"]) == [6, 10]
    # each scenario's result in words (the carve headline's), the solver's status and gap left out of the page
    assert all(" plan found" in t.lower() for t in table["result"]), list(table["result"])
    assert not {"status", "gap"} & set(table.columns)
    names = PlanStore(url).plan_names()
    assert {"Sweep Mid-market · 6 Mid-market territories", "Sweep Mid-market · 10 Mid-market territories"} <= set(names)


def test_a_large_comp_simulation_runs_as_a_job_with_progress_per_chunk(tmp_path, monkeypatch):
    from jobs import job_manager
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "fin")
    at = AppTest.from_file(str(ROOT / "pages" / "4_Quota_and_Comp.py"), default_timeout=180)
    open_section(at, "Cost simulation")  # the simulation's own tab of the page (a lazy one)
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.label == COMP_COST for m in at.metric)  # one chunk (the default): on the page, as before
    next(n for n in at.number_input if n.label == "Draws").set_value(25_000).run()
    assert any("large simulation" in i.value for i in at.info)
    assert not any(m.label == COMP_COST for m in at.metric)  # nothing shown until it ran
    at.button(key="comp_sim_job_btn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    jobs = JobRecords(PlanStore(url).engine).list(user="fin", kind="comp_sim")
    job = JobRecords(PlanStore(url).engine).get(int(jobs["id"].iat[0]))
    assert job["status"] == "succeeded" and job["parts_done"] == job["parts_total"] == 3  # 10,000 draws a chunk
    # in the order they finished (the chunks run on this process's cores at once)
    assert sorted(p["name"] for p in job["parts"]) == sorted(["draws 1–10,000", "draws 10,001–20,000",
                                                               "draws 20,001–25,000"])
    sim = job_manager().result(int(job["id"]))
    assert sim.n_draws == 25_000 and job["result"]["draws"] == 25_000
    mean = next(m.value for m in at.metric if m.label == COMP_COST)
    assert mean and mean != "–"
    # the next rerun keeps the job's result for these inputs: no second job
    at.run()
    assert len(JobRecords(PlanStore(url).engine).list(user="fin", kind="comp_sim")) == 1
    assert any(m.label == COMP_COST for m in at.metric)


def test_a_curve_job_is_picked_up_by_a_fresh_session_and_a_point_becomes_the_proposal(tmp_path, monkeypatch):
    from jobs import current_user, job_manager, submit_frontier
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "eve")
    store, tiny = PlanStore(url), _tiny_dataset(300, 6)  # a curve of three quick points
    jid = submit_frontier(store, tiny.accounts, tiny.reps, tiny.plan_year, tiny.as_of, CarveSettings(time_limit=20),
                          3, defaults=tiny.settings, user=current_user(), title="Curve FY27", dataset="tiny")
    assert job_manager().wait(jid, 300)  # no page follows it: the tab was closed
    job = JobRecords(store.engine).get(jid)
    assert job["status"] == "succeeded" and job["kind"] == "frontier"
    names = [p["name"] for p in job["parts"]]  # progress per point, over the exact end and the rest
    assert job["parts_done"] == job["parts_total"] == 3 and names[0] == "fewest moves"
    assert set(names[1:]) == {"balanced", "shortest travel"}  # named for the trade-off, not the weight
    assert store.plan_names() == []  # the points are runs

    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=120)
    at.session_state["dataset"], at.session_state["dataset_version"] = tiny, "tiny"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"curve job #{jid} finished" in c.value for c in at.caption)
    _, front, title, shown_jid, _ = at.session_state["carve_frontier"]
    assert shown_jid == jid and title == "Curve FY27"
    assert any("moves fewer than" in i.value for i in at.info)
    at.selectbox(key="carve_frontier_pick").set_value(0)
    at.button(key="carve_frontier_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    moved = {m.label: m.value for m in at.metric}["Accounts moved"]
    from planning.reporting.figures import moved_between

    expect = moved_between(tiny.current_plan(), front.points[0].result.plan,
                           tiny.accounts)["accounts_moved"]
    assert moved == f"{expect:,}"
    picked = "Curve FY27 · fewest moves"
    assert picked in at.session_state["session_plans"]  # the proposal Disruption / Compare pick up
    assert at.session_state["session_plans"][picked].assignment.equals(front.points[0].result.plan.assignment)
    assert store.plan_names() == []  # picked, not saved


def test_a_cancelled_curve_job_saves_nothing_and_the_page_says_so(sample, tmp_path, monkeypatch):
    from jobs import current_user, job_manager, submit_frontier
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "gus")
    store = PlanStore(url)
    jid = submit_frontier(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of,
                          CarveSettings(time_limit=20), 5, defaults=sample.settings, user=current_user(),
                          title="Stopped curve", dataset="sample")
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=120)
    at.session_state["carve_frontier_job_id"] = jid  # as if this session had pressed "Solve the curve"
    job_manager().cancel(JobRecords(store.engine), jid)  # the Cancel button's own call
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert job_manager().wait(jid, 120)
    assert JobRecords(store.engine).get(jid)["status"] == "cancelled"
    assert any(f"Curve job #{jid} was cancelled" in i.value for i in at.info)
    assert "carve_frontier" not in at.session_state
    assert not [n for n in store.plan_names() if n.startswith("Stopped curve")]


def test_a_running_job_shows_its_parts_as_one_line_in_words():
    """While a job runs the page shows one line per poll (the parts' table is drawn once, after the outcome)."""
    from ui.jobs import parts_progress

    job = {"parts_total": 3, "parts": [{"name": "Enterprise · East", "status": "optimal", "seconds": 0.4},
                                       {"name": "Mid-market · West", "status": "time_limit", "seconds": 12.25}]}
    assert parts_progress(job) == (r"Parts done\: 2 of 3 — latest\: Mid-market · West \(done when the time limit "
                                   r"struck, 12.2 s\)")
    assert parts_progress({"parts": [{"name": "[x](http://e.test)", "status": "optimal"}]}) == \
        r"Parts done\: 1 of 1 — latest\: \[x\]\(http\://e.test\) \(done\)"
