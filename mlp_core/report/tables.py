"""Tables and sentences for the exercise-3 report, built from stored numbers (no torch).

Published MNIST results live in ``mlp_core/reference/mnist_published.csv`` (see the README there for
where each figure comes from). Tables show rates in percent (columns ending in ``_pct``); everything
passed to `mlp_core.report.intervals` and `stats` is a fraction in [0, 1]. Every number a sentence or a
table states is computed here from counts by those two modules; none is typed in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd

from mlp_core.report import intervals, stats

# Number formatting lives in `mlp_core.report.numbers` (both languages); the names stay importable
# from here for the existing callers.
from mlp_core.report.numbers import interval_text, p_value_text, percent

#: A published row: a row of `load_published` (Series) or a plain mapping with the same keys.
Row: TypeAlias = Mapping[str, Any] | pd.Series

PUBLISHED_CSV = Path(__file__).resolve().parent / "reference" / "mnist_published.csv"

#: Columns of the published CSV, in file order.
PUBLISHED_COLUMNS: tuple[str, ...] = (
    "category",
    "classifier",
    "preprocessing",
    "test_error_pct",
    "reference",
    "year",
    "source_url",
    "permutation_invariant",
)

#: Columns of `comparison_frame`, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "kind",
    "classifier",
    "error_pct",
    "lower_pct",
    "upper_pct",
    "errors",
    "n",
    "p_value",
    "preprocessing",
    "permutation_invariant",
    "category",
    "reference",
    "year",
    "source_url",
    "source",
)


@dataclass(frozen=True)
class MeasuredResult:
    """A classifier measured in this project on a test set: ``errors`` of ``n`` examples.

    ``kind`` is "ours" (the final MLP) or "baseline" (kNN, softmax regression...); ``source`` says
    where the count comes from (e.g. a run key in ``runs/``).
    """

    classifier: str
    errors: int
    n: int
    source: str
    kind: str = "ours"


def load_published(path: Path | None = None) -> pd.DataFrame:
    """Published MNIST test errors, one row per classifier, with their sources.

    Columns: `PUBLISHED_COLUMNS`; ``test_error_pct`` is a percent, ``year`` a nullable integer,
    ``permutation_invariant`` a bool (True: no convolution, deskewing or distortions, the fair
    comparison class for a plain MLP).
    """
    path = Path(path or PUBLISHED_CSV)
    if not path.is_file():
        raise FileNotFoundError(f"published-results table not found at {path}")
    frame = pd.read_csv(path)
    missing = [column for column in PUBLISHED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"{path} lacks column(s) {missing}")
    frame["year"] = frame["year"].astype("Int64")
    frame["permutation_invariant"] = frame["permutation_invariant"].str.strip().eq("yes")
    return frame


def published_rate(row: Row) -> float:
    """A published row's test error as a fraction in [0, 1]."""
    return float(row["test_error_pct"]) / 100.0


def published_name(row: Row) -> str:
    """``"classifier (reference)"`` for a published row, or just the classifier without one."""
    reference = row.get("reference")
    if reference is None or (isinstance(reference, float) and math.isnan(reference)):
        return str(row["classifier"])
    return f"{row['classifier']} ({reference})"


def comparison_sentence(
    errors: int,
    n: int,
    row: Row,
    confidence: float = 0.95,
    method: str = "wilson",
    ours_label: str = "ours",
    name: str | None = None,
) -> str:
    """One computed sentence comparing our ``errors`` of ``n`` with a published row.

    E.g. ``"ours: 1.41% [1.19, 1.66] (n=10000, 95% Wilson); Backprop MLP 784-500-300-10 (...):
    1.51% — not significantly different at 95% (binomial test p=0.43; 1.51% is inside our
    interval)"``. Uses `mlp_core.report.stats.compare_with_published`; ``name`` overrides
    `published_name`.
    """
    result = stats.compare_with_published(errors, n, published_rate(row), confidence, method)
    level = f"{100 * result.ours.confidence:g}%"
    ours = interval_text(result.ours)[:-1] + f", {level} {intervals.METHOD_NAMES[method]})"
    theirs = percent(result.published_rate)
    if not result.significant:
        verdict = f"not significantly different at {level}"
    else:
        direction = "lower" if result.ours.error < result.published_rate else "higher"
        verdict = f"ours is significantly {direction} at {level}"
    where = "inside" if result.published_inside else "outside"
    return (
        f"{ours_label}: {ours}; {name or published_name(row)}: {theirs} — {verdict} "
        f"(binomial test {p_value_text(result.p_value)}; {theirs} is {where} our interval)"
    )


def measured_row(
    result: MeasuredResult, confidence: float = 0.95, method: str = "wilson"
) -> dict[str, object]:
    """One measured classifier as a table row: its error and ``method`` interval in percent."""
    interval = intervals.error_interval(result.errors, result.n, confidence, method)
    return {
        "kind": result.kind,
        "classifier": result.classifier,
        "error_pct": 100 * interval.error,
        "lower_pct": 100 * interval.lower,
        "upper_pct": 100 * interval.upper,
        "errors": interval.errors,
        "n": interval.n,
        "source": result.source,
    }


def comparison_frame(
    results: Sequence[MeasuredResult],
    published: pd.DataFrame | None = None,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Our rows, baselines and published rows in one table with their sources.

    Measured rows get ``error_pct`` with its ``method`` interval (``lower_pct``, ``upper_pct``) in
    percent. Published rows keep their reported percent (no interval: only the rate is published)
    and get ``p_value``, the two-sided binomial test of the first "ours" row against their rate
    (empty when there is no "ours" row). Columns: `COMPARISON_COLUMNS`.
    """
    rows: list[dict[str, object]] = []
    for result in results:
        if result.kind not in ("ours", "baseline"):
            raise ValueError(f"kind must be 'ours' or 'baseline', got {result.kind!r}")
        rows.append(measured_row(result, confidence, method))
    main = next((result for result in results if result.kind == "ours"), None)
    for _, row in (published if published is not None else pd.DataFrame()).iterrows():
        entry = {column: row.get(column) for column in PUBLISHED_COLUMNS}
        entry.update(kind="published", error_pct=float(row["test_error_pct"]))
        entry["source"] = row.get("source_url")
        if main is not None:
            entry["p_value"] = stats.compare_with_published(
                main.errors, main.n, published_rate(row), confidence, method
            ).p_value
        rows.append(entry)
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    for column in ("errors", "n", "year"):
        frame[column] = frame[column].astype("Int64")
    frame["permutation_invariant"] = frame["permutation_invariant"].astype("boolean")
    return frame


# -- text renderings ---------------------------------------------------------------------------


def _cell(value: object, decimals: int | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{decimals}f}" if decimals is not None else f"{value:.4g}"
    return str(value)


def _rendered(frame: pd.DataFrame, decimals: Mapping[str, int] | None) -> list[list[str]]:
    # Percent columns ("*_pct") default to 2 decimals, other floats to 4 significant digits.
    places = [
        (decimals or {}).get(str(column), 2 if str(column).endswith("_pct") else None)
        for column in frame.columns
    ]
    return [
        [_cell(value, digits) for value, digits in zip(row, places, strict=True)]
        for row in frame.astype(object).itertuples(index=False)
    ]


def _numeric(frame: pd.DataFrame) -> list[bool]:
    return [
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        for dtype in frame.dtypes
    ]


def to_markdown(frame: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned), without ``tabulate``.

    Floats print with 4 significant digits (2 decimals in ``*_pct`` columns) unless ``decimals``
    gives a column's decimal places; missing values print empty; ``|`` in text is escaped.
    """
    header = [str(column).replace("|", "\\|") for column in frame.columns]
    body = [[cell.replace("|", "\\|") for cell in row] for row in _rendered(frame, decimals)]
    rule = ["---:" if numeric else ":---" for numeric in _numeric(frame)]
    lines = ["| " + " | ".join(cells) + " |" for cells in [header, rule, *body]]
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text."""
    return "".join(_LATEX_SPECIAL.get(character, character) for character in text)


def to_latex(
    frame: pd.DataFrame,
    caption: str | None = None,
    label: str | None = None,
    decimals: Mapping[str, int] | None = None,
) -> str:
    """A booktabs ``table`` environment (needs ``\\usepackage{booktabs}``), written by hand.

    Cell formatting as in `to_markdown`; text is escaped with `latex_escape`.
    """
    columns = "".join("r" if numeric else "l" for numeric in _numeric(frame))
    lines = [r"\begin{table}[ht]", r"\centering", rf"\begin{{tabular}}{{@{{}}{columns}@{{}}}}"]
    lines.append(r"\toprule")
    lines.append(" & ".join(latex_escape(str(column)) for column in frame.columns) + r" \\")
    lines.append(r"\midrule")
    for row in _rendered(frame, decimals):
        lines.append(" & ".join(latex_escape(cell) for cell in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
