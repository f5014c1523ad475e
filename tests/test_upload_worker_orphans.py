"""A killed server leaves no upload worker behind (the worker and the forkserver it keeps alive were ~100 MB each,
and every killed server or test server left a pair waiting forever)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# a "server": previews a small file through the worker (which leaves the pool's next worker waiting), prints its
# own pid, then waits to be killed
SERVER = """
import os, sys, time
from jobs import upload_worker
from planning.data.uploads import UploadLimits
upload_worker.preview("accounts.csv", b"account_id,name\\nA-1,Acme\\n", UploadLimits(max_mb=1, max_rows=5))
print(os.getpid(), flush=True)
time.sleep(600)
"""


def _descendants_of_forkservers_started_by(pid: int) -> list[int]:
    """The forkserver processes whose command line runs multiprocessing's forkserver and that the server started
    (their parent is the server, or init once it died), with their children."""
    out = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
    servers = {int(p) for p, pp, cmd in rows if "multiprocessing.forkserver import main" in cmd
               and int(pp) in (pid, 1)}
    return sorted(servers | {int(p) for p, pp, _ in rows if int(pp) in servers})


def test_killing_the_server_ends_its_upload_worker_and_forkserver():
    before = set(_descendants_of_forkservers_started_by(-1))
    proc = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        pid = int(proc.stdout.readline())
        started = set(_descendants_of_forkservers_started_by(pid)) - before
        assert started, "the preview ran in a worker forked by a forkserver"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = [p for p in started if os.path.exists(f"/proc/{p}")
                 and "zombie" not in Path(f"/proc/{p}/status").read_text().lower()]
        if not alive:
            return
        time.sleep(0.2)
    raise AssertionError(f"left behind after the server was killed: {alive}")
