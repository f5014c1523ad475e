"""The CLI.  Each module in this package adds its commands through ``register(app)``.

Commands load data through :func:`cli.common.load_data`, the same
code path as the UI, so a file gives the same errors in both.
"""
from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(
    name="planning",
    help="Territory & Capacity Planner: validate data, carve territories, plan capacity, quotas and comp, "
         "compare and store plans.  Run without data options to use the sample company.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod != "common":
        importlib.import_module(f"{__name__}.{_mod}").register(app)


def main() -> None:
    app()
