"""Run every benchmark on this machine and rebuild benchmarks/RESULTS.md from their tables.

    python benchmarks/run_all.py            # all (the carve sizes take about 3 minutes)
    python benchmarks/run_all.py --skip carve
    python benchmarks/run_all.py --with-scale  # also the 500,000 × 2,500 scale-out run (long)

Each script also runs alone and prints its table; this one only sequences them (never in parallel: the
machine is small and timings would disturb each other) and stitches their markdown together.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "data": ["data_bench.py", "--write"],
    "carve": ["carve_bench.py", "--metrics", "potential_usd,arr_usd,workload_hours,accounts"],
    "capacity": ["capacity_bench.py", "--write"],
    "comp": ["comp_bench.py", "--write"],
    "concurrent": ["concurrent_bench.py", "--write"],  # 1, 2, 4 users carving at once in Chromium: a few minutes
    "scale": ["scale_bench.py", "--write"],  # 500,000 × 2,500: an hour or more on 2 cores, so only on request
}
SLOW = {"scale"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip", nargs="*", default=[], choices=list(SCRIPTS))
    ap.add_argument("--with-scale", action="store_true", help="also run the 500,000 × 2,500 scale-out benchmark "
                    "(its last results_scale.md is included either way)")
    args = ap.parse_args()
    for name, cmd in SCRIPTS.items():
        if name in args.skip or (name in SLOW and not args.with_scale):
            continue
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]], check=True, cwd=HERE.parent)
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.machine()) if Path("/proc/cpuinfo").exists() else platform.machine()
    head = ["# Benchmark results", "",
            f"Machine: {cpu}, {os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
            f"Python {platform.python_version()}, {platform.system()}. Rebuilt {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
            "by `python benchmarks/run_all.py`; each section below comes from its own script, run one after another on "
            "an otherwise idle machine. Compare ratios within a run rather than absolute seconds across machines.", ""]
    parts = [(HERE / f"results_{n}.md").read_text().replace("\n# ", "\n## ").replace("# ", "## ", 1)
             for n in SCRIPTS if (HERE / f"results_{n}.md").exists()]
    (HERE / "RESULTS.md").write_text("\n".join(head) + "\n" + "\n".join(parts))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
