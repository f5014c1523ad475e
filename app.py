"""Territory & Capacity Planner server: ``streamlit run app.py`` serves the pages that navigation.py lists.

Why a server file: a cold start is mostly waiting.  While the browser loads Streamlit's frontend (about a second),
the server would sit idle and only then import pandas and the planning core and read the demo company for the first
page.  The lifespan hook below does that work at server start instead, in a background thread, so the first page
finds it done.  The pages themselves, and AppTest, run navigation.py as before.
"""
from __future__ import annotations

import importlib
import threading
from contextlib import asynccontextmanager

import streamlit as st

# What the first page (Data) imports before its headline figures; anything not listed is imported on first use.
FIRST_PAGE_MODULES = ("pandas", "ui.state", "ui.access", "ui.charts", "ui.data_load", "ui.format", "ui.guards",
                      "ui.widgets", "planning.access", "planning.data", "planning.plans")


def warm_up() -> None:
    """Import the first page's modules and read the demo company once (from the disk cache after the first run)."""
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)
    from planning.data import load_sample

    load_sample()


@asynccontextmanager
async def _lifespan(_app):
    # a daemon thread: the server answers at once, and a slow warm-up never delays a request or shutdown
    threading.Thread(target=warm_up, name="planner-warm-up", daemon=True).start()
    yield


app = st.App("navigation.py", lifespan=_lifespan)
