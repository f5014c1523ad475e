"""Territory & Capacity Planner: ``streamlit run app.py`` serves navigation.py (the script every session runs) and,
at server start, warms up what the first page needs while the browser loads Streamlit's JavaScript (ui.warm_up).

Streamlit finds the ``st.App`` below and runs it under uvicorn with the same command-line and config options; the
pages, their AppTests and ``streamlit run navigation.py`` (no warm-up) all work from navigation.py."""
import streamlit as st

from ui.warm_up import lifespan

app = st.App("navigation.py", lifespan=lifespan)
