"""The tables of benchmarks/concurrent_bench.py: each carver's click → done and click → seen against the single
carve's, where its time went (:func:`stages`), the watcher's page opens and where the cores went; printed
(:func:`report`) and as the results_concurrent.md section (:func:`markdown`)."""
from __future__ import annotations

import os

CPU_GROUPS = ("web server", "Dask workers", "Chromium", "rest of the machine")


def stages(c: dict) -> dict[str, float | None]:
    """Where one carver's click → done went (seconds; None when a stamp is missing), from the jobs table's own
    stamps (written by the server): ``page`` the Carve page's rerun from the click until it created the job (access,
    the form, the jobs table), ``queue`` the job's thread starting, ``job`` the job's own started → finished,
    ``notice`` finished → the page's script saw it (``seen_at``: the page's wait for the job), ``show`` seen → the
    browser showed the finished label (the server sending it, the browser drawing it)."""
    keys = ("clicked_at", "created_at", "started_at", "finished_at", "seen_at", "shown_at")
    t = [c.get(k) for k in keys]
    return {name: None if a is None or b is None else b - a for name, a, b in zip(STAGES, t, t[1:])}


STAGES = ("page", "queue", "job", "notice", "show")


def _f(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def _single(rows: list[dict], key: str) -> float | None:
    """The single-user round's ``key`` time (click_done or click_seen)."""
    return next((c[key] for r in rows if r["n"] == 1 and not r["warmup"] for c in r["carvers"]), None)


def _ratio(x: float | None, single: float | None, warmup: bool) -> str:
    return "–" if x is None or not single or warmup else f"{x / single:.2f}×"


def _worst(r: dict, key: str) -> float | None:
    times = [c[key] for c in r["carvers"] if c[key] is not None]
    return max(times) if times else None


def report(rows: list[dict], page_title: str) -> None:
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (at the end)")
    print(f"{'N':>12}  {'user':<18} {'click→done':>10} {'click→seen':>10}  " + " ".join(f"{s:>6}" for s in STAGES)
          + f"  {'status':<10} engine")
    for r in rows:
        for c in r["carvers"]:
            st = stages(c)
            print(f"{_at_once(r):>12}  {c['user']:<18} {_f(c['click_done']):>10} {_f(c['click_seen']):>10}  "
                  + " ".join(f"{_f(st[k], 2):>6}" for k in STAGES)
                  + f"  {c.get('status', ''):<10} {c.get('engine', '')}")
        ratios = ", ".join(f"{label} {_ratio(_worst(r, key), _single(rows, key), r['warmup'])}"
                           for label, key in (("click → done", "click_done"), ("click → seen", "click_seen")))
        what = "the warm-up (the server's first carve; not compared)" if r["warmup"] else \
            f"worst × the single carve: {ratios}"
        print(f"    clicks within {r['spread']:.2f} s, {what}; watcher opens {page_title}: {r['idle']:.2f} s idle, "
              f"{r['loaded']:.2f} s while they run ({r['running_at_open']} of {r['n']} still running then); its "
              f"server's part {_f(r['idle_server'], 2)} s idle, {_f(r['loaded_server'], 2)} s while they run; by the "
              f"server's own clock (click → received + received → finished) {_own(r.get('idle_own'))} s idle, "
              f"{_own(r.get('loaded_own'))} s while they run")
        print(f"    CPU s from the first click until the last page showed its job done ({r['wall']:.1f} s of wall, "
              f"{(os.cpu_count() or 1) * r['wall']:.1f} CPU s on "
              f"{os.cpu_count()} cores): " + ", ".join(f"{g} {t:.1f}" for g, t in r["cpu"].items()))


def _own(own: tuple[float, float] | None) -> str:
    """The server's own clock of a page open (benchmarks/server_clock.py): the browser sending the click, then the
    server's run until it queued the run's end."""
    return "–" if own is None else f"{own[0]:.2f} + {own[1]:.2f}"


def _at_once(r: dict) -> str:
    return f"{r['n']} (warm-up)" if r["warmup"] else str(r["n"])


STAGE_WORDS = ("the Carve page's rerun from the click until it created the job (page)",
               "the job's thread starting (queue)", "the job itself (job)",
               "job finished → the page's script saw it (notice)",
               "seen → the browser showed the finished label (show: sending it, drawing it)")


def markdown(rows: list[dict], page_title: str, loads: tuple[float, float], started: str, nice: int,
             watcher_nice: int = 0) -> str:
    """The rounds as the RESULTS.md section: one row per carver with where its time went, then each round's watcher
    and where the cores went."""
    done1, seen1 = _single(rows, "click_done"), _single(rows, "click_seen")
    out = ["# Concurrent demo carves in Chromium (issue 23)", "",
           f"`flock /tmp/heavy.lock python benchmarks/concurrent_bench.py --write`, {started}, {os.cpu_count()} cores, "
           f"load average {loads[0]:.1f} at the start and {loads[1]:.1f} at the end (a shared machine: compare rows "
           "of this run). Each carver is a user of their own in a browser session of their own, pressing Run carve "
           "within the spread shown. **click → done** is until their page *shows* the job finished (the browser "
           "drew it); **click → seen** until the server's page script saw the job finished (the jobs table's "
           "seen_at; the same script run sends the finished label next), which leaves out the browsers (in use each "
           "browser runs on its user's computer, here on the server's two cores). "
           "Where each carver's time went: " + "; ".join(STAGE_WORDS) + f". Targets: with 4 at once each within 2× "
           f"the single carve; the watcher's {page_title} page open ≤ 2 s while they run. The warm-up row is the "
           "server's first carve (in the server: the local cluster the Carve page asked for starts in the background "
           "once the server has been quiet for a second, after it): not compared. "
           + f"The carvers' Chromium ran at niceness {nice}, the watcher's own at {watcher_nice} (the module doc of "
             "concurrent_bench.py says why).", "",
           "| carves at once | user | click → done (s) | × the single | click → seen (s) | × the single | "
           + " | ".join(f"{s} (s)" for s in STAGES) + " | status | where it ran |",
           "|---:|---|---:|---:|---:|---:|" + "---:|" * len(STAGES) + "---|---|"]
    for r in rows:
        for c in r["carvers"]:
            st = stages(c)
            out.append(f"| {_at_once(r)} | {c['user']} | {_f(c['click_done'])} | "
                       f"{_ratio(c['click_done'], done1, r['warmup'])} | {_f(c['click_seen'])} | "
                       f"{_ratio(c['click_seen'], seen1, r['warmup'])} | "
                       + " | ".join(_f(st[k], 2) for k in STAGES)
                       + f" | {c.get('status', '')} | {c.get('engine', '')} |")
    out += ["", f"The watcher's {page_title} open: until drawn in the browser, and in brackets until its script run's "
                "end reached the browser (the drawing left out, the browser's sending and receiving in); then by the "
                "server's own clock (benchmarks/server_clock.py): click → the server received the rerun (the "
                "browser sending it) + received → the run's end queued (the server's share).", "",
            f"| carves at once | clicks within (s) | watcher opens {page_title}, idle (s) | while they run (s) | "
            "server's clock, idle (s) | while they run (s) | carves still running then |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {_at_once(r)} | {r['spread']:.2f} | {r['idle']:.2f} ({_f(r['idle_server'], 2)}) | {r['loaded']:.2f} "
            f"({_f(r['loaded_server'], 2)}) | {_own(r.get('idle_own'))} | {_own(r.get('loaded_own'))} | "
            f"{r['running_at_open']} of {r['n']} |" for r in rows]
    out += ["", "CPU seconds from the first click until the last carver's page showed its job done (user + system): "
                "where the cores went.", "",
            "| carves at once | wall (s) | " + " | ".join(CPU_GROUPS) + " |", "|---:|---:|" + "---:|" * len(CPU_GROUPS)]
    out += [f"| {_at_once(r)} | {r['wall']:.1f} | " + " | ".join(f"{r['cpu'][g]:.1f}" for g in CPU_GROUPS) + " |"
            for r in rows]
    return "\n".join(out) + "\n"
