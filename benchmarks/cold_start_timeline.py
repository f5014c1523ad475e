"""Where a cold start's time goes: one timeline from ``streamlit run`` to the first page drawn, the server's and the
browser's events on one clock.

Run: `python benchmarks/cold_start_timeline.py` (prints a table; `--repeats 3` prints the median of three fresh servers
and sessions; `--script navigation.py` serves the same pages without the server-start warm-up).  Same set-up as
page_bench.py: the demo company, the shipped draft in a temporary plan store, a fresh Chromium context.

Each event is seconds after the server process was started (wall clock, which the server's log, the browser's
performance timeline and the websocket all share):
* the server: its health check answering, the warm-up's end (its log line), and the first session's script run
  (the websocket's first message and ``script_finished``);
* the browser: the document's response and its DOMContentLoaded, Streamlit's JavaScript (the main bundle's end and
  the last file's end: an element kind first seen on a page loads its code then), the first contentful paint, and
  its main thread's long tasks (> 50 ms) before the page was drawn, summed;
* "drawn": as page_bench.py (script_finished seen, nothing running, the title and the headline figures present).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.page_bench import FirstMessages  # noqa: E402 - the first message and script_finished, timed
from tests.e2e import conftest as e2e  # noqa: E402 - start_server(): the same `streamlit run` as the browser tests

# Buffered from the document's start: long tasks are only reported to an observer registered before they happen.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver(l => window.__longTasks.push(...l.getEntries().map(e => [e.startTime, e.duration])))
    .observe({type: 'longtask', buffered: true});
"""

# The browser's own timeline, in ms since its timeOrigin (epoch ms), read once the page is drawn.
TIMELINE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const js = performance.getEntriesByType('resource').filter(r => r.name.endsWith('.js'));
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {origin: performance.timeOrigin, response: nav.responseEnd, dom: nav.domContentLoadedEventEnd,
          js: js.map(r => [r.name.split('/').pop(), r.startTime, r.responseEnd, r.transferSize]),
          fcp: fcp ? fcp.startTime : null, long: window.__longTasks};
}"""


class ServerLog:
    """The server's output read as it comes, each line stamped with the wall clock it arrived at."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, pipe) -> None:
        for raw in iter(pipe.readline, b""):
            self.lines.append((time.time(), raw.decode(errors="replace").rstrip()))

    def first(self, text: str) -> float | None:
        return next((t for t, line in self.lines if text in line), None)


def one_run(browser, script: str) -> tuple[dict[str, float | None], list[tuple[str, float, float]], str]:
    """A fresh server and session → ({event: seconds after the server's start}, [(chunk, start s, end s)], the
    warm-up's log line: what each of its steps took)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # a browser already open, as the floor's
    ctx.add_init_script(LONG_TASKS)
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    runs, frames = e2e.ScriptRuns(page), FirstMessages(page)  # on perf_counter
    t0, p0 = time.time(), time.perf_counter()
    proc, url = e2e.start_server(ROOT, script)
    log = ServerLog(proc)
    up = time.time() - t0
    try:
        t_goto = time.time() - t0
        page.goto(url)
        runs.wait_drawn(page, 0)
        page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first.wait_for()
        drawn = time.time() - t0
        tl = page.evaluate(TIMELINE)
    finally:
        ctx.close()
        e2e.stop_server(proc)
    at = lambda ms: None if ms is None else (tl["origin"] + ms) / 1000 - t0  # noqa: E731 - browser ms → our seconds
    chunks = sorted(((name, at(start), at(end)) for name, start, end, _ in tl["js"]), key=lambda c: c[2])
    warm = log.first("server warm-up done")
    events = {
        "server: health check answers": up,
        "browser: navigation starts": t_goto,
        "browser: document received": at(tl["response"]),
        "browser: DOMContentLoaded": at(tl["dom"]),
        "browser: Streamlit's main bundle loaded": next((c[2] for c in chunks if c[0].startswith("index.")), None),
        "server: warm-up done (its log line)": None if warm is None else warm - t0,
        "server: session's first message": frames.first - p0,
        "browser: first contentful paint": at(tl["fcp"]),
        "server: first script run's end": frames.finished - p0,
        "browser: last JavaScript file loaded": chunks[-1][2] if chunks else None,
        "drawn (page_bench's rule)": drawn,
        "browser: long tasks before drawn, summed": sum(d for s, d in tl["long"] if at(s) < drawn) / 1000,
        "browser: JavaScript files loaded": float(len(chunks)),
    }
    return events, chunks, next((line for _, line in log.lines if "server warm-up" in line), "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=1, help="fresh servers and sessions; medians reported")
    ap.add_argument("--script", default="app.py", help="app.py (with the warm-up) or navigation.py (without)")
    ap.add_argument("--chunks", action="store_true", help="also list each JavaScript file of the last run")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as store_dir, sync_playwright() as p:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(store_dir) / 'plans.sqlite'}"
        os.environ["PLANNER_SAMPLE_PROPOSAL"] = "1"  # the demo as a first visitor sees it
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        results = [one_run(browser, args.script) for _ in range(args.repeats)]
        browser.close()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, median of {args.repeats} run(s), "
          f"`streamlit run {args.script}`; seconds after the server process started")
    events = [e for e, _, _ in results]
    width = max(len(k) for k in events[0])
    for name in events[0]:
        vals = [e[name] for e in events if e[name] is not None]
        shown = "" if not vals else f"{statistics.median(vals):.0f}" if name.endswith("files loaded") else \
            f"{statistics.median(vals):.2f}"
        print(f"{name:<{width}}  {shown:>6}")
    print("last run's", results[-1][2].split("]: ", 1)[-1] or "warm-up: no log line (navigation.py has none)")
    if args.chunks:
        for name, start, end in results[-1][1]:
            print(f"  {name:<{width - 2}}  {start:6.2f} → {end:.2f}")


if __name__ == "__main__":
    main()
