"""`mlp_core.report.numbers` in the session's language: what pages call to show a number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlp_core.report import numbers
from ui.i18n.translate import _, language

if TYPE_CHECKING:
    from mlp_core.report.intervals import Interval


def percent(rate: float, decimals: int = 2, sign: bool = False) -> str:
    """A fraction as a percent: ``1.19%`` / ``1,19 %``."""
    return numbers.percent(rate, decimals, language(), sign)


def decimal(value: float, decimals: int = 2, sign: bool = False) -> str:
    """A number with fixed decimals: ``12,345.7`` / ``12.345,7``."""
    return numbers.decimal(value, decimals, language(), sign)


def count(n: int) -> str:
    """A whole number: ``54,000`` / ``54.000``."""
    return numbers.count(n, language())


def number(value: float, significant: int = 4) -> str:
    """A number to ``significant`` digits: ``0.001`` / ``0,001``, ``1e-06`` / ``10⁻⁶``."""
    return numbers.number(value, significant, language())


def interval(lower: float, upper: float, decimals: int = 2) -> str:
    """Bounds as given: ``[1.00, 1.42]`` / ``[1,00; 1,42]``."""
    return numbers.interval(lower, upper, decimals, language())


def interval_text(interval_: Interval, decimals: int = 2) -> str:
    """An error rate with its interval: ``1.41% [1.20, 1.66] (n=10000)``."""
    return numbers.interval_text(interval_, decimals, language())


def p_value(p: float) -> str:
    """``p=0.43`` / ``p=0,43``; ``p=3.1e-05`` / ``p=3,1·10⁻⁵``."""
    return numbers.p_value_text(p, language())


def duration(seconds: float) -> str:
    """``3 min 05 s``; ``9.5 s`` / ``9,5 s``."""
    return numbers.duration(seconds, language())


def chart_locale() -> dict[str, object]:
    """Vega-Lite's ``config.locale`` for the session's language: pass it to a chart builder,
    which applies ``chart.configure(locale=...)``, so axes and tooltips use the same marks."""
    return {"number": numbers.d3_locale(language())}


def csv_note() -> str:
    """The sentence to put beside a CSV download: it is machine-readable, whatever the language."""
    return _(
        "CSV files keep a decimal point and English column names, so that any spreadsheet or "
        "program reads them the same way in every language."
    )
