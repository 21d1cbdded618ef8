"""Widget values that survive page switches: a shadow copy per widget key, per browser session.

Streamlit forgets a widget's state when a run does not draw it (any other page). A page calls
`remembered` before creating the widget (without ``value=``) and `remember` after it, so the widget
shows its last value when the user comes back. Nothing here reads the run store (`ui.store` does).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

#: Prefix of the shadow copy of a widget's value in ``st.session_state``.
SAVED_PREFIX = "_saved_"


def remembered(key: str, default: Any) -> None:
    """Give widget ``key`` its last value, even after the user visited another page.

    Call before creating the widget (without ``value=``), and `remember` after.
    """
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"{SAVED_PREFIX}{key}", default)


def remember(*keys: str) -> None:
    """Save the current value of widgets ``keys`` for `remembered`."""
    for key in keys:
        if key in st.session_state:
            st.session_state[f"{SAVED_PREFIX}{key}"] = st.session_state[key]
