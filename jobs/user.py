"""Who starts a job: the signed-in user when the app knows one, else the OS login, else "local"."""
from __future__ import annotations

import getpass
import os


def current_user(explicit: str | None = None) -> str:
    """``explicit`` (e.g. the app's signed-in user or the CLI's --as), else PLANNER_USER, else the OS login."""
    if explicit:
        return str(explicit)
    env = os.environ.get("PLANNER_USER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser() or "local"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local"
