"""Territory & Capacity Planner: ``streamlit run app.py`` serves navigation.py (the script every session runs) and,
at server start, warms up what the first page needs while the browser loads Streamlit's JavaScript (ui.warm_up).

Streamlit finds the ``st.App`` below and runs it under uvicorn with the same command-line and config options; the
pages, their AppTests and ``streamlit run navigation.py`` (no warm-up) all work from navigation.py."""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.upload_replies import keep_upload_replies
from ui.warm_up import lifespan

# navigation.py sits beside a pages/ folder, which Streamlit reads as an old-style multipage app until a script has
# called st.navigation in this process: the server's first session ran that mode first, found no page at a deep
# link's path (/carve) and sent "Page not found" before navigation.py drew the right page under the dialog.
# st.navigation sets this same flag on its first call; setting it at server start makes the first session like
# every later one (tests/e2e/test_deep_links.py).
PagesManager.uses_pages_directory = False
keep_upload_replies()  # a picker's upload answer survives a rerun that starts before it is sent (ui.upload_replies)

app = st.App("navigation.py", lifespan=lifespan)
