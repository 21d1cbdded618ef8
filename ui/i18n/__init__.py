"""The app in Spanish and English: gettext per browser session, numbers in the session's language.

English is the source language; the Spanish catalog is ``ui/locales/es/LC_MESSAGES/messages.po``
(README, "Translations": add, extract, translate, check). The router settles each run's language
(URL ``?lang=es|en``, else the session's choice, else the browser's) before any page code runs.

Rules for every page and ui module (the catalog test in tests/test_translations.py checks the
first three):

1. **Every text a user reads goes through the catalog** at display time, with a literal English
   msgid: ``st.subheader(_("Learning curves"))``. Values go in named fields, filled *after*
   translation: ``_("{n} runs stored").format(n=count(n))``. Never ``_(f"...")``, never glue
   translated fragments together (Spanish orders words differently): translate whole sentences.
2. **Counts** pick their form with ``ngettext("{n} epoch", "{n} epochs", n).format(n=count(n))``.
   A short English word with two Spanish meanings gets a context: ``pgettext("split", "test")``.
3. **Module-level constants** (dicts of labels, option names) are marked with ``N_("...")`` and
   translated where they are shown: ``format_func=lambda key: _(LABELS[key])``. Nothing is
   translated at import time: one process serves viewers of both languages.
4. **Numbers** in text go through `percent`, `decimal`, `count`, `number`, `interval`,
   `interval_text`, `p_value`, `duration` (never ``f"{x:.2f}%"``): decimal comma and ``1,19 %`` in
   Spanish; a sortable table gets ``st.dataframe(localized_numbers(frame, {column: decimals}))``
   (``column_config``'s printf formats always write a point). `mlp_core` formats with ``mlp_core.report.numbers``, taking the language as an
   argument; it never reads the session. Charts get `chart_locale`.
5. **Errors raised by mlp_core**: a message a user may see is a ``mlp_core.errors.CodedError``
   (bad input) or an exception class with ``mlp_core.errors.Coded`` mixed in (e.g. a store error),
   with a registered code and parameters (its ``str`` is the English the command line prints).
   A text that is not an error (a reason in a report, a data set's state) is a
   ``mlp_core.errors.CodedText``, a ``str`` with a code. Add the code's English template to
   ``ui/i18n/errors.py`` or ``ui/i18n/library_texts.py`` (marked with ``N_``, same text and
   fields: a test compares them) and show ``error_message(error)`` or ``library_text(text)``;
   never show ``str(error)``, never parse the English.
6. **Files for programs stay English**: CSV and JSON downloads keep a decimal point and English
   column names; put `csv_note` beside the button. Reports for reading (Markdown, LaTeX) follow
   the language.
7. **Identifiers are not translated**: option values (``adam``, ``relu``), config field names,
   run labels and store keys stay as they are; translate the words around them.
8. **Use the glossary** ``ui/locales/glossary.csv`` (the handout's terms: época, tasa de error,
   conjunto de validación...): the catalog test checks Spanish entries against it.
9. In a module that translates, ``_`` is the gettext function: do not use it as a throwaway name.
"""

from ui.i18n.catalog import LANGUAGE_NAMES, LANGUAGES, SOURCE_LANGUAGE
from ui.i18n.choice import QUERY_PARAMETER, SESSION_KEYS, choose_language, language_switch
from ui.i18n.errors import error_message, library_text
from ui.i18n.formats import (
    chart_locale,
    count,
    csv_note,
    decimal,
    duration,
    interval,
    interval_text,
    localized_numbers,
    number,
    p_value,
    percent,
)
from ui.i18n.handout import handout_quote
from ui.i18n.translate import N_, _, language, ngettext, npgettext, pgettext

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "QUERY_PARAMETER",
    "SESSION_KEYS",
    "SOURCE_LANGUAGE",
    "_",
    "chart_locale",
    "choose_language",
    "count",
    "csv_note",
    "decimal",
    "duration",
    "error_message",
    "handout_quote",
    "interval",
    "interval_text",
    "language",
    "language_switch",
    "library_text",
    "localized_numbers",
    "ngettext",
    "npgettext",
    "number",
    "p_value",
    "percent",
    "pgettext",
]
