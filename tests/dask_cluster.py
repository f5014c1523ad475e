"""The one local Dask cluster of the tests (2 worker processes, as the jobs layer starts it), shared by the runner
conformance test and the cluster tests: ``from tests.dask_cluster import dask_client`` makes it a fixture of the
module.  Modules that use it also mark themselves ``xdist_group("dask_cluster")`` so one pytest worker owns it."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from optimizers.carve.model import Cancelled


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("distributed")
    from jobs.engine import LOCAL, EngineSettings, client_for, shutdown

    client = client_for(LOCAL, EngineSettings(workers=2))
    yield client
    shutdown()


def slow_item(x: int, should_stop=None, started_dir: str = "") -> int:
    """A runner item of 0.2 s that marks its start with a file in ``started_dir`` (the workers are other processes;
    they import this module by its name, tests.dask_cluster) and stops early when told."""
    Path(started_dir, str(x)).touch()
    for _ in range(20):
        if should_stop is not None and should_stop():
            raise Cancelled()
        time.sleep(0.01)
    return x


def rows_given(key, shared=None) -> tuple[int, int]:
    """A runner item reading the (accounts, reps) the runner shares under ``key`` → their row counts."""
    accounts, reps = shared[key]
    return len(accounts), len(reps)


def three_part_instance():
    """(accounts, reps, settings) of the carve both modules run on the cluster and in process: 1,200 accounts, 18
    reps in three segments (three parts), potential ±10% and accounts ±15%."""
    from optimizers.carve import CarveSettings
    from optimizers.instances.companies import make_instance

    acc, reps = make_instance(1200, 18, seed=3, segments=("Enterprise", "Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.1, "accounts": 0.15},
                       time_limit=120)
    return acc, reps, cs
