"""Which language a session reads: the URL's ``?lang=``, else the session's choice, else the
browser's language; the sidebar switch changes it.

The router calls `choose_language` first thing on every run (deep links included: in legacy mode
``require_router`` runs the router, which reads the same URL) and writes the result back into the
URL, so the address bar can always be shared: ``/exercise2_sweep?lang=es`` opens that page in
Spanish for anyone. A page switch drops the query string; the session still knows the language,
and the router puts ``?lang=`` back.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n.catalog import LANGUAGE_NAMES, LANGUAGES, SOURCE_LANGUAGE
from ui.i18n.translate import SESSION_KEY, _, language

QUERY_PARAMETER = "lang"
SWITCH_KEY = "i18n_switch"
#: The session-state keys the router owns on every page (pages keep to their own prefixes).
SESSION_KEYS = frozenset({SESSION_KEY, SWITCH_KEY})


def language_of_locale(locale: str | None) -> str:
    """The app's language for a browser locale: Spanish for any ``es`` variant, else English.

    >>> language_of_locale("es-ES"), language_of_locale("es_419"), language_of_locale("ca-ES")
    ('es', 'es', 'en')
    """
    if locale and locale.replace("_", "-").split("-")[0].strip().lower() == "es":
        return "es"
    return SOURCE_LANGUAGE


def resolve_language(requested: str | None, remembered: str | None, locale: str | None) -> str:
    """The language of this run.

    Parameters
    ----------
    requested : str or None
        The URL's ``lang`` value, None when the URL has none. Any value but "es"/"en" (in any
        case) means English: a mistyped link still opens, in the source language.
    remembered : str or None
        The session's language from earlier runs.
    locale : str or None
        The browser's language (``st.context.locale``, e.g. "es-ES"), for a first visit.
    """
    if requested is not None:
        value = requested.strip().lower()
        return value if value in LANGUAGES else SOURCE_LANGUAGE
    if remembered in LANGUAGES:
        return remembered  # type: ignore[return-value]
    return language_of_locale(locale)


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser behind this run (bare mode, some test harnesses)
        return None


def choose_language() -> str:
    """Settle the session's language for this run and keep it in the URL; return it."""
    requested = st.query_params.get(QUERY_PARAMETER)
    chosen = resolve_language(requested, st.session_state.get(SESSION_KEY), _browser_locale())
    st.session_state[SESSION_KEY] = chosen
    if requested != chosen:
        st.query_params[QUERY_PARAMETER] = chosen
    return chosen


def _switched() -> None:
    chosen = st.session_state.get(SWITCH_KEY)
    if chosen in LANGUAGES:  # None when the selected option is clicked again
        st.session_state[SESSION_KEY] = chosen
        st.query_params[QUERY_PARAMETER] = chosen


def language_switch() -> None:
    """The sidebar's switch between the languages, each named in itself (English / Español)."""
    st.session_state[SWITCH_KEY] = language()
    st.sidebar.segmented_control(
        _("Language"),
        LANGUAGES,
        key=SWITCH_KEY,
        required=True,
        format_func=LANGUAGE_NAMES.__getitem__,
        on_change=_switched,
    )
