"""An uploaded file's parse, kept on disk from the mapping review's read to the load, so a file is parsed once.

The Data page reads each file twice: once for the mapping review (:func:`planning.data.uploads.preview_upload`),
then again when the user presses Load (:func:`planning.data.uploads.load_upload`), each time in a fresh upload
worker process.  Parsing is ~40% of a 250,000-row load (3 s of CPU for a 42 MB CSV); the parsed
:class:`~planning.data.files.RawTable` pickles in a few tenths of a second and reads back in a few hundredths.  So
the review's read keeps its parse here and the load reads it back instead of parsing again.

* The key is a hash of the file's name and bytes, the reading code (``files.py``) and the pandas version: a file
  whose bytes changed, a different file under the same name, or an upgrade never finds a stale parse.
* The cache is bounded: at most :attr:`ParsedUploads.keep_files` parses and :attr:`ParsedUploads.keep_mb` on disk,
  each kept for :attr:`ParsedUploads.keep_s` seconds (the user's data does not linger); the oldest go first.
* It lives in the user's own cache folder (written by this program only, as the validated sample is), never in the
  shared temporary folder, since a pickle is code to whoever can write it.
* Writes are atomic (a temporary file, then a rename); an unreadable or corrupt entry is a miss and is removed.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from planning.data.disk_cache import cache_dir
from planning.data.files import RawTable

_SUFFIX = ".parsed.pickle"
_MB = 1024 * 1024


@functools.cache
def _reader_digest() -> bytes:
    """What a parse depends on besides the file: the reading code and the pandas version."""
    h = hashlib.sha256(Path(__file__).with_name("files.py").read_bytes())
    h.update(metadata.version("pandas").encode())
    return h.digest()


def parse_key(name: str, data: bytes) -> str:
    """The key of ``data`` read as ``name`` (the name decides the format and is in every message)."""
    h = hashlib.sha256(_reader_digest())
    h.update(f"\0{name}\0{len(data)}\0".encode())
    h.update(data)
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class ParsedUploads:
    """Parsed uploads in ``folder`` (a picklable handle: the upload worker gets it with each task)."""

    folder: Path
    keep_files: int = 8  # a few users' uploads of up to five files each
    keep_mb: float = 800.0  # a 250,000-row export's parse is ~80 MB
    keep_s: float = 3600.0  # time from the review's read to the load; then the user's data is deleted

    def _path(self, name: str, data: bytes) -> Path:
        return self.folder / f"{parse_key(name, data)}{_SUFFIX}"

    def get(self, name: str, data: bytes) -> RawTable | None:
        """The kept parse of ``data`` read as ``name``, or None (never kept, expired, or unreadable)."""
        path = self._path(name, data)
        try:
            if time.time() - path.stat().st_mtime > self.keep_s:
                path.unlink()
                return None
            with path.open("rb") as f:
                raw = pickle.load(f)
            os.utime(path)  # used: the last to be evicted
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - corrupt or from another version: a miss, and gone
            path.unlink(missing_ok=True)
            return None
        return raw if isinstance(raw, RawTable) else None

    def put(self, name: str, data: bytes, raw: RawTable) -> None:
        """Keep ``raw`` as the parse of ``data`` read as ``name``, then drop what is over the bounds.  A folder
        that cannot be written keeps nothing (the load parses again)."""
        path = self._path(name, data)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tmp.open("wb") as f:
                pickle.dump(raw, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            return
        self.prune()

    def prune(self) -> None:
        """Delete expired parses, then the oldest until at most ``keep_files`` and ``keep_mb`` remain."""
        entries = []
        for path in self.folder.glob(f"*{_SUFFIX}"):
            try:
                st = path.stat()
            except OSError:
                continue
            if time.time() - st.st_mtime > self.keep_s:
                path.unlink(missing_ok=True)
            else:
                entries.append((st.st_mtime, st.st_size, path))
        entries.sort(reverse=True)  # newest first: kept while within the bounds
        total = 0
        for i, (_, size, path) in enumerate(entries):
            total += size
            if i >= self.keep_files or total > self.keep_mb * _MB:
                path.unlink(missing_ok=True)


def default_parsed_uploads() -> ParsedUploads | None:
    """The planner's parsed uploads in the user's cache folder, or None where there is no such folder."""
    folder = cache_dir()
    return ParsedUploads(folder / "parsed-uploads") if folder is not None else None
