"""The web server's idle rule (ui.server_quiet): a quiet spell counts from the first look without a script run, any
run starts it again; the local Dask cluster the Carve page asks for starts only after such a spell of
CLUSTER_QUIET_S, never while a script runs."""
from __future__ import annotations

import threading
import time

import pytest

from ui import server_quiet


def test_a_spell_counts_from_the_first_look_without_a_run_and_a_run_starts_it_again():
    spell = server_quiet.QuietSpell(1.0)
    assert not spell.look(True, 10.0)
    assert not spell.look(False, 10.2)  # the spell starts here (the run ended some time since 10.0)
    assert not spell.look(False, 11.1)  # 0.9 s
    assert not spell.look(True, 11.15)  # a click: a page is being drawn
    assert not spell.look(False, 11.3)
    assert not spell.look(False, 12.25)  # 0.95 s of the new spell
    assert spell.look(False, 12.3)  # 1.0 s without a run


def test_wait_for_quiet_looks_until_the_spell_is_long_enough():
    now = [0.0]
    runs = iter([True] * 4 + [False] * 3 + [True] + [False] * 100)  # a run, a short gap, another run, then none
    looks = []

    def running():
        looks.append(now[0])
        return next(runs)

    server_quiet.wait_for_quiet(0.5, running, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s),
                                poll_s=0.125)
    # the last run was seen at 0.875 s; the spell starts at the look after it (1.0 s) and is 0.5 s long at 1.5 s
    assert now[0] == 1.5
    assert len(looks) == 13


@pytest.fixture
def cluster_starts(monkeypatch):
    """The cluster's start as the engine calls it, recorded instead of started (with its time), on a fresh
    once-per-process state, with a short spell and no page preload running."""
    from jobs import engine
    from ui import page_preload

    started: list[float] = []
    monkeypatch.setenv(engine.ENV_PRESTART, "1")
    for var in (engine.ENV_CLUSTER, engine.ENV_DASK_ADDRESS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(engine, "_prestart", threading.Event())
    monkeypatch.setattr(engine, "local_ready", lambda: False)
    monkeypatch.setattr(engine, "dask_available", lambda: True)
    monkeypatch.setattr(engine, "client_for", lambda kind, es=None: started.append(time.monotonic()))
    monkeypatch.setattr(page_preload, "_running", [])
    monkeypatch.setattr(server_quiet, "CLUSTER_QUIET_S", 0.3)
    return started


def test_the_cluster_starts_only_after_a_quiet_spell_never_while_a_script_runs(cluster_starts):
    stop = threading.Event()
    run = threading.Thread(target=stop.wait, name=server_quiet.SCRIPT_THREAD, daemon=True)  # a page being drawn
    run.start()
    assert server_quiet.start_cluster_when_quiet()
    assert server_quiet.start_cluster_when_quiet()  # asked once per process: no second waiter
    time.sleep(0.6)
    assert cluster_starts == []  # longer than the spell, but a script run is going on
    stop.set()
    run.join()
    ended = time.monotonic()
    deadline = ended + 5
    while not cluster_starts and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(cluster_starts) == 1
    assert cluster_starts[0] - ended >= 0.3 - server_quiet.POLL_S  # a whole spell after the run, less one look
    time.sleep(0.2)
    assert len(cluster_starts) == 1


def test_the_cluster_waits_for_the_page_preload_to_end(cluster_starts, monkeypatch):
    from ui import page_preload

    done = threading.Event()
    preload = threading.Thread(target=done.wait, daemon=True)
    preload.start()
    monkeypatch.setattr(page_preload, "_running", [preload])
    assert server_quiet.start_cluster_when_quiet()
    time.sleep(0.6)
    assert cluster_starts == []  # quiet, but the preload still makes the next pages' entries
    done.set()
    deadline = time.monotonic() + 5
    while not cluster_starts and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(cluster_starts) == 1
