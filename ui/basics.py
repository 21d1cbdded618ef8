"""Streamlit helpers shared by the "PyTorch basics" pages (handout sections 1.1 to 1.6).

Pages show a snippet of the handout with the user's values filled in, run that very text with
`mlp_core.basics.snippets.run_snippet`, and show what it printed. Errors become ``st.error`` messages.
The code and what it prints stay as Python wrote them (code is not translated); every sentence
around them goes through the catalog (`ui.i18n`). The data sets these pages read are in
`ui.basics_data`.
"""

from __future__ import annotations

import inspect
import math
import re
import unicodedata
from typing import Any

import streamlit as st

from mlp_core.basics.snippets import SnippetResult, run_snippet
from ui.i18n import _, language
from ui.images import upscale as upscale  # re-exported: the basics pages draw with it

#: Longest code / output line (characters) that fits in half of the wide layout (1280 px window,
#: sidebar open: 46 characters of output show unclipped); a wider snippet is shown full width with
#: its output below, so that code and torch's own line breaks stay readable.
SIDE_BY_SIDE_CODE = 50
SIDE_BY_SIDE_OUTPUT = 46


def header(title: str, handout_title: str, intro: str) -> None:
    """Page title (translated by the caller), the handout's (Spanish) section title as a caption,
    and a one-line intro (translated by the caller)."""
    st.title(title)
    st.caption(_("Handout: *{title}*").format(title=handout_title))
    st.markdown(intro)


def _words(text: str) -> str:
    """``text`` reduced to its letters and digits, lower case, for comparing two titles."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", " ", "".join(c for c in plain if not unicodedata.combining(c))).strip()


def section(title: str, handout_title: str | None = None) -> None:
    """A sub-header (translated by the caller), with the handout's wording beneath it when there is
    one and it says something the header does not (in Spanish the header often is that wording)."""
    st.subheader(title)
    if handout_title and _words(handout_title) not in _words(title):
        st.caption(_("Handout: *{title}*").format(title=handout_title))


def source_without_docstrings(obj: Any) -> str:
    """The source of a class or function without docstrings or type-checker comments, as the
    handout prints its code."""
    source = re.sub(r'\n\s+""".*?"""\n', "\n", inspect.getsource(obj), flags=re.S)
    return re.sub(r"\s+# type: ignore\[[^\]]*\].*$", "", source, flags=re.M)


def run_and_show(
    source: str,
    namespace: dict[str, Any] | None = None,
    side_by_side: bool = True,
    output_label: str | None = None,
) -> dict[str, Any] | None:
    """Show ``source``, run it, show what it printed; return its variables (None if it failed).

    ``output_label`` is the caption above the printed output (translated; "Output" by default).
    """
    try:
        result: SnippetResult | None = run_snippet(source, namespace)
    except Exception as error:  # shown as a message: the widgets allowed a value torch refuses
        result = None
        failure = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    code = result.source if result else source.strip("\n")
    printed = result.stdout.rstrip("\n") if result else ""
    side_by_side = (
        side_by_side
        and _widest(code) <= SIDE_BY_SIDE_CODE
        and _widest(printed) <= SIDE_BY_SIDE_OUTPUT
    )
    left, right = st.columns([1, 1]) if side_by_side else (st.container(), st.container())
    left.code(code, language="python", wrap_lines=True)
    if result is None:
        # The exception's own text is Python's (English), like any output of the code.
        right.error(_("This code raised `{failure}`").format(failure=failure))
        return None
    right.caption(output_label or _("Output"))
    right.code(printed or _("(nothing printed)"), language=None, wrap_lines=not side_by_side)
    return result.namespace


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float, digits: int = 2) -> str:
    """``value`` in scientific notation with ``digits`` after the mark: ``1.23e-08`` in English
    (as Python writes it), ``1,23·10⁻⁸`` in Spanish (as `mlp_core.report.numbers` writes powers;
    ``10⁻⁶`` for ``1e-06``)."""
    english = f"{value:.{digits}e}"
    if language() == "en" or not math.isfinite(value):
        return english
    mantissa, exponent = english.split("e")
    power = f"10{str(int(exponent)).translate(_SUPERSCRIPTS)}"
    return power if mantissa == "1" else f"{mantissa.replace('.', ',')}·{power}"
