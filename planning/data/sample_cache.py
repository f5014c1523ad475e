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
import pickle
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from planning.data.disk_cache import cache_dir, through_cache

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
    folder = cache_dir()
    return folder / _file_name(sample_dir) if folder is not None else None


def _file_name(sample_dir: Path) -> str:
    return f"sample-{sample_key(sample_dir)}.pickle"


def cached_sample(sample_dir: Path, build: Callable[[], Dataset]) -> Dataset:
    """The cached validated sample when there is one, else ``build()``, saved for the next process."""
    return through_cache(_file_name(sample_dir), _read_pickle, build, _write_pickle)


def _read_pickle(path: Path):
    with path.open("rb") as f:
        return pickle.load(f)


def _write_pickle(value, path: Path) -> None:
    with path.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
