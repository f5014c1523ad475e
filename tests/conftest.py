"""Shared fixtures: the sample dataset (loaded once per worker) and the CLI runner."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def sample():
    from planning.data.dataset import load_sample

    return load_sample()


@pytest.fixture()
def cli():
    """Run the CLI in-process: cli(["summary"]) → typer Result (exit_code, output)."""
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()

    def run(args: list[str]):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def default_carve(tmp_path_factory):
    """The demo company's default carve, run once per test process as a user runs it (`python -m planning carve
    --cluster inprocess`, every setting the company's: Mid-market and SMB by county in one piece, Enterprise by
    account, issue 24): (CLI output, assignment CSV, territories CSV).  ~4-5 s, so the tests that read what a user
    gets by default share it instead of carving again."""
    from typer.testing import CliRunner

    from cli import app

    tmp = tmp_path_factory.mktemp("default_carve")
    out, summ = tmp / "a.csv", tmp / "t.csv"
    r = CliRunner().invoke(app, ["carve", "--cluster", "inprocess", "--out", str(out), "--summary-out", str(summ)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output, out, summ


@pytest.fixture(scope="session", autouse=True)
def _private_plan_store(tmp_path_factory):
    """Point the plan store at a temp SQLite file so no test (nor the e2e server) writes to the user's data dir
    or to a real database named by the developer's own DATABASE_URL.

    Tests that need their own store set DATABASE_URL again with monkeypatch.
    """
    import os

    old = os.environ.get("DATABASE_URL")
    url = f"sqlite:///{tmp_path_factory.mktemp('plan_store') / 'plans.sqlite'}"
    os.environ["DATABASE_URL"] = url
    # tests start from an empty store; the sample draft seeding is tested on its own (tests/test_sample_proposal.py)
    os.environ.setdefault("PLANNER_SAMPLE_PROPOSAL", "0")
    # no local Dask cluster started in the background by the Carve page (jobs.engine.prestart_local): every test
    # process and e2e server would start worker processes of its own; the tests that want one start it
    os.environ.setdefault("PLANNER_PRESTART_CLUSTER", "0")
    try:
        yield url
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old


def test_store(tmp_path, monkeypatch):
    """A fresh SQLite plan store in ``tmp_path``, also the one the pages open (DATABASE_URL)."""
    from planning.plans import PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return PlanStore(url)


test_store.__test__ = False  # a helper, not a test


def store_with_users(tmp_path, monkeypatch, *users):
    """:func:`test_store` holding ``users`` (each a :class:`planning.access.User`: its email, role, name and team),
    added by the local admin as ``python -m planning users add EMAIL --role ROLE`` would, so the CLI's ``--as EMAIL``
    and the pages' signed-in user resolve to them."""
    from planning.access import Role, User
    from planning.access.directory import add_user

    store = test_store(tmp_path, monkeypatch)
    admin = User("root@localhost", "root", Role.ADMIN, source="local")
    for u in users:
        add_user(store, admin, u.email, u.role.value, name=u.name, manager_id=u.manager_id)
    return store


def proposal(sample, name: str = "Prop", n: int = 400, step: int = 7):
    """Today's plan with its first ``n`` assigned accounts moved round the territories ``step`` apart."""
    cur = sample.current_plan()
    terrs = list(cur.territories.index)
    ids = cur.assignment.dropna().index[:n]
    return cur.with_moves({x: terrs[(i * step) % len(terrs)] for i, x in enumerate(ids)}, name=name)


@pytest.fixture(scope="session", autouse=True)
def _no_page_preload_in_the_test_process():
    """No page preload thread inside the test process.

    AppTest runs a page with a Streamlit runtime present, so the first page run of each test process used to start
    the preload (ui.page_preload.start_once, once per process): a thread that goes on filling the shared caches
    behind later tests, making their call counts depend on timing.  Holding its once-per-process lock keeps it from
    starting here; the servers the e2e tests start keep their own preload, and tests/test_page_preload.py checks the
    preload with a lock of its own."""
    from ui import page_preload

    page_preload._started.acquire(blocking=False)
    yield
