"""Territory & Capacity Planner: the navigation script every session runs (app.py serves it), and the session's
data (the sample company until an upload)."""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ui import access  # light: the data layer (pandas, the plan store) loads with the page, after its title

# A Material icon, not an emoji: checking an emoji loads Streamlit's emoji catalogue (~0.1 s of the first run).
st.set_page_config(page_title="Territory & Capacity Planner", page_icon=":material/map:", layout="wide")

PAGES_DIR = Path(__file__).parent / "pages"


def _title(path: Path) -> str:
    return re.sub(r"^\d+_", "", path.stem).replace("_", " ")


# Pages are discovered from pages/NN_Title.py so each page is one self-contained file.
ADMIN_ONLY = {"Users"}  # listed only for those who may use it
PAGE_FILES = sorted(PAGES_DIR.glob("[0-9]*_*.py"), key=lambda p: int(p.stem.split("_")[0]))


def _slug(path: Path) -> str:
    return _title(path).lower().replace(" ", "-").replace("&", "and")


def _page(path: Path, listed: bool = True) -> st.Page:
    """A page at /<title in lower case>; one the user may not open is kept hidden rather than left out, so its
    deep link lands on it and it says in words who may open it (access.page_user), never "Page not found"."""
    return st.Page(str(path), title=_title(path), url_path=_slug(path), visibility="visible" if listed else "hidden")


def _first_page_by_its_name() -> None:
    """/data (the first page's own name) opens the first page, with no "Page not found" dialog.

    Streamlit serves the default page at "/" only: it looks a typed path up among the pages' public paths, and the
    default page's is "" whatever its url_path, so a bookmarked /data found nothing.  A run that asks for the first
    page by name is turned into one that asks for the default page; the browser's address then reads "/"."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx and not ctx.pages_manager.intended_page_script_hash and \
            ctx.pages_manager.intended_page_name == _slug(PAGE_FILES[0]):
        ctx.pages_manager.set_script_intent("", "")


_first_page_by_its_name()
all_pages = [_page(p) for p in PAGE_FILES]

# Sign-in first (when [auth] is configured): nobody sees a page before we know who they are.
user = access.gate(before_stop=lambda: st.navigation(all_pages, position="hidden"))
pages = [_page(p, _title(p) not in ADMIN_ONLY or user.can(access.Permission.MANAGE_USERS)) for p in PAGE_FILES]
nav = st.navigation(pages)
access.note_page(nav.title)  # a refusal names the page it refuses
nav.run()  # each page loads the dataset itself, after drawing its title, so something shows at once

from ui import state, working_plan  # noqa: E402 - imported once the page has drawn (the page imported them)

state.sidebar_summary()
working_plan.sidebar()  # the working plan, kept across pages and reloads
access.sidebar(user)

from ui.chart_warm_up import warm_charts  # noqa: E402

warm_charts()  # the chart library loads while the browser is idle, not on the session's first chart

from ui import long_lived  # noqa: E402

# a page's first run in this server imported its modules: out of the collection every later run ends with
long_lived.freeze_after_first_run(nav.url_path)
