"""A dataset shared by every session of a server, guarded so that no page can change it for the others.

The sample company and each distinct upload are loaded once per process and handed to every session as the same
:class:`~planning.data.dataset.Dataset` object.  :func:`read_only` wraps its frames in :class:`ReadOnlyFrame`:
reading, filtering, merging, copying and every method that returns a new frame work as on any DataFrame (and
return a plain, writable DataFrame), while changing the shared frame itself (``df[col] = …``, ``df.loc[…] = …``,
``del df[col]``, ``insert``, ``pop``, ``update``, any ``inplace=True`` method, assigning ``columns`` or
``index``) raises :class:`SharedDataChanged` instead of silently changing every other user's data.  With
pandas' copy-on-write, a Series or frame taken from it is already independent, so ``s = df["x"]; s[0] = 1`` is
fine and leaves the shared frame as it was.  The dataset object itself refuses attribute assignment too.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from planning.data.dataset import Dataset

_FRAMES = ("accounts", "reps", "targets", "history", "territories")


class SharedDataChanged(TypeError):
    """Code tried to change a frame that every session shares; change a copy (``df.copy()``) instead."""


def _refuse(what: str):
    raise SharedDataChanged(f"{what} would change the dataset every session shares; work on a copy "
                            "(frame.copy(), or frame.assign(...)) instead")


class _ReadOnlyIndexer:
    """``loc``/``iloc``/``at``/``iat`` of a shared frame: reads pass through, assignment is refused."""

    __slots__ = ("_inner", "_name")

    def __init__(self, inner, name: str):
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_name", name)

    def __getitem__(self, key):
        return self._inner[key]

    def __setitem__(self, key, value):
        _refuse(f"frame.{self._name}[...] = ...")

    def __call__(self, *args, **kwargs):
        return _ReadOnlyIndexer(self._inner(*args, **kwargs), self._name)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class ReadOnlyFrame(pd.DataFrame):
    """A DataFrame that refuses to be changed in place (see the module's docstring).  Whatever it derives is a
    plain DataFrame."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __setitem__(self, key, value):
        _refuse(f"frame[{key!r}] = ...")

    def __delitem__(self, key):
        _refuse(f"del frame[{key!r}]")

    def __setattr__(self, name, value):
        if name in ("columns", "index", "_mgr") or name in getattr(self, "columns", ()):
            _refuse(f"frame.{name} = ...")
        object.__setattr__(self, name, value)

    def insert(self, *args, **kwargs):
        _refuse("frame.insert(...)")

    def pop(self, item):
        _refuse(f"frame.pop({item!r})")

    def update(self, *args, **kwargs):
        _refuse("frame.update(...)")

    def _update_inplace(self, result, verify_is_copy: bool = True) -> None:
        _refuse("an inplace=True method")

    def _set_axis(self, axis, labels) -> None:
        _refuse("setting the frame's axis")

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        _anchor(self)

    @property
    def loc(self):
        return _ReadOnlyIndexer(super().loc, "loc")

    @property
    def iloc(self):
        return _ReadOnlyIndexer(super().iloc, "iloc")

    @property
    def at(self):
        return _ReadOnlyIndexer(super().at, "at")

    @property
    def iat(self):
        return _ReadOnlyIndexer(super().iat, "iat")


def _anchor(frame: ReadOnlyFrame) -> None:
    """Keep a second reference to the frame's data, so pandas' copy-on-write copies before any in-place write
    on it (an ``inplace=True`` method writes its blocks before handing the result over, which is refused)."""
    object.__setattr__(frame, "_shared_anchor", pd.DataFrame.copy(frame, deep=False))


def _no_inplace(name: str):
    method = getattr(pd.DataFrame, name)

    def guarded(self, *args, **kwargs):
        if kwargs.get("inplace"):
            _refuse(f"frame.{name}(..., inplace=True)")
        return method(self, *args, **kwargs)

    guarded.__name__, guarded.__doc__ = name, method.__doc__
    return guarded


# Every DataFrame method with an ``inplace`` keyword refuses it before pandas touches a block (some, such as
# ``replace`` on text columns, write in place without handing a result back).
for _name in ("bfill", "clip", "drop", "drop_duplicates", "dropna", "eval", "ffill", "fillna", "interpolate", "mask",
              "query", "rename", "rename_axis", "replace", "reset_index", "set_index", "sort_index", "sort_values",
              "where"):
    setattr(ReadOnlyFrame, _name, _no_inplace(_name))


def _frozen(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None or isinstance(frame, ReadOnlyFrame):
        return frame
    out = ReadOnlyFrame(frame)
    out.attrs.update(frame.attrs)
    _anchor(out)
    return out


@dataclasses.dataclass
class SharedDataset(Dataset):
    """A :class:`Dataset` whose frames are :class:`ReadOnlyFrame` and whose fields cannot be reassigned.
    ``dataclasses.replace`` still makes a new one (a manager's team cut, for example)."""

    def __post_init__(self) -> None:
        for name in _FRAMES:
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "_sealed", True)

    def __setattr__(self, name, value):
        if getattr(self, "_sealed", False):
            _refuse(f"dataset.{name} = ...")
        object.__setattr__(self, name, value)


def read_only(ds: Dataset) -> SharedDataset:
    """``ds`` as a dataset every session may share: the same frames' data (nothing is copied), guarded against
    change.  A dataset that is already shared is returned as it is."""
    if isinstance(ds, SharedDataset):
        return ds
    return SharedDataset(**{f.name: getattr(ds, f.name) for f in dataclasses.fields(Dataset)})


def is_read_only(frame) -> bool:
    """True for a frame that is shared across sessions (and so refuses in-place changes)."""
    return isinstance(frame, ReadOnlyFrame)
