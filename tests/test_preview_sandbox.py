"""The printable summary's preview is isolated from the app (issue 27): a data: document (an opaque origin) whose
inner frame is sandboxed with no permissions, under a CSP that allows inline styles only; the page uses it."""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from planning.reporting import usd
from ui.preview import CSP, sandboxed_document

ROOT = Path(__file__).resolve().parents[1]


def _decode(url: str) -> str:
    assert url.startswith("data:text/html;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode("utf-8")


def test_the_preview_frame_has_no_permissions_and_no_same_origin():
    doc = _decode(sandboxed_document('<p>Q3 <script>parent.document.title="x"</script> ' + usd(1.2e6) + "</p>"))
    frames = re.findall(r"<iframe[^>]*>", doc)
    assert len(frames) == 1 and 'sandbox=""' in frames[0]
    assert "allow-same-origin" not in doc and "allow-scripts" not in doc
    assert f'content="{CSP}' in doc and "script-src" not in CSP and "default-src 'none'" in CSP
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', doc).group(1))
    assert "$1.20M" in inner and "<script>" in inner  # shown inert inside the sandbox, not run in the app


def test_the_disruption_page_previews_through_the_sandbox():
    src = (ROOT / "pages" / "6_Disruption.py").read_text(encoding="utf-8")
    assert "preview_html(" in src and "st.iframe(" not in src


def test_only_the_open_disruption_tab_runs(tmp_path, monkeypatch):
    """Speed (issues 26 and 23): only the open tab's body runs.  The two maps were most of each Disruption rerun, and
    a page open drew all six tabs' tables while other people's finished carves were drawn on the same server."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")  # the shipped draft: plan B moves accounts
    at = AppTest.from_file(str(ROOT / "pages" / "6_Disruption.py"), default_timeout=300).run()
    assert not at.exception and len(at.get("deck_gl_json_chart")) == 0
    # the first tab alone: the flow chart and its table, none of the other tabs' tables
    assert len(at.get("vega_lite_chart")) == 1 and [list(d.value.columns)[:2] for d in at.dataframe] == \
        [["source", "target"]]
    at.segmented_control(key="dis_flow_value").set_value("arr_usd").run()
    at.session_state["dis_tab"] = "Per rep"
    at.run()
    assert not at.exception and not at.get("vega_lite_chart") and len(at.dataframe) == 1
    assert {"rep", "pct_arr_retained"} <= set(at.dataframe[0].value.columns)
    at.session_state["dis_tab"] = "Map"
    at.run()
    assert not at.exception and len(at.get("deck_gl_json_chart")) == 1
    at.session_state["dis_tab"] = "From → to flow"
    at.run()  # the measure picked before is kept while its tab was closed
    assert at.segmented_control(key="dis_flow_value").value == "arr_usd"
