"""The sample's page entries on disk (ui.sample_entries): read back by name, peeked without building, written only
for the sample, and bounded: each section keeps its newest files, other code versions' go after an hour."""
from __future__ import annotations

import os
import time

import pytest

from ui import sample_entries


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    from planning.data import disk_cache

    sample_entries.code_key()  # its modules imported first: planning.data.sample_cache binds the real cache_dir
    monkeypatch.setattr(disk_cache, "cache_dir", lambda: tmp_path)
    return tmp_path


def test_kept_builds_once_and_peek_reads_without_building(folder):
    built = []
    first = sample_entries.kept("quota", "quotas", "sample", ("admin", None), ("a",), lambda: built.append(1) or 42)
    again = sample_entries.kept("quota", "quotas", "sample", ("admin", None), ("a",), lambda: built.append(1) or 0)
    assert first == again == 42 and built == [1]
    assert sample_entries.peek("quota", "quotas", "sample", ("admin", None), ("a",)) == 42
    assert sample_entries.peek("quota", "quotas", "sample", ("manager", "M-03"), ("a",)) is None  # another scope
    assert sample_entries.peek("quota", "quotas", "sample", ("admin", None), ("b",)) is None  # another choice


def test_an_upload_is_neither_written_nor_read(folder):
    sample_entries.keep("quota", "simulation", "upload-1", ("admin", None), ("k",), 7)
    assert list(folder.iterdir()) == []
    assert sample_entries.peek("quota", "simulation", "upload-1", ("admin", None), ("k",)) is None


def test_each_section_keeps_its_newest_files(folder):
    n = sample_entries.KEEP_PER_SECTION
    for i in range(n + 3):
        sample_entries.keep("quota", "simulation", "sample", ("admin", None), (f"k{i}",), i)
        path = folder / sample_entries.file_name("quota", "simulation", ("admin", None), (f"k{i}",))
        os.utime(path, (time.time() - 100 + i, time.time() - 100 + i))  # written one after another
    sample_entries.keep("quota", "payouts", "sample", (), ("p",), "other section")
    left = [i for i in range(n + 3)
            if sample_entries.peek("quota", "simulation", "sample", ("admin", None), (f"k{i}",)) is not None]
    assert left == list(range(3, n + 3))  # the oldest three removed
    assert sample_entries.peek("quota", "payouts", "sample", (), ("p",)) == "other section"


def test_a_code_change_reads_nothing_of_the_old_code(folder, monkeypatch):
    sample_entries.keep("capacity", "overview", "sample", ("admin", None), ("s",), "old")
    monkeypatch.setattr(sample_entries, "code_key", lambda: "0123456789abcdef")
    assert sample_entries.peek("capacity", "overview", "sample", ("admin", None), ("s",)) is None
    assert sample_entries.kept("capacity", "overview", "sample", ("admin", None), ("s",), lambda: "new") == "new"
