"""gettext for the viewer's session: ``_``, ``ngettext``, ``pgettext``, ``npgettext``, ``N_``.

Every call looks the session's language up at that moment (`language`), so one server process can
serve a Spanish and an English viewer at once. Call them while a page runs, not at import time:
a module-level constant is marked with `N_` and translated where it is shown, ``_(CONSTANT)``.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n.catalog import LANGUAGES, SOURCE_LANGUAGE, translations

#: The session-state key holding the session's language ("en" or "es"); set by the router.
SESSION_KEY = "i18n_language"


def language() -> str:
    """The language of the current session ("en" or "es"); English outside a session."""
    chosen = st.session_state.get(SESSION_KEY)
    return chosen if chosen in LANGUAGES else SOURCE_LANGUAGE


def _(message: str) -> str:
    """``message`` (English, a literal) in the session's language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for count ``n``, in the session's language (Spanish and
    English both have two forms); format ``n`` into it yourself: ``.format(n=count(n))``."""
    return translations(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the sense given by ``context``, for short English words that Spanish
    translates two ways (e.g. ``pgettext("data split", "test")``)."""
    return translations(language()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """`ngettext` with a context."""
    return translations(language()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (module-level constants);
    translate it where it is shown with ``_(message)``."""
    return message
