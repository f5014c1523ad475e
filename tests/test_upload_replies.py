"""A picker's upload-URL answer survives a script run that starts before it is sent (ui.upload_replies): Streamlit's
own outgoing queue dropped it, and the picker then never showed or uploaded its file (the upload e2e flake)."""
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

from ui.upload_replies import keep_upload_replies


def _msgs() -> dict[str, ForwardMsg]:
    reply = ForwardMsg()
    reply.file_urls_response.response_id = "req-7"
    reply.file_urls_response.file_urls.add(file_id="f1", upload_url="/_stcore/upload_file/s/f1")
    finished = ForwardMsg()
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    delta = ForwardMsg()
    delta.metadata.delta_path[:] = [0, 3]
    delta.delta.new_element.markdown.body = "the old run's text"
    return {"reply": reply, "finished": finished, "delta": delta}


def _queue() -> tuple[ForwardMsgQueue, dict[str, ForwardMsg]]:
    q, m = ForwardMsgQueue(), _msgs()
    for msg in m.values():
        q.enqueue(msg)
    return q, m


def test_a_new_run_keeps_the_answer_and_drops_the_old_runs_elements():
    keep_upload_replies()
    q, m = _queue()
    q.clear(retain_lifecycle_msgs=True)  # what a session does when a script run starts
    kinds = [x.WhichOneof("type") for x in q.flush()]
    assert sorted(kinds) == ["file_urls_response", "script_finished"]  # the delta went, as before
    assert len(q) == 0


def test_a_fragment_run_keeps_it_once():
    keep_upload_replies()
    keep_upload_replies()  # idempotent: a second call wraps nothing twice
    q, _ = _queue()
    q.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=["frag"])
    assert [x.WhichOneof("type") for x in q.flush()].count("file_urls_response") == 1


def test_a_flush_sends_it_and_an_empty_clear_forgets_it():
    keep_upload_replies()
    q, m = _queue()
    assert q.flush()[0] is m["reply"]
    assert len(q) == 0
    q, _ = _queue()
    q.clear()  # retain nothing: the session is going away
    assert len(q) == 0
