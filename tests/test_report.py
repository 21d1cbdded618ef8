"""Published table, computed comparison sentences and table renderings (the zip: test_export.py)."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from mlp_core.report import intervals, stats, tables


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return tables.load_published()


def hinton_row(published: pd.DataFrame) -> pd.Series:
    rows = published[published["classifier"].str.contains("784-500-300-10")]
    assert len(rows) == 1
    return rows.iloc[0]


def test_published_table_loads_with_its_source_columns(published):
    assert tuple(published.columns) == tables.PUBLISHED_COLUMNS
    assert len(published) > 50
    assert published["source_url"].str.startswith("http").all()
    assert published["test_error_pct"].between(0, 100).all()
    assert hinton_row(published)["test_error_pct"] == 1.51


def test_permutation_invariant_is_true_exactly_where_the_file_says_yes(published):
    with tables.PUBLISHED_CSV.open(newline="", encoding="utf-8") as file:
        marks = [row["permutation_invariant"].strip() for row in csv.DictReader(file)]
    assert set(marks) == {"yes", "no"}
    assert published["permutation_invariant"].dtype == bool
    assert published["permutation_invariant"].tolist() == [mark == "yes" for mark in marks]
    # The fair comparison class of a plain MLP: Hinton's MLP is in it, no convolutional net is.
    assert bool(hinton_row(published)["permutation_invariant"])
    convolutional = published[published["category"] == "Convolutional nets"]
    assert len(convolutional) > 10 and not convolutional["permutation_invariant"].any()


def numbers(text: str) -> list[float]:
    return [float(value) for value in re.findall(r"\d+\.\d+(?:e-\d+)?", text)]


@pytest.mark.parametrize(
    ("errors", "verdict"),
    [
        (141, "not significantly different at 95%"),
        (100, "ours is significantly lower at 95%"),  # 1.00% against 1.51%
        (200, "ours is significantly higher at 95%"),  # 2.00% against 1.51%
    ],
)
def test_sentence_states_the_direction_of_a_significant_difference(published, errors, verdict):
    sentence = tables.comparison_sentence(errors, 10000, hinton_row(published), name="Hinton")
    assert f"— {verdict} (binomial test" in sentence
    assert ("lower" in sentence, "higher" in sentence) == ("lower" in verdict, "higher" in verdict)


@pytest.mark.parametrize(("errors", "significant"), [(141, False), (100, True), (200, True)])
def test_sentence_numbers_are_the_stats_outputs(published, errors, significant):
    row = hinton_row(published)
    sentence = tables.comparison_sentence(errors, 10000, row, name="Hinton 784-500-300-10")
    result = stats.compare_with_published(errors, 10000, 0.0151)
    ours = intervals.wilson_interval(errors, 10000)
    # ours: E% [L, U] (n=10000, 95% Wilson); Hinton...: 1.51% — ... (binomial test p=P; ...)
    error, lower, upper, theirs, p_value, theirs_again = numbers(sentence)
    assert (error, lower, upper) == (
        round(100 * ours.error, 2),
        round(100 * ours.lower, 2),
        round(100 * ours.upper, 2),
    )
    assert theirs == theirs_again == 1.51
    assert p_value == float(
        f"{result.p_value:.2g}" if result.p_value >= 1e-3 else f"{result.p_value:.1e}"
    )
    assert "n=10000" in sentence
    assert ("not significantly different" in sentence) is (not significant)
    assert result.significant is significant
    assert ("inside" in sentence) is result.published_inside


def test_comparison_frame_holds_our_rows_and_published_rows(published):
    ours = tables.MeasuredResult("MLP 784-500-300-10", 141, 10000, "runs/test")
    knn = tables.MeasuredResult("kNN k=3", 295, 10000, "mlp_core.engine.knn", kind="baseline")
    frame = tables.comparison_frame([ours, knn], published)
    assert tuple(frame.columns) == tables.COMPARISON_COLUMNS
    assert list(frame["kind"].iloc[:2]) == ["ours", "baseline"]
    assert len(frame) == 2 + len(published)
    wilson = intervals.wilson_interval(295, 10000)
    assert frame.loc[1, "lower_pct"] == pytest.approx(100 * wilson.lower)
    published_rows = frame[frame["kind"] == "published"]
    assert published_rows["source_url"].notna().all()
    expected_p = stats.compare_with_published(141, 10000, 0.12).p_value
    assert published_rows.iloc[0]["p_value"] == expected_p


def test_markdown_and_latex_render_every_row():
    frame = pd.DataFrame(
        {"classifier": ["a|b", "c_d & 5%"], "error_pct": [1.4123, 12.0], "p_value": [0.43, None]}
    )
    markdown = tables.to_markdown(frame).splitlines()
    assert markdown[0] == "| classifier | error_pct | p_value |"
    assert markdown[1] == "| :--- | ---: | ---: |"
    assert markdown[2] == "| a\\|b | 1.41 | 0.43 |"
    assert markdown[3] == "| c_d & 5% | 12.00 |  |"
    latex = tables.to_latex(frame, caption="Test 5%")
    assert r"\toprule" in latex and r"\bottomrule" in latex and r"\midrule" in latex
    assert r"c\_d \& 5\% & 12.00 &  \\" in latex
    assert r"\caption{Test 5\%}" in latex
