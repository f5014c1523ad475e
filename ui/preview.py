"""An HTML document previewed in the page without any access to the app.

Streamlit's own iframe carries ``allow-scripts allow-same-origin`` and an HTML string in it runs as the app's
origin.  The preview is instead a ``data:`` document (an opaque origin in every current browser) that shows the
HTML in an inner frame sandboxed with no permissions at all — no scripts, no same-origin access, no forms, no
navigation of the app — under a Content-Security-Policy that allows inline styles and nothing else."""
from __future__ import annotations

import base64
import html as html_lib

import streamlit as st

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def sandboxed_document(body_html: str) -> str:
    """The ``data:`` URL of a page that shows ``body_html`` in a fully sandboxed inner frame."""
    inner = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' + body_html
    outer = ('<!doctype html><html><head><meta charset="utf-8">'
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}; frame-src data: about:">'
             '<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head><body>'
             f'<iframe sandbox="" referrerpolicy="no-referrer" srcdoc="{html_lib.escape(inner, quote=True)}"></iframe>'
             '</body></html>')
    return "data:text/html;base64," + base64.b64encode(outer.encode("utf-8")).decode("ascii")


def preview_html(body_html: str, height: int = 600) -> None:
    """Show ``body_html`` (a report the app wrote) in the page, isolated from the app (see module doc)."""
    st.iframe(sandboxed_document(body_html), height=height)
