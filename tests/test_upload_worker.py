"""Uploads (issue 27): a file over the row limit is refused before it is parsed, and an accepted one is read and
validated in a separate process, so a big file does not hold the server's interpreter.

The cheap counts are checked on hand-made files at the limit and one row over it (a limit of 5 rows): CSV with
quoted line breaks, blank lines, CRLF and UTF-16; Excel by its sheet dimension; Parquet by its metadata."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from planning.access import AccessDenied, Role, User
from planning.data import uploads
from planning.data.uploads import (FilePreview, UploadLimits, UploadTooLarge, count_rows, load_upload, precheck,
                                   preview_upload)

ROOT = Path(__file__).resolve().parents[1]
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
VIEW = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")
LIMIT = UploadLimits(max_mb=1, max_rows=5)


@pytest.fixture(autouse=True)
def _parses_kept_apart(tmp_path_factory, monkeypatch):
    """The worker keeps previews' parses in a folder of the test's own, not the user's cache."""
    from jobs import upload_worker
    from planning.data.parsed_uploads import ParsedUploads

    parsed = ParsedUploads(tmp_path_factory.mktemp("parsed"))
    monkeypatch.setattr(upload_worker, "parsed_uploads", lambda: parsed)


def _head(name: str, rows: int) -> bytes:
    lines = (ROOT / "sample_data" / name).read_bytes().splitlines(keepends=True)
    return b"".join(lines[: rows + 1])


def _csv(rows: int, *, eol: str = "\n", quoted_break: bool = False, blank_lines: int = 0) -> bytes:
    """``rows`` data rows under a header; optionally each note holds a quoted line break, and blank lines
    (empty and separator-only) sit between the rows."""
    out = ["account_id,name,note"]
    for i in range(rows):
        note = f'"line one{eol}line two, with ""quotes"""' if quoted_break else "plain"
        out.append(f"A-{i:03d},Account {i},{note}")
        if i < blank_lines:
            out.append("" if i % 2 == 0 else ",,")
    return (eol.join(out) + eol).encode()


def _xlsx(rows: int) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"account_id": [f"A-{i}" for i in range(rows)], "arr_usd": range(rows)}).to_excel(buf, index=False)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["plain", "crlf", "quoted line breaks", "blank lines", "no final newline"])
def test_csv_rows_are_counted_on_the_bytes_at_the_limit_and_one_over(kind):
    make = {"plain": lambda n: _csv(n), "crlf": lambda n: _csv(n, eol="\r\n"),
            "quoted line breaks": lambda n: _csv(n, quoted_break=True),
            "blank lines": lambda n: _csv(n, blank_lines=4),
            "no final newline": lambda n: _csv(n).rstrip(b"\n")}[kind]
    at, over = make(5), make(6)
    assert count_rows("a.csv", at) == 5 and count_rows("a.csv", over) == 6
    assert len(pd.read_csv(io.BytesIO(over), dtype=str).dropna(how="all")) == 6  # what a parser finds too
    assert precheck("a.csv", at, LIMIT) == 5
    with pytest.raises(UploadTooLarge, match=r"^a.csv: the file has 6 rows; an upload may have at most 5 rows per "
                                             r"file \(setting planning.upload_max_rows\)"):
        precheck("a.csv", over, LIMIT)


def test_utf16_and_semicolon_files_are_counted_too():
    text = "account_id;name\r\n" + "".join(f"A-{i};Konto {i}\r\n" for i in range(6))
    data = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
    assert data[:2] == b"\xff\xfe" and count_rows("konten.csv", data) == 6
    with pytest.raises(UploadTooLarge, match="konten.csv: the file has 6 rows"):
        precheck("konten.csv", data, LIMIT)


def test_excel_and_parquet_are_counted_from_what_the_file_records():
    assert count_rows("a.xlsx", _xlsx(5)) == 5 and count_rows("a.xlsx", _xlsx(6)) == 6
    with pytest.raises(UploadTooLarge, match=r"^big.xlsx: the file has 6 rows; an upload may have at most 5 rows"):
        precheck("big.xlsx", _xlsx(6), LIMIT)
    buf = io.BytesIO()
    pd.DataFrame({"account_id": [f"A-{i}" for i in range(6)]}).to_parquet(buf)
    assert count_rows("a.parquet", buf.getvalue()) == 6
    assert count_rows("broken.xlsx", b"not a workbook") is None  # the reader says why, with the file's name


def test_a_file_over_the_row_limit_is_refused_without_being_parsed(monkeypatch):
    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a file that the row count already refuses")

    monkeypatch.setattr(uploads, "read_table", no_parse)
    files = {"accounts": ("accounts.csv", _head("accounts.csv", 6)), "reps": ("reps.csv", _head("reps.csv", 3))}
    with pytest.raises(UploadTooLarge, match="accounts.csv: the file has 6 rows"):
        load_upload(OPS, files, limits=LIMIT)
    with pytest.raises(UploadTooLarge, match="accounts.csv: the file has 6 rows"):
        preview_upload("accounts.csv", _head("accounts.csv", 6), LIMIT)


def test_the_count_after_parsing_stays_as_a_backstop():
    """A stray quote makes the cheap count low (quotes that pair up across lines); the parsed count still refuses."""
    data = b'account_id,name\nA-1,5" screen\nA-2,x\nA-3,y\nA-4,z\nA-5,w\nA-6,17" screen\n'
    assert count_rows("a.csv", data) < 6
    with pytest.raises(UploadTooLarge, match="a.csv: the file has 6 rows"):
        preview_upload("a.csv", data, LIMIT)


def test_the_preview_keeps_columns_rows_and_short_value_lists():
    reps = _head("reps.csv", 61)
    p = preview_upload("reps.csv", reps, UploadLimits())
    raw = pd.read_csv(io.BytesIO(reps), dtype=str, keep_default_na=False)
    assert isinstance(p, FilePreview) and p.file == "reps.csv" and p.rows == 61 == len(raw)
    assert p.columns == list(raw.columns)
    titles = p.column("role")
    assert sorted(titles) == sorted(raw["role"][raw["role"] != ""])
    assert p.values["role"].sum() == (raw["role"] != "").sum()


# -- the worker process ------------------------------------------------------------------------------------------
def test_the_load_runs_in_another_process_and_keeps_rows_read_equal_loaded_plus_rejected(monkeypatch):
    from jobs import upload_worker

    monkeypatch.setattr(uploads, "read_table", lambda *a, **k: (_ for _ in ()).throw(AssertionError("in-process")))
    accounts = _head("accounts.csv", 120) + (b",Nameless Co,SMB,Software,44406,OH,41.0,-80.7,Central,100.0,200.0,10,"
                                              b"1000.0,,0.0,R-025,FALSE,,x.com,2026-08-17\n")  # no id: rejected
    files = {"accounts": ("accounts.csv", accounts), "reps": ("reps.csv", _head("reps.csv", 61))}
    ds = upload_worker.load(OPS, files, {}, None, UploadLimits(), "2026-12-01")  # the patch above is not there
    t = ds.report.tables["accounts"]
    assert (t.n_input, len(t.clean), len(t.rejects)) == (121, 120, 1) and t.n_input == len(t.clean) + len(t.rejects)
    assert ds.name == "accounts.csv" and len(ds.reps) == 61 and str(ds.as_of.date()) == "2026-12-01"
    p = upload_worker.preview("reps.csv", _head("reps.csv", 61), UploadLimits())
    assert p.rows == 61


def test_the_workers_failures_are_plain_messages_and_it_recovers():
    from jobs import upload_worker

    no_id = b"name,segment\nAcme,SMB\n"
    files = {"accounts": ("accounts.csv", no_id), "reps": ("reps.csv", _head("reps.csv", 61))}
    with pytest.raises(upload_worker.UploadFailed) as exc:
        upload_worker.load(OPS, files, {}, None, UploadLimits(), "2026-12-01")
    assert "accounts.csv" in str(exc.value) and "account_id" in str(exc.value)
    assert "Traceback" not in str(exc.value)
    with pytest.raises(AccessDenied, match="may not change plans"):
        upload_worker.load(VIEW, files, {}, None, UploadLimits(), "2026-12-01")
    with pytest.raises(upload_worker.UploadFailed, match=r"^the loading process stopped before it finished"):
        upload_worker._call(os._exit, 3)  # the worker dies (as when the system kills it for memory)
    assert upload_worker.preview("reps.csv", _head("reps.csv", 61), UploadLimits()).rows == 61  # a fresh worker


def test_the_worker_does_not_run_the_servers_main_script(tmp_path, monkeypatch):
    """Streamlit installs the page being run as ``__main__``; a child that re-ran it would run the app (and die)."""
    import sys
    import types

    from jobs import upload_worker

    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(1)\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    assert upload_worker.preview("reps.csv", _head("reps.csv", 61), UploadLimits()).rows == 61
    assert not marker.exists()


def test_the_worker_runs_below_the_servers_cpu_priority():
    import os

    from jobs import upload_worker

    outcome = upload_worker._executor().submit(upload_worker._run, os.nice, 0).result(timeout=120)
    assert outcome.value >= upload_worker.WORKER_NICE > os.nice(0)  # the server (this process) is not changed


def test_previews_asked_at_once_all_finish():
    """Two reruns of a session (the second file chosen while the first was read) ask the worker at once. The pool's
    worker exits after each task, and CPython 3.11's pool can strand work queued as it exits (gh-115634): the worker
    takes one task at a time, and every preview finishes."""
    from concurrent.futures import ThreadPoolExecutor

    from jobs import upload_worker

    reps = _head("reps.csv", 61)
    with ThreadPoolExecutor(4) as threads:
        asked = [threads.submit(upload_worker.preview, "reps.csv", reps, UploadLimits()) for _ in range(4)]
        assert [f.result(timeout=120).rows for f in asked] == [61] * 4


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_a_big_task_runs_only_on_a_core_nobody_else_wants():
    """From IDLE_FROM_MB of input on, the worker takes the SCHED_IDLE policy (and nice 10); a small task keeps the
    normal policy at nice 10, so it is not left waiting on a busy machine."""
    from jobs import upload_worker

    pool = upload_worker._executor()
    big = pool.submit(upload_worker._run, os.sched_getscheduler, 0, idle=True).result(timeout=120)
    small = pool.submit(upload_worker._run, os.sched_getscheduler, 0, idle=False).result(timeout=120)
    assert (big.value, small.value) == (os.SCHED_IDLE, os.SCHED_OTHER)
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the server (this process) is not changed
    mb = int(upload_worker.IDLE_FROM_MB * 1024 * 1024)
    assert upload_worker._big(mb - 1, 1) and not upload_worker._big(mb - 1)


def test_a_loaded_dataset_comes_back_read_only_through_a_file_that_is_then_removed(monkeypatch):
    """The worker pickles a Dataset to a temporary file (not the pool's pipe) and makes it shareable; the server
    reads it once and deletes the file."""
    from jobs import upload_worker
    from planning.data.read_only import is_read_only

    read = []
    real = upload_worker._read_back

    def spy(path):
        read.append((path, Path(path).is_file()))
        return real(path)

    monkeypatch.setattr(upload_worker, "_read_back", spy)
    files = {"accounts": ("accounts.csv", _head("accounts.csv", 200)), "reps": ("reps.csv", _head("reps.csv", 61))}
    ds = upload_worker.load(OPS, files, {}, None, UploadLimits(), "2026-12-01")
    assert is_read_only(ds.accounts) and len(ds.accounts) + len(ds.report.rejects_frame()) == 200
    [(path, existed)] = read
    assert existed and Path(path).name.startswith("planner-upload-") and not Path(path).exists()
    assert upload_worker.preview("reps.csv", _head("reps.csv", 61), UploadLimits()).rows == 61  # by the pipe
    assert len(read) == 1


def test_a_handover_file_nobody_read_is_deleted_once_it_is_older_than_any_load(tmp_path, monkeypatch):
    """A load abandoned after the worker wrote its file leaves it behind; the next call deletes it once it is older
    than the longest a load may take, and leaves a fresh one (another server's, about to be read) alone."""
    import tempfile
    import time

    from jobs import upload_worker

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the server's side of the sweep looks here
    old, fresh = tmp_path / "planner-upload-old.pickle", tmp_path / "planner-upload-fresh.pickle"
    other = tmp_path / "someone-else.pickle"
    for f in (old, fresh, other):
        f.write_bytes(b"x")
    stale = time.time() - upload_worker.TIMEOUT_S - 60
    os.utime(old, (stale, stale))
    os.utime(other, (stale, stale))
    assert upload_worker.preview("reps.csv", _head("reps.csv", 61), UploadLimits()).rows == 61
    assert sorted(f.name for f in tmp_path.iterdir()) == ["planner-upload-fresh.pickle", "someone-else.pickle"]


# -- a file is parsed once: the preview keeps its parse for the load ---------------------------------------------
def _counting_reads(monkeypatch) -> list[str]:
    """Every parse :mod:`planning.data.uploads` does, by file name."""
    read = []
    real = uploads.read_table

    def spy(data, name):
        read.append(name)
        return real(data, name)

    monkeypatch.setattr(uploads, "read_table", spy)
    return read


def test_the_load_after_a_preview_reads_the_kept_parse_and_a_changed_file_is_parsed_again(tmp_path, monkeypatch):
    from planning.data.parsed_uploads import ParsedUploads

    parsed = ParsedUploads(tmp_path / "parsed")
    read = _counting_reads(monkeypatch)
    accounts, reps = _head("accounts.csv", 40), _head("reps.csv", 61)
    for name, data in (("accounts.csv", accounts), ("reps.csv", reps)):
        preview_upload(name, data, UploadLimits(), parsed)
    assert read == ["accounts.csv", "reps.csv"] and len(list((tmp_path / "parsed").iterdir())) == 2
    files = {"accounts": ("accounts.csv", accounts), "reps": ("reps.csv", reps)}
    ds = load_upload(OPS, files, limits=UploadLimits(), as_of="2026-12-01", parsed=parsed)
    assert read == ["accounts.csv", "reps.csv"]  # nothing parsed again
    fresh = load_upload(OPS, files, limits=UploadLimits(), as_of="2026-12-01")  # no kept parse: read both
    assert read[2:] == ["accounts.csv", "reps.csv"]
    pd.testing.assert_frame_equal(ds.accounts, fresh.accounts)
    assert ds.report.tables["accounts"].n_input == fresh.report.tables["accounts"].n_input == 40

    changed = _head("accounts.csv", 41)  # the same name, other bytes: never the stale parse
    files["accounts"] = ("accounts.csv", changed)
    ds = load_upload(OPS, files, limits=UploadLimits(), as_of="2026-12-01", parsed=parsed)
    assert read[4:] == ["accounts.csv"] and len(ds.accounts) + len(ds.report.rejects_frame()) == 41
    assert ParsedUploads(tmp_path / "parsed").get("accounts.txt", accounts) is None  # another name: another parse


def test_kept_parses_are_bounded_expire_and_survive_no_corruption(tmp_path):
    import time

    from planning.data.files import read_table
    from planning.data.parsed_uploads import ParsedUploads

    parsed = ParsedUploads(tmp_path, keep_files=2, keep_s=60)
    datas = [_csv(n) for n in (1, 2, 3)]
    for i, data in enumerate(datas):
        parsed.put("a.csv", data, read_table(data, "a.csv"))
        os.utime(parsed._path("a.csv", data), (time.time() - 30 + i, time.time() - 30 + i))
    parsed.prune()
    assert parsed.get("a.csv", datas[0]) is None  # the oldest of three went
    assert len(parsed.get("a.csv", datas[2]).frame) == 3 and len(list(tmp_path.iterdir())) == 2
    old = time.time() - 120
    os.utime(parsed._path("a.csv", datas[1]), (old, old))
    assert parsed.get("a.csv", datas[1]) is None and not parsed._path("a.csv", datas[1]).exists()  # expired
    parsed._path("a.csv", datas[2]).write_bytes(b"not a pickle")
    assert parsed.get("a.csv", datas[2]) is None and not list(tmp_path.iterdir())  # a miss, and removed


def test_the_worker_keeps_the_previews_parse_for_the_load(tmp_path, monkeypatch):
    """Through the worker process: the preview leaves one parse per file in the folder the server hands it; the
    load of the same bytes finds them (each is touched when read)."""
    import time

    from jobs import upload_worker
    from planning.data.parsed_uploads import ParsedUploads

    parsed = ParsedUploads(tmp_path)
    monkeypatch.setattr(upload_worker, "parsed_uploads", lambda: parsed)
    accounts, reps = _head("accounts.csv", 40), _head("reps.csv", 61)
    assert upload_worker.preview("accounts.csv", accounts, UploadLimits()).rows == 40
    assert upload_worker.preview("reps.csv", reps, UploadLimits()).rows == 61
    kept = [parsed._path("accounts.csv", accounts), parsed._path("reps.csv", reps)]
    assert all(p.is_file() for p in kept) and len(list(tmp_path.iterdir())) == 2
    old = time.time() - 100
    for p in kept:
        os.utime(p, (old, old))
    files = {"accounts": ("accounts.csv", accounts), "reps": ("reps.csv", reps)}
    ds = upload_worker.load(OPS, files, {}, None, UploadLimits(), "2026-12-01")
    assert len(ds.reps) == 61 and all(p.stat().st_mtime > old + 50 for p in kept)


class _GcProbe:
    """Unpickled, it notes whether the garbage collector was on at that moment."""

    def __init__(self):
        self.gc_on = None  # some state, so unpickling calls __setstate__

    def __setstate__(self, state):
        import gc

        self.gc_on = gc.isenabled()


def test_the_handover_is_read_with_the_collector_paused_and_it_is_on_again_after(tmp_path):
    """Unpickling a big dataset must not set off collections on the way (each walks everything the server tracks,
    holding the interpreter other users' page runs wait for); the collector is on again afterwards, also when the
    read fails, and the file is gone either way."""
    import gc
    import pickle

    from jobs import upload_worker

    path = tmp_path / "planner-upload-x.pickle"
    path.write_bytes(pickle.dumps(_GcProbe()))
    assert gc.isenabled()
    assert upload_worker._read_back(str(path)).gc_on is False
    assert gc.isenabled() and not path.exists()
    path.write_bytes(b"not a pickle")
    with pytest.raises(pickle.UnpicklingError):
        upload_worker._read_back(str(path))
    assert gc.isenabled() and not path.exists()
