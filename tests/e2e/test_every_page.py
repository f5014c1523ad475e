"""Every page of the app in a real headless Chromium, on the demo company: each page slug opens to real content
(its title and main block drawn, the script run over, no spinner left), and nothing of the machinery leaks onto the
screen: no traceback, no "DeltaGenerator", no "object at 0x", no Streamlit API docs ("Creator of Delta protobuf"),
and no table header in snake_case (headers come from the label registry); and at 1,280 px wide, no metric and no
widget label is cut off ("$28.1…").  Each tab of a page is opened, so the tables drawn in it are read too.  The
pages are enumerated from pages/, as app.py does, so a new page is covered.  A screenshot of each page is kept in
a temporary directory (its path is printed)."""
from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import page_link, page_slugs

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LEAKS = ("Traceback", "DeltaGenerator", "object at 0x", "Creator of Delta protobuf")
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
WIDTH = 1280  # the narrowest laptop screen planners use (issue 26): every label and headline figure fits it
# A metric's value, label or delta, a widget's label or a button's, cut off by Streamlit ("$28.1…"): its text, or an
# element inside it, is wider than the box that clips it.  What a closed tab holds has no size and is left out; a
# closed expander's widgets are laid out all the same, so they count.
CUT_JS = """() => {
  const kinds = ['stMetricValue', 'stMetricLabel', 'stMetricDelta', 'stWidgetLabel', 'stButton', 'stDownloadButton',
                 'stFormSubmitButton'];
  const boxes = document.querySelectorAll(kinds.map(k => `[data-testid="stMain"] [data-testid="${k}"]`).join(','));
  const cut = [];
  for (const box of boxes) {
    if (!box.getClientRects().length) continue;
    const clipped = [box, ...box.querySelectorAll('*')].some(el => {
      const css = getComputedStyle(el);
      return el.scrollWidth > el.clientWidth + 1 && (css.textOverflow === 'ellipsis' || css.overflowX !== 'visible');
    });
    if (clipped) cut.push(`${box.dataset.testid} ${JSON.stringify(box.textContent.trim())}`);
  }
  return cut;
}"""


@pytest.fixture()
def page(browser):
    """A page at the narrowest width planners use (the other e2e tests' page is 1,400 px wide)."""
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    ctx.close()


@pytest.fixture(scope="module")
def demo(sample):
    """The demo as a first visitor sees it: the shipped draft proposal in the store, so Disruption, Compare, Plans
    and Review draw real reports (the e2e server's store starts empty: the suite turns the seeding off)."""
    from planning.plans import PlanStore, load_sample_proposal

    store = PlanStore(os.environ["DATABASE_URL"])
    plan = load_sample_proposal(sample.reps)
    if plan is not None and plan.name not in store.plan_names():
        store.save_plan(plan, author="sample", note=plan.note)


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = tmp_path_factory.mktemp("every_page_screens")
    print(f"\nscreenshots: {d}")
    return d


def headers(page) -> list[str]:
    """The header cells of every table on view (a grid draws its header row once scrolled into view)."""
    out = []
    grids = page.locator('[data-testid="stDataFrame"]:visible, [data-testid="stTable"]:visible')
    for i in range(grids.count()):
        grid = grids.nth(i)
        grid.scroll_into_view_if_needed()
        cells = grid.locator('[role="columnheader"], th')
        try:
            cells.first.wait_for(state="attached", timeout=5_000)
        except Exception:  # noqa: BLE001 - a grid with no header row drawn: nothing to read
            continue
        out += [h.strip() for h in cells.all_inner_texts() if h.strip()]
    return out


def check(page, where: str) -> list[str]:
    text = page.locator('[data-testid="stApp"]').inner_text()
    bad = [f"{where}: shows {w!r}" for w in LEAKS if w in text]
    bad += [f"{where}: snake_case table header {h!r}" for h in headers(page) if SNAKE.match(h)]
    # Streamlit's developer tools (its "Deploy" button) are not for planners: client.toolbarMode = "viewer"
    bad += [f"{where}: shows Streamlit's Deploy button"] * page.locator('[data-testid="stAppDeployButton"]').count()
    bad += [f"{where}: cut off at {WIDTH} px: {c}" for c in page.evaluate(CUT_JS)]
    return bad


def _tabs(page, runs, where: str) -> list[str]:
    """Open each tab of the page in turn (a table in a hidden tab is drawn only once shown) and check it."""
    bad = []
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        name = tab.inner_text().strip()
        tab.scroll_into_view_if_needed()
        tab.click()
        # most tabs rerun nothing (their content is already sent); a map tab reruns the page to draw its map
        page.wait_for_timeout(500)
        runs.wait_drawn(page, runs.done - 1)
        bad += check(page, f"{where} › {name}")
    return bad


@pytest.mark.parametrize(("slug", "title"), page_slugs(), ids=[s for s, _ in page_slugs()])
def test_page_opens_to_real_content_without_leaked_internals(page, script_runs, app_url, slug, title, shots, demo):
    page.goto(f"{app_url}/{page_link(slug)}")
    script_runs.wait_drawn(page, 0)
    h1 = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()
    assert h1.strip(), f"{slug}: no page title"
    main = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert len(main) > len(h1) + 20, f"{slug}: only a title drawn"
    page.screenshot(path=str(shots / f"{slug}.png"), full_page=True)
    bad = check(page, slug) + _tabs(page, script_runs, slug)
    assert not bad, "\n".join(dict.fromkeys(bad))
