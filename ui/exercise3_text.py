"""The exercise-3 page's words: table headers and values, interval names, verdicts, published
categories and the computed comparison sentences, in the session's language.

`mlp_core.report` builds its tables with English column names and values (they go as they are into
the report zip's CSV files); this module translates them at the page edge, and builds the on-page
sentences from the numbers (`mlp_core.report.stats`), never from the English text.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from mlp_core.report import intervals, stats, tables
from ui.i18n import N_, _, count, decimal, interval_text, number, p_value, percent

#: Headers of the exercise-3 tables (`model_choice.candidates_frame`, `final_tables.*`).
COLUMN_LABELS = {
    "rank": N_("rank"), "configuration": N_("configuration"), "seeds": N_("seeds"),
    "mean_error_pct": N_("mean validation error %"), "min_error_pct": N_("lowest %"),
    "max_error_pct": N_("highest %"), "errors": N_("errors"), "n": N_("images"),
    "stopping_epoch": N_("stopping epoch"), "parameters": N_("parameters"),
    "method": N_("interval"), "error_pct": N_("test error %"), "lower_pct": N_("lower %"),
    "upper_pct": N_("upper %"), "width_pct": N_("width (points)"), "seed": N_("seed"),
    "seconds": N_("seconds"), "device": N_("device"), "classifier": N_("classifier"),
    "kind": N_("kind"), "source": N_("source"), "baseline": N_("baseline"),
    "only_ours_wrong": N_("only ours wrong"), "only_baseline_wrong": N_("only the baseline wrong"),
    "both_wrong": N_("both wrong"), "both_right": N_("both right"), "p": N_("p-value"),
    "verdict": N_("verdict"), "class": N_("class"),
}  # fmt: skip
#: Values of a table's ``kind`` column.
KIND_NAMES = {"ours": N_("ours"), "baseline": N_("baseline"), "published": N_("published")}
#: `intervals.METHODS` as the page names them.
METHOD_LABELS = {
    "normal": N_("normal approximation"),
    "wilson": N_("Wilson"),
    "clopper_pearson": N_("Clopper-Pearson (exact)"),
}
#: `final_tables.mcnemar_table`'s verdicts (a closed set of values, like a status).
VERDICTS = {
    "no significant difference": N_("no significant difference"),
    "ours significantly better": N_("ours significantly better"),
    "ours significantly worse": N_("ours significantly worse"),
}
#: Categories of ``mlp_core/report/reference/mnist_published.csv``.
CATEGORIES = {
    "Linear Classifiers": N_("Linear classifiers"),
    "K-Nearest Neighbors": N_("k nearest neighbours"),
    "Boosted Stumps": N_("Boosted stumps"),
    "Non-Linear Classifiers": N_("Non-linear classifiers"),
    "SVMs": N_("SVMs"),
    "Neural Nets": N_("Neural nets"),
    "Convolutional nets": N_("Convolutional nets"),
    "MLP (literature, not on LeCun page)": N_("MLP (literature, not on LeCun's page)"),
    "Pretrained deep net / DBN / DBM (literature, not on LeCun page)": N_(
        "Pretrained deep nets / DBN / DBM (literature, not on LeCun's page)"
    ),
    "Semi-supervised MLP trained with all 60k labels (literature, not on LeCun page)": N_(
        "Semi-supervised MLP trained with all 60k labels (literature, not on LeCun's page)"
    ),
}
#: `mlp_core.report.model_choice.SELECTION_RULE`, for the catalog (a test checks they are equal).
SELECTION_RULE = N_(
    "Among finished validation runs (never test runs), group by configuration (every field but the "
    "seed); score = mean validation error over the seeds run; lowest wins; ties: more seeds, then "
    "fewer parameters, then fewer epochs."
)
#: `MeasuredResult.source` of a classifier the reader typed.
USER_SOURCE = "added by the user"


def method_name(method: str) -> str:
    return _(METHOD_LABELS[method])


def category_name(category: str) -> str:
    return _(CATEGORIES[category]) if category in CATEGORIES else category


def column_labels() -> dict[str, str]:
    return {column: _(label) for column, label in COLUMN_LABELS.items()}


def _value_names() -> dict[str, dict[str, str]]:
    english_methods = {intervals.METHOD_NAMES[m]: method_name(m) for m in intervals.METHODS}
    return {
        "kind": {kind: _(name) for kind, name in KIND_NAMES.items()},
        "method": english_methods,
        "verdict": {verdict: _(name) for verdict, name in VERDICTS.items()},
        "source": {USER_SOURCE: _("added by you")},
        "category": {category: _(name) for category, name in CATEGORIES.items()},
    }


def _formatter(column: str, series: pd.Series):
    """How a column's numbers are written in the session's language (None: as they are)."""
    if str(column).endswith("_pct"):
        return lambda value: decimal(value, 2)
    if column == "p_value":
        return lambda value: number(value, 2)
    if column == "seconds":
        return lambda value: count(round(value))
    if column in ("errors", "n", "parameters") and pd.api.types.is_integer_dtype(series):
        return count
    return None


def shown(frame: pd.DataFrame) -> Styler:
    """``frame`` for the page: its English values (kind, method, verdict...) translated and its
    numbers in the session's marks (decimal comma in Spanish), missing values as "—"."""
    names = _value_names()
    data = frame.copy()
    for column, mapping in names.items():
        if column in data and not pd.api.types.is_numeric_dtype(data[column]):
            data[column] = [mapping.get(value, value) for value in data[column]]
    formats = {
        column: formatter
        for column in data.columns
        if (formatter := _formatter(str(column), data[column])) is not None
    }
    return data.style.format(formats, na_rep="—")


def confidence_text(probability: float) -> str:
    """A softmax probability as a percent; float16 storage cannot tell values above 0.9995 from
    1 (`final_tables.confidence_text` in the session's language)."""
    return (
        _(">{share}").format(share=percent(0.999, 1))
        if probability >= 0.9995
        else percent(probability, 1)
    )


def level_text(confidence: float) -> str:
    """``95%`` / ``95 %``: a confidence level."""
    digits = 0 if round(100 * confidence, 6).is_integer() else 1
    return percent(confidence, digits)


def comparison_sentence(
    errors: int, n: int, row: tables.Row, confidence: float, method: str, name: str
) -> str:
    """Our ``errors`` of ``n`` against one published row, computed by
    `stats.compare_with_published` (the page's version of `tables.comparison_sentence`)."""
    result = stats.compare_with_published(errors, n, tables.published_rate(row), confidence, method)
    level, theirs = level_text(result.ours.confidence), percent(result.published_rate)
    if not result.significant:
        verdict = _("not significantly different at {level}").format(level=level)
    elif result.ours.error < result.published_rate:
        verdict = _("ours is significantly lower at {level}").format(level=level)
    else:
        verdict = _("ours is significantly higher at {level}").format(level=level)
    where = (
        _("{theirs} is inside our interval")
        if result.published_inside
        else _("{theirs} is outside our interval")
    ).format(theirs=theirs)
    return _(
        "ours: {ours} ({level}, {method}); {name}: {theirs} — {verdict} (binomial test {p}; "
        "{where})"
    ).format(
        ours=interval_text(result.ours), level=level, method=method_name(method), name=name,
        theirs=theirs, verdict=verdict, p=p_value(result.p_value), where=where,
    )  # fmt: skip


def quoted(name: str) -> str:
    """A published classifier's own (English) description, quoted as a citation."""
    return _("“{name}”").format(name=name)
