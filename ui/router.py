"""Keep the sectioned menu on a fresh server opened on a deep link.

Streamlit serves an app that has a ``pages/`` folder in its legacy multipage mode until some session
has run ``st.navigation``: the first visit to ``/exercise2_sweep`` on a fresh server would run that
page file alone, with a flat menu of every file and without the router's page config (and
``AppTest`` starts every run that way). Each page calls `require_router` first: in legacy mode it runs
the router (``streamlit_app.py``) in its place, within the same script run, so the requested page is
shown in the sectioned menu and the run's widget events (a button click) are not lost.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

ROUTER = Path(__file__).resolve().parent.parent / "streamlit_app.py"
PAGES = ROUTER.parent / "pages"


def page_file(name: str) -> str:
    """The absolute path of page ``name`` (e.g. ``"train.py"``), for ``st.page_link``: a relative
    path would be read against the entrypoint's folder, which differs on Community Cloud
    (``cloud/streamlit_app.py``)."""
    return str(PAGES / name)


def require_router() -> None:
    """If Streamlit ran this page without the router, run the router instead, then stop."""
    if PagesManager.uses_pages_directory:
        # st.navigation (in the router) turns legacy mode off for the whole server; the router then
        # runs this page again, and this check passes.
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()
