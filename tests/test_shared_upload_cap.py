"""The server keeps at most ``ui.state.SHARED_UPLOADS`` loaded uploads for every session to share (issue 27: memory
per session bounded): a fifth distinct upload pushes out the one used longest ago, which is then loaded again
when someone asks for it, while the most recent ones are still served from memory."""
from __future__ import annotations


def test_a_fifth_distinct_upload_pushes_out_the_oldest(monkeypatch, sample):
    from jobs import upload_worker
    from ui import state

    loads: list[str] = []

    def fake_load(user, files, mappings, settings, limits, as_of):  # stands in for the worker process
        loads.append(files["accounts"][0])
        return sample

    monkeypatch.setattr(upload_worker, "load", fake_load)
    state._shared_upload.clear()
    try:
        def ask(n: int):
            name = f"accounts_{n}.csv"
            return state._shared_upload(f"key-{n}", None, {"accounts": (name, b"")}, {}, None, None, "2026-12-03")

        assert state.SHARED_UPLOADS == 4
        first = ask(1)
        assert ask(1) is first  # the same upload again (another tab): served from memory, not loaded twice
        for n in (2, 3, 4, 5):
            ask(n)
        assert loads == [f"accounts_{n}.csv" for n in (1, 2, 3, 4, 5)]
        ask(5)  # the newest is still held
        assert len(loads) == 5
        ask(1)  # the oldest was pushed out by the fifth: loaded again
        assert loads[-1] == "accounts_1.csv" and len(loads) == 6
    finally:
        state._shared_upload.clear()

