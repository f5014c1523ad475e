"""Work kept on disk in the user's cache folder: built once, read back by later processes.

The ZIP table, the city table, the county and state boundaries and the validated sample all go through
:func:`through_cache`.  A file name carries what its content depends on (a package version, a file hash), so an
upgrade builds a new file and a stale one is never read.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

APP_NAME = "territory-planner"  # the folder name in the user's cache and data directories


def cache_dir() -> Path | None:
    """The planner's folder in the user's cache directory, or None when there is none (no writable home)."""
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir(APP_NAME))
    except Exception:  # noqa: BLE001 - no writable home: work without a cache
        return None


def through_cache(filename: str, read: Callable[[Path], T], build: Callable[[], T],
                  write: Callable[[T, Path], None]) -> T:
    """``read`` the cached ``filename`` when it is there, else ``build()`` and ``write`` it for the next process.

    A corrupt or unreadable file is rebuilt; the write is atomic (a temp file, then a rename), so concurrent
    processes and threads never read a half-written file; a cache that cannot be written is skipped.
    """
    folder = cache_dir()
    path = folder / filename if folder is not None else None
    if path is not None and path.exists():
        try:
            return read(path)
        except Exception:  # noqa: BLE001 - rebuilt below
            pass
    value = build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.parent / f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
            write(value, tmp)
            os.replace(tmp, path)
        except OSError:
            pass
    return value
