"""Streamlit helpers shared by the pages: session state, charts, download widgets.

Only views import this package; ``planning`` and ``optimizers`` never do.
"""
