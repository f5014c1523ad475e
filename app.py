"""Territory & Capacity Planner: navigation and the session's data (the sample company until an upload)."""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ui import state

st.set_page_config(page_title="Territory & Capacity Planner", page_icon="🗺️", layout="wide")

PAGES_DIR = Path(__file__).parent / "pages"


def _title(path: Path) -> str:
    return re.sub(r"^\d+_", "", path.stem).replace("_", " ")


# Pages are discovered from pages/NN_Title.py so each page is one self-contained file.
pages = [st.Page(str(p), title=_title(p), url_path=_title(p).lower().replace(" ", "-").replace("&", "and"))
         for p in sorted(PAGES_DIR.glob("[0-9]*_*.py"))]
nav = st.navigation(pages)
nav.run()  # each page loads the dataset itself, after drawing its title, so something shows at once
state.sidebar_summary()
