"""Steps the Carve page's Chromium tests share: run a carve and wait for *this* run's result, open an expander
whatever its state, and read the solver's status from "Solver details".

A fresh session already shows the user's last carve (and curve) again, so a test cannot take "a result is on the
page" as "the run it started has finished": it waits for the run's job box ("Carve #…") and the page going idle."""
from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import wait_idle

HEADLINE = "Balanced plan found"


def by_account(page) -> None:
    """Every segment carved by account (0.9 s), for the tests of the page that are not about geography: the demo's
    default county territories (issue 24) take ~4 s a carve, each frontier point too."""
    open_expander(page, "Rules, travel and carving units")
    for seg in ("Enterprise", "Mid-market", "SMB"):
        pick(page, f"carve_unit_{seg}", "individual accounts")


def headline(page):
    """The visible headline of the result on show: the result's alert, not the job box, whose progress text
    repeats the job's summary (the headline without the moves) while the box collapses."""
    return page.locator('[data-testid="stAlert"]').filter(has_text=HEADLINE).filter(visible=True).first


def run_carve(page, timeout: float = 240_000) -> None:
    """Press Run carve, wait for its job box, for the page to finish drawing the result, then for its headline."""
    page.get_by_role("button", name="Run carve").click()
    page.get_by_text(re.compile(r"Carve #\d+")).filter(visible=True).first.wait_for(timeout=60_000)
    wait_idle(page, timeout=timeout)
    # the job box redraws only when the job has news, and a long solve (a county carve with contiguity cuts runs to
    # its time limit) may leave the running indicator away between them: the headline is what says it finished
    headline(page).wait_for(timeout=timeout)


def open_expander(page, title: str, exact: bool = False):
    """Open the expander titled ``title`` (left open when it already is) → its locator."""
    box = page.locator('[data-testid="stExpander"]').filter(has=page.get_by_text(title, exact=exact)).first
    if box.locator("details").first.get_attribute("open") is None:
        box.locator("summary").first.click()
    box.locator("details[open]").first.wait_for()
    return box


def solver_status(page) -> str:
    """The solver's status word ("optimal", "feasible", …) from the result's "Solver details" table."""
    box = open_expander(page, "Solver details", exact=True)
    grid = box.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    row = grid.locator('[role="row"]').filter(has_text="Solver status").first
    text = row.text_content(timeout=30_000) or ""
    m = re.search(r"Solver status\s*([a-z_]+) \(", text)
    assert m, text
    return m.group(1)


def pick(page, key: str, text: str) -> None:
    """Choose ``text`` in the selectbox whose widget key is ``key`` (Streamlit marks its container st-key-KEY)."""
    choose(page, page.locator(f".st-key-{key}").get_by_role("combobox").first, text)


def choose(page, box, text: str) -> None:
    """Choose ``text`` in the selectbox whose combobox is ``box``."""
    for attempt in range(3):
        # a rerun still drawing the page replaces the open list under the click (seen in CI under load): wait for
        # the page to settle, and open the list again if its option was detached or never came
        wait_idle(page)
        box.scroll_into_view_if_needed()
        box.click()
        box.fill(text)
        try:
            page.get_by_role("option").filter(has_text=text).first.click(timeout=20_000)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    wait_idle(page)
