"""`mlp_core.report.numbers` in the session's language: what pages call to show a number."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mlp_core.report import numbers
from ui.i18n.translate import _, language

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

    from mlp_core.report.intervals import Interval

#: How a table column's numbers are written: decimals (an int), signed decimals ("+2") or
#: significant digits ("g3").
NumberSpec = int | str


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


def number_formatter(spec: NumberSpec) -> Callable[[float], str]:
    """``spec`` as a function of a value: an int is fixed decimals (`decimal`), ``"+N"`` the same
    with a sign, ``"gN"`` is N significant digits (`number`)."""
    if isinstance(spec, int):
        return lambda value: decimal(float(value), spec)
    if spec.startswith("+"):
        return lambda value: decimal(float(value), int(spec[1:]), sign=True)
    return lambda value: number(float(value), int(spec[1:] or 4))


def localized_numbers(frame: pd.DataFrame, specs: dict[str, NumberSpec]) -> Styler:
    """``frame`` for ``st.dataframe`` with its numbers written in the session's language
    (decimal comma in Spanish): the cells show the text, sorting still uses the numbers.
    (``column_config``'s printf formats always write a decimal point.) Missing values show "—"."""
    shown = {column: number_formatter(spec) for column, spec in specs.items() if column in frame}
    return frame.style.format(shown, na_rep="—")
