"""Numbers as a reader of each language writes them: the one home of number formatting for display.

Every function takes the language as an argument (``"en"`` or ``"es"``); nothing here reads a session
(the app passes the viewer's language through ``ui.i18n``, which wraps these functions). English uses
a decimal point and comma thousands (``1,234.5``, ``1.19%``, ``[1.00, 1.42]``). Spanish follows the
CLDR ``es`` locale and the RAE's *Ortografía*: decimal comma, a point between thousands only from
five digits on (``6000`` but ``54.000``), a non-breaking space before ``%`` (``1,19 %``), and ``;``
between the bounds of an interval, since the comma is the decimal mark (``[1,00; 1,42]``).

These strings are for reading. Files meant for programs (CSV downloads, JSON) keep plain numbers
with a decimal point.

>>> percent(0.0119, language="es"), percent(0.0119, language="en")
('1,19\\xa0%', '1.19%')
>>> interval(1.0, 1.42, language="es")
'[1,00; 1,42]'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # scipy stays unimported for pages that only format numbers
    from mlp_core.report import intervals

#: Languages the functions know; the first is the default (the source language of the app).
LANGUAGES: tuple[str, ...] = ("en", "es")

NBSP = "\u00a0"  # the space of "1,19 %": never broken at the end of a line
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
NOT_A_NUMBER = "—"  # what a NaN or an infinite value reads as


def _check(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")


def _localize(english: str, language: str) -> str:
    """Turn Python's ``"12,345.6"`` into the language's marks."""
    if language == "en":
        return english
    sign = english[0] if english[:1] in ("-", "+") else ""
    whole, _, fraction = english[len(sign) :].partition(".")
    digits = whole.replace(",", "")
    # Spanish: no separator in a four-digit number (CLDR minimumGroupingDigits = 2).
    whole = digits if len(digits) <= 4 else whole.replace(",", ".")
    return sign + whole + ("," + fraction if fraction else "")


def decimal(value: float, decimals: int = 2, language: str = "en", sign: bool = False) -> str:
    """``value`` with ``decimals`` digits after the mark, thousands grouped; ``sign`` adds ``+``.

    >>> decimal(12345.678, 1), decimal(12345.678, 1, "es"), decimal(0.25, 2, "es", sign=True)
    ('12,345.7', '12.345,7', '+0,25')
    """
    _check(language)
    if not math.isfinite(value):
        return NOT_A_NUMBER
    return _localize(f"{value:{'+' if sign else ''},.{decimals}f}", language)


def count(n: int, language: str = "en") -> str:
    """A whole number with thousands separators: ``"54,000"`` / ``"54.000"`` (``"6000"`` in es)."""
    return decimal(int(n), 0, language)


def number(value: float, significant: int = 4, language: str = "en") -> str:
    """``value`` to ``significant`` digits, as Python's ``g`` format (``0.001``, ``1e-06``).

    >>> number(0.00125, 2, "es"), number(1e-6, 2, "es")
    ('0,0013', '10⁻⁶')
    """
    _check(language)
    if not math.isfinite(value):
        return NOT_A_NUMBER
    text = f"{value:.{significant}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return scientific(float(mantissa), int(exponent), language)
    return _localize(text, language)


def scientific(mantissa: float, exponent: int, language: str = "en") -> str:
    """``mantissa`` × 10^``exponent``: ``"3.1e-05"`` in English (Python's own notation, as before),
    ``"3,1·10⁻⁵"`` in Spanish (a raised exponent, as Spanish texts print it)."""
    _check(language)
    if language == "en":
        return f"{mantissa:g}e{exponent:+03d}"
    head = "" if mantissa == 1 else _localize(f"{mantissa:g}", language) + "·"
    return f"{head}10{str(exponent).translate(_SUPERSCRIPTS)}"


def percent(rate: float, decimals: int = 2, language: str = "en", sign: bool = False) -> str:
    """A fraction in [0, 1] as a percent: ``"1.19%"`` / ``"1,19 %"`` (non-breaking space).

    >>> percent(0.0141), percent(0.0141, 1, "es"), percent(-0.0025, 2, "en", sign=True)
    ('1.41%', '1,4\\xa0%', '-0.25%')
    """
    text = decimal(100 * rate, decimals, language, sign)
    if text == NOT_A_NUMBER:
        return text
    return text + ("%" if language == "en" else NBSP + "%")


def interval(lower: float, upper: float, decimals: int = 2, language: str = "en") -> str:
    """The bounds of an interval as given (no scaling): ``"[1.00, 1.42]"`` / ``"[1,00; 1,42]"``."""
    separator = ", " if language == "en" else "; "
    return f"[{decimal(lower, decimals, language)}{separator}{decimal(upper, decimals, language)}]"


def interval_text(interval_: intervals.Interval, decimals: int = 2, language: str = "en") -> str:
    """An error with its interval in percent and its n.

    >>> from mlp_core.report.intervals import error_interval
    >>> interval_text(error_interval(141, 10000))
    '1.41% [1.20, 1.66] (n=10000)'
    >>> interval_text(error_interval(141, 10000), language="es")
    '1,41\\xa0% [1,20; 1,66] (n=10.000)'
    """
    bounds = interval(100 * interval_.lower, 100 * interval_.upper, decimals, language)
    size = interval_.n if language == "en" else count(interval_.n, language)
    return f"{percent(interval_.error, decimals, language)} {bounds} (n={size})"


def p_value_text(p_value: float, language: str = "en") -> str:
    """``"p=0.43"``: two significant digits, scientific below 0.001 (``"p=3.1e-05"``, in Spanish
    ``"p=3,1·10⁻⁵"``), and ``"p<1e-300"`` (``"p<10⁻³⁰⁰"``) where the p-value underflows to 0.

    >>> p_value_text(0.4321, "es"), p_value_text(3.14e-5, "es"), p_value_text(0.0, "es")
    ('p=0,43', 'p=3,1·10⁻⁵', 'p<10⁻³⁰⁰')
    """
    _check(language)
    if p_value <= 0.0:
        return "p<" + scientific(1, -300, language)
    if p_value < 1e-3:
        english = f"{p_value:.1e}"  # "3.1e-05", "1.0e-12"
        if language == "en":
            return f"p={english}"
        mantissa, exponent = english.split("e")
        return "p=" + scientific(float(mantissa), int(exponent), language)
    return "p=" + _localize(f"{p_value:.2g}", language)


def duration(seconds: float, language: str = "en") -> str:
    """``"9.5 s"``, ``"42 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``; SI symbols in both languages,
    only the decimal mark differs (``"9,5 s"``). Negative durations read as 0."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{decimal(seconds, 0 if seconds >= 10 else 1, language)}{NBSP}s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}{NBSP}min {rest:02d}{NBSP}s"
    hours, minutes = divmod(minutes, 60)
    return f"{count(hours, language)}{NBSP}h {minutes:02d}{NBSP}min"


def d3_locale(language: str = "en") -> dict[str, object]:
    """The d3-format number locale of the language, for Vega-Lite's ``config.locale.number`` (Altair
    ``chart.configure(locale={"number": d3_locale(language)})``): chart axes and tooltips then use
    the same marks. d3 groups four-digit numbers too (``6.000`` on a Spanish axis)."""
    _check(language)
    if language == "en":
        return {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}
    return {
        "decimal": ",",
        "thousands": ".",
        "grouping": [3],
        "currency": ["", f"{NBSP}€"],
        "percent": f"{NBSP}%",
    }
