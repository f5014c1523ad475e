"""The CLI.  Each module in this package adds its commands through ``register(app)``.

Commands load data through :func:`cli.common.load_data`, the same
code path as the UI, so a file gives the same errors in both.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Optional

import typer

from cli import common

app = typer.Typer(
    name="planning",
    help="Territory & Capacity Planner: validate data, carve territories, plan capacity, quotas and comp, "
         "compare and store plans.  Run without data options to use the sample company.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _who(as_: Annotated[Optional[str], typer.Option(
        "--as", envvar="PLANNER_AS", metavar="EMAIL",
        help="Act as this user of the plan store (see `users list`): their role decides what you may see and do, and "
             "their email goes into the audit log.  Default: your OS login if an admin mapped it to a user, else the "
             "local user (admin).")] = None):
    """Territory & Capacity Planner."""
    common.ACT_AS = as_


for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod != "common":
        importlib.import_module(f"{__name__}.{_mod}").register(app)
common.guard_commands(app)  # a refusal anywhere is one clear line and exit status 3, never a traceback


def main() -> None:
    app()
