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


def test_the_disruption_maps_are_drawn_only_while_their_tab_is_open(tmp_path, monkeypatch):
    """Speed (issue 26): the two maps were most of each Disruption rerun; they run when the Map tab is opened."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")  # the shipped draft: plan B moves accounts
    at = AppTest.from_file(str(ROOT / "pages" / "6_Disruption.py"), default_timeout=300).run()
    assert not at.exception and len(at.get("deck_gl_json_chart")) == 0
    assert any("drawn when this tab is open" in c.value for c in at.caption)
    at.session_state["dis_tab"] = "Map"
    at.run()
    assert not at.exception and len(at.get("deck_gl_json_chart")) == 1
