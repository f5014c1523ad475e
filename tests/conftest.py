"""Shared fixtures: the sample dataset (loaded once per worker) and the CLI runner."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def sample():
    from planning.dataset import load_sample

    return load_sample()


@pytest.fixture()
def cli():
    """Run the CLI in-process: cli(["summary"]) → typer Result (exit_code, output)."""
    from typer.testing import CliRunner

    from planning.cli import app

    runner = CliRunner()

    def run(args: list[str]):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run
