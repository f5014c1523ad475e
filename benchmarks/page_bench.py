"""Page benchmarks in a real Chromium: each page's open until its last element is drawn, a manager switch on
Disruption, adding a comment on Review, and the bare-Streamlit floor measured the same way.

Run: `python benchmarks/page_bench.py` (prints a table; `--repeats 3` reports the median of three fresh sessions,
`--no-floor` skips the one-metric app).  The app runs on the demo company with a temporary plan store (the
shipped draft proposal seeded into it, as a first visitor's store is), so nothing is written to your own store.

What is timed, from the moment the browser is asked to navigate (or the widget is changed) until the page is
"drawn":
* the server has sent the end of the script run (Streamlit's ``script_finished`` message on the websocket, seen by
  the browser after the navigation or change started),
* no ``stStatusWidget`` running indicator, no spinner and no skeleton is on the page,
* the page's title (a ``h1`` in the main block) is present,
* every chart and map shown is painted (a Vega chart's canvas has pixels, a deck.gl map's canvas a size: the
  Data page's 6,000-point map used to paint seconds after the rest),
and two animation frames have passed.  Each open is split: "server" is the time until the run's
``script_finished`` arrived (the script run and its messages), the rest of it the browser's (loading the
elements' code, drawing).

Rows: the cold start (``streamlit run`` → first page drawn, the figure comparable with the floor; "drawn" also
waits for the first page's headline figures), where its time went (the server's health check, the first message
on the websocket, the first script run's end), opening each of the Data page's section tabs (a widget change: the
tabs are lazy, so a tab's first open draws it), then each page opened from the sidebar in a fresh session (first
open) and opened again after every page has been seen (second open), then the widget changes: Quota and Comp's
section tabs (lazy too), the manager switch, the comment.  ``--cold-only``
stops after the Data page's tabs; ``--pages "Quota and Comp,Carve"`` opens only those pages (and the manager
switch or the comment only when Disruption or Review is among them).  Budgets (shared/architecture.md): a page after the first ≤ 1.0 s, a widget change
≤ 0.5 s, the first page ≤ 1 s above the floor.  Times on a busy machine are noisy; the lead records them on a quiet
one.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.data_bench import FLOOR_APP  # noqa: E402 - the same one-metric app as `data_bench.py --floor`
from tests.e2e import conftest as e2e  # noqa: E402 - serve(): the same `streamlit run` as the browser tests

def pages() -> list[tuple[str, str]]:
    """(slug, title) of every page, by navigation.py's rule."""
    out = []
    for p in sorted((ROOT / "pages").glob("[0-9]*_*.py"), key=lambda p: int(p.stem.split("_")[0])):
        title = re.sub(r"^\d+_", "", p.stem).replace("_", " ")
        out.append((title.lower().replace(" ", "-").replace("&", "and"), title))
    return out


def _nav(page, title: str):
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(rf"^{re.escape(title)}$"))
    return lambda: link.first.click()


def bench_floor(browser) -> float:
    """``streamlit run`` of the one-metric app → its metric drawn, the floor under any app's cold start."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "app.py").write_text(FLOOR_APP)
        ctx = browser.new_context()
        page = ctx.new_page()
        runs = e2e.ScriptRuns(page)
        t = time.perf_counter()
        server = e2e.serve(Path(tmp))
        url = next(server)
        try:
            page.goto(url)
            runs.wait_drawn(page, 0, need_title=False)
            page.locator('[data-testid="stMetric"]').first.wait_for()
            return time.perf_counter() - t
        finally:
            ctx.close()
            next(server, None)


class FirstMessages:
    """When the first page's messages arrived on the websocket (seconds on ``perf_counter``): the first message of
    the session and the end of the first script run, to split a cold start into server, browser and script."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.first: float | None = None
        self.finished: float | None = None

        def on_frame(payload):
            if not isinstance(payload, (bytes, bytearray)):
                return
            now = time.perf_counter()
            try:
                kind = ForwardMsg.FromString(bytes(payload)).WhichOneof("type")
            except Exception:  # noqa: BLE001 - not a ForwardMsg
                return
            self.first = self.first or now
            if kind == "script_finished" and self.finished is None:
                self.finished = now

        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


DATA_TABS = ("Accounts by owner", "Current plan health", "Data health", "Account base")
# Quota and Comp's sections after the one it opens on (the per-rep quotas), each a lazy tab
QUOTA_TABS = ("Coverage", "Comp plans", "Cost simulation", "Save and export", "Per-rep quotas")


def _tabs(page, runs: e2e.ScriptRuns, title: str, names: tuple[str, ...]) -> list[dict]:
    """A page's section tabs, each opened twice (a widget change; its first open runs and draws it)."""
    def opener(name: str):
        return page.get_by_role("tab", name=name).first.click

    first = {name: _split(runs, page, opener(name)) for name in names}
    second = {name: _split(runs, page, opener(name)) for name in names}
    return [_row(f"widget: {title} tab {name}", first[name], second[name]) for name in names]


def _data_tabs(page, runs: e2e.ScriptRuns) -> list[dict]:
    return _tabs(page, runs, "Data", DATA_TABS)


def _quota_tabs(page, runs: e2e.ScriptRuns) -> list[dict]:
    """Quota and Comp opened again, then each of its sections' tabs (its comp plans, cost and exports are lazy)."""
    runs.timed(page, _nav(page, "Quota and Comp"))
    return _tabs(page, runs, "Quota and Comp", QUOTA_TABS)


def _split(runs: e2e.ScriptRuns, page, act) -> tuple[float, float]:
    """(seconds until drawn, of which until the run's end arrived from the server)."""
    total = runs.timed(page, act)
    return total, runs.server_s


def _row(step: str, first: tuple | None, second: tuple | None) -> dict:
    return {"step": step, "first_s": first[0] if first else None, "first_server_s": first[1] if first else None,
            "second_s": second[0] if second else None, "second_server_s": second[1] if second else None}


def bench_app(browser, cold_only: bool = False, script: str = "app.py", only: list[str] | None = None) -> list[dict]:
    """One fresh server and session: the cold start, the Data page's tabs, every page twice, the manager switch, a
    comment (``cold_only``: the cold start and the Data page's tabs).  ``script``: what ``streamlit run`` serves
    (app.py, as the README says; navigation.py is the same app without the server-start warm-up); ``only``: the
    titles of the pages to open (default every page)."""
    rows: list[dict] = []
    # the browser's tab is opened before the clock starts, as the floor's is: opening it is no part of a cold start
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    runs = e2e.ScriptRuns(page, charts=True)
    msgs = FirstMessages(page)
    t0 = time.perf_counter()
    server = e2e.serve(ROOT, script)
    url = next(server)
    up = time.perf_counter() - t0
    try:
        page.goto(url)
        runs.wait_drawn(page, 0)
        page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first.wait_for()  # the figures
        cold = time.perf_counter() - t0
        plist = pages()
        rows.append({"step": f"cold start: `streamlit run` → {plist[0][1]} drawn", "first_s": cold, "second_s": None})
        rows += [{"step": "  of which: server up (health check answers)", "first_s": up, "second_s": None},
                 {"step": "  of which: until the session's first message", "first_s": msgs.first - t0,
                  "second_s": None},
                 {"step": "  of which: until the first script run's end", "first_s": msgs.finished - t0,
                  "second_s": None}]
        rows += _data_tabs(page, runs)
        if cold_only:
            return rows
        chosen = [(slug, title) for slug, title in plist if only is None or title in only]
        first = {slug: _split(runs, page, _nav(page, title)) for slug, title in chosen if slug != plist[0][0]}
        second = {slug: _split(runs, page, _nav(page, title)) for slug, title in chosen}
        rows += [_row(f"page: {title}", first.get(slug), second[slug]) for slug, title in chosen]
        if only is None or "Quota and Comp" in only:
            rows += _quota_tabs(page, runs)
        if only is None or "Disruption" in only:
            rows.append(_manager_switch(page, runs))
        if only is None or "Review" in only:
            rows.append(_comment(page, runs))
    finally:
        ctx.close()
        next(server, None)
    return rows


def _manager_switch(page, runs: e2e.ScriptRuns) -> dict:
    """Disruption: from "All managers" pick the first manager, then the second (a first and a second switch)."""
    runs.timed(page, _nav(page, "Disruption"))
    times = []
    for pick in (1, 2):
        box = page.locator(".st-key-dis_manager").first
        box.scroll_into_view_if_needed()
        box.click()
        times.append(_split(runs, page, page.get_by_role("option").nth(pick).click))
    return _row("widget: Disruption manager switch", times[0], times[1])


def _comment(page, runs: e2e.ScriptRuns) -> dict:
    """Review, Decisions tab: type a comment on the whole version and add it (twice)."""
    runs.timed(page, _nav(page, "Review"))

    def decisions_tab():
        # the comment box of the whole version is on that tab; a rerun that adds or drops a message reopens the first
        tab = page.get_by_role("tab", name="Decisions").first
        if tab.get_attribute("aria-selected") != "true":
            tab.click()

    times = []
    for i in range(2):
        decisions_tab()
        box = page.locator(".st-key-rv_box_text input").first
        box.fill(f"benchmark comment {i + 1}")
        runs.timed(page, lambda: box.press("Tab"))  # commits the text (a rerun), so the button is enabled
        decisions_tab()
        add = page.locator(".st-key-rv_box_add button").first
        page.wait_for_function("() => !document.querySelector('.st-key-rv_box_add button').disabled")
        times.append(_split(runs, page, add.click))
    return _row("widget: Review add a comment", times[0], times[1])


def _median(runs: list[list[dict]]) -> list[dict]:
    out = []
    for rows in zip(*runs):
        row = dict(rows[0])
        for k in ("first_s", "first_server_s", "second_s", "second_server_s"):
            vals = [r[k] for r in rows if r.get(k) is not None]
            row[k] = statistics.median(vals) if vals else None
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=1, help="fresh servers and sessions to run; medians reported")
    ap.add_argument("--no-floor", action="store_true", help="skip the one-metric floor app")
    ap.add_argument("--cold-only", action="store_true", help="only the cold start (and floor) and the Data tabs")
    ap.add_argument("--script", default="app.py",
                    help="what `streamlit run` serves: app.py (the README's command) or navigation.py (no warm-up)")
    ap.add_argument("--pages", help="comma-separated page titles to open (default: every page)")
    args = ap.parse_args()
    titles = [t for _, t in pages()]
    only = [t.strip() for t in args.pages.split(",")] if args.pages else None
    if only and (unknown := [t for t in only if t not in titles]):
        ap.error(f"no page {unknown}; the pages are {titles}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as store_dir, sync_playwright() as p:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(store_dir) / 'plans.sqlite'}"
        os.environ["PLANNER_SAMPLE_PROPOSAL"] = "1"  # the demo as a first visitor sees it
        exe = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu",
                                                                "--disable-dev-shm-usage"])
        app_runs, floors = [], []
        for _ in range(args.repeats):
            if not args.no_floor:
                floors.append(bench_floor(browser))
            app_runs.append(bench_app(browser, args.cold_only, args.script, only))
        browser.close()
    rows = _median(app_runs)
    if floors:
        rows.insert(0, {"step": "floor: `streamlit run` of a one-metric app → drawn", "first_s":
                        statistics.median(floors), "second_s": None})
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, median of {args.repeats} run(s), "
          f"`streamlit run {args.script}`")
    width = max(len(r["step"]) for r in rows)
    print(f"{'step':<{width}}  {'first open s':>12}  {'of which server s':>17}  {'second open s':>13}  "
          f"{'of which server s':>17}")

    def cell(v):
        return "" if v is None else f"{v:.2f}"

    for r in rows:
        f = "(cold start)" if r["first_s"] is None and r["second_s"] is not None else cell(r["first_s"])
        print(f"{r['step']:<{width}}  {f:>12}  {cell(r.get('first_server_s')):>17}  {cell(r['second_s']):>13}  "
              f"{cell(r.get('second_server_s')):>17}")


if __name__ == "__main__":
    main()
