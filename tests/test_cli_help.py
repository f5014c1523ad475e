"""Every command's ``--help`` is pinned: splitting a module's ``register`` into one function per command must keep
each command's name, options, defaults and help text as they were.

The golden text is tests/golden/cli_help.txt.  A deliberate change to a help text, an option or a command is
recorded with ``python3 tests/test_cli_help.py --update`` (and reviewed in the diff).
"""
from __future__ import annotations

import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "cli_help.txt"
# rich wraps to the terminal: one fixed width, no colour, so the text does not depend on where the test runs
ENV = {"COLUMNS": "120", "TERMINAL_WIDTH": "120", "NO_COLOR": "1", "TERM": "dumb", "PLANNER_AS": None}


def _paths(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``command`` (a click group), depth first in name order, the group itself first."""
    out = [prefix]
    for name in sorted(getattr(command, "commands", {}) or {}):
        out += _paths(command.commands[name], prefix + (name,))
    return out


def help_text() -> str:
    """``--help`` of the app and of every command and subcommand, one section each."""
    import typer
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner(env=ENV)
    sections = []
    for path in _paths(typer.main.get_command(app)):
        res = runner.invoke(app, [*path, "--help"], catch_exceptions=False, terminal_width=120, color=False)
        assert res.exit_code == 0, (path, res.output)
        sections.append(f"=== planning {' '.join(path)}\n{res.output.rstrip()}\n")
    return "\n".join(sections)


def test_every_commands_help_is_unchanged():
    got = help_text()
    assert got.count("=== planning") > 40  # every command and subcommand was reached, not just the top level
    assert got == GOLDEN.read_text(encoding="utf-8"), \
        "a command's --help changed: if on purpose, python3 tests/test_cli_help.py --update and review the diff"


def test_help_flows_as_rich_wraps_it():
    """A docstring's source line breaks are not kept: each paragraph is one line for rich to wrap at any width,
    and "Exit status" stands on its own (Typer's rich help kept the breaks, so a 110-character source line read
    as a line and a half on an 80-column terminal)."""
    from cli.common import flowing_help

    doc = """Carve territories.

    Prints the plan, writes the assignment and the
    per-territory summary.
    Exit status: 0 plan found,
    2 bad input."""
    assert flowing_help(doc) == ("Carve territories.\n\nPrints the plan, writes the assignment and the per-territory "
                                 "summary.\n\nExit status: 0 plan found, 2 bad input.")


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    GOLDEN.write_text(help_text(), encoding="utf-8")
    print(f"wrote {GOLDEN}")
