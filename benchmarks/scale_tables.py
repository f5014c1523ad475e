"""The tables of benchmarks/scale_bench.py: one row per mode, the projection to N workers, per part, the books
furthest from their target and the driver's memory per stage (:func:`report`: the results_scale.md section), and a
report from a parts log, also of a run stopped early (:func:`from_log`)."""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path


def report(rows: list[dict], a) -> str:
    """The whole report of a run: the machine and command (``a``: scale_bench's arguments), then every table."""
    return (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Command: `python benchmarks/scale_bench.py "
            f"--accounts {a.accounts} --reps {a.reps} --modes {a.modes} --workers {a.workers} --part-limit {a.part_limit:g} "
            f"--time-limit {a.time_limit:g} --carve-mode {a.carve_mode}`.\n\n"
            + table(rows) + "\n\nProjected carve time on N workers from the measured per-part times of the "
            f"{rows[0]['mode']} run (parts dealt largest first; the critical path is the largest part):\n\n"
            + projection_table(rows[0]) + "\n\nPer part:\n\n" + parts_table(rows) + "\n\n"
            + books_table(rows) + "\n\n" + stages_table(rows) + "\n")


def lpt_makespan(times: list[float], n: int) -> float:
    """Wall time of ``times`` on ``n`` workers, largest first to the least-loaded worker."""
    load = [0.0] * n
    for t in sorted(times, reverse=True):
        load[load.index(min(load))] += t
    return max(load) if load else 0.0


def projection(row: dict, ns=(1, 2, 4, 8, 16, 24, 48)) -> list[dict]:
    """Projected carve wall time on N workers from the measured parts (driver work stays serial)."""
    times = [p["seconds"] for p in row["parts"]]
    # build, decomposition, assembly, reasons: the wall time less the parts as the run's own workers ran them (less
    # their plain sum, as this first did, is below zero on 2 workers and printed a driver of 0 s)
    serial = max(row["seconds_carve"] - lpt_makespan(times, int(row.get("workers", 1) or 1)), 0.0)
    out = []
    for n in ns:
        out.append({"workers": n, "parts_s": lpt_makespan(times, n), "driver_s": serial,
                    "total_s": serial + lpt_makespan(times, n)})
    return out


def table(rows: list[dict]) -> str:
    lines = ["| size | mode | status | gap | worst band dev | parts | largest part s | sum of parts s | carve s | "
             "cluster start s | peak RSS driver MB | peak RSS per worker MB | load avg (min–max) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        ts = [p["seconds"] for p in r["parts"]]
        dev = r.get("worst_dev_after")
        lines.append(
            f"| {r['accounts']:,}×{r['reps']:,}{_subset(r)} | {r['mode']} ({r['workers']} worker{'s' if r['workers'] > 1 else ''}) "
            f"| {r['status']} | {r['gap']:.2%} | {'–' if dev is None else f'{dev:.1%}'} | {len(ts)} "
            f"| {max(ts, default=0):,.1f} | {sum(ts):,.1f} "
            f"| {r['seconds_carve']:,.1f} | {r['seconds_cluster_start']:,.1f} | {r['peak_rss_mb_driver']:,.0f} "
            f"| {', '.join(f'{m:,.0f}' for m in r.get('peak_rss_mb_workers', [])) or '–'} "
            f"| {r.get('load_min', 0):.1f}–{r.get('load_max', 0):.1f} |")
    return "\n".join(lines)


def parts_table(rows: list[dict]) -> str:
    """Per part: pairs, and seconds / status / gap in each mode."""
    names = [p["name"] for p in sorted(rows[0]["parts"], key=lambda p: -p["pairs"])]
    head = "| part | pairs | " + " | ".join(f"{r['mode']} s | status | gap" for r in rows) + " |"
    lines = [head, "|---|---:|" + "---:|---|---:|" * len(rows)]
    for n in names:
        cells = []
        for r in rows:
            p = next((x for x in r["parts"] if x["name"] == n), None)
            cells.append("– | – | –" if p is None else f"{p['seconds']:,.1f} | {p['status']} | {p.get('gap', 0):.2%}")
        pairs = next(x["pairs"] for x in rows[0]["parts"] if x["name"] == n)
        lines.append(f"| {n} | {pairs:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def books_table(rows: list[dict]) -> str:
    """The books furthest from their target, per mode."""
    lines = ["Books furthest from their target:", "",
             "| mode | territory | segment · region | metric | book | target | deviation |",
             "|---|---|---|---|---:|---:|---:|"]
    for r in rows:
        for b in r.get("worst_books", []):
            lines.append(f"| {r['mode']} | {b['territory']} | {b['segment']} · {b['region']} | {b['metric']} "
                         f"| {b['load']:,.0f} | {b['target']:,.0f} | {b['dev']:+.1%} |")
    return "\n".join(lines)


def stages_table(rows: list[dict]) -> str:
    """The driver's peak RSS per stage of the carve (sampled every 0.5 s), per mode."""
    lines = ["The driver's memory per stage of the carve (peak RSS sampled every 0.5 s; \"inputs\": the company "
             "generated or read, before the carve):", "", "| mode | stage | seconds | peak RSS driver MB |",
             "|---|---|---:|---:|"]
    for r in rows:
        for st in r.get("driver_mb_by_stage", []):
            peak = "–" if st["peak_mb"] is None else f"{st['peak_mb']:,.0f}"
            lines.append(f"| {r['mode']} | {st['stage']} | {st['seconds']:,.1f} | {peak} |")
    return "\n".join(lines)


def _subset(r: dict) -> str:
    return "" if r.get("regions", "all") == "all" else f" (region {', '.join(r['regions'])} of {r['of_company']})"


def projection_table(row: dict) -> str:
    lines = ["| workers | parts (LPT) s | driver (serial) s | projected carve s |", "|---:|---:|---:|---:|"]
    for p in projection(row):
        lines.append(f"| {p['workers']} | {p['parts_s']:,.1f} | {p['driver_s']:,.1f} | {p['total_s']:,.1f} |")
    return "\n".join(lines)


def from_log(path: Path) -> str:
    """A report from a parts log, also for a run stopped before the end: the parts it measured, and for the rest an
    estimate at the measured seconds per candidate pair (said as such)."""
    events = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    out = []
    for mode in dict.fromkeys(e["mode"] for e in events):
        ev = [e for e in events if e["mode"] == mode]
        gen = next(e for e in ev if e["event"] == "generated")
        sub = next((e for e in ev if e["event"] == "parts submitted"), None)
        parts = [e for e in ev if e["event"] == "part"]
        done = next((e for e in ev if e["event"] == "done"), None)
        size = f"{gen['accounts']:,}×{gen['reps']:,}"
        if gen.get("subset"):
            size = f"{gen['subset_accounts']:,}×{gen['subset_reps']:,} (region {', '.join(gen['subset'])} of {size})"
        if sub is None:
            out.append(f"{size} {mode}: stopped while building the model ({ev[-1]['t'] - gen['t']:,.0f} s after "
                       f"generating; peak RSS {ev[-1]['rss_mb']:,.0f} MB)")
            continue
        build = sub["t"] - gen["t"]
        measured = {p["name"]: p for p in parts}
        rate = sum(p["seconds"] for p in parts) / max(sum(p["pairs"] for p in parts), 1)
        times, est = [], 0
        for name, pairs in zip(sub["names"], sub["pairs"]):
            if name in measured:
                times.append(measured[name]["seconds"])
            else:
                times.append(rate * pairs)
                est += 1
        lines = [f"**{size}, {mode}**: generated in {gen['seconds']:,.0f} s; model built in {build:,.0f} s "
                 f"({sum(sub['pairs']):,} candidate pairs, {sub['parts']} parts); {len(parts)} of {sub['parts']} parts "
                 f"solved" + (f" (status {', '.join(sorted({p['status'] for p in parts}))}, worst part gap "
                              f"{max(p['gap'] for p in parts):.2%})" if parts else "")
                 + f"; peak RSS so far {ev[-1]['rss_mb']:,.0f} MB."]
        if done:
            lines.append(f"Finished: {done['status']}, gap {done['gap']:.2%}, carve {done['seconds_carve']:,.0f} s.")
        if est:
            lines.append(f"{est} part(s) not reached: estimated at the measured {rate * 1e6:,.1f} s per million pairs.")
        lines.append("")
        lines.append("| part | pairs | seconds | measured |")
        lines.append("|---|---:|---:|---|")
        for name, pairs, t in sorted(zip(sub["names"], sub["pairs"], times), key=lambda x: -x[1]):
            lines.append(f"| {name} | {pairs:,} | {t:,.1f} | {'yes' if name in measured else 'estimate'} |")
        lines.append("")
        lines.append("| workers | parts (LPT) s | build s | projected carve s (build + parts) |")
        lines.append("|---:|---:|---:|---:|")
        for n in (1, 2, 4, 8, 16, 24, 48):
            lines.append(f"| {n} | {lpt_makespan(times, n):,.0f} | {build:,.0f} | {build + lpt_makespan(times, n):,.0f} |")
        lines.append(f"\nCritical path: the largest part, {max(times):,.0f} s; from {sub['parts']} workers on, the carve "
                     f"takes build + {max(times):,.0f} s.")
        out.append("\n".join(lines))
    return "\n\n".join(out)
