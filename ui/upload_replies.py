"""A file picker that takes its file even when the page reruns at that moment (the upload e2e flake, issue 26).

Choosing a file makes the browser ask the server, over the websocket, where to upload it (``file_urls_request``);
the picker shows the file and uploads it only once the answer (``file_urls_response``) arrives.  Streamlit puts the
answer in the session's outgoing queue, and a script run that starts before that queue is sent clears it, keeping
only the run's lifecycle messages: the answer is lost, the picker waits for ever and shows nothing.  On a busy
machine the other picker's upload (accounts.csv, then reps.csv) starts exactly such a run while the second file's
answer waits to be sent.  :func:`keep_upload_replies` keeps those answers through the clear, as Streamlit keeps a
toast; the browser ignores an answer it no longer waits for.
"""
from __future__ import annotations

from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

REPLY = "file_urls_response"


def keep_upload_replies() -> None:
    """Make every session's outgoing queue keep upload-URL answers when a new script run clears it (idempotent)."""
    clear = ForwardMsgQueue.clear
    if getattr(clear, "keeps_upload_replies", False):
        return

    def clear_keeping_upload_replies(self, retain_lifecycle_msgs: bool = False,
                                     fragment_ids_this_run: list[str] | None = None) -> None:
        # only the clear at a run's start retains anything; a flush (retain False) sends the answers itself
        replies = [m for m in self._queue if m.WhichOneof("type") == REPLY] if retain_lifecycle_msgs else []
        clear(self, retain_lifecycle_msgs, fragment_ids_this_run)
        kept = {id(m) for m in self._queue}  # a fragment's run keeps messages that are not deltas itself
        self._queue.extend(m for m in replies if id(m) not in kept)

    clear_keeping_upload_replies.keeps_upload_replies = True
    ForwardMsgQueue.clear = clear_keeping_upload_replies
