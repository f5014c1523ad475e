"""Issue 26: the Data page works out its figures once per dataset version and scope.  A rerun (or a second
session with the same scope) reads them back: no second health report, duplicate check or book of today's plan,
and the numbers on the screen are the same.  A manager's entry is their team's, never the company's."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from planning.data import health as health_module
from planning.data import load_sample
from planning.access.scope import team_rep_ids
from planning.access.view import ScopedView
from tests.data_sections import every_section, open_section
from ui import data_page, sample_entries

ROOT = Path(__file__).resolve().parents[1]
ADMIN = User("admin@example.com", "Ada Admin", Role.ADMIN)
M1 = User("m1@example.com", "Mo Manager", Role.MANAGER, manager_id="M-01")


@pytest.fixture
def counted(monkeypatch):
    """Calls of the health report, the duplicate check and today's books, counted."""
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "0")
    calls = {"health_report": 0, "duplicate_accounts": 0, "book": 0}

    def counting(name, fn):
        def wrapped(*a, **k):
            calls[name] += 1
            return fn(*a, **k)
        return wrapped

    monkeypatch.setattr(health_module, "health_report", counting("health_report", health_module.health_report))
    monkeypatch.setattr(health_module, "duplicate_accounts",
                        counting("duplicate_accounts", health_module.duplicate_accounts))
    monkeypatch.setattr(ScopedView, "book", counting("book", ScopedView.book))
    monkeypatch.setattr(sample_entries, "enabled", False)  # what one process computes (the disk: test below)
    data_page.clear()
    yield calls
    data_page.clear()


def _page(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=180)
    at.session_state["_access_user"] = user
    return at


def _screen(at: AppTest) -> dict:
    """What the page shows with each of its tabs open in turn (tests.data_sections)."""
    return every_section(at)


def test_the_first_run_works_out_no_hidden_section(counted):
    """The cold start: the health report, the duplicate check and today's books wait until their tab opens."""
    at = _page(ADMIN).run()
    assert not at.exception
    assert counted == {"health_report": 0, "duplicate_accounts": 0, "book": 0}
    open_section(at, "Current plan health")
    assert counted == {"health_report": 0, "duplicate_accounts": 0, "book": 1}
    open_section(at, "Data health")
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}


def test_a_rerun_reads_the_figures_back_and_shows_the_same_numbers(counted):
    at = _page(ADMIN).run()
    assert not at.exception
    first = _screen(at)
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}
    health = next(t for t in first["Data health"]["tables"] if "check" in t)
    assert dict(zip(health["check"], health["result"]))["Accounts without an owner"] == "37"
    at.run()
    assert not at.exception
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}
    assert _screen(at) == first
    # a second session with the same scope (another admin) reads the same entry
    other = _page(User("other@example.com", "Otto Admin", Role.ADMIN)).run()
    assert not other.exception
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}
    assert _screen(other)["Account base"]["metrics"] == first["Account base"]["metrics"]


def test_a_choice_on_the_page_is_worked_out_once_too(counted):
    at = _page(ADMIN).run()
    open_section(at, "Current plan health").selectbox(key="health_metric").select("arr_usd").run()
    open_section(at, "Accounts by owner").selectbox(key="map_segment").select("Enterprise").run()
    assert not at.exception
    before = _screen(at)
    open_section(at, "Current plan health").selectbox(key="health_metric").select("potential_usd").run()
    at.selectbox(key="health_metric").select("arr_usd").run()
    assert not at.exception and _screen(at) == before
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}
    # the map of one segment says how many of its accounts it places
    sample = load_sample()
    ent = sample.accounts.loc[sample.accounts["segment"] == "Enterprise"]
    placed = int(ent["lat"].notna().sum())
    assert any(c.startswith(f"{placed:,} accounts on the map") for c in before["Accounts by owner"]["captions"])


def test_a_manager_never_reads_the_company_entry_nor_the_company_theirs(counted):
    sample = load_sample()
    team = team_rep_ids(M1, sample.reps)
    n_team = int(sample.accounts["owner_rep_id"].isin(team).sum())
    admin = open_section(_page(ADMIN).run(), "Data health")
    assert admin.metric[0].value == "6,009"
    mgr = _page(M1).run()
    assert not mgr.exception
    assert mgr.metric[0].value == f"{n_team:,}" and n_team < 6009
    # the manager's own health report: their team's accounts all have an owner
    open_section(mgr, "Data health")
    health = next(d.value for d in mgr.dataframe if "check" in d.value.columns).set_index("check")["result"]
    assert health["Accounts without an owner"] == "0"
    assert counted["health_report"] == 2
    again = open_section(_page(ADMIN).run(), "Data health")
    assert again.metric[0].value == "6,009" and counted["health_report"] == 2


def test_the_scope_is_the_role_and_a_managers_team():
    assert data_page.scope_of(ADMIN) == ("admin", None)
    assert data_page.scope_of(M1) == ("manager", "M-01")
    assert data_page.scope_of(User("x@example.com", role=Role.VIEWER)) == ("viewer", None)
    assert data_page.scope_of(User("y@example.com", role=Role.MANAGER, manager_id="M-02")) != data_page.scope_of(M1)


def test_a_fresh_process_reads_the_sample_entries_from_disk(counted, monkeypatch, tmp_path):
    """The first page a user sees: a new server process draws the sample company's Data page from the entries
    the first process wrote, with the same numbers and no health report, duplicate check or books computed."""
    import shutil

    from planning.data import disk_cache
    from planning.data.dataset import SAMPLE_DIR
    from planning.data.sample_cache import cache_path

    load_sample()
    shutil.copy(cache_path(SAMPLE_DIR), tmp_path)  # the validated sample, as a warm cache folder holds it
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(sample_entries, "enabled", True)
    first = _page(ADMIN).run()
    assert not first.exception
    first_screen = _screen(first)
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}
    files = sorted(p.name for p in tmp_path.glob("page-*.pickle"))
    assert any("-data-health-admin" in f for f in files) and any("-data-map-admin-All" in f for f in files)
    data_page.clear()  # a new process: nothing in memory
    again = _page(ADMIN).run()
    assert not again.exception
    assert counted == {"health_report": 1, "duplicate_accounts": 1, "book": 1}
    assert _screen(again) == first_screen
    # a manager's entries are their own files, worked out for their team
    mgr = _page(M1).run()
    open_section(mgr, "Data health")
    assert not mgr.exception and counted["health_report"] == 2
    assert any("-data-health-manager-M_01" in p.name for p in tmp_path.glob("page-*.pickle"))


def test_an_upload_is_never_written_to_disk(monkeypatch, tmp_path):
    from planning.data import disk_cache

    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path)
    built = sample_entries.kept("data", "health", "upload:abc", ("admin", None), (), lambda: 42)
    assert built == 42 and not list(tmp_path.iterdir())
    assert sample_entries.kept("data", "health", "sample", ("admin", None), (), lambda: 43) == 43
    assert sample_entries.kept("data", "health", "sample", ("admin", None), (), lambda: 44) == 43  # read back
    name = sample_entries.file_name("data", "map", ("manager", "M-01"), ("Mid-market",))
    assert "-data-map-manager-M_01-Mid_market-" in name and name.endswith(".pickle") and "/" not in name


def test_a_new_server_process_draws_the_sample_data_page_without_altair(tmp_path):
    """The cold start: with the entries on disk (the first process wrote them), a fresh interpreter draws the Data
    page without importing Altair or computing the health report."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from planning.data.dataset import SAMPLE_DIR
    from planning.data.sample_cache import cache_path

    load_sample()
    folder = tmp_path / "territory-planner"
    folder.mkdir()
    shutil.copy(cache_path(SAMPLE_DIR), folder)  # the validated sample, as a warm cache folder holds it
    code = (
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from planning.data import health\n"
        "calls = []\n"
        "real = health.health_report\n"
        "health.health_report = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
        "from tests.data_sections import every_section\n"
        "at = AppTest.from_file('pages/1_Data.py', default_timeout=180).run()\n"
        "every_section(at)\n"
        "assert not at.exception, at.exception\n"
        "print(json.dumps({'altair': 'altair' in sys.modules, 'health_reports': len(calls),\n"
        "                  'accounts': at.metric[0].value}))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PLANNER_SAMPLE_PROPOSAL": "0"}

    def fresh() -> dict:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = fresh()  # builds the entries and writes them
    assert first == {"altair": True, "health_reports": 1, "accounts": "6,009"}
    assert list(folder.glob("page-*-data-health-admin-*.pickle"))
    assert fresh() == {"altair": False, "health_reports": 0, "accounts": "6,009"}


def test_scopes_that_read_alike_get_files_of_their_own():
    """A team id with a character the file name cannot hold must not share a file with the team it reads like."""
    from ui import sample_entries

    a = sample_entries.file_name("data", "map", ("manager", "M-03"))
    b = sample_entries.file_name("data", "map", ("manager", "M_03"))
    assert a != b
    assert a == sample_entries.file_name("data", "map", ("manager", "M-03"))
