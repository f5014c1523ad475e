"""The validated demo company, kept on disk so a cold start neither reads nor validates the sample files.

Reading and validating the four sample CSVs costs about two seconds and imports pandera (one more second); a
fresh ``streamlit run`` pays that before the Data page can draw anything.  The validated :class:`Dataset` is
pickled once into the user's cache folder and read back in tens of milliseconds by later processes.

The key covers everything the result depends on: the bytes of the sample files, the source of the modules that
read and validate them, and the pandas, numpy, zipcodes and Python versions.  Any change builds a new entry, so
a stale cache is never read.  The cache is the user's own folder, written by this program only.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planning.data.dataset import Dataset

_CODE = [p for p in sorted(Path(__file__).resolve().parent.glob("*.py"))] + \
    [Path(__file__).resolve().parents[1] / "plans" / "plan.py"]


def sample_key(sample_dir: Path) -> str:
    """A digest of the sample files, the reading and validation code, and the library versions."""
    h = hashlib.sha256()
    for path in sorted(sample_dir.glob("*.csv")) + [sample_dir / "meta.json"] + _CODE:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for dist in ("pandas", "numpy", "zipcodes"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(dist.encode())
    h.update(platform.python_version().encode())
    return h.hexdigest()[:20]


def cache_path(sample_dir: Path) -> Path | None:
    """Where the validated sample is kept, or None when there is no user cache folder."""
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("territory-planner")) / f"sample-{sample_key(sample_dir)}.pickle"
    except Exception:  # noqa: BLE001 - no home folder: work without a cache
        return None


def cached_sample(sample_dir: Path, build: Callable[[], Dataset]) -> Dataset:
    """The cached validated sample when there is one, else ``build()``, saved for the next process."""
    path = cache_path(sample_dir)
    if path is not None and path.exists():
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except Exception:  # noqa: BLE001 - a corrupt or incompatible entry is rebuilt below
            pass
    ds = build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(ds, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: concurrent processes never read a half-written file
        except OSError:
            pass
    return ds
