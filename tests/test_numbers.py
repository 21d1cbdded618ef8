"""Numbers follow the language: decimal comma and "1,19 %" in Spanish, decimal point in English."""

from __future__ import annotations

import doctest
import math

import pytest
from babel import Locale

from mlp_core import errors
from mlp_core.report import numbers, tables
from mlp_core.report.intervals import error_interval

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("rate", "decimals", "english", "spanish"),
    [
        (0.0119, 2, "1.19%", f"1,19{NBSP}%"),
        (0.0141, 1, "1.4%", f"1,4{NBSP}%"),
        (0.0, 2, "0.00%", f"0,00{NBSP}%"),
        (1.0, 0, "100%", f"100{NBSP}%"),
        (123.456, 1, "12,345.6%", f"12.345,6{NBSP}%"),
    ],
)
def test_percent(rate: float, decimals: int, english: str, spanish: str) -> None:
    assert numbers.percent(rate, decimals, "en") == english
    assert numbers.percent(rate, decimals, "es") == spanish


def test_percent_sign_for_differences() -> None:
    assert numbers.percent(0.0025, 2, "en", sign=True) == "+0.25%"
    assert numbers.percent(-0.0025, 2, "es", sign=True) == f"-0,25{NBSP}%"


def test_intervals_use_a_semicolon_where_the_comma_is_the_decimal_mark() -> None:
    assert numbers.interval(1.0, 1.42) == "[1.00, 1.42]"
    assert numbers.interval(1.0, 1.42, language="es") == "[1,00; 1,42]"
    assert numbers.interval(0.123, 12.5, 1, "es") == "[0,1; 12,5]"


def test_interval_text_of_an_error_interval() -> None:
    interval = error_interval(141, 10000)  # Wilson 95 %: [1.197%, 1.659%]
    assert numbers.interval_text(interval) == "1.41% [1.20, 1.66] (n=10000)"
    assert numbers.interval_text(interval, language="es") == f"1,41{NBSP}% [1,20; 1,66] (n=10.000)"


@pytest.mark.parametrize(
    ("p_value", "english", "spanish"),
    [
        (0.4321, "p=0.43", "p=0,43"),
        (0.05, "p=0.05", "p=0,05"),
        (1.0, "p=1", "p=1"),
        (0.0012, "p=0.0012", "p=0,0012"),
        (3.14e-5, "p=3.1e-05", "p=3,1·10⁻⁵"),
        (1e-12, "p=1.0e-12", "p=10⁻¹²"),
        (2.5e-250, "p=2.5e-250", "p=2,5·10⁻²⁵⁰"),
        (0.0, "p<1e-300", "p<10⁻³⁰⁰"),
    ],
)
def test_p_values_including_very_small_ones(p_value: float, english: str, spanish: str) -> None:
    assert numbers.p_value_text(p_value, "en") == english
    assert numbers.p_value_text(p_value, "es") == spanish


@pytest.mark.parametrize(
    ("n", "english", "spanish"),
    [
        (0, "0", "0"),
        (999, "999", "999"),
        (6000, "6,000", "6000"),  # RAE / CLDR es: no separator in a four-digit number
        (54000, "54,000", "54.000"),
        (1234567, "1,234,567", "1.234.567"),
        (-60000, "-60,000", "-60.000"),
    ],
)
def test_counts_with_thousands_separators(n: int, english: str, spanish: str) -> None:
    assert numbers.count(n, "en") == english
    assert numbers.count(n, "es") == spanish


def test_decimals_group_thousands_and_keep_the_sign() -> None:
    assert numbers.decimal(12345.678, 1, "en") == "12,345.7"
    assert numbers.decimal(12345.678, 1, "es") == "12.345,7"
    assert numbers.decimal(1234.5, 1, "es") == "1234,5"
    assert numbers.decimal(1234.5, 1, "es", sign=True) == "+1234,5"
    assert numbers.decimal(-0.5, 2, "es") == "-0,50"


def test_significant_digits_and_scientific_notation() -> None:
    assert numbers.number(0.001, 4, "en") == "0.001"
    assert numbers.number(0.001, 4, "es") == "0,001"
    assert numbers.number(1e-6, 4, "en") == "1e-06"
    assert numbers.number(2.5e-6, 4, "es") == "2,5·10⁻⁶"
    assert numbers.number(123456.0, 3, "es") == "1,23·10⁵"


@pytest.mark.parametrize(
    ("seconds", "english", "spanish"),
    [
        (-3.0, "0.0_s", "0,0_s"),
        (9.54, "9.5_s", "9,5_s"),
        (42.4, "42_s", "42_s"),
        (185.0, "3_min 05_s", "3_min 05_s"),
        (3725.0, "1_h 02_min", "1_h 02_min"),
        (36_000_000.0, "10,000_h 00_min", "10.000_h 00_min"),
    ],
)
def test_durations(seconds: float, english: str, spanish: str) -> None:
    # "_": a non-breaking space between a number and its unit, so that "42 s" never breaks.
    assert numbers.duration(seconds, "en") == english.replace("_", NBSP)
    assert numbers.duration(seconds, "es") == spanish.replace("_", NBSP)


def test_not_a_number_reads_as_a_dash() -> None:
    for language in numbers.LANGUAGES:
        assert numbers.percent(math.nan, 2, language) == numbers.NOT_A_NUMBER
        assert numbers.decimal(math.inf, 2, language) == numbers.NOT_A_NUMBER


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        numbers.percent(0.1, 2, "fr")


def test_spanish_marks_agree_with_cldr() -> None:
    # Babel carries the Unicode CLDR data: the marks here are the es locale's own.
    locale = Locale("es")
    assert locale.number_symbols["latn"]["decimal"] == ","
    assert locale.number_symbols["latn"]["group"] == "."
    assert locale.percent_formats[None].pattern == f"#,##0{NBSP}%"
    assert numbers.d3_locale("es")["decimal"] == ","
    assert numbers.d3_locale("es")["thousands"] == "."


def test_report_tables_use_the_one_home() -> None:
    # The report layer formats through numbers (English by default), not with copies.
    assert tables.percent is numbers.percent
    assert tables.interval_text is numbers.interval_text
    assert tables.p_value_text is numbers.p_value_text


@pytest.mark.parametrize("module", [numbers, errors], ids=lambda module: module.__name__)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted and not result.failed
