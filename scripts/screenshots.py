"""Take README screenshots of every page: `python scripts/screenshots.py` (needs Chromium + playwright)."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e import conftest as e2e  # noqa: E402

# url path → text to wait for; "" is the Data page (the default page)
PAGES = {"": "Validation report", "carve": None, "capacity-scenarios": None, "quota-and-comp": None, "finance": None,
         "disruption": None, "compare": None, "plans": None}


AFTER_CARVE = {"disruption": "Disruption", "compare": "Compare"}  # url path → sidebar link text
PICK_PROPOSAL = {"disruption": "Plan B (after)"}  # select the carve proposal in this selectbox


def _pick_proposal(pg, label: str) -> None:
    box = pg.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    option = pg.locator('[role="option"]').filter(has_text="Carve").first
    if option.count():
        option.click()
        pg.wait_for_timeout(1500)
        e2e.wait_idle(pg, timeout=180_000)
    else:
        pg.keyboard.press("Escape")


def _territory_map(pg) -> None:
    """The Map tab's territory map alone, with a territory's hover card showing."""
    deck = pg.locator('[data-testid="stDeckGlJsonChart"]').first
    deck.scroll_into_view_if_needed()
    box = deck.bounding_box()
    if not box:
        return
    tip = pg.locator(".deck-tooltip")
    for fx, fy in ((0.5, 0.5), (0.4, 0.45), (0.6, 0.55), (0.3, 0.5), (0.7, 0.4)):
        pg.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        pg.wait_for_timeout(300)
        if tip.count() and tip.first.is_visible() and "vs target" in tip.first.inner_text():
            break
    out = ROOT / "docs" / "screenshots" / "carve-map.png"
    deck.screenshot(path=str(out))
    print("wrote", out)


def main(only: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    server = e2e.serve()
    url = next(server)
    exe = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            pg = b.new_page(viewport={"width": 1400, "height": 1400})
            pg.set_default_timeout(120_000)
            for path, text in PAGES.items():
                if only and path not in only:
                    continue
                if path in AFTER_CARVE:
                    # same browser session (sidebar link), so the carve proposal is there to compare against
                    pg.locator('[data-testid="stSidebarNav"] a').filter(has_text=AFTER_CARVE[path]).first.click()
                    pg.wait_for_timeout(2000)
                    e2e.wait_idle(pg, timeout=180_000)
                else:
                    e2e.open_app(pg, url, path, text)
                if path == "carve":
                    pg.get_by_role("button", name="Run carve").click()
                    pg.wait_for_timeout(3000)
                    e2e.wait_idle(pg, timeout=180_000)
                if path in PICK_PROPOSAL:
                    _pick_proposal(pg, PICK_PROPOSAL[path])
                pg.wait_for_timeout(3000)  # let Vega finish drawing
                out = ROOT / "docs" / "screenshots" / f"{path or 'data'}.png"
                pg.screenshot(path=str(out), full_page=True)
                print("wrote", out)
                if path == "carve":
                    _territory_map(pg)
            b.close()
    finally:
        next(server, None)


if __name__ == "__main__":
    main(sys.argv[1:])
