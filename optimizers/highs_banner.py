"""HiGHS's banner, kept out of the terminal.

HiGHS prints "Running HiGHS … Copyright …" from C, straight to file descriptor 1, when a process makes its first
solver object, before ``output_flag``/``msg=False`` can turn output off; later objects print nothing.  So the first
one is made here with descriptor 1 pointed at /dev/null, under a lock: the carve's parts make their solvers on
several threads at once, and without the lock a second thread could make the first object while the first thread
was still pointing descriptor 1 away (the banner then showed in `carve`'s output).
"""
from __future__ import annotations

import os
import sys
import threading

_LOCK = threading.Lock()
_made = False


def quiet_first_highs() -> None:
    """Make this process's first ``highspy.Highs()`` with standard output at /dev/null (once; cheap after)."""
    global _made
    if _made:
        return
    with _LOCK:
        if _made:
            return
        import highspy

        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError):  # no real stdout (embedded): the banner is harmless
            highspy.Highs()
        else:
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
        _made = True
