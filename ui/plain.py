"""User-written text (notes, comments, plan names) shown as plain text, never as markdown, links or colours.

Use ``st.text`` for a whole note; inside a markdown line (a status line with a bold plan name, a success or error
message) pass the user's words through :func:`md_escape` first.  ``[Your session expired](http://x)`` then reads
as those characters, not as a link, and neither ``:red[...]``, ``$...$``, ``<b>`` nor a bare ``http://`` or
``www.`` address turns into anything.  Characters that mean nothing inline (``@ . - / = &``) are left alone, so
an email or a date reads the same in the source as on the screen.
"""
from __future__ import annotations

import re

# inline markdown, HTML, LaTeX ($) and Streamlit's colour/emoji directives (":red[...]", ":material/...:");
# escaping ":" also breaks a bare "http://" autolink
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$:])")
_WWW = re.compile(r"(?i)\b(www)\.")  # a bare www. address autolinks
_LIST = re.compile(r"^(\s*)(\d+)([.)])")  # "1. " at the start would open a list


def md_escape(text) -> str:
    """``text`` as literal characters inside st.markdown / st.caption / st.success / st.error (one line)."""
    s = "" if text is None else str(text)
    s = re.sub(r"\s*[\r\n]+\s*", " ", s)
    s = _SPECIAL.sub(r"\\\1", s)
    s = _WWW.sub(r"\1\\.", s)
    s = _LIST.sub(r"\1\2\\\3", s)
    return "\\" + s if s.startswith(("-", "=")) else s
