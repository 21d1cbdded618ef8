"""The handout's own words on the page of its section: Spanish, or English beside a note.

The text lives in ``ui/locales/handout.toml`` (copied from the course handout; the app never reads
the handout file itself). Each page of chapter 1, the MNIST task page and each exercise page calls
``handout_quote("<section>")`` once, near its top.
"""

from __future__ import annotations

import functools
import tomllib
from typing import Any

import streamlit as st

from ui.i18n.catalog import LOCALES
from ui.i18n.translate import _, language

HANDOUT = LOCALES / "handout.toml"


@functools.cache
def handout_sections() -> dict[str, dict[str, Any]]:
    """Every quoted section by number ("1.1" ... "3.3"): titles, Spanish text, translation."""
    with HANDOUT.open("rb") as file:
        return tomllib.load(file)


def handout_quote(section: str) -> None:
    """An expander with the handout's text for ``section`` in the session's language; open at
    first for the exercise statements (with their points), folded for the longer chapter 1."""
    entry = handout_sections()[section]
    spanish = language() == "es"
    title = entry["title_es"] if spanish else entry["title_en"]
    with st.expander(
        _("The handout: {section}").format(section=title),
        expanded=entry.get("expanded", False),
        icon=":material/menu_book:",
    ):
        st.markdown(entry["es"] if spanish else entry["en"])
        notes = []
        if not spanish:
            notes.append(
                _("Translated from the handout's Spanish original, “{title}”.").format(
                    title=entry["title_es"]
                )
            )
        if entry.get("code_omitted"):
            notes.append(_("The handout's code listings are left out: this page runs them."))
        if notes:
            st.caption(" ".join(notes))
