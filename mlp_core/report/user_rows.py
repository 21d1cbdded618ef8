"""Classifiers a user types on the exercise-3 page: a name, errors (a count) or error %, and n.

`parse_user_rows` turns the page's editable table into `MeasuredResult` rows, and each invalid
row into a coded message (`mlp_core.errors.CodedText`, codes ``final.*``) that the page shows in
its reader's language; its ``str`` is the English.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from mlp_core.errors import CodedError, CodedText, register, text_of
from mlp_core.report.tables import MeasuredResult

#: Columns of the table where users add their own classifiers.
USER_COLUMNS: tuple[str, ...] = ("name", "errors", "error_pct", "n")

#: Why a user-typed classifier row is refused (`parse_user_rows`), by code; the page translates them.
MESSAGES = register(
    {
        "final.row": "row {row}: {problem}",
        "final.row_named": "row {row} ({name}): {problem}",
        "final.name": "give the classifier a name",
        "final.n_missing": "give n, the number of test examples (10000 for MNIST)",
        "final.number": "{what} must be a number, got {value}",
        "final.finite": "{what} must be a finite number, got {value}",
        "final.n_whole": "n must be a positive whole number of test examples, got {value}",
        "final.one_of": "give either errors (a count) or error % (a rate), exactly one of them",
        "final.errors_whole": "errors must be a whole number >= 0, got {value}",
        "final.rate_range": "error % must be between 0 and 100 (a percent), got {value}",
        "final.errors_exceed": "errors ({errors}) cannot exceed n ({n})",
    }
)


def _cell_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _shown(number: float) -> int | float:
    """A typed number as the message states it: ``300`` for 300.0, ``2.5`` for 2.5."""
    return int(number) if float(number).is_integer() else number


def _number(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CodedError("final.number", what=what, value=repr(value)) from None
    if not math.isfinite(number):
        raise CodedError("final.finite", what=what, value=repr(value))
    return number


def _user_row(row: Mapping[str, Any]) -> MeasuredResult:
    name = str(row.get("name") or "").strip()
    if not name:
        raise CodedError("final.name")
    if _cell_missing(row.get("n")):
        raise CodedError("final.n_missing")
    n = _number(row.get("n"), "n")
    if not n.is_integer() or n < 1:
        raise CodedError("final.n_whole", value=_shown(n))
    has_errors, has_rate = (
        not _cell_missing(row.get("errors")),
        not _cell_missing(row.get("error_pct")),
    )
    if has_errors == has_rate:
        raise CodedError("final.one_of")
    if has_errors:
        errors = _number(row.get("errors"), "errors")
        if not errors.is_integer() or errors < 0:
            raise CodedError("final.errors_whole", value=_shown(errors))
    else:
        rate = _number(row.get("error_pct"), "error %")
        if not 0 <= rate <= 100:
            raise CodedError("final.rate_range", value=_shown(rate))
        errors = round(rate * n / 100)  # the count the published rate stands for
    if errors > n:
        raise CodedError("final.errors_exceed", errors=_shown(errors), n=_shown(n))
    return MeasuredResult(name, int(errors), int(n), "added by the user", kind="baseline")


def parse_user_rows(frame: pd.DataFrame) -> tuple[list[MeasuredResult], list[CodedText]]:
    """User-typed classifiers -> (valid results, one message per invalid row).

    Columns `USER_COLUMNS`: ``name``; either ``errors`` (a count) or ``error_pct`` (a percent,
    converted to ``round(error_pct * n / 100)`` errors); ``n`` test examples. Blank rows are skipped.
    Each message is a `CodedText` (its ``str`` the English, e.g. ``"row 3 (bad): errors (300)
    cannot exceed n (100)"``), translated by the page.
    """
    results, problems = [], []
    for index, row in enumerate(frame.to_dict("records"), start=1):
        if all(_cell_missing(row.get(column)) for column in USER_COLUMNS):
            continue
        try:
            results.append(_user_row(row))
        except CodedError as error:
            name = str(row.get("name") or "").strip()
            problem = text_of(error)
            problems.append(
                CodedText("final.row_named", row=index, name=name, problem=problem)
                if name
                else CodedText("final.row", row=index, problem=problem)
            )
    return results, problems
