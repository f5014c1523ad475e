"""User-written text (notes, comments, plan names) shown as plain text, never as markdown, links or colours.

Use ``st.text`` for a whole note; inside a markdown line (a status line with a bold plan name, a success or error
message) pass the user's words through :func:`md_escape` first.  ``[Your session expired](http://x)`` then reads
as those characters, not as a link, and neither ``:red[...]``, ``$...$`` nor a bare ``http://`` URL turns into
anything.
"""
from __future__ import annotations

import re

# every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones markdown, GFM
# autolinks, Streamlit's colour/emoji directives (":red[...]", ":material/...:") and LaTeX ($) give a meaning
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:/@=&^%\"'])")


def md_escape(text) -> str:
    """``text`` as literal characters inside st.markdown / st.caption / st.success / st.error (one line)."""
    s = "" if text is None else str(text)
    s = re.sub(r"\s*[\r\n]+\s*", " ", s)
    return _SPECIAL.sub(r"\\\1", s)
