"""Lazy package exports: a package's ``__init__`` names its public API, and each module loads on first use.

So a page that needs one name pays only for the libraries that name's module imports (the Data page's cold start
loads neither pandera, SQLAlchemy, HiGHS nor geopandas).
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, table: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names live in the modules ``table`` gives.

    ``table`` maps each public name to its module: a submodule (``"store"``, relative to the package) or a dotted
    path (``"planning.plans.jobs_table"``).  A name is imported once, then kept in the package's namespace.
    """
    names = sorted(table)

    def __getattr__(name: str):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where = table[name]
        value = getattr(importlib.import_module(where if "." in where else f"{package}.{where}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__
