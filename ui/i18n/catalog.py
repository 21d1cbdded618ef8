"""The translation catalogs: ``ui/locales/<language>/LC_MESSAGES/messages.po``, read at run time.

The ``.po`` files are the only committed form of the catalogs: each is parsed once per process with
Babel and compiled in memory, so Community Cloud (which runs no build step) serves exactly what is
committed, and branches that add strings merge text, not binary ``.mo`` files. Fuzzy entries are
left out (they show in English until a translator confirms them). A catalog is immutable once
loaded, so one per language is shared by every session of the process; which one a session uses
is its own choice (`ui.i18n.translate.language`).

No Streamlit here: tests and tools load catalogs directly.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: Languages the app speaks, the source language (English) first.
LANGUAGES: tuple[str, ...] = ("en", "es")
SOURCE_LANGUAGE = "en"
#: Each language's name in itself, as the language switch shows it.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def po_path(language: str) -> Path:
    """Where the catalog of ``language`` lives, e.g. ``ui/locales/es/LC_MESSAGES/messages.po``."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; the source language (or any unknown one) translates
    nothing, so its text is the msgid itself."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    with po_path(language).open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
