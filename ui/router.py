"""Keep the sectioned menu on a fresh server opened on a deep link.

Streamlit serves an app that has a ``pages/`` folder in its legacy multipage mode until some session
has run ``st.navigation``: the first visit to ``/exercise2_sweep`` on a fresh server would run that
page file alone, with a flat menu of every file and without the router's page config. Each page calls
`require_router` first: in legacy mode it turns legacy mode off for the whole server and reruns, so
the router (``streamlit_app.py``) runs and shows the requested page in its sectioned menu.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_router() -> None:
    """Rerun through the router if Streamlit ran this page in legacy ``pages/`` mode."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
