"""Territory & Capacity Planner: ``streamlit run app.py`` serves navigation.py (the script every session runs) and,
at server start, warms up what the first page needs while the browser loads Streamlit's JavaScript (ui.warm_up); the
HTML document asks for the first page's element code up front (ui.first_page_js), so the browser has it ready when the
first script run's elements arrive.

Streamlit finds the ``st.App`` below and runs it under uvicorn with the same command-line and config options; the
pages, their AppTests and ``streamlit run navigation.py`` (no warm-up, no preload) all work from navigation.py."""
import streamlit as st
from starlette.middleware import Middleware

from ui.first_page_js import PreloadFirstPage
from ui.warm_up import lifespan

app = st.App("navigation.py", lifespan=lifespan, middleware=[Middleware(PreloadFirstPage)])
