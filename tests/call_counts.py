"""Counting the core's calls from a page test (issue 26: a rerun must not compute a report again): a function or
method is patched to count each call and still run, so the page draws the same figures while the test reads how
often it asked for them."""
from __future__ import annotations

from collections import Counter


def count_calls(monkeypatch, calls: Counter, owner, *names: str) -> Counter:
    """Count every call of ``owner.<name>`` for each of ``names`` in ``calls[name]`` (the real one still runs);
    ``owner`` is a module or a class (a method counts the calls of every instance).  Undone by ``monkeypatch``
    at the end of the test.  Returns ``calls``."""
    for name in names:
        real = getattr(owner, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)
    return calls
