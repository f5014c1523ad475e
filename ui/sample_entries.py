"""Page entries for the sample company kept on disk, so a fresh server process draws its first page from them.

The sample company is what every first visitor sees, and a cold ``streamlit run`` used to spend seconds on the
Data page before its last chart: importing Altair, the health report and duplicate check, today's books and their
balance, building and validating the charts.  None of it changes until the sample files, the code or the libraries
do, so each entry (one section of a page, for one scope and one choice) is pickled once into the user's cache
folder (:mod:`planning.data.disk_cache`) and read back in milliseconds by later processes.

The file name carries everything the entry depends on: the sample files and the code that reads them
(:func:`planning.data.sample_cache.sample_key`), the source of the core packages an entry is computed with (data,
plans, reporting, access, compensation, capacity) and of every ``ui/`` module, and the versions of the libraries
that shape a table or a chart.  Any change builds new files; a stale one is never read.  Only the sample is kept:
an upload is the user's data and stays in memory (``st.cache_resource``)."""
from __future__ import annotations

import hashlib
import pickle
import re
import time
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from planning.data import disk_cache
from planning.data.disk_cache import through_cache

T = TypeVar("T")

SAMPLE = "sample"  # ui.state's version of the sample company
PREFIX = "page-"
_ROOT = Path(__file__).resolve().parents[1]
_LIBS = ("streamlit", "altair", "pandas", "numpy", "pyarrow")
# what an entry is made with: the core that computes it and the shell modules that shape and draw it
_CODE = ("planning", "planning/data", "planning/plans", "planning/reporting", "planning/access",
         "planning/compensation", "planning/capacity", "ui")
_PRUNE_AFTER_S = 3600  # files of other code versions older than this are removed when a new one is written
# the newest files kept of one section (page and name) of this code version: each choice a user makes on the sample
# (quota settings, comp plans, a scenario's edit) is a file, and a simulation's is ~2.7 MB
KEEP_PER_SECTION = 12
enabled = True  # tests switch the disk off to count what a cold process computes


@cache
def code_key() -> str:
    """A digest of the sample and of everything that shapes an entry (code under planning/ and ui/, libraries)."""
    from planning.data.dataset import SAMPLE_DIR
    from planning.data.sample_cache import sample_key

    h = hashlib.sha256(sample_key(SAMPLE_DIR).encode())
    for path in sorted(p for folder in _CODE for p in (_ROOT / folder).glob("*.py") if p.is_file()):
        h.update(str(path.relative_to(_ROOT)).encode())
        h.update(path.read_bytes())
    for dist in _LIBS:
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()[:16]


def scope_of(user) -> tuple[str, str | None]:
    """What an entry cut for ``user`` depends on: the role (which columns and figures they may see) and, for a
    manager, the team they lead (users with the same scope share an entry: every cache kept across sessions keys on it)."""
    return user.role.value, user.manager_id


def file_name(page: str, name: str, scope: tuple, choice: tuple = ()) -> str:
    """The entry's file: page, section, scope (role and team) and choice, readable and safe as a file name.

    The readable part replaces unsafe characters, so two scopes can read alike ("M-03" and "M_03"); a digest of the
    exact parts follows it, so an entry cut for one scope is never the file another scope reads."""
    parts = [page, name, *[str(s) for s in scope if s is not None], *[str(c) for c in choice]]
    slug = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", p) for p in parts)
    exact = hashlib.sha256(repr((page, name, tuple(scope), tuple(choice))).encode()).hexdigest()[:12]
    return f"{PREFIX}{code_key()}-{slug}-{exact}.pickle"


def kept(page: str, name: str, version: str, scope: tuple, choice: tuple, build: Callable[[], T]) -> T:
    """``build()``, or for the sample company its copy on disk (built and written by the first process)."""
    if version != SAMPLE or not enabled:
        return build()
    return through_cache(file_name(page, name, scope, choice), _read, build, _write)


def keep(page: str, name: str, version: str, scope: tuple, choice: tuple, value) -> None:
    """Write ``value`` as the sample's entry (made elsewhere: see :func:`peek`); nothing for an upload."""
    if version == SAMPLE and enabled:
        through_cache(file_name(page, name, scope, choice), _read, lambda: value, _write)


def peek(page: str, name: str, version: str, scope: tuple, choice: tuple = ()):
    """The sample's entry as an earlier process kept it on disk, or None when there is none (nothing is built: for
    work a page runs its own way when it is missing, e.g. a simulation with its progress bar)."""
    folder = disk_cache.cache_dir()  # looked up on each call: tests point it at a folder of their own
    if version != SAMPLE or not enabled or folder is None:
        return None
    path = folder / file_name(page, name, scope, choice)
    try:
        return _read(path) if path.exists() else None
    except Exception:  # noqa: BLE001 - unreadable: the page makes it again (and kept() writes it anew)
        return None


def _read(path: Path):
    with path.open("rb") as f:
        return pickle.load(f)  # noqa: S301 - the user's own cache folder, written by this program only


def _write(value, path: Path) -> None:
    with path.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    _prune(path.parent)


def _prune(folder: Path) -> None:
    """Remove entries of other code versions that nobody has written for an hour (an edit or upgrade leaves them),
    and of this version all but the :data:`KEEP_PER_SECTION` newest of each section."""
    current = f"{PREFIX}{code_key()}-"
    now = time.time()
    sections: dict[str, list[tuple[float, Path]]] = {}
    for old in folder.glob(f"{PREFIX}*.pickle"):
        try:
            mtime = old.stat().st_mtime
            if not old.name.startswith(current):
                if now - mtime > _PRUNE_AFTER_S:
                    old.unlink()
                continue
            section = "-".join(old.name[len(current):].split("-")[:2])  # page and name (file_name's first parts)
            sections.setdefault(section, []).append((mtime, old))
        except OSError:
            pass
    for files in sections.values():
        for _mtime, old in sorted(files, reverse=True)[KEEP_PER_SECTION:]:
            try:
                old.unlink()
            except OSError:
                pass
